/**
 * Agents' metrics (sql/012_agent_metrics.sql), and when a source was last heard from.
 *
 * An agent (one per server) posts its metrics every second to its check's passive URL. Only the
 * latest value of each is kept, one row per (check, name), rewritten in place: a push is one
 * multi-row upsert, however many metrics it carries. A location's sources are the checks of the
 * hosts in it (`host.location_id`, and in the locations under it); its aggregate is one GROUP BY
 * over their rows.
 *
 * A push is also its source's heartbeat: freshness (functions/scheduler/freshness.ts) counts
 * silence from the newest of the source's result, its push and the start of its schedule
 * ({@link lastHeardAt}). Pushes put no result on the results queue (one a second per agent
 * would flood it), except the one that ends a silence: see {@link storeMetrics}.
 *
 * Every statement carries the site id.
 */
import { statusRank } from '#core/status.ts';
import type { Queryable } from './database.ts';

/**
 * The most metrics one push may carry: a server's worth (CPU, memory, disks, interfaces,
 * processes), and one statement of at most this many rows.
 */
export const MAX_METRICS_PER_PUSH = 200;

/** A metric's name: `cpu.user`, `disk./var.free`; longer is a sentence, not a name. */
export const MAX_METRIC_NAME_CHARS = 100;

/** A unit (`%`, `B`, `req/s`), as readings of passive results have it. */
export const MAX_METRIC_UNIT_CHARS = 20;

/**
 * The reading a freshness result carries: seconds of silence as of its deadline. It marks the
 * result as a freshness result in the stored data, so that "is this check down because it went
 * silent?" is answered from what was applied (see {@link freshnessSilenceS}), and each "still
 * silent" result adds one period plus grace to it.
 */
export const SILENCE_READING = 'heartbeat_silence';

/** One metric of a push. */
export interface MetricValue {
  name: string;
  value: number;
  unit: string | null;
}

/** The latest value of one metric of one source. */
export interface StoredMetric extends MetricValue {
  atMs: number;
}

/** One metric name across a location's sources. */
export interface MetricAggregate {
  name: string;
  /** The unit most of the sources give. */
  unit: string | null;
  /** Sources that have pushed this metric. */
  sources: number;
  /** Of those, sources whose freshness has lapsed: their value is left out of the figures. */
  silent: number;
  /** Over the sources still reporting; null when none is. */
  sum: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
  /** The newest push of this metric by any source. */
  newestAtMs: number;
}

/**
 * When check `c` (with its state `s`) was last heard from: its newest result, its newest metrics
 * push, and, for a check never heard from, the start of its schedule (a new or re-enabled check
 * is not blamed for the silence before it). A column expression, for `select ... from "check" c
 * join check_state s ...`.
 */
export function lastHeardAt(sql: Queryable) {
  return sql`greatest(
    s.last_result_at,
    (select max(m.at) from agent_metric m where m.check_id = c.id and m.site_id = c.site_id),
    c.scheduled_since)`;
}

/**
 * Seconds of silence that state `s`'s newest result reported, when that result is a freshness
 * result (its {@link SILENCE_READING} reading, at the result's time); null for any other result.
 * Read through the reading index (check_id, name, at): one probe per check.
 */
export function freshnessSilenceS(sql: Queryable) {
  return sql`(
    select r.value from reading r
    where r.check_id = s.check_id and r.site_id = s.site_id and r.name = ${SILENCE_READING} and r.at = s.last_result_at
    limit 1)`;
}

/** What a push found, besides storing its metrics. */
export interface StoredPush {
  stored: number;
  /**
   * Whether this push ends a silence, so that an OK result should make the check healthy:
   * `first` when the check has no result yet (PENDING), `again` when its newest result is a
   * freshness result (it is down because it went silent), null otherwise: a problem it reported
   * itself stays until it reports otherwise.
   */
  resumed: 'first' | 'again' | null;
  /** For `again`: how long it was silent, up to this push. */
  silentForMs: number | null;
}

/**
 * Stores a push's metrics for a source (one statement), and says whether it ends a silence.
 *
 * The state is read in the same statement, before this push: until the OK result that ends a
 * silence is applied, the next pushes find the same state and say so again (a few duplicate OK
 * results while it is on its way, which change nothing). That is what makes recovery safe against
 * a lost send and against the race with the tick: a push that arrives after a freshness result
 * was sent but before it was applied finds an OK state; the one after finds the silence.
 */
