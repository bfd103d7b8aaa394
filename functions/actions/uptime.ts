/**
 * The simple uptime API (the seed's GoMon service): register a URL with a threshold; Vigil GETs
 * it every minute, counts its successes and failures over the last 24 hours, and opens an alert
 * when more 5xx responses than the threshold arrive within five minutes.
 *
 * A URL is an ordinary http check, so the scheduler, workers, result processor, dashboard and
 * history treat it like any other; what makes it special is only its origin. Checks normally come
 * from configuration, and applying configuration removes the checks it does not list, so these
 * are marked `origin = 'uptime'` (as is the one command they share per site), and applying
 * configuration leaves them alone. The URL's id is its check's id.
 *
 * Counting reads the `status` readings the http engine records for every answer (name `status`,
 * value the HTTP code): 1xx-4xx are successes, 5xx failures, and a code below 100 (no answer) a
 * failure too.
 */
import { statusOfRank, type Status } from '#core/status.ts';
import type { Database, Queryable } from '#store/database.ts';
import { UPTIME_ALERT_WINDOW_MS, UPTIME_INTERVAL_S, UPTIME_STATS_WINDOW_MS, UPTIME_TIMEOUT_MS } from './limits.ts';

/** The command every uptime check of a site runs; made on the first registration. */
export const UPTIME_COMMAND = 'vigil-uptime';

/**
 * The check's parameters: the URL, followed through redirects as a browser (and GoMon's Go client)
 * would, with every code below 500 accepted, so that only a 5xx or no answer makes it CRITICAL.
 */
function uptimeParameters(url: string): Record<string, string> {
  return { url, status: '100-499', follow_redirects: 'true' };
}

export class UptimeUrlExistsError extends Error {
  constructor(readonly url: string) {
    super(`${url} is already registered in this site`);
    this.name = 'UptimeUrlExistsError';
  }
}

/** The site's configuration has a command of the name uptime checks need. */
export class UptimeCommandTakenError extends Error {
  constructor() {
    super(`the site's configuration defines a command named '${UPTIME_COMMAND}', which uptime checks need: rename it`);
    this.name = 'UptimeCommandTakenError';
  }
}

export interface UptimeUrl {
  id: string;
  url: string;
  threshold: number;
  createdBy: string;
  createdAtMs: number;
  /** The check's current status (PENDING until its first result). */
  status: Status;
  lastResultAtMs: number | null;
  /** Whether an alert is open. */
  alerting: boolean;
}

export interface UptimeStats {
  fromMs: number;
  toMs: number;
  success: number;
  failure: number;
}

export interface UptimeAlert {
  id: number;
  urlId: string;
  threshold: number;
  openedAtMs: number;
  failures: number;
  peakFailures: number;
  closedAtMs: number | null;
}

/**
 * Registers a URL: its check (every minute, from the home region), its run with the parameters
 * resolved, its state, and its threshold, in one transaction. The scheduler plans it from its
 * next tick.
 * @throws UptimeUrlExistsError when the site already has the URL; UptimeCommandTakenError (see there).
 */
