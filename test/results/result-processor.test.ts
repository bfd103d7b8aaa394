import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResultMessage } from '#core/messages.ts';
import type { Status } from '#core/status.ts';
import type { BusEvent, EventBus, PublishResult } from '#ports/event-bus.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import type { ReceivedMessage } from '#ports/queue.ts';
import { publishOutbox } from '#results/event-outbox.ts';
import { processResultMessages, type ResultProcessorDeps } from '#results/result-processor.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

/** A bus that keeps what it is given, or refuses everything while `down`. */
class RecordingBus implements EventBus {
  readonly events: BusEvent[] = [];
  down = false;
  async publish(events: readonly BusEvent[]): Promise<PublishResult> {
    if (this.down) return { failed: events.map((_, index) => ({ index, reason: 'bus unavailable' })) };
    this.events.push(...events);
    return { failed: [] };
  }
}

const SITE = `
<group name="all"/><group name="web" groups="all"/>
<command name="http" engine="http"/>
<host name="www" address="127.0.0.1" groups="web">
  <service name="home" groups="web"><check-command command="http"/><state failed-after="2"/></service>
</host>`;

async function applySite(name: string): Promise<{ siteId: string; checkId: string }> {
  const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': SITE }, name)), 'test');
  const [check] = await sql<{ id: string }[]>`select id from "check" where site_id = ${siteId} and name = 'home'`;
  return { siteId, checkId: check!.id };
}

function deps(): ResultProcessorDeps & { bus: RecordingBus; push: RecordingPush; log: MemoryLogger } {
  return { db: sql, bus: new RecordingBus(), push: new RecordingPush(), log: new MemoryLogger() };
}

let messageCount = 0;
function message(result: Partial<ResultMessage> & { siteId: string; checkId: string; status: Status; finishedAtMs: number }): ReceivedMessage {
  const { finishedAtMs, ...rest } = result;
  const body: ResultMessage = {
    v: 1, locationId: null, dueAtMs: finishedAtMs - 100, output: `${result.status}: HTTP answer`, source: 'worker', producer: 'test',
    readings: [{ name: 'time', value: 0.012, unit: 's', warning: 1, critical: 2 }], startedAtMs: finishedAtMs - 12, durationMs: 12,
    ...rest,
  };
  const id = `m${++messageCount}`;
  return { messageId: id, receiptHandle: id, body: JSON.stringify(body), receiveCount: 1, sentAtMs: finishedAtMs };
}

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

