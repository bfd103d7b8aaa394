/**
 * Heartbeats end to end, on the local runtime: pings (passive results) and agents' metrics
 * pushes reach the API, the scheduler's tick notices when they stop, the result processor turns
 * the silence into a hard CRITICAL and publishes `CheckStateChanged`, and the next ping or push
 * recovers the check. The clock is moved by hand; the queues, pollers, processor and bus are real.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '#adapters/local/memory-event-bus.ts';
import { issuePassiveToken } from '#actions/passive-results.ts';
import { createApp } from '#api/app.ts';
import type { ApiDeps } from '#api/deps.ts';
import { metricRoutes } from '#api/routes/metrics.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import { SmtpEmailChannel } from '#adapters/notify/smtp-email.ts';
import type { ChannelKind } from '#core/alerting/policy.ts';
import type { CheckStateChanged } from '#core/messages.ts';
import type { NotificationChannel } from '#ports/notification-channel.ts';
import { statusOfRank } from '#core/status.ts';
import { LocalRuntime, stateChangeRule } from '#local/runtime.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import type { Database } from '#store/database.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { applySite } from '../scheduler/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp-server.ts';

/**
 * A site with one check, Vigil running with no worker (nothing here is run by one), and the API
 * beside it; with `channels`, the notifier sends on them (flood window 1 s).
 */
