import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { uptimeRoutes } from '#api/routes/uptime.ts';
import { parseCheckJob } from '#core/messages.ts';
import { runTick } from '#scheduler/scheduler.ts';
import { diffSiteConfiguration } from '#store/config-diff.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { evaluateUptimeAlerts } from '#actions/uptime.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const MINUTE = 60_000;
const NOW = Date.parse('2026-06-01T10:00:00Z');
const CONFIG = '<command name="ping" engine="tcp"/><host name="db" address="10.0.0.9"><check-command command="ping"/></host>';
const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': CONFIG }, 'shop')), 'test');
const { siteId: otherSiteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': CONFIG }, 'other')), 'test');
const api = createTestApi(sql, [uptimeRoutes], { sites: [siteId], nowMs: NOW });
const urls = `/sites/${siteId}/uptime/urls`;

async function register(url: string, threshold = 1): Promise<string> {
  const response = await api.call('POST', urls, { as: 'operator', body: { url, threshold } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

/** A `status` reading as the http engine records one per answer (0: no answer). */
async function answer(checkId: string, code: number, minutesAgo: number): Promise<void> {
  await sql`insert into reading (site_id, check_id, at, name, value)
            values (${siteId}, ${checkId}, ${new Date(NOW - minutesAgo * MINUTE)}, 'status', ${code})`;
}

test('a registered URL is an http check of the site that the scheduler runs every minute', async () => {
  const response = await api.call('POST', urls, { as: 'operator', body: { url: 'https://Shop.Example.com', threshold: 2 } });
  assert.equal(response.status, 201);
  assert.deepEqual(
    [response.body.url, response.body.threshold, response.body.status, response.body.alerting, response.body.createdBy],
    ['https://shop.example.com/', 2, 'PENDING', false, 'operator@example.com'],
  );
  const [check] = await sql`select kind, name, origin, every_s, retry_every_s from "check" where id = ${response.body.id} and site_id = ${siteId}`;
  assert.deepEqual({ ...check }, { kind: 'service', name: 'https://shop.example.com/', origin: 'uptime', every_s: 60, retry_every_s: 60 });

  const checks = new MemoryQueue({ name: 'checks', clock: api.clock });
  const tick = await runTick({ db: sql, clock: api.clock, log: api.log, checkQueues: new Map([['local', checks]]), homeRegion: 'local', results: api.results });
  assert.ok(tick.planned >= 1);
  // Each job waits on the queue until it is due, within the next minute and a quarter.
  api.clock.advance(2 * MINUTE);
  const jobs = [];
  for (let batch = await checks.receive(); batch.length > 0; batch = await checks.receive()) jobs.push(...batch.map((m) => parseCheckJob(m.body)));
  api.clock.set(NOW);
  const mine = jobs.filter((job) => job.checkId === response.body.id).sort((x, y) => x.dueAtMs - y.dueAtMs);
  // The tick plans 75 s ahead (timing.ts), so one or two runs, a minute apart.
  assert.ok(mine.length === 1 || (mine.length === 2 && mine[1]!.dueAtMs - mine[0]!.dueAtMs === MINUTE), JSON.stringify(mine.map((j) => j.dueAtMs)));
  assert.deepEqual([mine[0]!.check.command.engine, mine[0]!.check.parameters], ['http', { url: 'https://shop.example.com/', status: '100-499', follow_redirects: 'true' }]);
});

test('applying configuration neither removes uptime URLs nor their runs, and a diff does not list them', async () => {
  const id = await register('https://kept.example.com/');
  for (let apply = 0; apply < 2; apply++) await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': CONFIG }, 'shop')), 'test');
  const [run] = await sql`select parameters from check_run where check_id = ${id}`;
  assert.equal(run!.parameters.url, 'https://kept.example.com/');
  assert.equal((await api.call('GET', `${urls}/${id}`, { as: 'viewer' })).status, 200);
  assert.deepEqual(await diffSiteConfiguration(sql, onlySite(loadXml({ 'site.xml': CONFIG }, 'shop'))), { added: [], changed: [], removed: [] });
});

test('a URL once per site; every bad field at once', async () => {
  await register('https://twice.example.com/');
  const again = await api.call('POST', urls, { as: 'operator', body: { url: 'https://twice.example.com', threshold: 0 } });
  assert.equal(again.status, 409);
  const bad = await api.call('POST', urls, { as: 'operator', body: { url: 'ftp://files.example.com/', threshold: 5 } });
  assert.deepEqual(badFields(bad.body), ['threshold', 'url']);
  assert.match(bad.body.error.fields.find((f: any) => f.path === 'threshold').message, /five minutes hold at most 5 responses/);
  const secret = await api.call('POST', urls, { as: 'operator', body: { url: 'https://user:pw@example.com/', threshold: 1 } });
  assert.deepEqual(badFields(secret.body), ['url']);
  assert.equal((await api.call('POST', urls, { as: 'viewer', body: { url: 'https://x.example.com/', threshold: 1 } })).status, 403);
});

test('the list is alphabetical and paged', async () => {
  for (const host of ['c', 'a', 'b']) await register(`https://${host}.list.example.com/`);
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: { body: { items: { url: string }[]; nextCursor: string | null } } =
      await api.call('GET', `${urls}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: 'viewer' });
    seen.push(...page.body.items.map((u) => u.url));
    cursor = page.body.nextCursor;
  }
  assert.deepEqual(seen.filter((u) => u.includes('.list.')), ['https://a.list.example.com/', 'https://b.list.example.com/', 'https://c.list.example.com/']);
  assert.deepEqual(seen, [...seen].sort());
});

test('stats: answers below 500 succeed; 5xx and no answer fail; only the last 24 hours count', async () => {
  const id = await register('https://stats.example.com/');
  for (const [code, minutesAgo] of [[200, 1], [301, 2], [404, 3], [503, 4], [500, 60], [0, 120], [200, 24 * 60 + 1]] as const) {
    await answer(id, code, minutesAgo);
  }
  const stats = await api.call('GET', `${urls}/${id}/stats`, { as: 'viewer' });
  assert.equal(stats.status, 200);
  assert.deepEqual(stats.body, { urlId: id, from: new Date(NOW - 24 * 60 * MINUTE).toISOString(), to: new Date(NOW).toISOString(), success: 3, failure: 3 });
});

test('alerts: one per episode, opened when 5xx responses in five minutes exceed the threshold, closed when they fall back', async () => {
  const id = await register('https://alerts.example.com/', 1);
  const quiet = await register('https://quiet.example.com/', 1);
  await answer(quiet, 503, 1);
  await answer(id, 503, 3);
  const evaluate = async (minutesLater: number) =>
    (await evaluateUptimeAlerts(sql, NOW + minutesLater * MINUTE)).filter((a) => a.siteId === siteId).map((a) => `${a.url} ${a.change} ${a.failures}`);

  assert.deepEqual(await evaluate(0), [], 'one 5xx does not exceed a threshold of 1');
  await answer(id, 502, 2);
  assert.deepEqual(await evaluate(0), ['https://alerts.example.com/ opened 2']);
  await answer(id, 500, 1);
  assert.deepEqual(await evaluate(0), [], 'still the same episode');
  assert.deepEqual(await evaluate(3), ['https://alerts.example.com/ closed 2'], 'three minutes later only one 5xx is left in the window');
  await answer(id, 500, -4);
  await answer(id, 500, -5);
  assert.deepEqual(await evaluate(6), ['https://alerts.example.com/ opened 2']);

  const listed = await api.call('GET', `${urls}/${id}/alerts`, { as: 'viewer' });
  assert.deepEqual(listed.body.items.map((a: any) => [a.openedAt, a.closedAt, a.failures, a.peakFailures, a.threshold]), [
    [new Date(NOW + 6 * MINUTE).toISOString(), null, 2, 2, 1],
    [new Date(NOW).toISOString(), new Date(NOW + 3 * MINUTE).toISOString(), 2, 3, 1],
  ]);
  assert.equal((await api.call('GET', `${urls}/${id}`, { as: 'viewer' })).body.alerting, true);
  assert.deepEqual((await api.call('GET', `${urls}/${quiet}/alerts`, { as: 'viewer' })).body.items, []);
});

test("deleting a URL takes its check with it; another site's URLs are out of reach", async () => {
  const id = await register('https://gone.example.com/');
  const [theirs] = await sql<{ id: string }[]>`select id from "check" where site_id = ${otherSiteId} and name = 'db'`;
  for (const path of [`${urls}/${theirs!.id}`, `${urls}/${theirs!.id}/stats`, `${urls}/${theirs!.id}/alerts`]) {
    assert.equal((await api.call('GET', path, { as: 'viewer' })).status, 404, path);
  }
  assert.equal((await api.call('DELETE', `${urls}/${theirs!.id}`, { as: 'operator' })).status, 404);
  assert.equal((await api.call('DELETE', `${urls}/${id}`, { as: 'viewer' })).status, 403);
  assert.equal((await api.call('DELETE', `${urls}/${id}`, { as: 'operator' })).status, 204);
  assert.equal((await sql`select 1 from "check" where id = ${id}`).length, 0);
  assert.equal((await api.call('GET', `${urls}/${id}/stats`, { as: 'viewer' })).status, 404);
});
