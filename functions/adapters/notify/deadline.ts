/**
 * Every channel must give up by the notifier's deadline (epoch ms): a delivery still hanging then
 * would hold the notifier's Lambda invocation until its own timeout, and be retried as if lost.
 */
import { ChannelError } from '#ports/notification-channel.ts';

export interface Deadline {
  /** Aborts at the deadline. */
  signal: AbortSignal;
  /** The time left when the delivery started, for error messages. */
  remainingMs: number;
}

/** A signal that aborts at `deadlineMs`; a retryable ChannelError when that has already passed. */
export function startDeadline(what: string, deadlineMs: number): Deadline {
  const remainingMs = Math.ceil(deadlineMs - Date.now());
  if (remainingMs <= 0) throw new ChannelError(`${what} not sent: the deadline had passed`, true);
  return { signal: AbortSignal.timeout(remainingMs), remainingMs };
}
