import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryEventBus } from '#adapters/local/memory-event-bus.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import type { ResultMessage } from '#core/messages.ts';
import { statusOfRank } from '#core/status.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import { processResultMessages, processResults } from '#results/result-processor.ts';
import { findStale } from '#scheduler/freshness.ts';
import { runTick } from '#scheduler/scheduler.ts';
import { SILENCE_READING, storeMetrics } from '#store/agent-metrics.ts';
import type { Database } from '#store/database.ts';
import { createTestApi } from '../actions/api-fixture.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { applySite, minutes, seconds, T, testScheduler, type TestScheduler } from './fixtures.ts';

const TRAP = `<host name="db" address="10.0.0.5"><trap name="backup"><freshness every="5m" grace="1m"/></trap></host>`;

const processor = (sql: Database) => ({ db: sql, bus: new MemoryEventBus({ log: new MemoryLogger() }), push: new RecordingPush(), log: new MemoryLogger() });

async function stateOf(sql: Database, checkId: string) {
  const [row] = await sql<{ status: number; hard: boolean; output: string; last_result_at: Date | null }[]>`
    select status, hard, output, last_result_at from check_state where check_id = ${checkId}`;
  return { status: statusOfRank(row!.status), hard: row!.hard, output: row!.output, lastResultAtMs: row!.last_result_at?.getTime() ?? null };
}

/** Ticks once a minute from the clock's time until `untilMs`; returns the results of each tick that sent any, by minute after T. */
async function tickEachMinuteUntil(scheduler: TestScheduler, untilMs: number): Promise<Map<number, ResultMessage[]>> {
  const sent = new Map<number, ResultMessage[]>();
  for (; scheduler.clock.nowMs() <= untilMs; scheduler.clock.advance(minutes(1))) {
    scheduler.results.clear();
    const summary = await runTick(scheduler);
    assert.equal(summary.staleResults, scheduler.results.sent.length);
    if (summary.staleResults > 0) sent.set((scheduler.clock.nowMs() - T) / 60_000, scheduler.results.results());
  }
  return sent;
}

/** The trap, configured at T, and a scheduler whose first tick is at T. */
async function silentTrap() {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, TRAP);
  await sql`update "check" set scheduled_since = ${new Date(T)}`;
  return { sql, siteId, backup: checks.get('db/backup')!, scheduler: testScheduler(sql, T) };
}

test('a silent trap gets a CRITICAL result timed at its deadline, the same every tick until applied, then one per period plus grace', async () => {
  const { sql, siteId, backup, scheduler } = await silentTrap();
  const first = await tickEachMinuteUntil(scheduler, T + minutes(7));
  assert.deepEqual([...first.keys()], [6, 7], 'nothing before period plus grace; then the same result until it is applied');
  const [result] = first.get(6)!;
  assert.deepEqual(result, {
    v: 1, siteId, checkId: backup, locationId: null, dueAtMs: T + minutes(6), status: 'CRITICAL',
    output: 'no result for 6m (expected every 5m, grace 1m)', readings: [{ name: SILENCE_READING, value: 360, unit: 's' }],
    startedAtMs: T + minutes(6), durationMs: 0, source: 'overdue', producer: 'scheduler',
  });
  assert.deepEqual(first.get(7), [result], 'idempotent: the next tick builds the very same result');
  assert.deepEqual(await findStale(sql, { nowMs: T + minutes(7) }), [result]);

  const applied = await processResults(processor(sql), [result!, result!]);
  assert.deepEqual([applied.applied, applied.ignored], [1, 1], 'the copy is ignored as not newer');
  assert.deepEqual(await stateOf(sql, backup), { status: 'CRITICAL', hard: true, output: result!.output, lastResultAtMs: T + minutes(6) });

  const still = await tickEachMinuteUntil(scheduler, T + minutes(12));
  assert.deepEqual([...still.keys()], [12], 'still silent: due one period plus grace after the last one');
  assert.deepEqual(still.get(12)!.map((r) => [r.dueAtMs - T, r.output, r.readings[0]!.value]), [
    [minutes(12), 'no result for 12m (expected every 5m, grace 1m)', 720],
  ]);
  assert.equal((await processResults(processor(sql), still.get(12)!)).transitions, 0, 'CRITICAL again: no transition');
});