async function running(xml: string, checkName: string, channels?: ReadonlyMap<ChannelKind, NotificationChannel>) {
  const { sql } = await withTestDatabase();
  const { siteId, checks } = await applySite(sql, xml);
  const checkId = checks.get(checkName)!;
  const startMs = Math.ceil(Date.now() / 60_000) * 60_000;
  await sql`update "check" set scheduled_since = ${new Date(startMs)}`;
  const clock = new ManualClock(startMs);
  const log = new MemoryLogger();
  const events: CheckStateChanged[] = [];
  const runtime = new LocalRuntime({
    db: sql, log, clock, tickEveryMs: null, workers: 0,
    ...(channels ? { channels, notifier: { floodWindowMs: 1_000 } } : {}),
    rules: [stateChangeRule('collect', async (event: EventEnvelope) => void events.push(event.detail as unknown as CheckStateChanged))],
  }).start();
  // The passive URLs need no authenticator: the token is the credential.
  const deps: ApiDeps = {
    db: sql, clock, log, push: runtime.push, results: runtime.queues.results,
    auth: { authenticate: async () => null, roleIn: async () => null }, runNow: (site, check) => runtime.runNow(site, check),
  };
  const app = createApp(deps, { routes: [passiveRoutes, metricRoutes] });
  const token = await issuePassiveToken(sql, { siteId, checkId, by: 'test', nowMs: startMs });
  const post = async (path: string, body: unknown) => {
    const response = await app.request(`/api/v1/passive/${token}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 202, await response.text());
  };
  return { sql, checkId, clock, runtime, events, startMs, post };
}

/** Waits until every result on the queue has been applied and its events delivered. */
async function applied(runtime: LocalRuntime): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { visible, inFlight, delayed } = await runtime.queues.results.approximateCounts();
    if (visible + inFlight + delayed === 0) break;
    if (Date.now() > deadline) throw new Error('the results were not applied within 10 s');
    await sleep(10);
  }
  await runtime.bus.settled();
}

async function stateOf(sql: Database, checkId: string): Promise<[string, boolean, string]> {
  const [row] = await sql<{ status: number; hard: boolean; output: string }[]>`select status, hard, output from check_state where check_id = ${checkId}`;
  return [statusOfRank(row!.status), row!.hard, row!.output];
}

test('pings stop: a period plus grace later the check is hard CRITICAL and CheckStateChanged is published; the next ping recovers it', async () => {
  const { sql, checkId, clock, runtime, events, startMs, post } = await running(
    '<host name="backup-server"><trap name="nightly"><freshness every="1m" grace="30s"/></trap></host>', 'backup-server/nightly');
  try {
    await runtime.tick();
    clock.set(startMs + 10_000);
    await post('', { status: 'OK', output: 'backup done' });
    await applied(runtime);
    assert.deepEqual(await stateOf(sql, checkId), ['OK', true, 'backup done']);

    clock.set(startMs + 60_000);
    assert.equal((await runtime.tick()).staleResults, 0, 'silent for 50 s: within period and grace');
    clock.set(startMs + 120_000);
    assert.equal((await runtime.tick()).staleResults, 1, 'silent since 10 s: due at 100 s');
    await applied(runtime);
    assert.deepEqual(await stateOf(sql, checkId), ['CRITICAL', true, 'no result for 1m30s (expected every 1m, grace 30s)']);

    clock.set(startMs + 130_000);
    await post('', { status: 'OK', output: 'backup done, late' });
    await applied(runtime);
    assert.deepEqual(await stateOf(sql, checkId), ['OK', true, 'backup done, late']);
  } finally {
    await runtime.stop();
  }
  assert.deepEqual(events.map((e) => [e.checkId, e.fromStatus, e.toStatus, e.recovery, e.atMs - startMs]), [
    [checkId, 'PENDING', 'OK', false, 10_000],
    [checkId, 'OK', 'CRITICAL', false, 100_000],
    [checkId, 'CRITICAL', 'OK', true, 130_000],
  ]);
  assert.equal(events[1]!.output, 'no result for 1m30s (expected every 1m, grace 30s)');
});

test('pings stop: the on-call contact is emailed that the heartbeat is CRITICAL, once', async () => {
  const smtp = await startSmtpServer();
  const email = new SmtpEmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'opportunistic', from: 'vigil@example.com' });
  const { sql, checkId, clock, runtime, startMs, post } = await running(`
    <team name="oncall"/><contact name="olivia" teams="oncall" email="olivia@example.com"/>
    <host name="backup-server"><trap name="nightly"><freshness every="1m" grace="30s"/><notify teams="oncall"/></trap></host>`,
  'backup-server/nightly', new Map([['email', email]]));
  const subjects = () => smtp.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('utf8'))?.[1]);
  try {
    await runtime.tick();
    clock.set(startMs + 10_000);
    await post('', { status: 'OK', output: 'backup done' });
    await applied(runtime);
    clock.set(startMs + 120_000);
    assert.equal((await runtime.tick()).staleResults, 1);
    await applied(runtime);
    assert.deepEqual((await stateOf(sql, checkId)).slice(0, 2), ['CRITICAL', true]);
    // The notifier's flood window passes; its delayed wake-up (or the next tick's sweep) sends.
    clock.set(startMs + 122_000);
    await runtime.tick();
    const deadline = Date.now() + 10_000;
    while (smtp.messages.length === 0 && Date.now() < deadline) await sleep(20);
    assert.deepEqual(subjects(), ['CRITICAL: backup-server/nightly']);
    assert.deepEqual(smtp.messages[0]!.to, ['olivia@example.com']);
    assert.match(smtp.messages[0]!.raw.toString('utf8'), /no result for 1m30s \(expected every 1m, grace 30s\)/);
    clock.set(startMs + 150_000);
    await runtime.tick();
    await sleep(300);
    assert.equal(smtp.messages.length, 1, 'told once');
  } finally {
    await runtime.stop();
    await smtp.close();
  }
});

test('an agent pushing metrics every second is one result, not one per push; when it stops it goes CRITICAL, and its next push recovers it', async () => {
  const { sql, checkId, clock, runtime, events, startMs, post } = await running(
    '<location name="dc-1"/><host name="agent-1" location="dc-1"><freshness every="10s" grace="5s"/></host>', 'agent-1');
  try {
    await runtime.tick();
    for (let second = 0; second < 5; second++) {
      clock.set(startMs + second * 1_000);
      await post('/metrics', { metrics: { 'cpu.user': 10 + second, 'mem.free': { value: 2e9, unit: 'B' } } });
      // A second passes between pushes: time for the first one's OK result to be applied. (Pushes
      // that come while it is on its way would each queue it again, harmlessly: OK after OK.)
      await applied(runtime);
    }
    assert.deepEqual(await stateOf(sql, checkId), ['OK', true, 'reporting: metrics received']);
    const [state] = await sql<{ last_result_at: Date }[]>`select last_result_at from check_state where check_id = ${checkId}`;
    assert.equal(state!.last_result_at.getTime(), startMs, 'the first push made it OK; the other four queued nothing');

    clock.set(startMs + 60_000);
    assert.equal((await runtime.tick()).staleResults, 1, 'last heard at 4 s: due at 19 s');
    await applied(runtime);
    assert.deepEqual(await stateOf(sql, checkId), ['CRITICAL', true, 'no result for 15s (expected every 10s, grace 5s)']);

    clock.set(startMs + 61_000);
    await post('/metrics', { metrics: { 'cpu.user': 12 } });
    await applied(runtime);
    assert.deepEqual(await stateOf(sql, checkId), ['OK', true, 'reporting again: metrics received after 57s of silence']);
  } finally {
    await runtime.stop();
  }
  assert.deepEqual(events.map((e) => [e.fromStatus, e.toStatus, e.atMs - startMs]), [['PENDING', 'OK', 0], ['OK', 'CRITICAL', 19_000], ['CRITICAL', 'OK', 61_000]]);
});
