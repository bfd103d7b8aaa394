/**
 * Agents' metrics through the API: pushes to a check's passive URL, one source's latest values,
 * and the per-location aggregate with its silent sources; and the pushes that end a silence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryEventBus } from '#adapters/local/memory-event-bus.ts';
import { metricRoutes } from '#api/routes/metrics.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import { parseResultMessage } from '#core/messages.ts';
import { statusOfRank } from '#core/status.ts';
import { processResults } from '#results/result-processor.ts';
import { findStale } from '#scheduler/freshness.ts';
import { MAX_METRICS_PER_PUSH, storeMetrics } from '#store/agent-metrics.ts';
import type { Database } from '#store/database.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { insertHealthyChecks } from '../helpers/healthy-checks.ts';
import { applySite } from '../scheduler/fixtures.ts';

const NOW = Date.parse('2026-04-01T03:00:00Z');
const AGENT = '<freshness every="10s" grace="5s"/>';

/** Two data centres under one parent: two agents in dc-a, one in dc-b, nothing in dc-c. */
const SITE = `
  <location name="earth"/>
  <location name="dc-a" location="earth"/>
  <location name="dc-b" location="earth"/>
  <location name="dc-c" location="earth"/>
  <host name="a1" location="dc-a">${AGENT}</host>
  <host name="a2" location="dc-a">${AGENT}</host>
  <host name="b1" location="dc-b">${AGENT}</host>`;

interface Site {
  siteId: string;
  checks: Map<string, string>;
  locations: Map<string, string>;
}

async function siteNamed(sql: Database, name: string): Promise<Site> {
  const { siteId, checks } = await applySite(sql, SITE, name);
  // Configured an hour before the tests' time, so that silence is the agents' own.
  await sql`update "check" set scheduled_since = ${new Date(NOW - 3_600_000)} where site_id = ${siteId}`;
  const rows = await sql<{ id: string; name: string }[]>`select id, name from location where site_id = ${siteId}`;
  return { siteId, checks, locations: new Map(rows.map((row) => [row.name, row.id])) };
}

async function setUp() {
  const { sql } = await withTestDatabase();
  const site = await siteNamed(sql, 'shop');
  const other = await siteNamed(sql, 'other');
  const api = createTestApi(sql, [passiveRoutes, metricRoutes], { sites: [site.siteId], nowMs: NOW });
  const urls = new Map<string, string>();
  for (const host of ['a1', 'a2', 'b1']) {
    const made = await api.call('POST', `/sites/${site.siteId}/checks/${site.checks.get(host)}/passive-token`, { as: 'admin' });
    assert.equal(made.status, 201);
    urls.set(host, `${made.body.path.replace(/^\/api\/v1/, '')}/metrics`);
  }
  /** Pushes as agent `host` does, with no credentials but its URL. */
  const push = (host: string, body: unknown) => api.call('POST', urls.get(host)!, { as: null, body });
  const processor = { db: sql, bus: new MemoryEventBus({ log: api.log }), push: api.push, log: api.log };
  return { sql, site, other, api, push, processor, urls };
}