describe('result processor', () => {
  test('OK -> soft CRITICAL -> hard CRITICAL -> recovery: states, transitions, readings, events and pushes', async () => {
    const { siteId, checkId } = await applySite('lifecycle');
    const d = deps();
    const run = async (status: Status, minute: number) =>
      processResultMessages(d, [message({ siteId, checkId, status, finishedAtMs: T0 + minute * 60_000 })]);

    assert.equal((await run('OK', 0)).hardChanges, 1, 'PENDING -> OK is a hard change');
    await run('CRITICAL', 1);
    let [state] = await sql`select status, hard, attempt, hard_status, output from check_state where check_id = ${checkId}`;
    assert.deepEqual({ ...state }, { status: 4, hard: false, attempt: 1, hard_status: 2, output: 'CRITICAL: HTTP answer' });
    await run('CRITICAL', 2);
    await run('OK', 3);
    [state] = await sql`select status, hard, hard_status, last_result_at from check_state where check_id = ${checkId}`;
    assert.deepEqual({ ...state }, { status: 2, hard: true, hard_status: 2, last_result_at: new Date(T0 + 3 * 60_000) });

    const transitions = await sql`select from_status, to_status, to_hard from check_transition where check_id = ${checkId} order by at`;
    assert.deepEqual(transitions.map((t) => `${t.from_status}->${t.to_status}${t.to_hard ? '' : ' (soft)'}`), ['0->2', '2->4 (soft)', '4->4', '4->2']);
    const [readings] = await sql`select count(*)::int as n, max(critical) as critical from reading where check_id = ${checkId}`;
    assert.deepEqual({ ...readings }, { n: 4, critical: 2 });

    assert.deepEqual(d.bus.events.map((e) => [e.detailType, (e.detail as { fromStatus: string }).fromStatus, (e.detail as { toStatus: string }).toStatus, (e.detail as { recovery: boolean }).recovery]), [
      ['CheckStateChanged', 'PENDING', 'OK', false],
      ['CheckStateChanged', 'OK', 'CRITICAL', false],
      ['CheckStateChanged', 'CRITICAL', 'OK', true],
    ]);
    const critical = d.bus.events[1]!;
    assert.equal(critical.source, 'vigil');
    assert.deepEqual((critical.detail as { groups: string[]; hostName: string; checkName: string }), {
      ...(critical.detail as object), groups: ['web'], hostName: 'www', checkName: 'home',
    });

    assert.equal(d.push.published.length, 4);
    const pushed = d.push.published[2]!;
    assert.equal(pushed.checks[0]!.status, 'CRITICAL');
    assert.deepEqual(pushed.groups.map((g) => [g.name, g.critical]).sort(), [['all', 1], ['web', 1]]);
    const [outbox] = await sql`select count(*)::int as n from event_outbox`;
    assert.equal(outbox!.n, 0, 'published events leave the outbox');
  });

  test('an acknowledgement lasts while the confirmed state stays, and ends when it changes', async () => {
    const { siteId, checkId } = await applySite('acknowledged');
    const d = deps();
    const run = (status: Status, minute: number) => processResultMessages(d, [message({ siteId, checkId, status, finishedAtMs: T0 + minute * 60_000 })]);
    await run('CRITICAL', 0);
    await run('CRITICAL', 1);
    await sql`update check_state set acknowledged = true where check_id = ${checkId}`;
    await run('CRITICAL', 2);
    const acknowledged = async () => (await sql<{ acknowledged: boolean }[]>`select acknowledged from check_state where check_id = ${checkId}`)[0]!.acknowledged;
    assert.equal(await acknowledged(), true, 'still the same problem');
    await run('OK', 3);
    assert.equal(await acknowledged(), false, 'recovered: the acknowledgement is over');
  });

  test('the same result twice, or an older one late, changes nothing', async () => {
    const { siteId, checkId } = await applySite('idempotent');
    const d = deps();
    const newer = message({ siteId, checkId, status: 'WARNING', finishedAtMs: T0 + 60_000 });
    await processResultMessages(d, [newer]);
    const before = await sql`select xmin::text, * from check_state where check_id = ${checkId}`;
    const outcome = await processResultMessages(d, [newer, message({ siteId, checkId, status: 'OK', finishedAtMs: T0 })]);
    assert.deepEqual({ applied: outcome.applied, ignored: outcome.ignored }, { applied: 0, ignored: 2 });
    assert.deepEqual(await sql`select xmin::text, * from check_state where check_id = ${checkId}`, before, 'the row was not even rewritten');
    const [counts] = await sql`select (select count(*) from check_transition where check_id = ${checkId})::int as transitions,
                                      (select count(*) from reading where check_id = ${checkId})::int as readings`;
    assert.deepEqual({ ...counts }, { transitions: 1, readings: 1 });
  });

  test('a malformed message fails alone; a result naming another site\'s check is ignored', async () => {
    const mine = await applySite('tenant-a');
    const theirs = await applySite('tenant-b');
    const d = deps();
    const broken: ReceivedMessage = { messageId: 'broken', receiptHandle: 'broken', body: '{"v":1,"status":"SIDEWAYS"}', receiveCount: 1, sentAtMs: T0 };
    const outcome = await processResultMessages(d, [
      broken,
      message({ siteId: mine.siteId, checkId: mine.checkId, status: 'CRITICAL', finishedAtMs: T0 }),
      // Site A's id with site B's check: must not touch B.
      message({ siteId: mine.siteId, checkId: theirs.checkId, status: 'CRITICAL', finishedAtMs: T0 }),
    ]);
    assert.deepEqual(outcome.batchItemFailures, [{ itemIdentifier: 'broken' }]);
    assert.deepEqual({ applied: outcome.applied, ignored: outcome.ignored }, { applied: 1, ignored: 1 });
    const [theirState] = await sql`select status from check_state where check_id = ${theirs.checkId}`;
    assert.equal(theirState!.status, 0, 'still PENDING');
    assert.ok(d.log.entries.some((e) => e.level === 'error' && /malformed/.test(e.message) && e.fields.messageId === 'broken'));
  });

  test('when the bus is down, state changes wait in the outbox and are published later', async () => {
    const { siteId, checkId } = await applySite('outbox');
    const d = deps();
    d.bus.down = true;
    // Two failures: failed-after is 2, so the second makes the hard change.
    const outcome = await processResultMessages(d, [
      message({ siteId, checkId, status: 'CRITICAL', finishedAtMs: T0 }),
      message({ siteId, checkId, status: 'CRITICAL', finishedAtMs: T0 + 60_000 }),
    ]);
    assert.deepEqual(outcome.batchItemFailures, [], 'the batch itself succeeded');
    assert.equal(d.bus.events.length, 0);
    const [waiting] = await sql`select count(*)::int as n from event_outbox where site_id = ${siteId}`;
    assert.equal(waiting!.n, 1);

    d.bus.down = false;
    await sql`update event_outbox set created_at = created_at - interval '1 minute' where site_id = ${siteId}`;
    assert.equal(await publishOutbox(sql, d.bus, 'vigil', d.log), 1);
    assert.equal((d.bus.events[0]!.detail as { toStatus: string }).toStatus, 'CRITICAL');
  });

  test('a failing database fails the whole batch, for redelivery', async () => {
    const { siteId, checkId } = await applySite('db-down');
    const d = deps();
    const failing = { ...d, db: { begin: async () => { throw new Error('connection refused'); } } as unknown as ResultProcessorDeps['db'] };
    const batch = [message({ siteId, checkId, status: 'OK', finishedAtMs: T0 }), message({ siteId, checkId, status: 'OK', finishedAtMs: T0 + 1 })];
    const outcome = await processResultMessages(failing, batch);
    assert.deepEqual(outcome.batchItemFailures.map((f) => f.itemIdentifier), batch.map((m) => m.messageId));
  });
});

