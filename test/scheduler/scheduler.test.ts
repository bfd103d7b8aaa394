import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusRank } from '#core/status.ts';
import type { Database } from '#store/database.ts';
import { findOverdue } from '#scheduler/overdue.ts';
import { CheckNotFoundError, CheckNotRunnableError, runNow } from '#scheduler/run-now.ts';
import { runTick } from '#scheduler/scheduler.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { applySite, HOME, LOCATIONS, minutes, seconds, setPhases, T, testScheduler } from './fixtures.ts';

const SITE = `${LOCATIONS}
<credential name="api"><username>monitor</username><password>s3cret-pw</password></credential>
<command name="http" engine="http">
  <parameter name="host">#{host.address}</parameter>
  <parameter name="password">#{resolve_credentials('api').password}</parameter>
</command>
<host name="web" address="10.0.0.1" location="eu">
  <service name="global"><run-from locations="eu, us, ap" quorum="2"/><check-command command="http"/></service>
  <service name="local"><check-command command="http"/></service>
  <trap name="backup"/>
</host>
<host name="db" address="10.0.0.2">
  <service name="ten"><schedule every="10s"/><check-command command="http"/></service>
</host>`;

const MONTH_MS = minutes(30 * 24 * 60);

/** As if the configuration had been applied, and the scheduler ticking, for a month before `nowMs`. */
async function configuredLongAgo(sql: Database, nowMs = T): Promise<void> {
  await sql`update "check" set scheduled_since = ${new Date(nowMs - MONTH_MS)}`;
  await sql`update config_change set applied_at = ${new Date(nowMs - MONTH_MS)}`;
  await sql`
    insert into scheduler_tick (scheduler, planned_to, planning_since, ticked_at)
    values ('main', ${new Date(nowMs)}, ${new Date(nowMs - MONTH_MS)}, ${new Date(nowMs - minutes(1))})`;
}

test('a tick sends each job to its region\'s queue, delayed until due; an unserved region gets ERROR results', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, SITE);
  await sql`update "check" set phase_ms = case name when 'ten' then 3000 else 20000 end`;
  const scheduler = testScheduler(sql);

  const summary = await runTick(scheduler);
  assert.deepEqual(summary.window, { fromMs: T, toMs: T + seconds(75) });
  assert.deepEqual(summary.sentByRegion, { 'eu-west-1': 2, 'us-east-1': 1, [HOME]: 8 });
  assert.deepEqual(summary.unservedByRegion, { 'ap-south-1': 1 });
  assert.equal(summary.planned, 12);
  assert.equal(summary.overdue, 0, 'the scheduler just started: nothing can be overdue yet');

  const { eu, us, home } = scheduler.queues;
  assert.deepEqual(eu.sent.map((m) => m.delaySeconds), [20, 20]);
  assert.deepEqual(eu.jobs().map((job) => job.checkId).sort(), [checks.get('web/global'), checks.get('web/local')].sort());
  assert.deepEqual(us.jobs().map((job) => [job.checkId, job.dueAtMs]), [[checks.get('web/global'), T + seconds(20)]]);
  assert.deepEqual(home.sent.map((m) => m.delaySeconds), [3, 13, 23, 33, 43, 53, 63, 73]);

  const [error, ...others] = scheduler.results.results();
  assert.deepEqual(others, []);
  const [ap] = await sql<{ id: string }[]>`select id from location where name = 'ap'`;
  assert.deepEqual({ ...error, output: undefined }, {
    v: 1, siteId, checkId: checks.get('web/global'), locationId: ap!.id, dueAtMs: T + seconds(20), status: 'ERROR', output: undefined,
    readings: [], startedAtMs: T + seconds(20), durationMs: 0, source: 'dead-letter', producer: 'scheduler',
  });
  assert.match(error!.output, /no worker serves region ap-south-1/);
  assert.equal(scheduler.results.sent[0]!.delaySeconds, 20, 'the ERROR lands when the run was due');
  assert.ok(scheduler.log.entries.some((entry) => entry.level === 'error' && entry.fields.region === 'ap-south-1'));
});

