/**
 * The scheduler's time rules, as named constants and pure functions: how far ahead a tick plans,
 * how late a job may start, how long a silent check is given before it is declared overdue, and
 * the SQS delay of a job. The SQL in this folder takes its numbers from here.
 */
import { QUEUE_LIMITS } from '#ports/queue.ts';

/** EventBridge invokes the scheduler `rate(1 minute)`; locally a timer does the same. */
export const TICK_MS = 60_000;

/**
 * A tick plans up to `now + TICK_MS + PLAN_AHEAD_MS`: every job is on its queue this long before
 * it is due, so a tick that fires up to 15 s late (EventBridge promises a minute, not a second)
 * still delivers every job on time. The price: a state change moves a check to its new interval
 * up to 75 s later.
 */
export const PLAN_AHEAD_MS = 15_000;

/**
 * A tick this soon after the previous one is a duplicate invocation (EventBridge and Lambda retries
 * deliver at least once) and does nothing: the previous tick planned past its end already.
 */
export const DUPLICATE_TICK_MS = TICK_MS / 2;

/** The most a job may start after it is due; see {@link startSlackMs}. */
export const MAX_START_SLACK_MS = 60_000;

/**
 * Time allowed, on top of a job's slack and timeout, for its result to reach the results queue and
 * be applied (batching, retries) and for the next tick to look: see {@link overdueGraceMs}.
 */
export const RESULT_MARGIN_MS = 60_000;

/**
 * How late after its due time a job may still start (`startByMs = dueAtMs + slack`): half the
 * interval, at most a minute. A job that waited longer is dropped by the worker, because the next
 * run is then nearer than this one was late, and a burst of stale runs would only pile up.
 */
export function startSlackMs(intervalMs: number): number {
  return Math.min(Math.floor(intervalMs / 2), MAX_START_SLACK_MS);
}

/**
 * How long after a run's due time its result may arrive before the check is overdue: the job may
 * start `slack` late and run for `timeout`, and its result needs {@link RESULT_MARGIN_MS} to come
 * through. Mirrored in the overdue query (overdue.ts), which takes these constants as parameters.
 */
export function overdueGraceMs(intervalMs: number, timeoutMs: number): number {
  return startSlackMs(intervalMs) + timeoutMs + RESULT_MARGIN_MS;
}

/**
 * SQS `DelaySeconds` for a job due at `dueAtMs`: whole seconds until then, rounded down so a job is
 * never visible after it is due, clamped to SQS's 0-900.
 */
export function delaySecondsUntil(dueAtMs: number, nowMs: number): number {
  return Math.min(QUEUE_LIMITS.maxDelaySeconds, Math.max(0, Math.floor((dueAtMs - nowMs) / 1_000)));
}

/** The last due time `phaseMs + k × intervalMs` at or before `atMs`. */
export function lastDueAtOrBefore(phaseMs: number, intervalMs: number, atMs: number): number {
  return phaseMs + Math.floor((atMs - phaseMs) / intervalMs) * intervalMs;
}