test('a host going down suppresses its services and the hosts behind it (handled, pushed); coming back releases them', async () => {
  const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': `
    <command name="http" engine="http"/>
    <host name="router" address="10.0.0.1"><check-command command="http"/></host>
    <host name="web" address="10.0.0.2" parents="router"><check-command command="http"/>
      <service name="page"><check-command command="http"/></service></host>
    <host name="other" address="10.0.0.3"><check-command command="http"/></host>` }, 'dependencies')), 'test');
  const ids = new Map((await sql<{ id: string; key: string }[]>`
    select c.id, coalesce(p.name || '/', '') || c.name as key from "check" c left join "check" p on p.id = c.parent_id
    where c.site_id = ${siteId}`).map((row) => [row.key, row.id]));
  const suppressed = async () => Object.fromEntries((await sql<{ key: string; suppressed: boolean }[]>`
    select coalesce(p.name || '/', '') || c.name as key, s.suppressed from check_state s join "check" c on c.id = s.check_id
    left join "check" p on p.id = c.parent_id where c.site_id = ${siteId} order by 1`).map((row) => [row.key, row.suppressed]));
  const processor = deps();
  const result = (key: string, status: Status, atMs: number) => message({ siteId, checkId: ids.get(key)!, status, finishedAtMs: atMs });

  await processResultMessages(processor, [result('router', 'CRITICAL', T0), result('web', 'CRITICAL', T0)]);
  assert.deepEqual(await suppressed(), { other: false, router: false, web: true, 'web/page': true });
  const pushed = processor.push.published.flatMap((change) => change.checks.map((check) => check.checkId));
  assert.ok(pushed.includes(ids.get('web/page')!), 'the service, handled now without a result of its own, is pushed');

  await processResultMessages(processor, [result('router', 'OK', T0 + 60_000)]);
  assert.deepEqual(await suppressed(), { other: false, router: false, web: false, 'web/page': true }, 'web itself is still down');
  await processResultMessages(processor, [result('web', 'OK', T0 + 120_000)]);
  assert.deepEqual(await suppressed(), { other: false, router: false, web: false, 'web/page': false });
});
