/**
 * Scheduler benchmark: 100,000 checks on 10,000 hosts in one site, plus a second site as noise
 * in the same tables. Prints the time to plan one tick (the planning query and building the
 * jobs) next to the target (< 1 s, issue 4), and beside it what else a tick does: encoding and
 * handing the jobs to in-process queues, the overdue query, and a whole tick.
 *
 *   node --import tsx bench/scheduler.bench.ts
 *
 * The estate is built with set-based SQL (ids derived from the site name and a number, as in
 * group-rollup.bench.ts). Its shape: most checks every 5 minutes, some every minute, a few every
 * 30 s and 10 s, as a Bergamot site with a handful of fast HTTP checks looks; 5 % in a soft or
 * hard problem (so at their faster intervals); 10 % limited to London working hours (open at the
 * benchmark's time, so their due times are checked against the period and kept); hosts spread
 * over three regions, and every 20th check also run from two more locations. About 78,000 jobs
 * fall due in a tick's minute.
 */
import { ManualClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import type { OutgoingMessage, Queue, ReceivedMessage, SendResult } from '#ports/queue.ts';
import type { Database, Transaction } from '#store/database.ts';
import { dispatchJobs } from '#scheduler/dispatch.ts';
import { findOverdue } from '#scheduler/overdue.ts';
import { planTick } from '#scheduler/plan-tick.ts';
import { runTick } from '#scheduler/scheduler.ts';
import { TICK_MS } from '#scheduler/timing.ts';
import { note, percentile, record, report, timeMs, withBenchDatabase } from './harness.ts';

const TARGET_MS = 1_000;
const WARM_UP_RUNS = 2;
const MEASURED_RUNS = 7;
const HOME_REGION = 'eu-west-1';
/** Tuesday 3 June 2025, 11:00 in London: the working-hours checks are due too. */
const NOW_MS = Date.UTC(2025, 5, 3, 10, 0);
const DAY_MS = 86_400_000;

interface EstateShape {
  siteName: string;
  hosts: number;
  checksPerHost: number;
}

const LARGE_SITE: EstateShape = { siteName: 'bench-large', hosts: 10_000, checksPerHost: 10 };
const NOISE_SITE: EstateShape = { siteName: 'bench-noise', hosts: 1_000, checksPerHost: 10 };

/** A queue that only counts, so the figure is the scheduler's work, not a queue's. */
class CountingQueue implements Queue {
  count = 0;
  constructor(readonly name: string) {}
  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    this.count += messages.length;
    return { failed: [] };
  }
  receive(): Promise<ReceivedMessage[]> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  changeVisibility(): Promise<void> {
    throw new Error('not used');
  }
}

async function buildEstate(database: Database, shape: EstateShape): Promise<void> {
  await database.begin((tx) => insertEstate(tx, shape));
}

