/**
 * Time periods as the scheduler uses them: once per tick and period, the stretches of time in
 * which the period is open are worked out (functions/core/time-period.ts does the calendar and
 * the zones); every due time is then a lookup in that short list. Evaluating each due time of
 * 100,000 checks with `isWithinTimePeriod` would cost an Intl call per job.
 */
import {
  isWithinTimePeriod,
  nextTimePeriodChange,
  parseTimeRange,
  type TimePeriod,
  type TimePeriodLookup,
  type TimeRange,
} from '#core/time-period.ts';
import type { Queryable } from '#store/database.ts';

/** [startMs, endMs): a stretch in which a period is open. */
export interface OpenSpan {
  startMs: number;
  endMs: number;
}

/**
 * The stretches of [fromMs, toMs) in which `period` is open, in order.
 * @throws RangeError when a zone is unknown (see isWithinTimePeriod).
 */
export function openSpans(period: TimePeriod, lookup: TimePeriodLookup, fromMs: number, toMs: number): OpenSpan[] {
  const spans: OpenSpan[] = [];
  let open = isWithinTimePeriod(period, fromMs, lookup);
  let atMs = fromMs;
  while (atMs < toMs) {
    const changeMs = nextTimePeriodChange(period, atMs, lookup, toMs - atMs) ?? toMs;
    const endMs = Math.min(changeMs, toMs);
    if (open) spans.push({ startMs: atMs, endMs });
    atMs = endMs;
    open = !open;
  }
  return spans;
}

/** The last span that starts at or before `atMs` (it may have ended since); undefined when none does. */
export function spanAtOrBefore(spans: readonly OpenSpan[], atMs: number): OpenSpan | undefined {
  let low = 0;
  let high = spans.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (spans[middle]!.startMs <= atMs) low = middle + 1;
    else high = middle;
  }
  return spans[low - 1];
}

export function isInSpans(spans: readonly OpenSpan[], atMs: number): boolean {
  const span = spanAtOrBefore(spans, atMs);
  return span !== undefined && atMs < span.endMs;
}

/**
 * Whether a loaded period is open at `atMs`; undefined when it cannot be judged (an unknown
 * zone), for the caller to decide what that means where it is.
 */
export function isPeriodOpen(entry: { period: TimePeriod; lookup: TimePeriodLookup }, atMs: number): boolean | undefined {
  try {
    return isWithinTimePeriod(entry.period, atMs, entry.lookup);
  } catch {
    return undefined;
  }
}

/** A site's time periods, by id, each with the lookup its excludes resolve through. */
export type SiteTimePeriods = Map<string, { period: TimePeriod; lookup: TimePeriodLookup }>;

interface TimePeriodRow {
  id: string;
  site_id: string;
  name: string;
  time_zone: string | null;
  ranges: string[];
  excludes: string[];
}

/**
 * Loads every time period of the given sites (a period's excludes name others of its site, so a
 * site's periods come together). Ranges are stored as written and parsed here; apply validated
 * them, so one that does not parse is left out rather than failing the tick.
 */
export async function loadTimePeriods(sql: Queryable, siteIds: readonly string[]): Promise<SiteTimePeriods> {
  const periods: SiteTimePeriods = new Map();
  if (siteIds.length === 0) return periods;
  const rows = await sql<TimePeriodRow[]>`
    select id, site_id, name, time_zone, ranges, excludes from time_period
    where site_id = any(${siteIds as string[]}::uuid[])`;
  const bySite = new Map<string, Map<string, TimePeriod>>();
  for (const row of rows) {
    const period: TimePeriod = {
      name: row.name,
      ...(row.time_zone ? { timeZone: row.time_zone } : {}),
      ranges: row.ranges.flatMap((text): TimeRange[] => {
        const parsed = parseTimeRange(text);
        return parsed.ok ? [parsed.range] : [];
      }),
      excludes: row.excludes,
    };
    const named = bySite.get(row.site_id) ?? new Map<string, TimePeriod>();
    named.set(row.name, period);
    bySite.set(row.site_id, named);
    const lookup: TimePeriodLookup = (name) => named.get(name);
    periods.set(row.id, { period, lookup });
  }
  return periods;
}

/**
 * Open spans of [fromMs, toMs) per period id, each worked out once on first use. A period that
 * cannot be evaluated (an unknown zone) gives undefined, which callers read as "no restriction":
 * a check runs rather than silently stops; `onError` hears about it once.
 */
export function spansByPeriod(
  periods: SiteTimePeriods,
  fromMs: number,
  toMs: number,
  onError: (periodName: string, error: Error) => void,
): (periodId: string) => OpenSpan[] | undefined {
  const cache = new Map<string, OpenSpan[] | undefined>();
  return (periodId) => {
    if (cache.has(periodId)) return cache.get(periodId);
    const entry = periods.get(periodId);
    let spans: OpenSpan[] | undefined;
    if (entry) {
      try {
        spans = openSpans(entry.period, entry.lookup, fromMs, toMs);
      } catch (error) {
        onError(entry.period.name, error as Error);
      }
    }
    cache.set(periodId, spans);
    return spans;
  };
}