test('ticks continue where the last stopped: a repeated tick plans nothing, a late one neither skips nor repeats', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, SITE);
  await setPhases(sql, 0);
  const scheduler = testScheduler(sql);
  const ten = checks.get('db/ten')!;
  const tenDue = () => scheduler.queues.home.jobs().filter((job) => job.checkId === ten).map((job) => (job.dueAtMs - T) / 1000);

  await runTick(scheduler);
  assert.deepEqual(tenDue(), [0, 10, 20, 30, 40, 50, 60, 70]);

  const repeated = await runTick(scheduler);
  assert.equal(repeated.window, null, 'the same minute again: a duplicate invocation');
  assert.equal(scheduler.queues.home.sent.length, 8);

  scheduler.clock.advance(seconds(80)); // 20 s late
  scheduler.queues.home.clear();
  const late = await runTick(scheduler);
  assert.deepEqual(late.window, { fromMs: T + seconds(75), toMs: T + seconds(155) });
  assert.deepEqual(tenDue(), [80, 90, 100, 110, 120, 130, 140, 150], 'from where the last tick stopped');
  assert.equal(late.missed, 0);

  scheduler.clock.advance(seconds(150)); // now T+230: a whole tick went missing
  scheduler.queues.home.clear();
  const afterGap = await runTick(scheduler);
  // Runs due before now - 60 s are past any start-by time; of the rest, those whose start-by
  // (due + 5 s) has passed are counted, not sent.
  assert.deepEqual(afterGap.window, { fromMs: T + seconds(170), toMs: T + seconds(305) });
  assert.deepEqual(tenDue(), [230, 240, 250, 260, 270, 280, 290, 300]);
  assert.equal(afterGap.missed, 6, 'ten at 170-220 s');
  assert.deepEqual(scheduler.queues.home.sent.slice(0, 1).map((m) => m.delaySeconds), [0]);
  const [tick] = await sql<{ planning_since: Date }[]>`select planning_since from scheduler_tick`;
  assert.equal(tick!.planning_since.getTime(), T + seconds(230), 'the gap restarts the planning that overdue detection counts from');
});

test('a silent check gets one TIMEOUT per missed run, counted from when the scheduler began planning', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, `
    <command name="http" engine="http"/>
    <host name="web" address="10.0.0.1">
      <service name="slow"><schedule every="5m" changing-every="5m" retry-every="5m"/><check-command command="http"/></service>
    </host>`);
  await setPhases(sql, 0);
  const slow = checks.get('web/slow')!;
  await sql`update "check" set scheduled_since = ${new Date(T - minutes(60))}`;
  await sql`update check_state set status = ${statusRank('OK')}, hard = true, last_result_at = ${new Date(T - minutes(20))} where check_id = ${slow}`;
  const scheduler = testScheduler(sql, T - minutes(10));
  const timeouts: { atMin: number; dueMin: number; output: string }[] = [];
  /** Ticks every minute; with `processed`, each TIMEOUT is applied as the result processor would. */
  const tickEachMinuteUntil = async (untilMs: number, processed: boolean) => {
    for (; scheduler.clock.nowMs() <= untilMs; scheduler.clock.advance(minutes(1))) {
      scheduler.results.clear();
      await runTick(scheduler);
      for (const result of scheduler.results.results()) {
        assert.deepEqual([result.siteId, result.checkId, result.status, result.source, result.startedAtMs], [siteId, slow, 'TIMEOUT', 'overdue', result.dueAtMs]);
        timeouts.push({ atMin: (scheduler.clock.nowMs() - T) / 60_000, dueMin: (result.dueAtMs - T) / 60_000, output: result.output });
        // last_result_at becomes the result's time: startedAtMs + durationMs, which is its dueAtMs.
        if (processed) await sql`update check_state set status = ${statusRank('TIMEOUT')}, hard = true, last_result_at = ${new Date(result.dueAtMs)} where check_id = ${slow}`;
      }
    }
  };

  // Grace is 60 s slack + 30 s timeout + 60 s margin: the run due at T-5m is overdue from T-2.5m.
  // Runs before T-10m were never planned (the scheduler started then): nobody missed them.
  await tickEachMinuteUntil(T - minutes(1), false);
  assert.deepEqual(timeouts.map(({ atMin, dueMin }) => [atMin, dueMin]), [[-2, -5], [-1, -5]],
    'the same TIMEOUT again until the processor applies it; it then ignores the copy as not newer');
  assert.match(timeouts[0]!.output, /^no result for 18m: no worker ran this check from the home region home-1 \(run due 2025-06-02T08:55:00\.000Z\)/);

  // The result processor applies it, and every TIMEOUT from now on.
  await sql`update check_state set status = ${statusRank('TIMEOUT')}, hard = true, last_result_at = ${new Date(T - minutes(5))} where check_id = ${slow}`;
  timeouts.length = 0;
  await tickEachMinuteUntil(T + minutes(9), true);
  assert.deepEqual(timeouts.map(({ atMin, dueMin }) => [atMin, dueMin]), [[3, 0], [8, 5]], 'one per missed run, five minutes apart');
});