async function insertEstate(sql: Transaction, shape: EstateShape): Promise<void> {
  const name = shape.siteName;
  const checks = shape.hosts * shape.checksPerHost;
  const [site] = await sql<{ id: string }[]>`insert into site (name) values (${name}) returning id`;
  const siteId = site!.id;
  await sql`
    insert into location (site_id, id, name, region)
    values (${siteId}, md5(${name} || ':l:eu')::uuid, 'eu', 'eu-west-1'),
           (${siteId}, md5(${name} || ':l:us')::uuid, 'us', 'us-east-1'),
           (${siteId}, md5(${name} || ':l:ap')::uuid, 'ap', 'ap-southeast-2')`;
  await sql`
    insert into time_period (site_id, id, name, time_zone, ranges)
    values (${siteId}, md5(${name} || ':tp')::uuid, 'workhours', 'Europe/London',
            ${sql.json(['monday 09:00-17:30', 'tuesday 09:00-17:30', 'wednesday 09:00-17:30', 'thursday 09:00-17:30', 'friday 09:00-17:30'])})`;
  await sql`
    insert into command (site_id, id, name, engine)
    values (${siteId}, md5(${name} || ':command')::uuid, 'http-check', 'http')`;
  // Eight hosts in ten in eu, one in us, one without a location (the home region).
  await sql`
    insert into host (site_id, id, name, address, location_id)
    select ${siteId}, md5(${name} || ':h:' || h)::uuid, 'host-' || h, '10.' || (h / 65536) || '.' || (h / 256 % 256) || '.' || (h % 256),
           case h % 10 when 0 then null when 1 then md5(${name} || ':l:us')::uuid else md5(${name} || ':l:eu')::uuid end
    from generate_series(1, ${shape.hosts}::int) h`;
  // Intervals: 70 % every 5 min, 20 % every minute, 8 % every 30 s, 2 % every 10 s.
  await sql`
    insert into "check" (site_id, id, kind, name, host_id, command_id, every_s, changing_every_s, retry_every_s,
                         time_period_id, phase_ms, scheduled_since)
    select ${siteId}, md5(${name} || ':c:' || k)::uuid, 'service', 'check ' || k,
           md5(${name} || ':h:' || (1 + (k - 1) / ${shape.checksPerHost}))::uuid, md5(${name} || ':command')::uuid,
           every_s, least(every_s, 30), least(every_s, 60),
           case when k % 10 = 3 then md5(${name} || ':tp')::uuid end,
           (k::bigint * 7919) % (every_s * 1000), ${new Date(NOW_MS - DAY_MS)}::timestamptz
    from generate_series(1, ${checks}::int) k
    cross join lateral (select case when k % 100 < 70 then 300 when k % 100 < 90 then 60 when k % 100 < 98 then 30 else 10 end as every_s) e`;
  // 95 % hard OK, the rest soft or hard problems; 1 % silent for an hour (their region is down).
  await sql`
    insert into check_state (check_id, site_id, status, hard, hard_status, last_result_at, output)
    select md5(${name} || ':c:' || k)::uuid, ${siteId}, status, hard, status,
           ${new Date(NOW_MS)}::timestamptz - case when k % 100 = 42 then interval '1 hour' else (k % 10) * interval '1 second' end,
           'HTTP OK: HTTP/1.1 200 OK - 4000 bytes in 0.01 second response time'
    from generate_series(1, ${checks}::int) k
    cross join lateral (select (k::bigint * 2654435761) % 1000 as r) spread
    cross join lateral (select case when r < 950 then 2 else 4 end::smallint as status, r < 950 or r >= 980 as hard) s`;
  // One run per check from its host's location; every 20th check on a host with a location also
  // from the other two (run-from names locations, so such checks never run from the home default).
  await sql`
    insert into check_run (site_id, check_id, location_id, parameters, secret_names, timeout_ms)
    select ${siteId}, c.id, loc.id,
           jsonb_build_object('host', h.address, 'port', '443', 'path', '/health', 'expect', '200', 'token', md5(c.id::text)),
           '{token}', least(c.every_s * 1000, 10000)
    from "check" c join host h on h.id = c.host_id
    cross join lateral (
      select h.location_id as id
      union all
      select l.id from location l where l.site_id = ${siteId} and l.name in ('us', 'ap')
        and h.location_id is not null and l.id <> h.location_id and (hashtext(c.id::text) & 2147483647) % 20 = 0
    ) loc
    where c.site_id = ${siteId}`;
  // Checks run from several locations have each location's latest result too.
  await sql`
    insert into check_location_state (check_id, location_id, site_id, status, last_result_at)
    select r.check_id, r.location_id, ${siteId}, s.status, s.last_result_at
    from check_run r join check_state s on s.check_id = r.check_id
    where r.site_id = ${siteId} and r.check_id in (select check_id from check_run where site_id = ${siteId} group by check_id having count(*) > 1)`;
}

