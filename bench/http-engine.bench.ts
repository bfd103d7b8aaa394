/**
 * HTTP engine benchmark: 1,000 checks of a local HTTP server, 100 in flight at a time, each
 * through `runCheck` as a worker runs it (parameters, deadline, status and JSON assertions,
 * redaction), against 1,000 bare requests made the same way with `sendHttpRequest` (the same
 * keep-alive agent). Prints checks per second, and what a check costs over a bare request: with
 * 100 in flight (p99 latency, and event-loop time per check from the two rates) and one at a
 * time (p50 and p99 latency), where queueing does not hide the engine's own cost.
 *
 *   node --import tsx bench/http-engine.bench.ts
 *
 * The server runs in a worker thread, so that its work does not queue behind the checks on the
 * measuring thread (on two cores, the two threads mostly get one each).
 */
import { Worker } from 'node:worker_threads';
import type { EngineCheck } from '#engines/engine.ts';
import { httpEngine } from '#engines/http/http-engine.ts';
import { sendHttpRequest } from '#engines/http/request.ts';
import { runCheck } from '#engines/run-check.ts';
import { note, percentile, record } from './harness.ts';

const CHECKS = 1_000;
const IN_FLIGHT = 100;
const WARM_UP = 200;
const ROUNDS = 5;
const TIMEOUT_MS = 10_000;
const POLICY = { allowMetadataAddresses: false };

/** A health endpoint of the usual size: a small JSON document. */
const SERVER_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = JSON.stringify({ status: 'ok', version: '1.4.2', checks: { database: 'ok', queue: { depth: 3 } } });
const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

const worker = new Worker(SERVER_SOURCE, { eval: true });
const port = await new Promise<number>((resolve) => worker.once('message', resolve));
const url = `http://127.0.0.1:${port}/health`;

const check: EngineCheck = {
  checkId: '00000000-0000-4000-8000-000000000001',
  siteId: '00000000-0000-4000-8000-000000000002',
  name: 'health',
  host: { name: 'bench', address: '127.0.0.1' },
  command: { name: 'http-check', engine: 'http' },
  network: POLICY,
};
const parameters = { url, status: '200-299', contains: '"status":"ok"', 'json:$.checks.queue.depth': '< 100', warning_response_time: '1000', critical_response_time: '2500' };

const bareRequest = async () => {
  const response = await sendHttpRequest({ url: new URL(url) }, { signal: AbortSignal.timeout(TIMEOUT_MS), policy: POLICY });
  if (response.status !== 200) throw new Error(`bare request got ${response.status}`);
};
const engineCheck = async () => {
  const result = await runCheck(httpEngine, check, parameters, [], { timeoutMs: TIMEOUT_MS });
  if (result.status !== 'OK') throw new Error(`check was ${result.status}: ${result.output}`);
};

try {
  await inFlight(WARM_UP, IN_FLIGHT, bareRequest);
  await inFlight(WARM_UP, IN_FLIGHT, engineCheck);

  // Rounds alternate so that drift (JIT, GC, the other thread) touches both sides alike.
  note(`${CHECKS.toLocaleString('en-US')} checks and as many bare requests, ${IN_FLIGHT} in flight, in ${ROUNDS} alternating rounds; ` +
    `after a warm-up of ${WARM_UP} each; server in a worker thread`);
  const loaded = { bare: emptyRun(), checks: emptyRun() };
  for (let round = 0; round < ROUNDS; round++) {
    addRun(loaded.bare, await inFlight(CHECKS / ROUNDS, IN_FLIGHT, bareRequest));
    addRun(loaded.checks, await inFlight(CHECKS / ROUNDS, IN_FLIGHT, engineCheck));
  }
  const bareRate = (CHECKS / loaded.bare.elapsedMs) * 1000;
  const checkRate = (CHECKS / loaded.checks.elapsedMs) * 1000;
  record('bare requests', bareRate, 'req/s');
  record('http checks through runCheck', checkRate, 'checks/s');
  record('event-loop time per check over a request', (1_000_000 / checkRate - 1_000_000 / bareRate), 'µs');
  record('bare request p99 (100 in flight)', percentile(loaded.bare.latenciesMs, 0.99), 'ms');
  record('http check p99 (100 in flight)', percentile(loaded.checks.latenciesMs, 0.99), 'ms');
  record('check overhead p99 (100 in flight)', percentile(loaded.checks.latenciesMs, 0.99) - percentile(loaded.bare.latenciesMs, 0.99), 'ms');

  // With 100 in flight a latency is mostly queueing behind the other 99, which swamps the
  // engine's own cost; one at a time, alternating check and request, shows that cost itself.
  note(`then ${CHECKS.toLocaleString('en-US')} of each one at a time, alternating a check and a bare request`);
  const alone = { bare: emptyRun(), checks: emptyRun() };
  for (let i = 0; i < CHECKS; i++) {
    addRun(alone.bare, await inFlight(1, 1, bareRequest));
    addRun(alone.checks, await inFlight(1, 1, engineCheck));
  }
  for (const [label, fraction] of [['p50', 0.5], ['p99', 0.99]] as const) {
    const bareMs = percentile(alone.bare.latenciesMs, fraction);
    const checkMs = percentile(alone.checks.latenciesMs, fraction);
    record(`bare request ${label} (one at a time)`, bareMs * 1000, 'µs');
    record(`http check ${label} (one at a time)`, checkMs * 1000, 'µs');
    record(`check overhead ${label} (one at a time)`, (checkMs - bareMs) * 1000, 'µs');
  }
} finally {
  worker.postMessage('stop');
  await new Promise((resolve) => worker.once('exit', resolve));
}

interface Run {
  latenciesMs: number[];
  elapsedMs: number;
}

function emptyRun(): Run {
  return { latenciesMs: [], elapsedMs: 0 };
}

function addRun(total: Run, run: Run): void {
  total.latenciesMs.push(...run.latenciesMs);
  total.elapsedMs += run.elapsedMs;
}

/** Runs `work` `count` times with `lanes` calls outstanding; the latency of each and the time for all. */
async function inFlight(count: number, lanes: number, work: () => Promise<void>): Promise<Run> {
  const latenciesMs: number[] = [];
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      const startedAt = performance.now();
      await work();
      latenciesMs.push(performance.now() - startedAt);
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return { latenciesMs, elapsedMs: performance.now() - startedAt };
}
