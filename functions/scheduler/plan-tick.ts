/**
 * Planning: every (check, location) run due in a window, from one query. Due times are arithmetic,
 * `phase_ms + k × interval`, with the interval of the check's current state (sql/004
 * check_interval_s), so nothing is stored per check: the query works out, per run, the first due
 * time in the window and how many there are (a 10 s check has six in a minute), and only rows
 * with at least one come back. Time periods are applied afterwards, per period once per tick.
 */
import type { Queryable } from '#store/database.ts';
import { checkJob, checkRunColumns, checkRunSource, type CheckRunRow, type PlannedJob } from './check-runs.ts';
import { isInSpans, loadTimePeriods, spansByPeriod } from './time-period-spans.ts';

export interface PlanWindow {
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
}

export interface PlanOptions extends PlanWindow {
  /** Region of the jobs whose location has none (or that have no location). */
  homeRegion: string;
  /** Hears about a time period that could not be evaluated (its checks then run unrestricted). */
  onTimePeriodError?: (periodName: string, error: Error) => void;
}

export interface TickPlan {
  /** The jobs due in the window, in no particular order. */
  jobs: PlannedJob[];
  /** Due times that fell outside their check's time period. */
  skippedByTimePeriod: number;
}

interface DueRow extends CheckRunRow {
  first_due_ms: number;
  due_count: number;
}

/**
 * Plans [fromMs, toMs) for every site: enabled checks with a `check_run` row, each due time
 * within the check's time period (judged in the period's zone).
 *
 * @example
 * const { jobs } = await planTick(sql, { fromMs: Date.parse('2025-06-02T09:00:00Z'), toMs: Date.parse('2025-06-02T09:01:00Z'), homeRegion: 'eu-west-1' });
 */
export async function planTick(sql: Queryable, options: PlanOptions): Promise<TickPlan> {
  const { fromMs, toMs } = options;
  if (toMs <= fromMs) return { jobs: [], skippedByTimePeriod: 0 };
  // k ranges over [k0, k1): k0 = ceil((from - phase) / interval), k1 likewise for `to`. The
  // numerators are positive (epoch ms against a phase below the interval), so integer division
  // of `n + interval - 1` is the ceiling.
  const rows = await sql<DueRow[]>`
    select ${checkRunColumns(sql)},
           c.phase_ms + k.first * i.interval_ms as first_due_ms, k.last - k.first as due_count
    from ${checkRunSource(sql)}
    cross join lateral (
      select (${fromMs}::bigint - c.phase_ms + i.interval_ms - 1) / i.interval_ms as first,
             (${toMs}::bigint - c.phase_ms + i.interval_ms - 1) / i.interval_ms as last
    ) k
    where c.enabled and k.last > k.first`;

  const periodSites = [...new Set(rows.filter((row) => row.time_period_id !== null).map((row) => row.site_id))];
  const spansOf = spansByPeriod(await loadTimePeriods(sql, periodSites), fromMs, toMs, options.onTimePeriodError ?? (() => {}));
  const jobs: PlannedJob[] = [];
  let skippedByTimePeriod = 0;
  for (const row of rows) {
    const spans = row.time_period_id === null ? undefined : spansOf(row.time_period_id);
    for (let n = 0; n < row.due_count; n++) {
      const dueAtMs = row.first_due_ms + n * row.interval_ms;
      if (spans && !isInSpans(spans, dueAtMs)) skippedByTimePeriod++;
      else jobs.push(checkJob(row, dueAtMs, options.homeRegion));
    }
  }
  return { jobs, skippedByTimePeriod };
}