test('a ping through the passive URL recovers the check, and silence counts again from it', async () => {
  const { sql, siteId, backup, scheduler } = await silentTrap();
  const stale = await tickEachMinuteUntil(scheduler, T + minutes(7));
  await processResults(processor(sql), stale.get(6)!);
  assert.equal((await stateOf(sql, backup)).status, 'CRITICAL');

  const api = createTestApi(sql, [passiveRoutes], { sites: [siteId], nowMs: T + minutes(8) });
  const url: string = (await api.call('POST', `/sites/${siteId}/checks/${backup}/passive-token`, { as: 'admin' })).body.path;
  const ping = await api.call('POST', url.replace('/api/v1', ''), { as: null, body: { status: 'OK', output: 'backup done' } });
  assert.equal(ping.status, 202);
  await processResultMessages(processor(sql), await api.results.receive());
  assert.deepEqual(await stateOf(sql, backup), { status: 'OK', hard: true, output: 'backup done', lastResultAtMs: T + minutes(8) });

  // The scheduler kept ticking every minute meanwhile (a gap would restart its planning, and silence with it).
  const after = await tickEachMinuteUntil(scheduler, T + minutes(14));
  assert.deepEqual([...after.keys()], [14], 'due period plus grace after the ping');
  assert.deepEqual(after.get(14)!.map((r) => [r.dueAtMs - T, r.output]), [[minutes(14), 'no result for 6m (expected every 5m, grace 1m)']]);
});

test('a metrics push is a heartbeat too', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, `<host name="agent-1"><freshness every="10s" grace="5s"/></host>`);
  const agent = checks.get('agent-1')!;
  await sql`update "check" set scheduled_since = ${new Date(T)}`;
  await storeMetrics(sql, { siteId, checkId: agent }, [{ name: 'cpu', value: 12, unit: '%' }], T + seconds(40));

  assert.deepEqual(await findStale(sql, { nowMs: T + seconds(54) }), [], 'heard at 40 s: due at 55 s');
  const [result] = await findStale(sql, { nowMs: T + seconds(55) });
  assert.deepEqual([result?.checkId, result?.dueAtMs, result?.output], [agent, T + seconds(55), 'no result for 15s (expected every 10s, grace 5s)']);
});

test('silence counts from no earlier than the start of the schedule and of the scheduler\'s planning', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, TRAP);
  await sql`update "check" set scheduled_since = ${new Date(T - minutes(60))}`;
  const dueAt = async (nowMs: number, planningSinceMs?: number) =>
    (await findStale(sql, { nowMs, ...(planningSinceMs === undefined ? {} : { planningSinceMs }) })).map((r) => [r.checkId, r.dueAtMs - T]);

  assert.deepEqual(await dueAt(T), [[checks.get('db/backup'), -minutes(54)]], 'configured an hour ago and never heard from');
  assert.deepEqual(await dueAt(T, T - minutes(2)), [], 'Vigil was not listening until two minutes ago');
  assert.deepEqual(await dueAt(T + minutes(4), T - minutes(2)), [[checks.get('db/backup'), minutes(4)]]);
});

test('disabled checks and checks without freshness are never stale; outside its time period a check is not, and it gets a whole period plus grace from the opening', async () => {
  const { sql } = await withTestDatabase();
  const { checks } = await applySite(sql, `
    <time-period name="late" time-zone="Europe/London"><time-range>monday 11:00-17:00</time-range></time-period>
    <host name="db" address="10.0.0.5">
      <trap name="always"><freshness every="5m" grace="1m"/></trap>
      <trap name="off" enabled="no"><freshness every="5m" grace="1m"/></trap>
      <trap name="plain"/>
      <trap name="late"><schedule time-period="late"/><freshness every="5m" grace="1m"/></trap>
    </host>`);
  await sql`update "check" set scheduled_since = ${new Date(T - minutes(60))}`;
  const staleAt = async (nowMs: number) =>
    (await findStale(sql, { nowMs })).map((r) => [[...checks].find(([, id]) => id === r.checkId)![0], (r.dueAtMs - T) / 60_000, r.output]);

  // T is 10:00 in London: 'late' opens at 11:00 (T + 60m).
  assert.deepEqual(await staleAt(T), [['db/always', -54, 'no result for 6m (expected every 5m, grace 1m)']]);
  const lateOnly = (rows: unknown[][]) => rows.filter(([name]) => name === 'db/late');
  assert.deepEqual(lateOnly(await staleAt(T + minutes(59))), [], 'closed');
  assert.deepEqual(lateOnly(await staleAt(T + minutes(65))), [], 'open for five minutes: its grace is not over');
  assert.deepEqual(lateOnly(await staleAt(T + minutes(66))), [['db/late', 66, 'no result for 2h6m (expected every 5m, grace 1m)']],
    'due period plus grace after the opening; the output tells the whole silence');
  assert.deepEqual(lateOnly(await staleAt(T + minutes(90))), [['db/late', 66, 'no result for 2h6m (expected every 5m, grace 1m)']], 'the same until applied');
  assert.deepEqual(lateOnly(await staleAt(Date.UTC(2025, 5, 2, 16, 30))), [], 'closed again (17:30 in London)');
});
