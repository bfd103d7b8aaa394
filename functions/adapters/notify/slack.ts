/**
 * The `slack` channel: a message for a Slack incoming webhook (and the many chat tools that take
 * the same body: Mattermost, Rocket.Chat, Discord's `/slack` endpoint): `text` for notifications
 * and clients without blocks, and Block Kit `blocks` for the message itself. Slack refuses a body
 * over its limits with 400 `invalid_blocks`, so everything is cut to fit here, a summary of
 * hundreds of checks included, saying how many checks were left out.
 */
import type { NotificationChannel, NotificationMessage, NotifiedCheck, Recipient } from '#ports/notification-channel.ts';
import { postToUrl, type HttpPostOptions } from './http-post.ts';

/** Limits of Slack's Block Kit (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  /** Blocks in one message. */
  maxBlocks: 50,
  /** Characters of a section block's text. */
  maxSectionChars: 3000,
  /** Characters of a header block's plain text. */
  maxHeaderChars: 150,
  /** Characters of the top-level `text`; Slack allows 40,000, but it is only the fallback. */
  maxFallbackChars: 3000,
} as const;

/** Characters of one check's line in a summary, so that one long output cannot crowd the others out. */
const MAX_CHECK_LINE_CHARS = 300;

interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] };

export interface SlackBody {
  text: string;
  blocks: SlackBlock[];
}

export class SlackChannel implements NotificationChannel {
  readonly kind = 'slack' as const;

  constructor(private readonly options: HttpPostOptions = {}) {}

  async send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void> {
    await postToUrl('Slack webhook', recipient.url, JSON.stringify(slackBody(message)), { 'content-type': 'application/json' }, deadlineMs, this.options);
  }
}

/**
 * The header (the subject), the site and time, then the text; for a summary, one line per check
 * instead of the text (which says the same, less compactly), in as many sections as fit.
 */
export function slackBody(message: NotificationMessage): SlackBody {
  const atS = Math.floor(message.atMs / 1000);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(message.subject, SLACK_LIMITS.maxHeaderChars) } },
    {
      type: 'context',
      // Slack shows the date in the reader's time zone; the ISO time is the fallback.
      elements: [{ type: 'mrkdwn', text: `Site *${escapeMrkdwn(message.siteName)}* · <!date^${atS}^{date_short_pretty} {time_secs}|${new Date(message.atMs).toISOString()}>` }],
    },
  ];
  if (message.kind === 'summary' && message.checks.length > 0) blocks.push(...checkListBlocks(message.checks, SLACK_LIMITS.maxBlocks - blocks.length));
  else if (message.text.trim() !== '') blocks.push(section(message.text));
  return { text: truncateEscaped(`${message.subject}\n${message.text}`.trim(), SLACK_LIMITS.maxFallbackChars), blocks };
}

/**
 * One line per check, packed into sections of at most maxSectionChars, in at most `room` blocks;
 * when the checks do not all fit, the last block says how many were left out.
 */
function checkListBlocks(checks: readonly NotifiedCheck[], room: number): SlackBlock[] {
  const lines = checks.map((check) => truncateEscaped(`*${check.status}* ${displayName(check)} (was ${check.previousStatus}): ${check.output}`, MAX_CHECK_LINE_CHARS));
  const sections: string[] = [];
  let shown = 0;
  for (const line of lines) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SLACK_LIMITS.maxSectionChars) sections[sections.length - 1] = `${last}\n${line}`;
    // Keep a block free for the "more" line unless this is the last check.
    else if (sections.length < room - (shown + 1 < lines.length ? 1 : 0)) sections.push(line);
    else break;
    shown += 1;
  }
  const blocks: SlackBlock[] = sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  const left = checks.length - shown;
  if (left > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${left} more check${left === 1 ? '' : 's'}` }] });
  return blocks;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateEscaped(text, SLACK_LIMITS.maxSectionChars) } };
}

function displayName(check: NotifiedCheck): string {
  return check.host === undefined || check.host === '' ? check.name : `${check.host}/${check.name}`;
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions), so text from checks must escape them. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped, then cut to `maxChars` without splitting an entity. */
function truncateEscaped(text: string, maxChars: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= maxChars) return escaped;
  return `${escaped.slice(0, maxChars - 1).replace(/&[a-z]*$/, '')}…`;
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
