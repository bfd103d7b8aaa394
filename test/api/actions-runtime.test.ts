/**
 * The actions against the whole local pipeline: a URL registered through the uptime API, run now
 * through the actions API, checked by a real worker against a real HTTP server, its results
 * applied by the result processor, counted, alerted on, and its problem acknowledged.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { actionRoutes } from '#api/routes/actions.ts';
import { uptimeRoutes } from '#api/routes/uptime.ts';
import { LocalRuntime } from '#local/runtime.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { evaluateUptimeAlerts } from '#actions/uptime.ts';
import { createTestApi } from '../actions/api-fixture.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

const { sql } = await withTestDatabase();

let answer = 200;
const server = createServer((_request, response) => void response.writeHead(answer).end(String(answer)));
const port = await listenOnLoopback(server);
after(() => closeServer(server));

const [site] = await sql<{ id: string }[]>`insert into site (name) values ('shop') returning id`;
const siteId = site!.id;
// Stopped by the test itself: after() hooks would run after the database is gone.
const runtime = new LocalRuntime({ db: sql, log: new MemoryLogger(), tickEveryMs: null, workers: 1 });
const api = createTestApi(sql, [actionRoutes, uptimeRoutes], { sites: [siteId], runNow: (s, c) => runtime.runNow(s, c) });

async function statusOf(checkId: string): Promise<string> {
  return (await api.call('GET', `/sites/${siteId}/uptime/urls/${checkId}`, { as: 'viewer' })).body.status;
}

async function runNowUntil(checkId: string, status: string): Promise<void> {
  const response = await api.call('POST', `/sites/${siteId}/checks/${checkId}/run-now`, { as: 'operator' });
  assert.deepEqual([response.status, response.body], [202, { sent: 1, unserved: 0 }]);
  const deadline = Date.now() + 10_000;
  while ((await statusOf(checkId)) !== status) {
    if (Date.now() > deadline) throw new Error(`the check did not become ${status}`);
    await sleep(20);
  }
}

test('register a URL, run it now while it answers 200 and then 503: counted, alerted, acknowledged', async () => {
  runtime.start();
  try {
    await registerRunCountAlertAcknowledge();
  } finally {
    await runtime.stop();
  }
});

async function registerRunCountAlertAcknowledge(): Promise<void> {
  const registered = await api.call('POST', `/sites/${siteId}/uptime/urls`, { as: 'operator', body: { url: `http://127.0.0.1:${port}/health`, threshold: 0 } });
  assert.equal(registered.status, 201);
  const id: string = registered.body.id;

  await runNowUntil(id, 'OK');
  answer = 503;
  await runNowUntil(id, 'CRITICAL');

  api.clock.set(Date.now());
  const stats = await api.call('GET', `/sites/${siteId}/uptime/urls/${id}/stats`, { as: 'viewer' });
  assert.deepEqual([stats.body.success, stats.body.failure], [1, 1]);

  const alerts = await evaluateUptimeAlerts(sql, Date.now());
  assert.deepEqual(alerts.map((a) => [a.urlId, a.change, a.failures]), [[id, 'opened', 1]]);

  const acknowledged = await api.call('POST', `/sites/${siteId}/checks/${id}/acknowledge`, { as: 'operator', body: { comment: 'the shop is being redeployed' } });
  assert.deepEqual([acknowledged.status, acknowledged.body.status, acknowledged.body.acknowledged], [200, 'CRITICAL', true]);
}
