/**
 * Tenants cannot reach each other through the actions: with the real authenticator, a user of
 * site B calls every action route (walked from the OpenAPI document, so a new route is covered by
 * construction) against site A's objects, through A's path and through B's own, and gets 404
 * every time; afterwards A is exactly as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { API_BASE, createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import type { ApiDeps } from '#api/deps.ts';
import { actionRoutes } from '#api/routes/actions.ts';
import { configurationRoutes } from '#api/routes/configuration.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import { uptimeRoutes } from '#api/routes/uptime.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import { runNow } from '#scheduler/run-now.ts';
import { FAST_PASSWORD_COST, START_MS, TEST_JWT_SECRET } from '../helpers/api-app.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const clock = new ManualClock(START_MS);
const log = new MemoryLogger();
const results = new MemoryQueue({ name: 'results', clock });
const checks = new MemoryQueue({ name: 'checks', clock });
const deps: ApiDeps = {
  db: sql, clock, log, push: new RecordingPush(), results,
  auth: createAuthenticator(sql, { jwtSecret: TEST_JWT_SECRET, clock, passwordCost: FAST_PASSWORD_COST }),
  // The real one: it looks the check up within the site it is given.
  runNow: (siteId, checkId) => runNow(sql, siteId, checkId, { clock, log, checkQueues: new Map([['local', checks]]), homeRegion: 'local', results }),
};
const app = createApp(deps, { routes: [...apiRoutes, actionRoutes, configurationRoutes, passiveRoutes, uptimeRoutes] });

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await app.request(`${API_BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function userWithSite(name: string): Promise<{ token: string; siteId: string }> {
  const signup = await app.request(`${API_BASE}/auth/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${name}@example.com`, password: `password of ${name}` }),
  });
  const { token } = (await signup.json()) as { token: string };
  const site = await call('POST', '/sites', token, { name });
  assert.equal(site.status, 201);
  return { token, siteId: site.body.id };
}

const alice = await userWithSite('alpha');
const bob = await userWithSite('beta');
const XML = (site: string) => ({
  'site.xml': `<bergamot site="${site}">
    <command name="http-check" engine="http"/>
    <host name="www" address="10.0.0.1"><service name="http"><check-command command="http-check"/></service><trap name="backup"/></host>
  </bergamot>`,
});

/** Everything of site A a route could name: a check with a problem acknowledged, a downtime, an uptime URL, a passive URL. */
async function populate(site: { token: string; siteId: string }, name: string) {
  assert.equal((await call('POST', `/sites/${site.siteId}/configuration?mode=apply`, site.token, { files: XML(name) })).status, 200);
  const [check] = await sql<{ id: string }[]>`select id from "check" where site_id = ${site.siteId} and name = 'http'`;
  await sql`update check_state set status = 4, hard_status = 4 where check_id = ${check!.id}`;
  assert.equal((await call('POST', `/sites/${site.siteId}/checks/${check!.id}/acknowledge`, site.token, { comment: 'mine' })).status, 200);
  const downtime = await call('POST', `/sites/${site.siteId}/checks/${check!.id}/downtime`, site.token, {
    from: new Date(START_MS).toISOString(), to: new Date(START_MS + 3_600_000).toISOString(), comment: 'mine',
  });
  const url = await call('POST', `/sites/${site.siteId}/uptime/urls`, site.token, { url: `https://${name}.example.com/`, threshold: 1 });
  assert.equal((await call('POST', `/sites/${site.siteId}/checks/${check!.id}/passive-token`, site.token)).status, 201);
  return { checkId: check!.id, downtimeId: downtime.body.id as string, urlId: url.body.id as string };
}

/** What a tenant's data looks like, to tell that nothing changed. */
async function snapshot(siteId: string) {
  return sql`
    select (select json_agg(json_build_object('name', c.name, 'ack', s.acknowledged, 'down', s.in_downtime) order by c.name)
            from "check" c join check_state s on s.check_id = c.id where c.site_id = ${siteId}) as checks,
           (select count(*) from downtime where site_id = ${siteId})::int as downtimes,
           (select count(*) from acknowledgement where site_id = ${siteId})::int as acknowledgements,
           (select json_agg(token_hash) from passive_token where site_id = ${siteId}) as tokens,
           (select count(*) from config_change where site_id = ${siteId})::int as changes`;
}

/** A body each route accepts, so that only the tenant check can refuse it. */
const BODIES: Record<string, unknown> = {
  'POST /sites/{siteId}/checks/{checkId}/acknowledge': { comment: 'not yours' },
  'POST /sites/{siteId}/checks/{checkId}/downtime': { from: new Date(START_MS).toISOString(), to: new Date(START_MS + 60_000).toISOString(), comment: 'x' },
  'POST /sites/{siteId}/configuration': { files: XML('alpha') },
  'POST /sites/{siteId}/uptime/urls': { url: 'https://intruder.example.com/', threshold: 1 },
};

test("a user of site B reaches nothing of site A through any action route, and A is left as it was", async () => {
  const a = await populate(alice, 'alpha');
  await populate(bob, 'beta');
  const before = await snapshot(alice.siteId);

  const document = (await (await app.request(`${API_BASE}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
  const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) => ['actions', 'configuration', 'passive', 'uptime'].some((tag) => operation.tags?.includes(tag)))
      .map(([method]) => ({ method: method.toUpperCase(), path })));
  assert.equal(routes.length, 17);

  for (const { method, path } of routes) {
    if (path === '/passive/{token}') continue; // no user token: the secret URL is the credential (test/api/passive.test.ts)
    const key = `${method} ${path}`;
    const namesAnObject = /\{(checkId|downtimeId|urlId)\}/.test(path);
    const fill = (siteId: string) => path
      .replace('{siteId}', siteId).replace('{checkId}', a.checkId).replace('{downtimeId}', a.downtimeId).replace('{urlId}', a.urlId);
    const throughA = await call(method, fill(alice.siteId), bob.token, BODIES[key]);
    assert.equal(throughA.status, 404, `${key} through A's path: ${JSON.stringify(throughA.body)}`);
    // Through B's own site: an object of A is not found there; a route naming only the site acts on B's.
    const throughB = await call(method, fill(bob.siteId), bob.token, BODIES[key]);
    if (namesAnObject) assert.equal(throughB.status, 404, `${key} through B's path: ${JSON.stringify(throughB.body)}`);
    else assert.ok(throughB.status < 500, key);
    if (key === 'GET /sites/{siteId}/downtimes') assert.ok(!throughB.body.items.some((d: { id: string }) => d.id === a.downtimeId));
    if (key === 'POST /sites/{siteId}/configuration') {
      assert.equal(throughB.status, 422, "B's site, but the files name site A: refused at their site attribute");
    }
  }
  assert.equal((await checks.approximateCounts()).visible, 0, 'nothing of A was run');
  assert.deepEqual(await snapshot(alice.siteId), before);
});
