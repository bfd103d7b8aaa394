import type { ChannelKind } from '#core/alerting/policy.ts';
import { DELIVER_WAKE_UP } from '#core/messages.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { NotificationChannel } from '#ports/notification-channel.ts';
import { QUEUE_LIMITS, type Queue } from '#ports/queue.ts';
import type { Database } from '#store/database.ts';

export interface NotifierSettings {
  /**
   * A new notification waits until its contact has had no newer one on the channel for this
   * long. Two things happen in that time: a burst of changes for one contact is gathered into
   * one summary (flood control), and a service whose host went down with it is seen to be
   * suppressed before anyone is paged.
   */
  floodWindowMs: number;
  /** However long a burst goes on, its first notification waits no longer than this. */
  floodMaxHoldMs: number;
  /** More than this many notifications for one contact on one channel at once: one summary instead. */
  floodThreshold: number;
  /** Tries before a notification is given up (dead, listed in the API). */
  maxAttempts: number;
  /** Backoff after the first failure; doubles each time, up to maxRetryMs. */
  firstRetryMs: number;
  maxRetryMs: number;
  /** One channel send may take this long. */
  sendTimeoutMs: number;
  /** A claimed notification not settled by then (its notifier died) is tried again. */
  leaseMs: number;
  /** Sends in flight at once. */
  concurrency: number;
}

export const DEFAULT_NOTIFIER_SETTINGS: NotifierSettings = Object.freeze({
  floodWindowMs: 10_000,
  floodMaxHoldMs: 60_000,
  floodThreshold: 5,
  maxAttempts: 5,
  firstRetryMs: 30_000,
  maxRetryMs: 15 * 60_000,
  sendTimeoutMs: 10_000,
  leaseMs: 120_000,
  concurrency: 8,
});

export interface NotifierDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  /** The channels configured here; a notification for a channel not in it is dead, with the reason. */
  channels: ReadonlyMap<ChannelKind, NotificationChannel>;
  /**
   * The notifier's own queue: wake-ups go on it delayed until what was just decided comes due.
   * Without one, the scheduler's minute sweep delivers (later, but nothing is lost).
   */
  wakeUps?: Queue;
  settings?: Partial<NotifierSettings>;
}

export function settingsOf(deps: NotifierDeps): NotifierSettings {
  return { ...DEFAULT_NOTIFIER_SETTINGS, ...deps.settings };
}

/** Asks for a delivery pass once `afterMs` has passed (rounded up to SQS's whole seconds, at most 15 minutes). */
export async function wakeUpAfter(deps: NotifierDeps, afterMs: number): Promise<void> {
  if (!deps.wakeUps) return;
  const delaySeconds = Math.min(QUEUE_LIMITS.maxDelaySeconds, Math.max(0, Math.ceil(afterMs / 1000)));
  const { failed } = await deps.wakeUps.send([{ body: DELIVER_WAKE_UP, delaySeconds }]);
  if (failed.length > 0) deps.log.warn('could not queue a delivery wake-up; the minute sweep will deliver', { reason: failed[0]!.reason });
}
