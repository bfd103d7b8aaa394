import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextIntervalS } from '#core/state/index.ts';
import { STATUSES, statusRank } from '#core/status.ts';
import { planTick } from '#scheduler/plan-tick.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { applySite, HOME, LOCATIONS, minutes, seconds, setPhases, T } from './fixtures.ts';

const WEB = `
<command name="http" engine="http"><parameter name="host">#{host.address}</parameter></command>
<host name="web" address="10.0.0.1">
  <service name="ten"><schedule every="10s"/><check-command command="http"/></service>
  <service name="minute"><schedule every="1m" changing-every="20s" retry-every="30s"/><check-command command="http"/></service>
  <service name="five"><schedule every="5m"/><check-command command="http"/></service>
  <service name="off" enabled="no"><schedule every="10s"/><check-command command="http"/></service>
  <trap name="backup"/>
</host>`;

/** Due times per check key, as offsets from T in seconds. */
function dueSeconds(jobs: { job: { checkId: string; dueAtMs: number } }[], checks: Map<string, string>): Record<string, number[]> {
  const names = new Map([...checks].map(([key, id]) => [id, key]));
  const due: Record<string, number[]> = {};
  for (const { job } of jobs) (due[names.get(job.checkId)!] ??= []).push((job.dueAtMs - T) / 1_000);
  for (const list of Object.values(due)) list.sort((a, b) => a - b);
  return due;
}

test('due times are phase + k × interval: a 10 s check is due six times a minute, each at its phase', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, WEB);
  await sql`update "check" set phase_ms = case name when 'ten' then 2500 when 'minute' then 7000 else 65000 end`;

  const first = await planTick(sql, { fromMs: T, toMs: T + minutes(1), homeRegion: HOME });
  assert.deepEqual(dueSeconds(first.jobs, checks), {
    'web/ten': [2.5, 12.5, 22.5, 32.5, 42.5, 52.5],
    'web/minute': [7],
  }, 'five is due at 65 s past 09:00 and 09:05; the disabled check, the trap and the host (no command) never');
  const next = await planTick(sql, { fromMs: T + minutes(1), toMs: T + minutes(2), homeRegion: HOME });
  assert.deepEqual(dueSeconds(next.jobs, checks)['web/five'], [65]);

  const { job, region, locationName } = first.jobs.find((planned) => planned.job.checkId === checks.get('web/minute'))!;
  assert.equal(region, HOME, 'a check without a location runs in the home region');
  assert.equal(locationName, null);
  assert.deepEqual(job, {
    v: 1, siteId, checkId: checks.get('web/minute'), locationId: null,
    dueAtMs: T + seconds(7),
    startByMs: T + seconds(7) + seconds(30), // half the interval
    timeoutMs: seconds(30),
    check: {
      name: 'minute', host: { name: 'web', address: '10.0.0.1' }, command: { name: 'http', engine: 'http' },
      parameters: { host: '10.0.0.1' }, secretNames: [], allowMetadataAddresses: false,
    },
  });
  const ten = first.jobs.find((planned) => planned.job.checkId === checks.get('web/ten'))!.job;
  assert.equal(ten.startByMs - ten.dueAtMs, seconds(5));
  assert.equal(ten.timeoutMs, seconds(10), 'a run never outlasts its interval');
  const five = next.jobs.find((planned) => planned.job.checkId === checks.get('web/five'))!.job;
  assert.equal(five.startByMs - five.dueAtMs, minutes(1), 'slack is at most a minute');
});

test('windows tile: consecutive windows plan every due time once', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, WEB);
  const windows = [0, 13_000, 60_000, 60_001, 75_500, 180_000];
  const due: number[] = [];
  for (let i = 0; i + 1 < windows.length; i++) {
    const { jobs } = await planTick(sql, { fromMs: T + windows[i]!, toMs: T + windows[i + 1]!, homeRegion: HOME });
    due.push(...jobs.filter(({ job }) => job.checkId === checks.get('web/ten')).map(({ job }) => job.dueAtMs));
  }
  const [phase] = await sql<{ phase_ms: number }[]>`select phase_ms from "check" where id = ${checks.get('web/ten')!}`;
  const expected = Array.from({ length: 18 }, (_, k) => T + (phase!.phase_ms % 10_000) + k * 10_000);
  assert.deepEqual(due, expected);
});

