/**
 * The REST API's read paths on a large site: 10,000 hosts with 10 services each (110,000 checks,
 * 16 % not OK, some of those acknowledged) in 110 groups, plus a second site as noise. Each
 * request goes through the whole app (authentication with a session token, the role lookup,
 * validation, the query, JSON), as `app.request`, without a network. Prints p50 and p95 next to
 * the target: a page of the dashboard's lists in under 100 ms.
 *
 *   node --import tsx bench/api-lists.bench.ts
 */
import { createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import type { ApiDeps } from '#api/deps.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { systemClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import type { Database } from '#store/database.ts';
import { refreshGroupRollup } from '#store/group-rollup.ts';
import { note, percentile, record, report, timeMs, withBenchDatabase } from './harness.ts';

const HOSTS = 10_000;
/** The host's own check and ten services. */
const CHECKS_PER_HOST = 11;
const GROUPS = 100;
const WARM_UP_RUNS = 3;
const MEASURED_RUNS = 20;
const TARGET_MS = 100;

/**
 * A site built with set-based SQL (applying 110,000 checks of XML takes far longer than the
 * benchmark should): 10 region groups over GROUPS team groups; each host and its services in one
 * team group; every id derived from the site name and a number. Then the roll-up's tables.
 */
async function storeSite(database: Database, name: string, hosts: number): Promise<string> {
  return database.begin(async (sql) => {
    const [site] = await sql<{ id: string }[]>`insert into site (name) values (${name}) returning id`;
    const siteId = site!.id;
    await sql`
      insert into check_group (site_id, id, name)
      select ${siteId}, md5(${name} || ':g:' || n)::uuid, case when n < ${GROUPS} then 'team-' || n else 'region-' || (n - ${GROUPS}) end
      from generate_series(0, ${GROUPS + 9}::int) n`;
    await sql`
      insert into group_parent (site_id, group_id, parent_id)
      select ${siteId}, md5(${name} || ':g:' || n)::uuid, md5(${name} || ':g:' || (${GROUPS} + n % 10))::uuid
      from generate_series(0, ${GROUPS - 1}::int) n`;
    await sql`insert into command (site_id, id, name, engine) values (${siteId}, md5(${name} || ':command')::uuid, 'http-check', 'http')`;
    await sql`
      insert into host (site_id, id, name, address)
      select ${siteId}, md5(${name} || ':h:' || h)::uuid, 'host-' || lpad(h::text, 5, '0'), '10.0.' || (h / 256) || '.' || (h % 256)
      from generate_series(0, ${hosts - 1}::int) h`;
    // Check k of host h: k = 0 is the host itself, 1..10 its services.
    await sql`
      insert into "check" (site_id, id, kind, name, parent_id, host_id, command_id, every_s, changing_every_s, retry_every_s)
      select ${siteId}, md5(${name} || ':c:' || h || ':' || k)::uuid,
        case when k = 0 then 'host' else 'service' end,
        case when k = 0 then 'host-' || lpad(h::text, 5, '0') else 'svc-' || k end,
        case when k = 0 then null else md5(${name} || ':c:' || h || ':0')::uuid end,
        md5(${name} || ':h:' || h)::uuid, md5(${name} || ':command')::uuid, 60, 30, 30
      from generate_series(0, ${hosts - 1}::int) h, generate_series(0, ${CHECKS_PER_HOST - 1}::int) k
      order by k`;
    await sql`
      insert into check_group_member (site_id, check_id, group_id)
      select ${siteId}, md5(${name} || ':c:' || h || ':' || k)::uuid, md5(${name} || ':g:' || (h % ${GROUPS}))::uuid
      from generate_series(0, ${hosts - 1}::int) h, generate_series(0, ${CHECKS_PER_HOST - 1}::int) k`;
    // 16 % not OK, a quarter of those acknowledged.
    await sql`
      insert into check_state (check_id, site_id, status, hard, hard_status, acknowledged, output, last_result_at, last_change_at)
      select c.id, ${siteId}, r.status, true, r.status, r.status > 2 and r.x < 40, 'benchmark', now(), now()
      from "check" c
      cross join lateral (select (hashtext(c.id::text) & 1023) as x) h
      cross join lateral (select case when h.x < 164 then (3 + h.x % 5)::smallint else 2::smallint end as status, h.x) r
      where c.site_id = ${siteId}`;
    await refreshGroupRollup(sql, siteId);
    return siteId;
  }) as Promise<string>;
}

async function main(): Promise<void> {
  await withBenchDatabase(async ({ sql }) => {
    const startedMs = performance.now();
    const siteId = await storeSite(sql, 'bench-api', HOSTS);
    await storeSite(sql, 'bench-noise', HOSTS / 5);
    await sql`analyze`;
    note(`${HOSTS.toLocaleString('en-US')} hosts, ${(HOSTS * 11).toLocaleString('en-US')} checks, ${GROUPS + 10} groups, stored in ${((performance.now() - startedMs) / 1000).toFixed(1)} s; a second site of ${(HOSTS / 5 * 11).toLocaleString('en-US')} checks as noise`);

    const deps: ApiDeps = {
      db: sql, clock: systemClock, log: silentLogger, push: new RecordingPush(),
      auth: createAuthenticator(sql, { jwtSecret: 'benchmark-secret-that-is-at-least-32-bytes', clock: systemClock }),
      results: { send: async () => ({ failed: [] }) } as unknown as ApiDeps['results'],
      runNow: async () => ({ sent: 0, unserved: 0 }),
    };
    const app = createApp(deps, { routes: apiRoutes });
    const call = async (path: string, token?: string) => {
      const response = await app.request(`/api/v1${path}`, {
        method: token === undefined ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<any>;
    };
    const signup = await app.request('/api/v1/auth/signup', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', password: 'benchmark password' }),
    });
    const { token } = (await signup.json()) as { token: string };
    await sql`insert into site_member (site_id, user_id, role) select ${siteId}, id, 'viewer' from user_account`;

    const checks = `/sites/${siteId}/checks`;
    /** The cursor after `pages` pages of `limit`. */
    const cursorAfter = async (pages: number, limit: number) => {
      let cursor: string | null = null;
      for (let page = 0; page < pages; page++) cursor = (await call(`${checks}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token)).nextCursor;
      return cursor!;
    };
    const deep100 = await cursorAfter(50, 500);
    const [group] = await sql<{ id: string }[]>`select id from check_group where site_id = ${siteId} and name = 'region-3'`;
    const [check] = await sql<{ id: string }[]>`select check_id as id from check_state where site_id = ${siteId} and status > 2 limit 1`;

    const cases: [string, string][] = [
      ['checks, first page of 100', `${checks}?limit=100`],
      ['checks, problems only, 100', `${checks}?problems=true&limit=100`],
      ['checks, 100 from 25,000 in', `${checks}?limit=100&cursor=${deep100}`],
      ['checks in a group and below, 100', `${checks}?group=${group!.id}&limit=100`],
      ['groups with roll-ups, all 110', `/sites/${siteId}/groups?limit=500`],
      ['one check in full', `${checks}/${check!.id}`],
      ['hosts, first page of 100', `/sites/${siteId}/hosts?limit=100`],
    ];
    const measure = async (path: string) => {
      for (let i = 0; i < WARM_UP_RUNS; i++) await call(path, token);
      const samples: number[] = [];
      for (let i = 0; i < MEASURED_RUNS; i++) samples.push(await timeMs(() => call(path, token)));
      return samples;
    };
    for (const [name, path] of cases) {
      const samples = await measure(path);
      const [p50, p95] = [percentile(samples, 0.5), percentile(samples, 0.95)];
      report(`${name} p50`, p50, 'ms', `< ${TARGET_MS} ms`, p50 < TARGET_MS);
      report(`${name} p95`, p95, 'ms', `< ${TARGET_MS} ms`, p95 < TARGET_MS);
    }
    // The largest page (the dashboard reads lists 500 at a time): five pages' worth of work.
    record('checks, 500 from 25,000 in p50', percentile(await measure(`${checks}?limit=500&cursor=${deep100}`), 0.5), 'ms');
  });
}

await main();
