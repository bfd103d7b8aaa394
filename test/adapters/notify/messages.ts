/** Notifications for the channel tests, and the assertion they all make on failures. */
import assert from 'node:assert/strict';
import { ChannelError, type NotificationMessage, type NotifiedCheck } from '#ports/notification-channel.ts';

export const AT_MS = Date.UTC(2025, 2, 14, 9, 30, 0);

export function check(overrides: Partial<NotifiedCheck> = {}): NotifiedCheck {
  return {
    checkId: 'chk-1',
    kind: 'service',
    name: 'http',
    host: 'web-1',
    status: 'CRITICAL',
    previousStatus: 'OK',
    output: 'HTTP 503 Service Unavailable - 120 bytes in 0.004 s',
    sinceMs: AT_MS - 60_000,
    ...overrides,
  };
}

export function problem(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    id: 'ntf-42.contact-7.webhook',
    siteId: 'site-1',
    siteName: 'Acme Production',
    kind: 'problem',
    subject: 'CRITICAL: web-1/http',
    text: 'web-1/http is CRITICAL (was OK)\nHTTP 503 Service Unavailable - 120 bytes in 0.004 s',
    atMs: AT_MS,
    checks: [check()],
    ...overrides,
  };
}

/** A summary of `count` checks, each with an output longer than a Slack list line (300 characters). */
export function summary(count: number): NotificationMessage {
  const checks = Array.from({ length: count }, (_, i) =>
    check({ checkId: `chk-${i}`, host: `web-${i}`, name: 'http', output: `HTTP 503 <upstream & co> failed after ${i} ms ${'x'.repeat(400)}` }),
  );
  return problem({
    id: 'ntf-summary.contact-7.slack',
    kind: 'summary',
    subject: `${count} checks changed state`,
    text: checks.map((c) => `${c.host}/${c.name} is ${c.status} (was ${c.previousStatus}): ${c.output}`).join('\n'),
    checks,
  });
}

/** A deadline `ms` from now. */
export function inMs(ms: number): number {
  return Date.now() + ms;
}

/** The ChannelError `promise` rejects with; fails when it resolves or rejects with anything else. */
export async function channelError(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => assert.fail('expected the send to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ChannelError, `expected a ChannelError, got ${String(error)}`);
  return error;
}
