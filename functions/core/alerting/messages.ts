/**
 * What a notification says, rendered once for every channel: a one-line subject (what an SMS
 * and a push preview show) and a few lines of text. A summary stands for many checks at once,
 * one line each, worst first.
 */
import { parseStatus, statusRank } from '../status.ts';
import type { NotificationKind, NotificationMessage, NotifiedCheck } from '../../ports/notification-channel.ts';

/** Checks a summary lists in full; the rest are counted. */
const SUMMARY_LINES = 50;

export function renderNotification(
  kind: NotificationKind,
  site: { id: string; name: string },
  checks: readonly NotifiedCheck[],
  atMs: number,
  id: string,
): NotificationMessage {
  const { subject, text } = kind === 'summary' ? summary(checks) : single(kind, checks[0]!);
  return { id, siteId: site.id, siteName: site.name, kind, subject, text, atMs, checks: [...checks] };
}

const rank = (status: string) => statusRank(parseStatus(status) ?? 'UNKNOWN');
const label = (check: NotifiedCheck) => (check.host && check.host !== check.name ? `${check.host}/${check.name}` : check.name);

function single(kind: NotificationKind, check: NotifiedCheck) {
  const since = new Date(check.sinceMs).toISOString();
  switch (kind) {
    case 'recovery':
      return {
        subject: `Recovered: ${label(check)} is ${check.status}`,
        text: `${label(check)} recovered (${check.previousStatus} -> ${check.status}) at ${since}.\n${check.output}`,
      };
    case 'acknowledgement':
      return {
        subject: `Acknowledged, ${check.status}: ${label(check)}`,
        text: `${check.acknowledgement?.by ?? 'someone'} acknowledged ${label(check)} (${check.status} since ${since}): ${check.acknowledgement?.comment ?? ''}\n${check.output}`,
      };
    case 'reminder':
      return {
        subject: `Still ${check.status}: ${label(check)}`,
        text: `${label(check)} has been ${check.status} since ${since} and nobody has acknowledged it.\n${check.output}`,
      };
    case 'escalation':
      return {
        subject: `Escalated, ${check.status}: ${label(check)}`,
        text: `${label(check)} has been ${check.status} since ${since}, unacknowledged: escalated to you.\n${check.output}`,
      };
    default:
      return {
        subject: `${check.status}: ${label(check)}`,
        text: `${label(check)} is ${check.status} (was ${check.previousStatus}) since ${since}.\n${check.output}`,
      };
  }
}

function summary(checks: readonly NotifiedCheck[]) {
  const problems = checks.filter((check) => rank(check.status) > statusRank('OK'));
  const ordered = [...checks].sort((a, b) => rank(b.status) - rank(a.status) || label(a).localeCompare(label(b)));
  const lines = ordered.slice(0, SUMMARY_LINES).map((check) => `${check.status.padEnd(8)} ${label(check)}: ${firstLine(check.output)}`);
  if (ordered.length > SUMMARY_LINES) lines.push(`... and ${ordered.length - SUMMARY_LINES} more`);
  return {
    subject: `${checks.length} checks changed state (${problems.length} problems, ${checks.length - problems.length} recovered)`,
    text: `Many checks changed state at once: one summary instead of ${checks.length} messages.\n${lines.join('\n')}`,
  };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
