import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryEventBus } from '#adapters/local/memory-event-bus.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import { parseResultMessage } from '#core/messages.ts';
import { statusOfRank } from '#core/status.ts';
import { processResultMessages } from '#results/result-processor.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { MAX_PASSIVE_BODY_BYTES } from '#actions/limits.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const XML = `
  <host name="db" address="10.0.0.5"><trap name="backup"/></host>
  <cluster name="dbs"><condition>majority of hosts in pool 'db'</condition></cluster>`;

async function applySite(name: string) {
  const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': XML }, name)), 'test');
  const rows = await sql<{ id: string; name: string }[]>`select id, name from "check" where site_id = ${siteId}`;
  const ids = Object.fromEntries(rows.map((r) => [r.name, r.id]));
  return { siteId, backup: ids.backup!, cluster: ids.dbs! };
}

const site = await applySite('shop');
const other = await applySite('other');
const NOW = Date.parse('2026-04-01T03:00:00Z');
const api = createTestApi(sql, [passiveRoutes], { sites: [site.siteId], nowMs: NOW });
const tokenPath = (checkId: string, siteId = site.siteId) => `/sites/${siteId}/checks/${checkId}/passive-token`;
const post = (path: string, body: unknown) => api.call('POST', path.replace(/^\/api\/v1/, ''), { as: null, body });

async function newUrl(checkId = site.backup): Promise<string> {
  const response = await api.call('POST', tokenPath(checkId), { as: 'admin' });
  assert.equal(response.status, 201);
  return response.body.path;
}

test('a result posted to the check\'s URL reaches the result processor as a passive result and is applied like any other', async () => {
  const url = await newUrl();
  assert.match(url, /^\/api\/v1\/passive\/vp_[A-Za-z0-9_-]{43}$/);
  const response = await post(url, { status: 'CRITICAL', output: 'backup failed: disk full', readings: [{ name: 'free', value: 0, unit: 'B' }] });
  assert.deepEqual([response.status, response.body], [202, { accepted: true }]);

  const messages = await api.results.receive();
  assert.equal(messages.length, 1);
  const result = parseResultMessage(messages[0]!.body);
  assert.deepEqual(
    [result.siteId, result.checkId, result.status, result.output, result.source, result.dueAtMs, result.readings],
    [site.siteId, site.backup, 'CRITICAL', 'backup failed: disk full', 'passive', NOW, [{ name: 'free', value: 0, unit: 'B' }]],
  );
  const processed = await processResultMessages({ db: sql, bus: new MemoryEventBus({ log: api.log }), push: api.push, log: api.log }, messages);
  assert.equal(processed.applied, 1);
  const [state] = await sql<{ status: number; output: string }[]>`select status, output from check_state where check_id = ${site.backup}`;
  assert.deepEqual([statusOfRank(state!.status), state!.output], ['CRITICAL', 'backup failed: disk full']);
});

test('only the hash of the token is stored, and it is never logged', async () => {
  const url = await newUrl();
  const token = url.split('/').at(-1)!;
  await post(url, { status: 'OK' });
  const [row] = await sql<{ token_hash: Buffer }[]>`select token_hash from passive_token where check_id = ${site.backup}`;
  assert.equal(row!.token_hash.length, 32);
  const stored = await sql`select to_jsonb(t)::text as text from passive_token t`;
  assert.ok(!stored.some((r) => String(r.text).includes(token)));
  assert.ok(!JSON.stringify(api.log.entries).includes(token));
});

test('a new URL replaces the old one; a revoked URL, an unknown one and a malformed one are 404', async () => {
  const first = await newUrl();
  const second = await newUrl();
  assert.equal((await post(first, { status: 'OK' })).status, 404);
  assert.equal((await post(second, { status: 'OK' })).status, 202);
  assert.equal((await api.call('DELETE', tokenPath(site.backup), { as: 'admin' })).status, 204);
  assert.equal((await post(second, { status: 'OK' })).status, 404);
  assert.equal((await api.call('DELETE', tokenPath(site.backup), { as: 'admin' })).status, 404);
  assert.equal((await post('/passive/vp_nope', { status: 'OK' })).status, 404);
});

test('URLs are for admins, for checks of their site, and not for clusters, whose state is worked out', async () => {
  assert.equal((await api.call('POST', tokenPath(site.backup), { as: 'operator' })).status, 403);
  assert.equal((await api.call('POST', tokenPath(other.backup), { as: 'admin' })).status, 404);
  assert.equal((await api.call('POST', tokenPath(other.backup, other.siteId), { as: 'admin' })).status, 404);
  const cluster = await api.call('POST', tokenPath(site.cluster), { as: 'admin' });
  assert.equal(cluster.status, 409);
  assert.match(cluster.body.error.message, /cluster's state is worked out from other checks/);
});

test('a result is checked field by field, and its size is limited before it is read', async () => {
  const url = await newUrl();
  const queued = (await api.results.approximateCounts()).visible;
  const bad = await post(url, { status: 'PENDING', output: 'x'.repeat(2_000), readings: [{ name: '', value: 'high' }] });
  assert.equal(bad.status, 400);
  assert.deepEqual(badFields(bad.body), ['output', 'readings.0.name', 'readings.0.value', 'status']);
  const huge = await post(url, { status: 'OK', output: 'x'.repeat(MAX_PASSIVE_BODY_BYTES) });
  assert.equal(huge.status, 413);
  assert.equal((await api.results.approximateCounts()).visible, queued, 'nothing was queued');
});
