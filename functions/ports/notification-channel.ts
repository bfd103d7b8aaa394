/**
 * Where notifications go: email (SMTP locally, SES when deployed), webhooks (JSON signed with
 * HMAC, or a Slack-compatible body) and SMS (SNS). The notifier renders a message once and hands
 * it to the channel of each recipient; a channel only delivers. A failing channel throws
 * {@link ChannelError}: the notifier retries with backoff when it is retryable and gives up
 * (the notification is then dead, visible in the API) when it is not or when retries run out.
 */
import type { ChannelKind } from '#core/alerting/policy.ts';

export { CHANNEL_KINDS, type ChannelKind } from '#core/alerting/policy.ts';

export type NotificationKind = 'problem' | 'recovery' | 'acknowledgement' | 'escalation' | 'reminder' | 'summary';

/** One check a notification is about. */
export interface NotifiedCheck {
  checkId: string;
  kind: string;
  name: string;
  /** The host of a service or trap, or the host itself. */
  host?: string;
  /** Status names: OK, WARNING, CRITICAL... */
  status: string;
  previousStatus: string;
  output: string;
  /** When the check entered this status. */
  sinceMs: number;
  /** For an acknowledgement: who acknowledged it and why. */
  acknowledgement?: { by: string; comment: string };
}

export interface NotificationMessage {
  /** Unique per (notification, recipient, channel): receivers de-duplicate retries by it. */
  id: string;
  siteId: string;
  siteName: string;
  kind: NotificationKind;
  /** One line: `CRITICAL: web-1/http`, `Recovered: web-1/http`, `42 checks changed state`. */
  subject: string;
  /** Plain text, a few lines; for a summary one line per check. */
  text: string;
  atMs: number;
  /** One check, or for a summary every check it stands for. */
  checks: NotifiedCheck[];
}

/** Who receives it on one channel, and the channel's own settings from the contact's configuration. */
export interface Recipient {
  contact: string;
  /** For email. */
  email?: string;
  /** For SMS, E.164 (`+447700900123`). */
  phone?: string;
  /** For webhook and slack: the URL to POST to. */
  url?: string;
  /** For webhook: the HMAC-SHA256 key the receiver verifies the signature with. A secret: never logged. */
  secret?: string;
}

export interface NotificationChannel {
  readonly kind: ChannelKind;
  /** Delivers, or throws {@link ChannelError}. Must give up by `deadlineMs` (wall-clock epoch ms, `Date.now()`). */
  send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void>;
  /** Releases connections (an SMTP pool); optional. */
  close?(): Promise<void>;
}

export class ChannelError extends Error {
  constructor(
    message: string,
    /** True when trying again later may succeed (timeouts, 5xx, 429, connection refused). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChannelError';
  }
}
