/**
 * Freshness, the dead man's switch of passive checks: a trap, a cron job's heartbeat or an agent
 * pushing metrics (`<freshness every="5m" grace="1m"/>`) must be heard from every period, plus
 * grace, or it gets a CRITICAL result. It is the passive counterpart of overdue detection
 * (overdue.ts): there no worker reported a run Vigil sent; here the source itself fell silent.
 *
 * For each enabled check with a freshness period (clusters and resources aside: their state is
 * worked out from other checks), one query finds when it was last heard from: the newest of its
 * newest result, its newest metrics push (a push is a heartbeat, functions/store/agent-metrics.ts)
 * and the start of its schedule (`check.scheduled_since`: a new or re-enabled check is not blamed
 * for the silence before), and no earlier than the start of the scheduler's unbroken planning (a
 * stopped Vigil heard nothing, and its sources are not blamed for that either). The deadline is
 * `heard + (period + grace)`; a check whose deadline has come gets a CRITICAL result timed at
 * exactly that deadline (source `overdue`, like the scheduler's other results of silence).
 *
 * Timing it at the deadline makes it idempotent: every tick until the result processor applies it
 * builds the very same result, which the processor then ignores as not newer. Once applied, the
 * check was "heard" at the deadline (it is its newest result), so the next one, "still silent",
 * comes one period plus grace later: a silent source gives one result per period, its soft state
 * progresses to hard as any failing check's does, and it recovers with its next OK result (a
 * passive result; for an agent, the first push after the silence, see storeMetrics).
 *
 * Each result carries the silence so far as a reading ({@link SILENCE_READING}, seconds), which
 * tells its output ("no result for 12m") and tells the push path that the check is down because
 * it went silent.
 *
 * Time periods: a check with one is expected to report only while it is open (a backup that runs
 * on weeknights, an agent on a machine that is off at weekends). While the period is closed,
 * silence is not reported; when it opens, the source gets a whole period plus grace from the
 * opening before it is declared silent. Without this, every such check would alert the moment
 * its period opened, for silence nobody expected to be otherwise. A period that cannot be
 * evaluated (an unknown zone) restricts nothing, as in planning. Downtime is not special here: the
 * result is applied, and downtime decides, as for any problem, whether anyone is told.
 */
import { formatDurationMs } from '#core/duration.ts';
import type { ResultMessage } from '#core/messages.ts';
import { freshnessSilenceS, lastHeardAt, SILENCE_READING } from '#store/agent-metrics.ts';
import type { Queryable } from '#store/database.ts';
import { SCHEDULER_PRODUCER } from './dispatch.ts';
import { OVERDUE_LOOKBACK_MS } from './overdue.ts';
import { loadTimePeriods, spanAtOrBefore, spansByPeriod, type OpenSpan } from './time-period-spans.ts';

export interface FreshnessOptions {
  nowMs: number;
  /**
   * Start of the scheduler's unbroken planning (scheduler_tick.planning_since): silence counts
   * from no earlier than this. Without it, only the check's own times count.
   */
  planningSinceMs?: number;
  onTimePeriodError?: (periodName: string, error: Error) => void;
}

/** One check that may be silent, as the query finds it. */
export interface FreshnessRow {
  site_id: string;
  check_id: string;
  time_period_id: string | null;
  freshness_s: number;
  grace_s: number;
  /** When it was last heard from (see the module comment). */
  heard_ms: number;
  last_result_ms: number | null;
  /** The silence its newest result reported, when that is a freshness result. */
  silence_s: number | null;
}

/** CRITICAL results for every check whose freshness has lapsed at `nowMs`, across all sites. */
export async function findStale(sql: Queryable, options: FreshnessOptions): Promise<ResultMessage[]> {
  const { nowMs } = options;
  const since = options.planningSinceMs === undefined ? null : new Date(options.planningSinceMs);
  // The deadline test here is a prefilter: a time period can only move the deadline later.
  const rows = await sql<FreshnessRow[]>`
    select c.site_id, c.id as check_id, c.time_period_id, c.freshness_s, h.grace_s, h.heard_ms,
           (extract(epoch from s.last_result_at) * 1000)::bigint as last_result_ms, ${freshnessSilenceS(sql)} as silence_s
    from "check" c
    join check_state s on s.check_id = c.id and s.site_id = c.site_id
    cross join lateral (
      select coalesce(c.freshness_grace_s, 0) as grace_s,
             (extract(epoch from greatest(${lastHeardAt(sql)}, ${since}::timestamptz)) * 1000)::bigint as heard_ms
    ) h
    where c.freshness_s is not null and c.enabled and c.kind not in ('cluster', 'resource')
      and h.heard_ms + (c.freshness_s + h.grace_s)::bigint * 1000 <= ${nowMs}`;

  const periodSites = [...new Set(rows.filter((row) => row.time_period_id !== null).map((row) => row.site_id))];
  const spansFromMs = nowMs - OVERDUE_LOOKBACK_MS;
  const spansOf = spansByPeriod(await loadTimePeriods(sql, periodSites), spansFromMs, nowMs + 1, options.onTimePeriodError ?? (() => {}));
  const results: ResultMessage[] = [];
  for (const row of rows) {
    const spans = row.time_period_id === null ? undefined : spansOf(row.time_period_id);
    const deadlineMs = staleDeadline(row, nowMs, spans && { spans, fromMs: spansFromMs });
    if (deadlineMs !== undefined) results.push(staleResult(row, deadlineMs));
  }
  return results;
}

/**
 * When `row`'s silence became a problem, if it has by `nowMs`: `heard + period + grace`, where,
 * with a time period, `heard` is no earlier than the opening of the span `nowMs` is in, and
 * nothing is due while the period is closed. Spans are worked out from `fromMs`, so a span
 * starting there only may have begun earlier, and is no opening.
 */
export function staleDeadline(row: FreshnessRow, nowMs: number, period?: { spans: readonly OpenSpan[]; fromMs: number }): number | undefined {
  let heardMs = row.heard_ms;
  if (period) {
    const span = spanAtOrBefore(period.spans, nowMs);
    if (!span || nowMs >= span.endMs) return undefined;
    if (span.startMs > period.fromMs) heardMs = Math.max(heardMs, span.startMs);
  }
  const deadlineMs = heardMs + (row.freshness_s + row.grace_s) * 1_000;
  return deadlineMs <= nowMs ? deadlineMs : undefined;
}

/**
 * When the silence began: where the previous freshness result (the newest result, when it is
 * one and nothing was heard since) says it did, else when the check was last heard from.
 */
function silentSinceMs(row: FreshnessRow): number {
  const stillSilent = row.silence_s !== null && row.last_result_ms === row.heard_ms;
  return stillSilent ? row.heard_ms - Math.round(row.silence_s! * 1_000) : row.heard_ms;
}

function staleResult(row: FreshnessRow, deadlineMs: number): ResultMessage {
  const silenceMs = deadlineMs - silentSinceMs(row);
  return {
    v: 1,
    siteId: row.site_id,
    checkId: row.check_id,
    locationId: null,
    dueAtMs: deadlineMs,
    status: 'CRITICAL',
    output: `no result for ${formatDurationMs(silenceMs)} (expected every ${formatDurationMs(row.freshness_s * 1_000)}, grace ${formatDurationMs(row.grace_s * 1_000)})`,
    readings: [{ name: SILENCE_READING, value: silenceMs / 1_000, unit: 's' }],
    // The deadline is this result's identity: the same silence gives the same result every tick.
    startedAtMs: deadlineMs,
    durationMs: 0,
    source: 'overdue',
    producer: SCHEDULER_PRODUCER,
  };
}