export async function registerUptimeUrl(
  db: Database,
  request: { siteId: string; url: string; threshold: number; by: string; nowMs: number },
): Promise<UptimeUrl> {
  const { siteId, url } = request;
  const interval = UPTIME_INTERVAL_S;
  return db.begin(async (tx) => {
    await tx`
      insert into command (site_id, name, engine, summary, origin)
      values (${siteId}, ${UPTIME_COMMAND}, 'http', 'GET of a URL registered through the uptime API', 'uptime')
      on conflict (site_id, name) do nothing`;
    const [command] = await tx<{ id: string; origin: string }[]>`
      select id, origin from command where site_id = ${siteId} and name = ${UPTIME_COMMAND}`;
    if (command!.origin !== 'uptime') throw new UptimeCommandTakenError();
    const [check] = await tx<{ id: string }[]>`
      insert into "check" (site_id, kind, name, summary, command_id, every_s, changing_every_s, retry_every_s,
                           failed_after, recovers_after, phase_ms, origin)
      values (${siteId}, 'service', ${url}, ${`Uptime of ${url}`}, ${command!.id}, ${interval}, ${interval}, ${interval},
              1, 1, (hashtext(${siteId}::text || ${url}::text) & 2147483647) % ${interval * 1000}, 'uptime')
      on conflict do nothing
      returning id`;
    if (!check) throw new UptimeUrlExistsError(url);
    await tx`insert into check_state (check_id, site_id) values (${check.id}, ${siteId})`;
    await tx`
      insert into check_run (site_id, check_id, location_id, parameters, timeout_ms)
      values (${siteId}, ${check.id}, null, ${tx.json(uptimeParameters(url))}, ${UPTIME_TIMEOUT_MS})`;
    await tx`
      insert into uptime_url (check_id, site_id, url, threshold, created_by, created_at)
      values (${check.id}, ${siteId}, ${url}, ${request.threshold}, ${request.by}, ${new Date(request.nowMs)})`;
    const [registered] = await tx<UptimeUrlRow[]>`${uptimeUrlQuery(tx, siteId)} and u.check_id = ${check.id}`;
    return uptimeUrlOf(registered!);
  }) as Promise<UptimeUrl>;
}

/** A site's URLs in alphabetical order, `limit` of them after the URL `after`. */
export async function listUptimeUrls(sql: Queryable, siteId: string, options: { limit: number; after?: string | undefined }): Promise<UptimeUrl[]> {
  const rows = await sql<UptimeUrlRow[]>`
    ${uptimeUrlQuery(sql, siteId)}
    ${options.after !== undefined ? sql`and u.url > ${options.after}` : sql``}
    order by u.url
    limit ${options.limit}`;
  return rows.map(uptimeUrlOf);
}

export async function getUptimeUrl(sql: Queryable, siteId: string, urlId: string): Promise<UptimeUrl | null> {
  const [row] = await sql<UptimeUrlRow[]>`${uptimeUrlQuery(sql, siteId)} and u.check_id = ${urlId}`;
  return row ? uptimeUrlOf(row) : null;
}

/**
 * Stops monitoring a URL: its check goes, and with it its state, history, readings and alerts.
 * @returns whether the site had it.
 */
export async function deleteUptimeUrl(sql: Queryable, siteId: string, urlId: string): Promise<boolean> {
  const deleted = await sql`delete from "check" where site_id = ${siteId} and id = ${urlId} and origin = 'uptime'`;
  return deleted.count > 0;
}

/** Successes and failures of a URL over the 24 hours up to `nowMs`. */
export async function uptimeStats(sql: Queryable, siteId: string, urlId: string, nowMs: number): Promise<UptimeStats> {
  const fromMs = nowMs - UPTIME_STATS_WINDOW_MS;
  const [row] = await sql<{ success: number; failure: number }[]>`
    select count(*) filter (where value >= 100 and value < 500)::int as success,
           count(*) filter (where value < 100 or value >= 500)::int as failure
    from reading
    where site_id = ${siteId} and check_id = ${urlId} and name = 'status'
      and at > ${new Date(fromMs)} and at <= ${new Date(nowMs)}`;
  return { fromMs, toMs: nowMs, success: row!.success, failure: row!.failure };
}

/** Alerts of a URL, newest first, `limit` of them with ids below `before`. */
export async function listUptimeAlerts(
  sql: Queryable,
  siteId: string,
  urlId: string,
  options: { limit: number; before?: number | undefined },
): Promise<UptimeAlert[]> {
  const rows = await sql<UptimeAlertRow[]>`
    select id, check_id, threshold, opened_at, failures, peak_failures, closed_at
    from uptime_alert
    where site_id = ${siteId} and check_id = ${urlId}
      ${options.before !== undefined ? sql`and id < ${options.before}` : sql``}
    order by id desc
    limit ${options.limit}`;
  return rows.map(uptimeAlertOf);
}

