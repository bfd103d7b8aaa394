/**
 * Overdue detection: if no worker runs at all (a region's workers are down, a queue is
 * misconfigured), results simply stop coming, and nothing else would notice. So each tick looks
 * for runs that should have produced a result by now and did not, and sends a TIMEOUT result for
 * each (source `overdue`): the check times out and alerts like any other failing check.
 *
 * For each (check, location) run of an enabled check:
 * - evidence is its newest result: the location's own when the check's locations report
 *   separately (the result processor keeps check_location_state rows for checks run from several
 *   locations; their existence is what tells, which is far cheaper than counting every check's
 *   runs), else the check's own (check_state);
 * - silence counts from the latest of that result, the start of the check's schedule
 *   (`check.scheduled_since`, sql/004: a new, re-enabled or rescheduled check is not blamed for
 *   the silence before), the start of the scheduler's unbroken planning (runs that were never
 *   planned are nobody's fault), and, for a location that never reported, the site's last apply
 *   (it may just have been added);
 * - the run that should have reported by now is the latest due time (interval of the current
 *   state) whose result was due by now: due + {@link overdueGraceMs} <= now; with a time period,
 *   the latest such due time inside the period;
 * - the run is overdue when that due time comes after the silence began.
 *
 * The TIMEOUT's `dueAtMs` (and its `startedAtMs`, duration 0) is that latest missed due time. Once
 * the result processor applies it, silence counts from there, so the next TIMEOUT comes only when
 * the next run is missed too, one interval later: a dead worker produces one TIMEOUT per missed
 * run, as a worker would for a dead target, and soft states progress to hard and alert. A long
 * silence gives one TIMEOUT (for its latest run), not one per run missed. Until the TIMEOUT is
 * applied, a later tick may send the very same result again; the processor ignores it as not
 * newer.
 */
import type { ResultMessage } from '#core/messages.ts';
import { formatDurationMs } from '#core/duration.ts';
import type { Queryable } from '#store/database.ts';
import { SCHEDULER_PRODUCER } from './dispatch.ts';
import { loadTimePeriods, spanAtOrBefore, spansByPeriod, type OpenSpan } from './time-period-spans.ts';
import { lastDueAtOrBefore, MAX_START_SLACK_MS, RESULT_MARGIN_MS } from './timing.ts';

/**
 * How far back time periods are followed to find a missed run: a week and a day covers weekly
 * periods (a weekend-only check silent since last weekend is still found).
 */
export const OVERDUE_LOOKBACK_MS = 8 * 24 * 3_600_000;

export interface OverdueOptions {
  nowMs: number;
  /** Start of the scheduler's unbroken planning (scheduler_tick.planning_since). */
  planningSinceMs: number;
  homeRegion: string;
  onTimePeriodError?: (periodName: string, error: Error) => void;
}

interface OverdueRow {
  site_id: string;
  check_id: string;
  location_id: string | null;
  location_name: string | null;
  region: string | null;
  time_period_id: string | null;
  phase_ms: number;
  interval_ms: number;
  grace_ms: number;
  last_result_at: Date | null;
  /** When the silence began (see the module comment). */
  since_ms: number;
  latest_due_ms: number;
}