const rowsOf = async (sql: Database, checkId: string) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from agent_metric where check_id = ${checkId}`)[0]!.n;

test('a push keeps the latest value of each metric: one row per name, however many pushes', async () => {
  const { sql, site, api, push } = await setUp();
  const a1 = site.checks.get('a1')!;
  assert.deepEqual(await push('a1', { metrics: { cpu: 10, mem: { value: 2e9, unit: 'B' } } }).then((r) => [r.status, r.body]), [202, { stored: 2 }]);
  for (let second = 1; second <= 3; second++) {
    api.clock.set(NOW + second * 1000);
    assert.equal((await push('a1', { metrics: { cpu: 10 + second } })).status, 202);
  }
  assert.equal(await rowsOf(sql, a1), 2);

  const latest = await api.call('GET', `/sites/${site.siteId}/checks/${a1}/metrics`, { as: 'viewer' });
  assert.equal(latest.status, 200);
  assert.deepEqual(latest.body, {
    checkId: a1,
    metrics: [
      { name: 'cpu', value: 13, unit: null, at: new Date(NOW + 3000).toISOString() },
      { name: 'mem', value: 2e9, unit: 'B', at: new Date(NOW).toISOString() },
    ],
  });
  const none = await api.call('GET', `/sites/${site.siteId}/checks/${site.checks.get('b1')}/metrics`, { as: 'viewer' });
  assert.deepEqual([none.status, none.body.metrics], [200, []]);
});

test('a push is checked field by field: a 400 names every bad field, and nothing is stored or queued', async () => {
  const { sql, site, api, push, urls } = await setUp();
  const bad = await push('a1', {
    metrics: { '': 1, ['x'.repeat(101)]: 2, cpu: 'high', mem: { value: 'lots' }, disk: { value: 1, unit: 'x'.repeat(21) }, ok: { value: 3, unit: '%' } },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.fields.map((f: { path: string; message: string }) => [f.path.slice(0, 20), f.message]).sort(), [
    ['metrics', 'a metric name is 1 to 100 characters'],
    ['metrics.cpu', 'a finite number, or { "value": a finite number, "unit": text }'],
    ['metrics.disk.unit', 'Too big: expected string to have <=20 characters'],
    ['metrics.mem', 'a finite number, or { "value": a finite number, "unit": text }'],
    ['metrics.xxxxxxxxxxxx', 'a metric name is 1 to 100 characters'],
  ]);

  const tooMany = await push('a1', { metrics: Object.fromEntries(Array.from({ length: MAX_METRICS_PER_PUSH + 1 }, (_, i) => [`m${i}`, i])) });
  assert.deepEqual([tooMany.status, badFields(tooMany.body)], [400, ['metrics']]);
  assert.match(tooMany.body.error.fields[0].message, /at most 200 metrics/);
  const empty = await push('a1', { metrics: {} });
  assert.deepEqual([empty.status, badFields(empty.body)], [400, ['metrics']]);
  assert.match(empty.body.error.fields[0].message, /at least one metric/);
  assert.deepEqual(badFields((await push('a1', { cpu: 1 })).body), ['metrics']);
  // JSON has no infinity, but a number too large for a double parses as one.
  const infinite = await push('a1', '{"metrics":{"cpu":1e999}}');
  assert.deepEqual([infinite.status, badFields(infinite.body)], [400, ['metrics.cpu']]);

  assert.equal((await push('a1', { metrics: Object.fromEntries(Array.from({ length: MAX_METRICS_PER_PUSH }, (_, i) => [`m${i}`, i])) })).status, 202, 'exactly the limit');
  assert.equal(await rowsOf(sql, site.checks.get('a1')!), MAX_METRICS_PER_PUSH);
  assert.equal((await api.call('POST', '/passive/vp_nope/metrics', { as: null, body: { metrics: { cpu: 1 } } })).status, 404);
  const revoked = urls.get('b1')!;
  await api.call('DELETE', `/sites/${site.siteId}/checks/${site.checks.get('b1')}/passive-token`, { as: 'admin' });
  assert.equal((await api.call('POST', revoked, { as: null, body: { metrics: { cpu: 1 } } })).status, 404);
  const queued = await api.results.receive();
  assert.equal(queued.length, 1, 'only the first accepted push queued anything (a1 reporting)');
});

test('a location aggregates its sources per metric, with the locations under it; a silent source is counted and left out of the figures', async () => {
  const { site, api, push } = await setUp();
  await push('a1', { metrics: { cpu: 10, 'net.rx': { value: 5, unit: 'MB/s' } } });
  await push('a2', { metrics: { cpu: 30 } });
  await push('b1', { metrics: { cpu: 100, load: 2 } });
  const metricsOf = async (location: string) => {
    const answer = await api.call('GET', `/sites/${site.siteId}/locations/${site.locations.get(location)}/metrics`, { as: 'viewer' });
    assert.equal(answer.status, 200, answer.body?.error?.message);
    return answer.body.metrics.map(({ newestAt: _, ...metric }: Record<string, unknown>) => metric);
  };
  const at = new Date(NOW).toISOString();
  const cpu = (sources: number, silent: number, sum: number | null, avg: number | null, min: number | null, max: number | null) =>
    ({ name: 'cpu', unit: null, sources, silent, sum, avg, min, max });

  assert.deepEqual(await metricsOf('dc-a'), [cpu(2, 0, 40, 20, 10, 30), { name: 'net.rx', unit: 'MB/s', sources: 1, silent: 0, sum: 5, avg: 5, min: 5, max: 5 }]);
  assert.deepEqual(await metricsOf('dc-b'), [cpu(1, 0, 100, 100, 100, 100), { name: 'load', unit: null, sources: 1, silent: 0, sum: 2, avg: 2, min: 2, max: 2 }]);
  assert.deepEqual((await metricsOf('earth')).map((m: { name: string; sources: number; sum: number }) => [m.name, m.sources, m.sum]),
    [['cpu', 3, 140], ['load', 1, 2], ['net.rx', 1, 5]]);
  assert.deepEqual(await metricsOf('dc-c'), []);
  const whole = await api.call('GET', `/sites/${site.siteId}/locations/${site.locations.get('dc-a')}/metrics`, { as: 'viewer' });
  assert.deepEqual([whole.body.locationId, whole.body.at, whole.body.metrics[0].newestAt], [site.locations.get('dc-a'), at, at]);

  // 20 s later only a1 still reports: a2 and b1 are past 10 s + 5 s.
  api.clock.set(NOW + 20_000);
  await push('a1', { metrics: { cpu: 12 } });
  assert.deepEqual((await metricsOf('dc-a'))[0], cpu(2, 1, 12, 12, 12, 12));
  assert.deepEqual((await metricsOf('dc-b'))[0], cpu(1, 1, null, null, null, null));
  assert.equal((await api.call('GET', `/sites/${site.siteId}/locations/00000000-0000-4000-8000-000000000000/metrics`, { as: 'viewer' })).status, 404);
});

test("a site's metrics are its own: another site's tokens and ids reach nothing here", async () => {
  const { sql, site, other, api, push } = await setUp();
  await push('a1', { metrics: { cpu: 10 } });
  const otherApi = createTestApi(sql, [passiveRoutes, metricRoutes], { sites: [other.siteId], nowMs: NOW });
  const otherUrl = (await otherApi.call('POST', `/sites/${other.siteId}/checks/${other.checks.get('a1')}/passive-token`, { as: 'admin' })).body.path;
  assert.equal((await otherApi.call('POST', `${otherUrl.replace(/^\/api\/v1/, '')}/metrics`, { as: null, body: { metrics: { cpu: 990 } } })).status, 202);

  const dcA = await api.call('GET', `/sites/${site.siteId}/locations/${site.locations.get('dc-a')}/metrics`, { as: 'viewer' });
  assert.deepEqual(dcA.body.metrics.map((m: { sum: number }) => m.sum), [10], "the other site's push landed in the other site");
  const own = await sql<{ site_id: string; value: number }[]>`select site_id, value from agent_metric where check_id = ${other.checks.get('a1')!}`;
  assert.deepEqual(own.map((row) => [row.site_id, row.value]), [[other.siteId, 990]]);

  for (const path of [
    `/sites/${site.siteId}/locations/${other.locations.get('dc-a')}/metrics`,
    `/sites/${site.siteId}/checks/${other.checks.get('a1')}/metrics`,
    `/sites/${other.siteId}/locations/${other.locations.get('dc-a')}/metrics`,
    `/sites/${other.siteId}/checks/${other.checks.get('a1')}/metrics`,
  ]) {
    const answer = await api.call('GET', path, { as: 'admin' });
    assert.equal(answer.status, 404, path);
    assert.ok(!JSON.stringify(answer.body).includes('990'), path);
  }
  assert.equal((await api.call('GET', `/sites/${site.siteId}/checks/${site.checks.get('a1')}/metrics`, { as: null })).status, 401);
});

test('the push that ends a silence queues an OK result so the check recovers; other pushes queue nothing', async () => {
  const { sql, site, api, push, processor, urls } = await setUp();
  const a1 = site.checks.get('a1')!;
  const stateOf = async () => {
    const [row] = await sql<{ status: number; hard: boolean; output: string }[]>`select status, hard, output from check_state where check_id = ${a1}`;
    return [statusOfRank(row!.status), row!.hard, row!.output];
  };
  const queued = async () => {
    const messages = await api.results.receive();
    await api.results.delete(messages.map((message) => message.receiptHandle));
    return messages.map((message) => parseResultMessage(message.body));
  };

  await push('a1', { metrics: { cpu: 10 } });
  const [first, ...more] = await queued();
  assert.deepEqual(more, []);
  assert.deepEqual([first!.checkId, first!.status, first!.output, first!.source, first!.dueAtMs], [a1, 'OK', 'reporting: metrics received', 'passive', NOW]);
  await processResults(processor, [first!]);
  for (let second = 1; second <= 5; second++) {
    api.clock.set(NOW + second * 1000);
    await push('a1', { metrics: { cpu: 10 } });
  }
  assert.deepEqual(await queued(), [], 'a push a second, and not one result for them');

  // Silent from 5 s: due at 20 s, found by the tick at 30 s and applied.
  const stale = (await findStale(sql, { nowMs: NOW + 30_000 })).filter((result) => result.checkId === a1);
  assert.deepEqual(stale.map((result) => result.dueAtMs), [NOW + 20_000]);
  await processResults(processor, stale);
  assert.deepEqual(await stateOf(), ['CRITICAL', true, 'no result for 15s (expected every 10s, grace 5s)']);

  api.clock.set(NOW + 42_000);
  await push('a1', { metrics: { cpu: 11 } });
  const again = await queued();
  assert.deepEqual(again.map((result) => [result.status, result.output, result.dueAtMs]), [['OK', 'reporting again: metrics received after 37s of silence', NOW + 42_000]]);
  await processResults(processor, again);
  assert.deepEqual(await stateOf(), ['OK', true, 'reporting again: metrics received after 37s of silence']);

  // A problem the agent reports itself is not a silence: its pushes leave it alone.
  api.clock.set(NOW + 50_000);
  const reported = await api.call('POST', urls.get('a1')!.replace(/\/metrics$/, ''), { as: null, body: { status: 'CRITICAL', output: 'disk full' } });
  assert.equal(reported.status, 202);
  await processResults(processor, await queued());
  api.clock.set(NOW + 51_000);
  await push('a1', { metrics: { cpu: 12 } });
  assert.deepEqual(await queued(), []);
  assert.deepEqual(await stateOf(), ['CRITICAL', true, 'disk full']);
});

test('when the OK result cannot be queued, the push answers 503, and the next push tries again', async () => {
  const { site, api, push } = await setUp();
  const send = api.results.send.bind(api.results);
  api.results.send = async (messages) => ({ failed: messages.map((_, index) => ({ index, reason: 'queue unavailable' })) });
  const refused = await push('a1', { metrics: { cpu: 10 } });
  assert.equal(refused.status, 503);
  api.results.send = send;
  api.clock.set(NOW + 1000);
  assert.equal((await push('a1', { metrics: { cpu: 10 } })).status, 202);
  const [result] = await api.results.receive();
  assert.deepEqual([parseResultMessage(result!.body).checkId, parseResultMessage(result!.body).status], [site.checks.get('a1'), 'OK']);
});

test('pushes rewrite their rows in place: the updates stay HOT (>= 99 %)', async () => {
  const { sql } = await withTestDatabase();
  const { siteId, checkIds } = await insertHealthyChecks(sql, 'hot', 100);
  const metrics = (round: number) => Array.from({ length: 20 }, (_, i) => ({ name: `metric.${i}`, value: round * i, unit: i % 2 ? '%' : null }));
  for (const checkId of checkIds) await storeMetrics(sql, { siteId, checkId }, metrics(0), NOW);

  const { updated, hot } = await agentMetricUpdates(sql, async (connection) => {
    for (let round = 1; round <= 20; round++) {
      for (const checkId of checkIds) await storeMetrics(connection, { siteId, checkId }, metrics(round), NOW + round * 1000);
    }
  });
  assert.equal(updated, 20 * 100 * 20, 'twenty pushes of twenty metrics by each of 100 agents');
  assert.ok(hot / updated >= 0.99, `HOT ratio ${((100 * hot) / updated).toFixed(2)} % (${hot} of ${updated})`);
});

/**
 * Updates of agent_metric made by `work`, and how many were HOT. Statistics are kept per backend
 * until flushed, so the work and the counting share one connection.
 */
async function agentMetricUpdates(sql: Database, work: (connection: Database) => Promise<void>): Promise<{ updated: number; hot: number }> {
  const connection = await sql.reserve();
  const counts = async () => {
    await connection`select pg_stat_force_next_flush()`;
    return (await connection<{ updated: number; hot: number }[]>`
      select pg_stat_get_tuples_updated('agent_metric'::regclass)::int as updated, pg_stat_get_tuples_hot_updated('agent_metric'::regclass)::int as hot`)[0]!;
  };
  try {
    const before = await counts();
    await work(connection);
    const after = await counts();
    return { updated: after.updated - before.updated, hot: after.hot - before.hot };
  } finally {
    connection.release();
  }
}