test('an apply between two windows misses no due time and doubles none, for the checks it changes as for the rest', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, WEB);
  const plan = async (fromMs: number, toMs: number) => (await planTick(sql, { fromMs, toMs, homeRegion: HOME })).jobs
    .map(({ job }) => `${job.checkId} ${job.dueAtMs}`);
  const uninterrupted = await plan(T, T + minutes(2));

  const before = await plan(T, T + seconds(45));
  // A service added to another host, and a parameter of `minute` changed: its host is rewritten.
  await applySite(sql, WEB.replace('<host name="web" address="10.0.0.1">', `
    <host name="db" address="10.0.0.9"><service name="ten"><schedule every="10s"/><check-command command="http"/></service></host>
    <host name="web" address="10.0.0.1">`).replace('<service name="minute">', '<service name="minute"><parameter name="path">/health</parameter>'));
  const after = await plan(T + seconds(45), T + minutes(2));

  const ours = new Set(checks.values());
  const across = [...before, ...after].filter((key) => ours.has(key.split(' ')[0]!));
  assert.deepEqual(across.sort(), [...uninterrupted].sort());
  assert.ok(after.length > across.length - before.length, "the new host's check is planned from the next window on");
});

test('the interval follows the state: soft at changing-every, hard problem at retry-every', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, WEB);
  await setPhases(sql, 0);
  const minute = checks.get('web/minute')!;
  const countIn = async () => (await planTick(sql, { fromMs: T, toMs: T + minutes(1), homeRegion: HOME })).jobs.filter(({ job }) => job.checkId === minute).length;

  await sql`update check_state set status = ${statusRank('OK')}, hard = true where check_id = ${minute}`;
  assert.equal(await countIn(), 1, 'hard OK: every 1m');
  await sql`update check_state set status = ${statusRank('CRITICAL')}, hard = false where check_id = ${minute}`;
  assert.equal(await countIn(), 3, 'soft problem: changing every 20s');
  await sql`update check_state set status = ${statusRank('OK')}, hard = false where check_id = ${minute}`;
  assert.equal(await countIn(), 3, 'soft recovery: changing every 20s');
  await sql`update check_state set status = ${statusRank('CRITICAL')}, hard = true where check_id = ${minute}`;
  assert.equal(await countIn(), 2, 'hard problem: retry every 30s');
});

test('check_interval_s in SQL agrees with nextIntervalS for every status, soft and hard', async () => {
  const { sql } = await withTestDatabase();
  const schedule = { everyS: 300, changingEveryS: 20, retryEveryS: 60 };
  for (const status of STATUSES) {
    for (const hard of [true, false]) {
      const [row] = await sql<{ interval_s: number }[]>`
        select check_interval_s(${statusRank(status)}::smallint, ${hard}, 300, 20, 60) as interval_s`;
      assert.equal(row!.interval_s, nextIntervalS({ status, hard }, schedule), `${status} ${hard ? 'hard' : 'soft'}`);
    }
  }
});

test('a due time outside the time period is skipped, judged on the period\'s own clock', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, `
    <time-period name="maintenance" time-zone="Europe/London"><time-range>2025-06-02 10:00-10:30</time-range></time-period>
    <time-period name="outside-maintenance" time-zone="Europe/London" excludes="maintenance"/>
    <command name="http" engine="http"/>
    <host name="web" address="10.0.0.1">
      <service name="watched"><schedule every="1m" time-period="outside-maintenance"/><check-command command="http"/></service>
      <service name="always"><schedule every="1m"/><check-command command="http"/></service>
    </host>`);
  await setPhases(sql, 0);
  // 09:28-09:32 UTC is 10:28-10:32 in London (BST): maintenance ends at 10:30 London time.
  const plan = await planTick(sql, { fromMs: T + minutes(28), toMs: T + minutes(32), homeRegion: HOME });
  assert.deepEqual(dueSeconds(plan.jobs, checks), {
    'web/always': [28 * 60, 29 * 60, 30 * 60, 31 * 60],
    'web/watched': [30 * 60, 31 * 60],
  });
  assert.equal(plan.skippedByTimePeriod, 2);
});

test('a check run from several locations is one job per location, each for its region', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, `${LOCATIONS}
    <parameter name="vigil.allow-metadata-addresses">true</parameter>
    <command name="http" engine="http"><parameter name="path">#{coalesce(host.location.getParameter('path'), '/')}</parameter></command>
    <host name="web" address="10.0.0.1" location="eu">
      <service name="global"><run-from locations="eu, us, ap" quorum="2"/><check-command command="http"/></service>
      <service name="local"><check-command command="http"/></service>
    </host>`);
  await setPhases(sql, 0);
  const plan = await planTick(sql, { fromMs: T, toMs: T + minutes(5), homeRegion: HOME });
  const where = plan.jobs.map(({ job, region, locationName }) => `${[...checks].find(([, id]) => id === job.checkId)![0]} ${locationName} ${region}`).sort();
  assert.deepEqual(where, ['web/global ap ap-south-1', 'web/global eu eu-west-1', 'web/global us us-east-1', 'web/local eu eu-west-1']);
  assert.ok(plan.jobs.every(({ job }) => job.check.allowMetadataAddresses), 'the site parameter reaches every job');
  const locations = await sql<{ id: string; name: string }[]>`select id, name from location`;
  for (const { job, locationName } of plan.jobs) assert.equal(job.locationId, locations.find((l) => l.name === locationName)!.id);
});
