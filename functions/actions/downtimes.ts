/**
 * Downtime: a window in which a check's problems are expected (maintenance) and so count as
 * handled, neither alerting nor making its groups worse. One-off windows, from and to.
 *
 * check_state.in_downtime is the flag everything else reads. It is kept in step with the
 * `downtime` table by {@link applyDowntimes}: on every scheduler tick for windows that start or end,
 * and at once for one check when a window is scheduled or deleted. Each downtime row has a
 * `phase` (scheduled, active, ended) that says what check_state already reflects, so a tick reads
 * only the rows whose phase is due to move, and writes only the check_state rows whose flag
 * changes (a HOT update: no index covers the flag).
 */
import { CheckNotFoundError } from '#scheduler/run-now.ts';
import { isPeriodOpen, loadTimePeriods } from '#scheduler/time-period-spans.ts';
import type { Database, Queryable } from '#store/database.ts';
import { MAX_DOWNTIME_MS } from './limits.ts';

export interface Downtime {
  id: string;
  checkId: string;
  fromMs: number;
  toMs: number;
  comment: string;
  createdBy: string;
  createdAtMs: number;
}

/** A check whose in_downtime flag an apply changed. */
export interface DowntimeChange {
  siteId: string;
  checkId: string;
  inDowntime: boolean;
}

export class DowntimeNotFoundError extends Error {
  constructor(readonly downtimeId: string) {
    super(`no downtime ${downtimeId} in this site`);
    this.name = 'DowntimeNotFoundError';
  }
}

/** What is wrong with a window, per field (`from`, `to`); empty when it is fine. */
export function downtimeWindowProblems(fromMs: number, toMs: number, nowMs: number): { field: 'from' | 'to'; message: string }[] {
  const problems: { field: 'from' | 'to'; message: string }[] = [];
  if (toMs <= fromMs) problems.push({ field: 'to', message: 'must be after from' });
  else if (toMs - fromMs > MAX_DOWNTIME_MS) {
    problems.push({ field: 'to', message: `a downtime lasts at most ${MAX_DOWNTIME_MS / 86_400_000} days; disable the check instead` });
  }
  if (toMs <= nowMs) problems.push({ field: 'to', message: 'is in the past: a downtime must end in the future' });
  return problems;
}

export interface DowntimeRequest {
  siteId: string;
  checkId: string;
  fromMs: number;
  toMs: number;
  comment: string;
  by: string;
  nowMs: number;
}

/**
 * Schedules a downtime and applies it to the check at once when it has already begun. The window
 * must be valid ({@link downtimeWindowProblems}); the caller checks.
 * @returns the downtime, and the change to the check's flag if any (for pushing).
 * @throws CheckNotFoundError when the check is not in the site.
 */
export async function scheduleDowntime(db: Database, request: DowntimeRequest): Promise<{ downtime: Downtime; changes: DowntimeChange[] }> {
  const { siteId, checkId } = request;
  return db.begin(async (tx) => {
    const [check] = await tx`select 1 from "check" where site_id = ${siteId} and id = ${checkId}`;
    if (!check) throw new CheckNotFoundError(siteId, checkId);
    const [row] = await tx<DowntimeRow[]>`
      insert into downtime (site_id, check_id, starts_at, ends_at, comment, created_by, created_at)
      values (${siteId}, ${checkId}, ${new Date(request.fromMs)}, ${new Date(request.toMs)}, ${request.comment},
              ${request.by}, ${new Date(request.nowMs)})
      returning ${DOWNTIME_COLUMNS(tx)}`;
    const changes = await applyDowntimes(tx, request.nowMs, { siteId, checkId });
    return { downtime: downtimeOf(row!), changes };
  }) as Promise<{ downtime: Downtime; changes: DowntimeChange[] }>;
}

/**
 * Deletes a downtime (scheduled, running or past); a running one stops at once.
 * @throws DowntimeNotFoundError when the site has no such downtime.
 */
export async function deleteDowntime(db: Database, siteId: string, downtimeId: string, nowMs: number): Promise<{ checkId: string; changes: DowntimeChange[] }> {
  return db.begin(async (tx) => {
    const [row] = await tx<{ check_id: string }[]>`
      delete from downtime where site_id = ${siteId} and id = ${downtimeId} returning check_id`;
    if (!row) throw new DowntimeNotFoundError(downtimeId);
    return { checkId: row.check_id, changes: await applyDowntimes(tx, nowMs, { siteId, checkId: row.check_id }) };
  }) as Promise<{ checkId: string; changes: DowntimeChange[] }>;
}

/**
 * Brings check_state.in_downtime in step with the downtimes at `nowMs`: sets it for checks whose
 * downtime has begun, clears it for checks whose last downtime has ended. One statement: the
 * downtimes due to start or end move to their new phase, and the flags of their checks (or of
 * `only` the one check) are worked out again and written where they differ.
 *
 * The scheduler calls it on every tick; push the returned changes with publishChangesBySite.
 * @returns the checks whose flag changed.
 */