test('a location that stops reporting times out on its own while the others report', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, `${LOCATIONS}
    <command name="http" engine="http"/>
    <host name="web" address="10.0.0.1"><service name="global"><run-from locations="eu, us"/><check-command command="http"/></service></host>`);
  await setPhases(sql, 0);
  await configuredLongAgo(sql);
  const global = checks.get('web/global')!;
  const [eu] = await sql<{ id: string }[]>`select id from location where name = 'eu'`;
  const [us] = await sql<{ id: string }[]>`select id from location where name = 'us'`;
  await sql`update check_state set status = ${statusRank('OK')}, last_result_at = ${new Date(T - minutes(1))} where check_id = ${global}`;
  await sql`insert into check_location_state (check_id, location_id, site_id, status, last_result_at)
            select ${global}, ${eu!.id}, site_id, ${statusRank('OK')}, ${new Date(T - minutes(1))} from "check" where id = ${global}`;

  const overdue = await findOverdue(sql, { nowMs: T, planningSinceMs: T - MONTH_MS, homeRegion: HOME });
  assert.deepEqual(overdue.map((result) => [result.locationId, result.status, (result.dueAtMs - T) / 60_000]), [[us!.id, 'TIMEOUT', -5]],
    'us never reported: its run due at T-5m is overdue (grace 60 s + 30 s + 60 s); eu reported a minute ago');
  assert.match(overdue[0]!.output, /^no result in 30d, none yet: no worker ran this check from location 'us' \(region us-east-1\)/);
});

test('a check outside its time period is not overdue; the first run it misses once the period opens is', async () => {
  const { sql } = await withTestDatabase();
  await applySite(sql, `
    <time-period name="office" time-zone="Europe/London">
      <time-range>monday 09:00-17:00</time-range><time-range>friday 09:00-17:00</time-range>
    </time-period>
    <command name="http" engine="http"/>
    <host name="web" address="10.0.0.1">
      <service name="office"><schedule every="5m" time-period="office"/><check-command command="http"/></service>
    </host>`);
  await setPhases(sql, 0);
  await configuredLongAgo(sql);
  // The last run before the weekend: Friday 15:55 UTC, 16:55 in London.
  await sql`update check_state set status = ${statusRank('OK')}, last_result_at = ${new Date(Date.UTC(2025, 4, 30, 15, 55))}`;
  const overdueAt = async (nowMs: number) =>
    (await findOverdue(sql, { nowMs, planningSinceMs: T - MONTH_MS, homeRegion: HOME })).map((r) => new Date(r.dueAtMs).toISOString());

  assert.deepEqual(await overdueAt(Date.UTC(2025, 5, 1, 12)), [], 'Sunday: the period is closed');
  assert.deepEqual(await overdueAt(Date.UTC(2025, 5, 2, 7, 59)), [], 'Monday 08:59 in London: still closed');
  assert.deepEqual(await overdueAt(Date.UTC(2025, 5, 2, 8, 2)), [], 'the first run (08:00 UTC) still has its grace');
  assert.deepEqual(await overdueAt(Date.UTC(2025, 5, 2, 8, 3)), ['2025-06-02T08:00:00.000Z']);
  assert.deepEqual(await overdueAt(T), ['2025-06-02T08:55:00.000Z'], 'a long silence: one TIMEOUT, for its latest run');
});