/** Every check that is not silent has just reported, up to 10 s ago. */
async function resultsArrive(sql: Database, nowMs: number): Promise<void> {
  const now = new Date(nowMs);
  await sql`
    update check_state set last_result_at = ${now}::timestamptz - (hashtext(check_id::text) & 7) * interval '1 second'
    where last_result_at > ${now}::timestamptz - interval '30 minutes'`;
  await sql`
    update check_location_state ls set last_result_at = s.last_result_at
    from check_state s where s.check_id = ls.check_id and ls.last_result_at > ${now}::timestamptz - interval '30 minutes'`;
}

async function measure(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARM_UP_RUNS; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < MEASURED_RUNS; i++) samples.push(await timeMs(run));
  return samples;
}

await withBenchDatabase(async ({ sql }) => {
  const built = await timeMs(async () => {
    await buildEstate(sql, LARGE_SITE);
    await buildEstate(sql, NOISE_SITE);
    await sql`vacuum analyze`;
  });
  const [counts] = await sql<{ checks: number; runs: number }[]>`
    select (select count(*) from "check")::int as checks, (select count(*) from check_run)::int as runs`;
  note(`${counts!.checks.toLocaleString('en-US')} checks in two sites, ${counts!.runs.toLocaleString('en-US')} (check, location) runs; built in ${(built / 1000).toFixed(1)} s`);

  const nowMs = NOW_MS;
  const window = { fromMs: nowMs, toMs: nowMs + TICK_MS, homeRegion: HOME_REGION };
  const plan = await planTick(sql, window);
  note(`one tick: ${plan.jobs.length.toLocaleString('en-US')} jobs due in a minute, ${plan.skippedByTimePeriod.toLocaleString('en-US')} skipped by time period (now: ${new Date(nowMs).toISOString()})`);

  const planning = await measure(() => planTick(sql, window));
  report('plan one tick (query + jobs) p50', percentile(planning, 0.5), 'ms', `< ${TARGET_MS} ms`, percentile(planning, 0.5) < TARGET_MS);
  report('plan one tick (query + jobs) max', Math.max(...planning), 'ms', `< ${TARGET_MS} ms`, Math.max(...planning) < TARGET_MS);

  const queues = new Map(['eu-west-1', 'us-east-1', 'ap-southeast-2'].map((region) => [region, new CountingQueue(region)]));
  const results = new CountingQueue('results');
  const sending = await measure(() => dispatchJobs(plan.jobs, nowMs, { checkQueues: queues, results, log: silentLogger }));
  record('encode + hand to in-process queues p50', percentile(sending, 0.5), 'ms');

  const overdueQuery = () => findOverdue(sql, { nowMs, planningSinceMs: nowMs - DAY_MS, homeRegion: HOME_REGION });
  const overdue = await overdueQuery();
  const overdueTimes = await measure(overdueQuery);
  record(`overdue query (${overdue.length.toLocaleString('en-US')} TIMEOUTs) p50`, percentile(overdueTimes, 0.5), 'ms');

  // Whole ticks, a minute apart, continuing one another as in production. Between ticks (not
  // timed) the workers' results arrive, except from the silent 1 %, so that overdue detection
  // finds what it would in production rather than every check.
  const clock = new ManualClock(nowMs);
  const deps = { db: sql, clock, log: silentLogger, checkQueues: queues, homeRegion: HOME_REGION, results };
  await runTick(deps);
  const ticks: number[] = [];
  let overdueInTicks = 0;
  for (let i = 0; i < MEASURED_RUNS; i++) {
    clock.advance(TICK_MS);
    await resultsArrive(sql, clock.nowMs());
    const startedMs = performance.now();
    const { overdue: timeouts } = await runTick(deps);
    ticks.push(performance.now() - startedMs);
    overdueInTicks += timeouts;
  }
  record('whole tick (plan, send, overdue) p50', percentile(ticks, 0.5), 'ms');
  note(`${MEASURED_RUNS} ticks sent ${overdueInTicks.toLocaleString('en-US')} TIMEOUTs in all`);
});