export async function applyDowntimes(sql: Queryable, nowMs: number, only?: { siteId: string; checkId: string }): Promise<DowntimeChange[]> {
  const now = new Date(nowMs);
  const openPeriods = await openDowntimePeriods(sql, nowMs, only);
  const rows = await sql<{ site_id: string; check_id: string; in_downtime: boolean }[]>`
    with due as (
      update downtime d set phase = case when d.ends_at <= ${now} then 'ended' else 'active' end
      where ((d.phase = 'scheduled' and d.starts_at <= ${now}) or (d.phase = 'active' and d.ends_at <= ${now}))
        ${only ? sql`and d.site_id = ${only.siteId} and d.check_id = ${only.checkId}` : sql``}
      returning d.site_id, d.check_id
    ),
    candidate as (
      select site_id, check_id from due
      -- Checks with recurring downtime are looked at on every tick: their period opens and closes.
      union select site_id, id from "check"
      where downtime_period_id is not null ${only ? sql`and site_id = ${only.siteId} and id = ${only.checkId}` : sql``}
      ${only ? sql`union select ${only.siteId}::uuid, ${only.checkId}::uuid` : sql``}
    ),
    wanted as (
      select distinct c.site_id, c.check_id, exists (
        select from downtime d
        where d.site_id = c.site_id and d.check_id = c.check_id and d.starts_at <= ${now} and d.ends_at > ${now}
      ) or exists (
        select from "check" ch where ch.site_id = c.site_id and ch.id = c.check_id and ch.downtime_period_id = any(${openPeriods}::uuid[])
      ) as in_downtime
      from candidate c
    )
    update check_state s set in_downtime = w.in_downtime
    from wanted w
    where s.check_id = w.check_id and s.site_id = w.site_id and s.in_downtime <> w.in_downtime
    returning s.site_id, s.check_id, s.in_downtime`;
  return rows.map((row) => ({ siteId: row.site_id, checkId: row.check_id, inDowntime: row.in_downtime }));
}

/**
 * The time periods of recurring downtimes (`<downtime time-period>`) that are open at `nowMs`,
 * each judged in its own zone. One that cannot be judged (an unknown zone) counts as closed:
 * alerts are not silenced on a guess.
 */
async function openDowntimePeriods(sql: Queryable, nowMs: number, only?: { siteId: string }): Promise<string[]> {
  const used = await sql<{ site_id: string; period_id: string }[]>`
    select distinct site_id, downtime_period_id as period_id from "check"
    where downtime_period_id is not null ${only ? sql`and site_id = ${only.siteId}` : sql``}`;
  if (used.length === 0) return [];
  const periods = await loadTimePeriods(sql, [...new Set(used.map((row) => row.site_id))]);
  return used.filter(({ period_id }) => {
    const entry = periods.get(period_id);
    return entry !== undefined && (isPeriodOpen(entry, nowMs) ?? false);
  }).map((row) => row.period_id);
}

/** Where a page of downtimes starts: after this (from, id). */
export interface DowntimeKey {
  fromMs: number;
  id: string;
}

/**
 * A site's downtimes in order of their start (soonest first), those that have not ended unless
 * `past` is set, optionally for one check.
 */
export async function listDowntimes(
  sql: Queryable,
  siteId: string,
  options: { nowMs: number; limit: number; after?: DowntimeKey | undefined; past?: boolean; checkId?: string | undefined },
): Promise<Downtime[]> {
  const { after } = options;
  const rows = await sql<DowntimeRow[]>`
    select ${DOWNTIME_COLUMNS(sql)} from downtime
    where site_id = ${siteId}
      ${options.past ? sql`` : sql`and ends_at > ${new Date(options.nowMs)}`}
      ${options.checkId ? sql`and check_id = ${options.checkId}` : sql``}
      ${after ? sql`and (starts_at, id) > (${new Date(after.fromMs)}, ${after.id}::uuid)` : sql``}
    order by starts_at, id
    limit ${options.limit}`;
  return rows.map(downtimeOf);
}

interface DowntimeRow {
  id: string;
  check_id: string;
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  created_at: Date;
}

const DOWNTIME_COLUMNS = (sql: Queryable) => sql`id, check_id, starts_at, ends_at, comment, created_by, created_at`;

function downtimeOf(row: DowntimeRow): Downtime {
  return {
    id: row.id,
    checkId: row.check_id,
    fromMs: row.starts_at.getTime(),
    toMs: row.ends_at.getTime(),
    comment: row.comment,
    createdBy: row.created_by,
    createdAtMs: row.created_at.getTime(),
  };
}