test('disabled checks, traps and checks without a command are never overdue', async () => {
  const { sql } = await withTestDatabase();
  await applySite(sql, `
    <command name="http" engine="http"/>
    <host name="web" address="10.0.0.1">
      <service name="off" enabled="no"><check-command command="http"/></service>
      <trap name="backup"/>
    </host>`);
  await configuredLongAgo(sql);
  assert.deepEqual(await findOverdue(sql, { nowMs: T, planningSinceMs: T - MONTH_MS, homeRegion: HOME }), []);
});

test('run now sends one job per location at once, marked runNow; other sites\' checks are not found', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, SITE);
  const other = await applySite(sql, SITE, 'other');
  const scheduler = testScheduler(sql, T + seconds(12.5));

  const summary = await runNow(sql, siteId, checks.get('web/global')!, scheduler);
  assert.deepEqual(summary, { sent: 2, unserved: 1 });
  const jobs = [...scheduler.queues.eu.jobs(), ...scheduler.queues.us.jobs()];
  assert.deepEqual(jobs.map((job) => [job.checkId, job.runNow, job.dueAtMs, job.startByMs - job.dueAtMs]), [
    [checks.get('web/global'), true, T + seconds(12.5), minutes(1)],
    [checks.get('web/global'), true, T + seconds(12.5), minutes(1)],
  ]);
  assert.deepEqual([...scheduler.queues.eu.sent, ...scheduler.queues.us.sent, ...scheduler.results.sent].map((m) => m.delaySeconds), [0, 0, 0]);
  assert.equal(scheduler.results.results()[0]!.status, 'ERROR', 'ap has no worker');

  await assert.rejects(runNow(sql, other.siteId, checks.get('web/global')!, scheduler), CheckNotFoundError, 'acme\'s check through the other site');
  await assert.rejects(runNow(sql, siteId, other.checks.get('web/global')!, scheduler), CheckNotFoundError);
  await assert.rejects(runNow(sql, siteId, 'not-a-uuid', scheduler), /no check not-a-uuid in site/);
  await assert.rejects(runNow(sql, siteId, checks.get('web/backup')!, scheduler), CheckNotRunnableError);
  await assert.rejects(runNow(sql, siteId, checks.get('web')!, scheduler), /host 'web' is not run by workers.*no check command/);
});

test('secrets travel in jobs, marked, and never reach the log', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, SITE);
  await setPhases(sql, 0);
  await configuredLongAgo(sql, T + minutes(10));
  const scheduler = testScheduler(sql, T + minutes(10));
  await runTick(scheduler);
  await runNow(sql, siteId, checks.get('web/global')!, scheduler);
  const job = scheduler.queues.eu.jobs()[0]!;
  assert.equal(job.check.parameters.password, 's3cret-pw');
  assert.deepEqual(job.check.secretNames, ['password']);
  assert.deepEqual([...new Set(scheduler.results.results().map((result) => result.status))].sort(), ['ERROR', 'TIMEOUT']);
  assert.deepEqual(scheduler.log.entries.map((entry) => entry.message), [
    'no worker serves this region: its checks get an ERROR result instead of running',
    'runs overdue: sending TIMEOUT results',
    'scheduler tick',
    'no worker serves this region: its checks get an ERROR result instead of running',
    'run now',
  ]);
  const logged = JSON.stringify(scheduler.log.entries);
  assert.ok(!logged.includes('s3cret-pw'), logged);
});

test('a check\'s overdue clock restarts when its schedule changes, not on every apply', async () => {
  const { sql } = await withTestDatabase();
  const site = (every: string) => `<command name="http" engine="http"/>
    <host name="web" address="10.0.0.1"><service name="s"><schedule every="${every}"/><check-command command="http"/></service></host>`;
  await applySite(sql, site('5m'));
  await sql`update "check" set scheduled_since = ${new Date(T)}`;
  const since = async () => (await sql<{ scheduled_since: Date }[]>`select scheduled_since from "check" where name = 's'`)[0]!.scheduled_since.getTime();

  await applySite(sql, site('5m'));
  assert.equal(await since(), T, 'the same schedule applied again');
  await applySite(sql, site('1m'));
  assert.ok(await since() > Date.now() - minutes(10), 'a new interval starts a new schedule');
});