/** An alert that {@link evaluateUptimeAlerts} opened or closed. */
export interface UptimeAlertChange extends UptimeAlert {
  siteId: string;
  url: string;
  change: 'opened' | 'closed';
}

/**
 * Opens an alert for every URL whose 5xx responses in the five minutes up to `nowMs` exceed its
 * threshold and that has no open alert, closes the open alerts of URLs back at or below it, and
 * keeps the peak count of the open ones: one alert per episode. One statement for every URL of
 * every site (each URL's responses are read within its own site). The scheduler calls it on every
 * tick.
 * @returns the alerts opened and closed.
 */
export async function evaluateUptimeAlerts(sql: Queryable, nowMs: number): Promise<UptimeAlertChange[]> {
  const now = new Date(nowMs);
  const rows = await sql<(UptimeAlertRow & { site_id: string; url: string; change: 'opened' | 'closed' })[]>`
    with counted as (
      select u.check_id, u.site_id, u.url, u.threshold, (
        select count(*)::int from reading r
        where r.site_id = u.site_id and r.check_id = u.check_id and r.name = 'status' and r.value >= 500
          and r.at > ${new Date(nowMs - UPTIME_ALERT_WINDOW_MS)} and r.at <= ${now}
      ) as failures
      from uptime_url u
    ),
    opened as (
      insert into uptime_alert (site_id, check_id, threshold, opened_at, failures, peak_failures)
      select c.site_id, c.check_id, c.threshold, ${now}, c.failures, c.failures
      from counted c
      where c.failures > c.threshold
        and not exists (select from uptime_alert a where a.check_id = c.check_id and a.closed_at is null)
      returning *
    ),
    closed as (
      update uptime_alert a set closed_at = ${now}
      from counted c
      where a.check_id = c.check_id and a.closed_at is null and c.failures <= c.threshold
      returning a.*
    ),
    peaked as (
      update uptime_alert a set peak_failures = c.failures
      from counted c
      where a.check_id = c.check_id and a.closed_at is null and c.failures > c.threshold and c.failures > a.peak_failures
    )
    select x.*, c.url from (
      select 'opened' as change, * from opened
      union all
      select 'closed' as change, * from closed
    ) x
    join counted c on c.check_id = x.check_id`;
  return rows.map((row) => ({ ...uptimeAlertOf(row), siteId: row.site_id, url: row.url, change: row.change }));
}

interface UptimeUrlRow {
  check_id: string;
  url: string;
  threshold: number;
  created_by: string;
  created_at: Date;
  status: number;
  last_result_at: Date | null;
  alerting: boolean;
}

function uptimeUrlQuery(sql: Queryable, siteId: string) {
  return sql`
    select u.check_id, u.url, u.threshold, u.created_by, u.created_at, s.status, s.last_result_at,
           exists (select from uptime_alert a where a.check_id = u.check_id and a.closed_at is null) as alerting
    from uptime_url u
    join check_state s on s.check_id = u.check_id and s.site_id = u.site_id
    where u.site_id = ${siteId}`;
}

function uptimeUrlOf(row: UptimeUrlRow): UptimeUrl {
  return {
    id: row.check_id,
    url: row.url,
    threshold: row.threshold,
    createdBy: row.created_by,
    createdAtMs: row.created_at.getTime(),
    status: statusOfRank(row.status),
    lastResultAtMs: row.last_result_at?.getTime() ?? null,
    alerting: row.alerting,
  };
}

interface UptimeAlertRow {
  id: number;
  check_id: string;
  threshold: number;
  opened_at: Date;
  failures: number;
  peak_failures: number;
  closed_at: Date | null;
}

function uptimeAlertOf(row: UptimeAlertRow): UptimeAlert {
  return {
    id: row.id,
    urlId: row.check_id,
    threshold: row.threshold,
    openedAtMs: row.opened_at.getTime(),
    failures: row.failures,
    peakFailures: row.peak_failures,
    closedAtMs: row.closed_at?.getTime() ?? null,
  };
}
