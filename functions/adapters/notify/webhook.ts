/**
 * The `webhook` channel: the notification as JSON, POSTed to the contact's URL, signed when the
 * contact has a secret. The signature scheme is Stripe's and Slack's: HMAC-SHA256 over
 * `${timestamp}.${body}`, so a receiver that checks the timestamp is recent also refuses a
 * captured request replayed later. The `X-Vigil-Notification-Id` header stays the same across
 * retries of one notification, so a receiver de-duplicates by it.
 *
 * @example A receiver (Node):
 * ```ts
 * const ok = verifyWebhookSignature(secret, req.headers['x-vigil-timestamp'], rawBody, req.headers['x-vigil-signature'], Date.now());
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '#ports/clock.ts';
import type { NotificationChannel, NotificationKind, NotificationMessage, NotifiedCheck, Recipient } from '#ports/notification-channel.ts';
import { postToUrl, type HttpPostOptions } from './http-post.ts';

/** How far a receiver lets a signed timestamp be from its own clock, by default: Stripe's 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_S = 300;

const SIGNATURE_PREFIX = 'sha256=';

/** The JSON a webhook receives. */
export interface WebhookBody {
  /** The notification's id: the same on every retry. */
  id: string;
  site: { id: string; name: string };
  kind: NotificationKind;
  subject: string;
  text: string;
  /** When the notification was raised, ISO 8601. */
  at: string;
  /** The checks as the notifier gave them, with `since` (ISO 8601) for `sinceMs`. */
  checks: (Omit<NotifiedCheck, 'sinceMs'> & { since: string })[];
}

export interface WebhookChannelOptions extends HttpPostOptions {
  /** Stamps `X-Vigil-Timestamp`. @defaultValue systemClock */
  clock?: Clock;
}

export class WebhookChannel implements NotificationChannel {
  readonly kind = 'webhook' as const;
  private readonly clock: Clock;

  constructor(private readonly options: WebhookChannelOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void> {
    const body = JSON.stringify(webhookBody(message));
    // The time of this attempt, not of the notification: a retry an hour later must still verify.
    const timestampS = Math.floor(this.clock.nowMs() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-vigil-notification-id': message.id,
      'x-vigil-timestamp': String(timestampS),
    };
    if (recipient.secret) headers['x-vigil-signature'] = signWebhook(recipient.secret, timestampS, body);
    await postToUrl('webhook', recipient.url, body, headers, deadlineMs, this.options);
  }
}

export function webhookBody(message: NotificationMessage): WebhookBody {
  return {
    id: message.id,
    site: { id: message.siteId, name: message.siteName },
    kind: message.kind,
    subject: message.subject,
    text: message.text,
    at: new Date(message.atMs).toISOString(),
    checks: message.checks.map(({ sinceMs, ...check }) => ({ ...check, since: new Date(sinceMs).toISOString() })),
  };
}

/** The `X-Vigil-Signature` value: `sha256=` and the hex HMAC-SHA256 of `${timestampS}.${body}`. */
export function signWebhook(secret: string, timestampS: number, body: string | Buffer): string {
  return `${SIGNATURE_PREFIX}${createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex')}`;
}

/**
 * Whether a webhook request is Vigil's and recent: `header` (`X-Vigil-Signature`) is the HMAC of
 * `timestamp` (`X-Vigil-Timestamp`) and the raw `body` as received, and the timestamp is within
 * `toleranceS` of `nowMs`. Pass the body's bytes as they arrived: parsed and re-serialised JSON
 * may differ. Compares in constant time.
 *
 * @example
 * ```ts
 * verifyWebhookSignature(secret, req.headers['x-vigil-timestamp'], rawBody, req.headers['x-vigil-signature'], Date.now());
 * ```
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  header: string | undefined,
  nowMs: number,
  toleranceS: number = DEFAULT_SIGNATURE_TOLERANCE_S,
): boolean {
  const timestampS = typeof timestamp === 'number' ? timestamp : /^\d{1,12}$/.test(timestamp ?? '') ? Number(timestamp) : Number.NaN;
  if (!Number.isSafeInteger(timestampS) || Math.abs(nowMs / 1000 - timestampS) > toleranceS) return false;
  if (header === undefined || !header.startsWith(SIGNATURE_PREFIX)) return false;
  const given = Buffer.from(header.slice(SIGNATURE_PREFIX.length), 'hex');
  const expected = Buffer.from(signWebhook(secret, timestampS, body).slice(SIGNATURE_PREFIX.length), 'hex');
  // timingSafeEqual throws on buffers of different lengths; a length says nothing of the secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