/** TIMEOUT results for every run overdue at `nowMs`, across all sites. */
export async function findOverdue(sql: Queryable, options: OverdueOptions): Promise<ResultMessage[]> {
  const { nowMs } = options;
  const rows = await sql<OverdueRow[]>`
    with several as (
      select distinct check_id from check_location_state
    ),
    last_apply as (
      select site_id, max(applied_at) as applied_at from config_change group by site_id
    )
    select r.site_id, r.check_id, r.location_id, l.name as location_name, l.region, c.time_period_id,
           c.phase_ms, i.interval_ms, g.grace_ms, e.last_result_at, f.since_ms, d.latest_due_ms
    from check_run r
    join "check" c on c.id = r.check_id and c.site_id = r.site_id
    join check_state s on s.check_id = r.check_id
    left join several m on m.check_id = r.check_id
    left join check_location_state ls on ls.check_id = r.check_id and ls.location_id = r.location_id
    left join location l on l.id = r.location_id
    left join last_apply a on a.site_id = r.site_id and m.check_id is not null and ls.check_id is null
    cross join lateral (
      select check_interval_s(s.status, s.hard, c.every_s, c.changing_every_s, c.retry_every_s)::bigint * 1000 as interval_ms
    ) i
    cross join lateral (
      select case when m.check_id is not null then ls.last_result_at else s.last_result_at end as last_result_at
    ) e
    cross join lateral (
      select (extract(epoch from greatest(e.last_result_at, c.scheduled_since, ${new Date(options.planningSinceMs)}::timestamptz, a.applied_at)) * 1000)::bigint as since_ms
    ) f
    cross join lateral (
      select least(i.interval_ms / 2, ${MAX_START_SLACK_MS}) + r.timeout_ms + ${RESULT_MARGIN_MS} as grace_ms
    ) g
    cross join lateral (
      select c.phase_ms + (${nowMs}::bigint - g.grace_ms - c.phase_ms) / i.interval_ms * i.interval_ms as latest_due_ms
    ) d
    where c.enabled and d.latest_due_ms > f.since_ms`;

  const periodSites = [...new Set(rows.filter((row) => row.time_period_id !== null).map((row) => row.site_id))];
  const spansOf = spansByPeriod(await loadTimePeriods(sql, periodSites), nowMs - OVERDUE_LOOKBACK_MS, nowMs, options.onTimePeriodError ?? (() => {}));
  const results: ResultMessage[] = [];
  for (const row of rows) {
    const spans = row.time_period_id === null ? undefined : spansOf(row.time_period_id);
    const dueAtMs = spans ? lastDueWithin(spans, row) : row.latest_due_ms;
    if (dueAtMs !== undefined) results.push(overdueResult(row, dueAtMs, options));
  }
  return results;
}

/** The latest due time at or before `row.latest_due_ms` inside an open span, if it is after the silence began. */
function lastDueWithin(spans: readonly OpenSpan[], row: OverdueRow): number | undefined {
  let dueAtMs = row.latest_due_ms;
  for (let span = spanAtOrBefore(spans, dueAtMs); span && dueAtMs > row.since_ms; span = spanAtOrBefore(spans, dueAtMs)) {
    if (dueAtMs >= span.endMs) dueAtMs = lastDueAtOrBefore(row.phase_ms, row.interval_ms, span.endMs - 1);
    if (dueAtMs >= span.startMs) return dueAtMs > row.since_ms ? dueAtMs : undefined;
    dueAtMs = lastDueAtOrBefore(row.phase_ms, row.interval_ms, span.startMs - 1);
  }
  return undefined;
}

function overdueResult(row: OverdueRow, dueAtMs: number, options: OverdueOptions): ResultMessage {
  const region = row.region ?? options.homeRegion;
  const where = row.location_name === null ? `the home region ${region}` : `location '${row.location_name}' (region ${region})`;
  const silence = row.last_result_at
    ? `no result for ${formatDurationMs(options.nowMs - row.last_result_at.getTime())}`
    : `no result in ${formatDurationMs(options.nowMs - row.since_ms)}, none yet`;
  return {
    v: 1,
    siteId: row.site_id,
    checkId: row.check_id,
    locationId: row.location_id,
    dueAtMs,
    status: 'TIMEOUT',
    output: `${silence}: no worker ran this check from ${where} (run due ${new Date(dueAtMs).toISOString()}); check that region's workers and check queue`,
    readings: [],
    startedAtMs: dueAtMs,
    durationMs: 0,
    source: 'overdue',
    producer: SCHEDULER_PRODUCER,
  };
}
