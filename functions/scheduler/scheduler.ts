/**
 * The scheduler's tick, run every minute (EventBridge `rate(1 minute)` in AWS, a timer locally):
 *
 * 1. claim the next window (tick-window.ts: continues where the last tick stopped, so nothing is
 *    planned twice or skipped);
 * 2. plan every run due in it with one query (plan-tick.ts), time periods applied;
 * 3. send each job to its region's check queue, delayed until due; jobs of regions without a
 *    worker become ERROR results (dispatch.ts);
 * 4. send a TIMEOUT result for every run that is overdue (overdue.ts), and a CRITICAL result for
 *    every passive check whose freshness has lapsed (freshness.ts);
 * 5. record the window, in the same transaction that locked it.
 *
 * Sending happens while the window is locked and before it is recorded: a tick that throws
 * half-way (a queue is unreachable) leaves the window unplanned and the next tick plans it again,
 * so a window is never lost; the rare duplicate is one more run of a check. Messages a queue
 * refuses one by one are logged and counted (`failedToSend`), not retried: that check's next run
 * is one interval away, and overdue detection reports a check whose runs keep getting lost.
 */
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { Queue } from '#ports/queue.ts';
import type { Database } from '#store/database.ts';
import { dispatchJobs, sendAll } from './dispatch.ts';
import { findStale } from './freshness.ts';
import { findOverdue } from './overdue.ts';
import { planTick } from './plan-tick.ts';
import { claimTickWindow, recordTickWindow } from './tick-window.ts';

export interface SchedulerDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  /** The check queue of each region that has workers, by region name. */
  checkQueues: ReadonlyMap<string, Queue>;
  /** Region of locations that name none, and of checks without a location. */
  homeRegion: string;
  /** The results queue: ERROR results for unserved regions, TIMEOUT results for overdue runs, CRITICAL for silent sources. */
  results: Queue;
}

export interface TickSummary {
  /** The window planned, or null when the tick was a duplicate and did nothing. */
  window: { fromMs: number; toMs: number } | null;
  /** Runs due in the window (after time periods). */
  planned: number;
  /** Jobs handed to each region's check queue. */
  sentByRegion: Record<string, number>;
  /** Jobs per region without a check queue, each sent as an ERROR result instead. */
  unservedByRegion: Record<string, number>;
  /** Due times outside their check's time period. */
  skippedByTimePeriod: number;
  /** Runs already past their start-by time when planned (a late tick): not sent. */
  missed: number;
  /** TIMEOUT results sent for overdue runs. */
  overdue: number;
  /** CRITICAL results sent for passive checks not heard from within their freshness period and grace. */
  staleResults: number;
  /** Messages a queue refused (logged). */
  failedToSend: number;
}

/** One tick; see the module comment. */
export async function runTick(deps: SchedulerDeps): Promise<TickSummary> {
  const nowMs = deps.clock.nowMs();
  const onTimePeriodError = (periodName: string, error: Error) =>
    deps.log.error('time period cannot be evaluated; its checks run as if it were always open', { timePeriod: periodName, reason: error.message });
  const summary = await deps.db.begin(async (tx): Promise<TickSummary> => {
    const window = await claimTickWindow(tx, nowMs);
    if (!window) return nothingDone();
    const plan = await planTick(tx, { ...window, homeRegion: deps.homeRegion, onTimePeriodError });
    const onTime = plan.jobs.filter(({ job }) => job.startByMs > nowMs);
    const dispatched = await dispatchJobs(onTime, nowMs, deps);
    const overdue = await findOverdue(tx, { nowMs, planningSinceMs: window.planningSinceMs, homeRegion: deps.homeRegion, onTimePeriodError });
    if (overdue.length > 0) {
      deps.log.warn('runs overdue: sending TIMEOUT results', { overdue: overdue.length, checkIds: overdue.slice(0, 10).map((result) => result.checkId) });
    }
    const overdueFailed = await sendAll(deps.results, overdue.map((result) => ({ body: JSON.stringify(result) })), deps.log, { purpose: 'overdue results' });
    const stale = await findStale(tx, { nowMs, planningSinceMs: window.planningSinceMs, onTimePeriodError });
    if (stale.length > 0) {
      deps.log.warn('passive checks silent past their freshness: sending CRITICAL results', { stale: stale.length, checkIds: stale.slice(0, 10).map((result) => result.checkId) });
    }
    const staleFailed = await sendAll(deps.results, stale.map((result) => ({ body: JSON.stringify(result) })), deps.log, { purpose: 'freshness results' });
    await recordTickWindow(tx, window, nowMs);
    return {
      window: { fromMs: window.fromMs, toMs: window.toMs },
      planned: plan.jobs.length,
      sentByRegion: dispatched.sentByRegion,
      unservedByRegion: dispatched.unservedByRegion,
      skippedByTimePeriod: plan.skippedByTimePeriod,
      missed: plan.jobs.length - onTime.length,
      overdue: overdue.length - overdueFailed,
      staleResults: stale.length - staleFailed,
      failedToSend: dispatched.failedToSend + overdueFailed + staleFailed,
    };
  });
  deps.log.info('scheduler tick', {
    fromMs: summary.window?.fromMs,
    toMs: summary.window?.toMs,
    planned: summary.planned,
    sent: Object.values(summary.sentByRegion).reduce((sum, n) => sum + n, 0),
    regions: Object.entries(summary.sentByRegion).map(([region, n]) => `${region}=${n}`),
    unserved: Object.values(summary.unservedByRegion).reduce((sum, n) => sum + n, 0),
    skippedByTimePeriod: summary.skippedByTimePeriod,
    missed: summary.missed,
    overdue: summary.overdue,
    staleResults: summary.staleResults,
    failedToSend: summary.failedToSend,
  });
  return summary;
}

function nothingDone(): TickSummary {
  return { window: null, planned: 0, sentByRegion: {}, unservedByRegion: {}, skippedByTimePeriod: 0, missed: 0, overdue: 0, staleResults: 0, failedToSend: 0 };
}
