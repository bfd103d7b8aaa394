import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { parseResultMessage, type CheckJob } from '#core/messages.ts';
import type { Engine } from '#engines/engine.ts';
import { httpEngine } from '#engines/http/http-engine.ts';
import { EngineRegistry } from '#engines/registry.ts';
import { createEngineRegistry } from '#engines/all-engines.ts';
import { ManualClock, systemClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import type { OutgoingMessage, Queue, ReceivedMessage, SendResult } from '#ports/queue.ts';
import { handleDeadLetters } from '#worker/dead-letters.ts';
import { runCheckJobs, runJob, type WorkerDeps } from '#worker/run-jobs.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

/** The results queue as the worker sees it: it only sends. Refuses bodies that contain `refuse`. */
class SentMessages implements Queue {
  readonly name = 'results';
  readonly bodies: string[] = [];
  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    const failed: SendResult['failed'] = [];
    messages.forEach((message, index) => {
      if (message.body.includes('refuse')) failed.push({ index, reason: 'refused by the test' });
      else this.bodies.push(message.body);
    });
    return { failed };
  }
  receive(): Promise<ReceivedMessage[]> { throw new Error('not used'); }
  delete(): Promise<void> { throw new Error('not used'); }
  changeVisibility(): Promise<void> { throw new Error('not used'); }
}

const server = createServer((request, response) => {
  response.writeHead(request.url === '/down' ? 503 : 200).end('hello');
});
const port = await listenOnLoopback(server);
after(() => closeServer(server));

const hanging: Engine = { name: 'hang', parameters: [], run: () => new Promise(() => {}) };
const NOW = Date.UTC(2026, 10, 22, 9);

function job(overrides: Partial<CheckJob> & { path?: string } = {}): CheckJob {
  const { path = '/', ...rest } = overrides;
  return {
    v: 1, siteId: 'site-1', checkId: `check-${path}`, locationId: null, dueAtMs: NOW, startByMs: NOW + 30_000, timeoutMs: 2_000,
    check: {
      name: 'home', host: { name: 'www', address: '127.0.0.1' }, command: { name: 'web', engine: 'http' },
      parameters: { port: String(port), path, password: 'pw-secret-1' }, secretNames: ['password'], allowMetadataAddresses: false,
    },
    ...rest,
  };
}

let received = 0;
function delivered(body: CheckJob | string, receiveCount = 1): ReceivedMessage {
  const id = `m${++received}`;
  return { messageId: id, receiptHandle: id, body: typeof body === 'string' ? body : JSON.stringify(body), receiveCount, sentAtMs: NOW };
}

function worker(): WorkerDeps & { results: SentMessages; log: MemoryLogger } {
  return { engines: new EngineRegistry([httpEngine, hanging]), results: new SentMessages(), clock: new ManualClock(NOW), log: new MemoryLogger(), producer: 'eu-west-1' };
}

test('a batch runs concurrently, each check with its deadline; only the malformed message fails', async () => {
  const deps = worker();
  const slow = job({ checkId: 'slow', timeoutMs: 200, check: { ...job().check, command: { name: 'stuck', engine: 'hang' } } });
  const batch = [delivered(job()), delivered(job({ path: '/down' })), delivered(slow), delivered('{"v":1}'), delivered(job({ check: { ...job().check, command: { name: 'x', engine: 'gopher' } } }))];
  const outcome = await runCheckJobs(deps, batch);

  assert.deepEqual(outcome.batchItemFailures, [{ itemIdentifier: batch[3]!.messageId }]);
  assert.deepEqual({ ran: outcome.ran, late: outcome.late, malformed: outcome.malformed }, { ran: 4, late: 0, malformed: 1 });
  const results = deps.results.bodies.map(parseResultMessage);
  assert.deepEqual(results.map((r) => [r.checkId, r.status]), [['check-/', 'OK'], ['check-/down', 'CRITICAL'], ['slow', 'TIMEOUT'], ['check-/', 'ERROR']]);
  assert.match(results[3]!.output, /No check engine named 'gopher'.*this worker has: hang, http/);
  assert.ok(results.every((r) => r.producer === 'eu-west-1' && r.dueAtMs === NOW && r.source === 'worker'));
  assert.ok(results[0]!.readings.some((reading) => reading.name === 'time'));
  assert.ok(!deps.results.bodies.join('').includes('pw-secret-1'), 'secrets stay out of results');
  assert.ok(!JSON.stringify(deps.log.entries).includes('pw-secret-1'), 'and out of logs');
});

test('a job received after its start-by time is dropped, counted and logged, not run', async () => {
  const deps = worker();
  deps.clock = new ManualClock(NOW + 31_000);
  const outcome = await runCheckJobs(deps, [delivered(job())]);
  assert.deepEqual({ failures: outcome.batchItemFailures, ran: outcome.ran, late: outcome.late }, { failures: [], ran: 0, late: 1 });
  assert.equal(deps.results.bodies.length, 0);
  assert.ok(deps.log.entries.some((e) => e.level === 'warn' && e.fields.lateByMs === 1_000));
});

test('a result that cannot be sent fails its message, so the check runs again', async () => {
  const deps = worker();
  const refused = job({ checkId: 'refuse-me' });
  const batch = [delivered(job()), delivered(refused)];
  const outcome = await runCheckJobs(deps, batch);
  assert.deepEqual(outcome.batchItemFailures, [{ itemIdentifier: batch[1]!.messageId }]);
});

test('a dead-lettered job becomes an ERROR result saying why; garbage is logged and let go', async () => {
  const results = new SentMessages();
  const log = new MemoryLogger();
  const outcome = await handleDeadLetters(
    { results, clock: new ManualClock(NOW), log, sourceQueue: 'vigil-checks-eu-west-1', sourceMaxReceives: 5 },
    [delivered(job(), 6), delivered('not json', 6)],
  );
  assert.deepEqual(outcome.batchItemFailures, []);
  const [result] = results.bodies.map(parseResultMessage);
  assert.equal(result!.status, 'ERROR');
  assert.equal(result!.source, 'dead-letter');
  assert.match(result!.output, /received 5 times without a result/);
  assert.ok(log.entries.some((e) => e.level === 'error' && /not a check job/.test(e.message)));
});

test('with every engine registered, an http command with executor="script" runs as a script', async () => {
  const engines = createEngineRegistry();
  after(() => engines.close());
  const scripted = job({
    check: {
      ...job().check,
      command: {
        name: 'probe', engine: 'http', executor: 'script',
        script: `http.check().connect('127.0.0.1').port(${port}).get('/').execute(
          function (r) { bergamot.publish(bergamot.createResult().applyGreaterThanThreshold(r.content().length, 10, 20, 'length ' + r.content().length)); },
          function (e) { bergamot.error(e); });`,
      },
    },
  });
  // Real time: the sandbox holds deadlines against the real clock.
  const result = await runJob({ engines, clock: systemClock, producer: 'local' }, { ...scripted, dueAtMs: Date.now(), startByMs: Date.now() + 30_000 });
  assert.deepEqual([result.status, result.output], ['OK', 'length 5']);
  assert.deepEqual(engines.names(), ['certificate', 'dns', 'http', 'nagios', 'nrpe', 'script', 'snmp', 'tcp']);
});
