/**
 * The whole pipeline on one machine, with real parts: PostgreSQL, the scheduler, in-process
 * queues with SQS's semantics, workers running real engines against a real HTTP server, the
 * result processor, the event bus. These are the end-to-end and fault tests.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '#adapters/local/memory-event-bus.ts';
import { QueuePoller } from '#adapters/local/queue-poller.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { LocalRuntime, stateChangeRule } from '#local/runtime.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { statusOfRank } from '#core/status.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

const { sql } = await withTestDatabase();

let healthy = true;
const server = createServer((_request, response) => {
  response.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down');
});
const port = await listenOnLoopback(server);
after(() => closeServer(server));

function siteXml(name: string, every: string): string {
  return `
    <group name="web"/>
    <command name="web" engine="http"><parameter name="port">${port}</parameter><parameter name="path">/health</parameter></command>
    <host name="www" address="127.0.0.1" groups="web">
      <service name="health"><check-command command="web"/>
        <schedule every="${every}" changing-every="1s" retry-every="1s"/><state failed-after="2" recovers-after="1"/></service>
    </host>`.replace('<group', `<!-- ${name} --><group`);
}

async function applySite(name: string, every = '2s'): Promise<{ siteId: string; checkId: string }> {
  const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': siteXml(name, every) }, name)), 'test');
  const [check] = await sql<{ id: string }[]>`select id from "check" where site_id = ${siteId} and name = 'health'`;
  return { siteId, checkId: check!.id };
}

async function stateOf(checkId: string): Promise<string> {
  const [row] = await sql<{ status: number; hard: boolean }[]>`select status, hard from check_state where check_id = ${checkId}`;
  return `${statusOfRank(row!.status)}${row!.hard ? '' : ' (soft)'}`;
}

/** Waits (real time) until `condition` holds, checking every 50 ms; fails after `timeoutMs`. */
async function eventually(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('local pipeline', () => {
  test('scheduled checks run, fail, go soft then hard CRITICAL, and recover; transitions and readings are stored', async () => {
    const { siteId, checkId } = await applySite('lifecycle');
    const events: EventEnvelope[] = [];
    const runtime = new LocalRuntime({
      db: sql, log: new MemoryLogger(), tickEveryMs: 1_000,
      rules: [stateChangeRule('collect', async (event) => void events.push(event))],
    }).start();
    try {
      await eventually('the first OK', async () => (await stateOf(checkId)) === 'OK');
      healthy = false;
      await eventually('hard CRITICAL', async () => (await stateOf(checkId)) === 'CRITICAL');
      healthy = true;
      await eventually('recovery', async () => (await stateOf(checkId)) === 'OK');
    } finally {
      healthy = true;
      await runtime.stop();
    }
    const transitions = await sql<{ from_status: number; to_status: number; to_hard: boolean }[]>`
      select from_status, to_status, to_hard from check_transition where check_id = ${checkId} order by at`;
    assert.deepEqual(
      transitions.map((t) => `${statusOfRank(t.from_status)} -> ${statusOfRank(t.to_status)}${t.to_hard ? '' : ' (soft)'}`),
      ['PENDING -> OK', 'OK -> CRITICAL (soft)', 'CRITICAL -> CRITICAL', 'CRITICAL -> OK'],
    );
    const [readings] = await sql<{ n: number }[]>`select count(*)::int as n from reading where check_id = ${checkId} and name = 'time'`;
    assert.ok(readings!.n >= 4, `a time reading per result (${readings!.n})`);
    assert.deepEqual(events.map((e) => (e.detail as { toStatus: string }).toStatus), ['OK', 'CRITICAL', 'OK']);
    assert.ok(events.every((e) => (e.detail as { siteId: string }).siteId === siteId));
  });

  test('run now reaches a committed state without waiting for the schedule', async () => {
    const { siteId, checkId } = await applySite('run-now', '1h');
    const runtime = new LocalRuntime({ db: sql, log: new MemoryLogger(), tickEveryMs: null }).start();
    try {
      assert.deepEqual(await runtime.runNow(siteId, checkId), { sent: 1, unserved: 0 });
      await eventually('the run-now result', async () => (await stateOf(checkId)) === 'OK', 10_000);
    } finally {
      await runtime.stop();
    }
  });

  test('a worker that dies mid-batch loses no check: redelivered, then dead-lettered into an ERROR result', async () => {
    const { siteId, checkId } = await applySite('crashing-worker', '1h');
    const log = new MemoryLogger();
    const runtime = new LocalRuntime({ db: sql, log, tickEveryMs: null, workers: 0, checkVisibilityTimeoutSeconds: 1 });
    let receives = 0;
    // A worker whose process dies on every batch: it never reports, never deletes.
    const dying = new QueuePoller({
      queue: runtime.queues.checks, log, waitTimeSeconds: 1,
      handler: async () => {
        receives++;
        throw new Error('worker process killed');
      },
    });
    runtime.start();
    dying.start();
    try {
      await runtime.runNow(siteId, checkId);
      // failed-after is 2, so one dead letter makes a soft ERROR.
      await eventually('the dead-letter ERROR result', async () => (await stateOf(checkId)) === 'ERROR (soft)', 15_000);
    } finally {
      await dying.stop();
      await runtime.stop();
    }
    assert.equal(receives, 3, 'received as often as the redrive policy allows');
    const [state] = await sql<{ output: string }[]>`select output from check_state where check_id = ${checkId}`;
    assert.match(state!.output, /received 3 times without a result/);
  });

  test('a clean stop forgets the runs still waiting in memory, and the next start plans them again', async () => {
    await applySite('restart', '10s');
    const clock = new ManualClock(Date.now());
    const first = new LocalRuntime({ db: sql, log: new MemoryLogger(), clock, tickEveryMs: null, workers: 0 }).start();
    const planned = await first.tick();
    await first.stop();
    const second = new LocalRuntime({ db: sql, log: new MemoryLogger(), clock, tickEveryMs: null, workers: 0 }).start();
    try {
      const replanned = await second.tick();
      assert.ok(replanned.planned > 0, 'the restarted scheduler plans the same minute again');
      assert.equal(replanned.window?.fromMs, clock.nowMs());
      assert.ok(planned.planned >= replanned.planned);
    } finally {
      await second.stop();
    }
  });

  test('with no worker running at all, checks go to TIMEOUT', async () => {
    const { checkId } = await applySite('no-workers', '1m');
    const clock = new ManualClock(Date.now());
    const runtime = new LocalRuntime({ db: sql, log: new MemoryLogger(), clock, tickEveryMs: null, workers: 0 }).start();
    try {
      await runtime.tick();
      // Nothing runs the jobs. Ten minutes later the scheduler sees the check overdue.
      for (let minute = 1; minute <= 10; minute++) {
        clock.advance(60_000);
        await runtime.tick();
      }
      await eventually('TIMEOUT', async () => (await stateOf(checkId)).startsWith('TIMEOUT'), 10_000);
    } finally {
      await runtime.stop();
    }
    const [state] = await sql<{ output: string }[]>`select output from check_state where check_id = ${checkId}`;
    assert.match(state!.output, /no result|overdue/i);
  });
});