export async function storeMetrics(
  sql: Queryable,
  source: { siteId: string; checkId: string },
  metrics: readonly MetricValue[],
  atMs: number,
): Promise<StoredPush> {
  const at = new Date(atMs);
  const [row] = await sql<{ stored: number; status: number | null; silence_s: number | null; last_result_at: Date | null }[]>`
    with pushed as (
      insert into agent_metric (check_id, name, site_id, value, unit, at)
      select ${source.checkId}, p.name, ${source.siteId}, p.value, p.unit, ${at}
      from unnest(${metrics.map((m) => m.name)}::text[], ${metrics.map((m) => m.value)}::float8[], ${metrics.map((m) => m.unit)}::text[])
        as p(name, value, unit)
      on conflict (check_id, name) do update set value = excluded.value, unit = excluded.unit, at = excluded.at
      returning 1
    )
    select (select count(*)::int from pushed) as stored, s.status, s.last_result_at, ${freshnessSilenceS(sql)} as silence_s
    from (select 1) one
    left join check_state s on s.check_id = ${source.checkId} and s.site_id = ${source.siteId}`;
  const { stored, status, silence_s: silenceS, last_result_at: lastResultAt } = row!;
  if (status === statusRank('PENDING')) return { stored, resumed: 'first', silentForMs: null };
  if (status !== null && status > statusRank('OK') && silenceS !== null && lastResultAt) {
    return { stored, resumed: 'again', silentForMs: atMs - lastResultAt.getTime() + Math.round(silenceS * 1000) };
  }
  return { stored, resumed: null, silentForMs: null };
}

/** The latest metrics of a check, by name; null when the site has no such check. */
export async function sourceMetrics(sql: Queryable, siteId: string, checkId: string): Promise<StoredMetric[] | null> {
  const rows = await sql<{ name: string | null; value: number | null; unit: string | null; at: Date | null }[]>`
    select m.name, m.value, m.unit, m.at
    from "check" c
    left join agent_metric m on m.check_id = c.id and m.site_id = ${siteId}
    where c.site_id = ${siteId} and c.id = ${checkId}
    order by m.name`;
  if (rows.length === 0) return null;
  return rows.filter((row) => row.name !== null).map((row) => ({ name: row.name!, value: row.value!, unit: row.unit, atMs: row.at!.getTime() }));
}

/**
 * Every metric name pushed by the sources of a location (and of the locations under it), each
 * aggregated over its sources, by name; null when the site has no such location. A source is
 * silent when it has a freshness period and has not been heard from for that period plus grace
 * at `nowMs` (time periods aside: that is for alerting, functions/scheduler/freshness.ts).
 */
export async function locationMetrics(sql: Queryable, siteId: string, locationId: string, nowMs: number): Promise<MetricAggregate[] | null> {
  const rows = await sql<(Omit<MetricAggregate, 'newestAtMs'> & { name: string | null; newest_at: Date | null })[]>`
    with recursive place as (
      select l.id from location l where l.site_id = ${siteId} and l.id = ${locationId}
      union
      select l.id from location l join place p on l.parent_id = p.id where l.site_id = ${siteId}
    ),
    source as (
      select c.id as check_id,
             coalesce(${lastHeardAt(sql)} + make_interval(secs => c.freshness_s + coalesce(c.freshness_grace_s, 0)) < ${new Date(nowMs)}, false) as silent
      from place p
      join host h on h.site_id = ${siteId} and h.location_id = p.id
      join "check" c on c.site_id = ${siteId} and c.host_id = h.id
      join check_state s on s.check_id = c.id and s.site_id = ${siteId}
    )
    select a.name, a.unit, a.sources, a.silent, a.sum, a.avg, a.min, a.max, a.newest_at
    from location l
    left join lateral (
      select m.name, mode() within group (order by m.unit) as unit,
             count(*)::int as sources, (count(*) filter (where src.silent))::int as silent,
             sum(m.value) filter (where not src.silent) as sum, avg(m.value) filter (where not src.silent) as avg,
             min(m.value) filter (where not src.silent) as min, max(m.value) filter (where not src.silent) as max,
             max(m.at) as newest_at
      from source src
      join agent_metric m on m.check_id = src.check_id and m.site_id = ${siteId}
      group by m.name
    ) a on true
    where l.site_id = ${siteId} and l.id = ${locationId}
    order by a.name`;
  if (rows.length === 0) return null;
  return rows.filter((row) => row.name !== null).map(({ newest_at: newestAt, ...row }) => ({ ...row, name: row.name!, newestAtMs: newestAt!.getTime() }));
}
