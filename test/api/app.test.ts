import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoute, z } from '@hono/zod-openapi';
import { createApp, type RouteModule } from '#api/app.ts';
import { authenticated, siteRole } from '#api/context.ts';
import type { ApiDeps, Principal } from '#api/deps.ts';
import { healthRoutes } from '#api/routes/health.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';

const SITE = '6f1c1b36-3a51-4a8e-9d39-0d4f7c2a9b10';
const alice: Principal = { userId: 'u1', email: 'alice@example.com', via: 'session' };

/** A route module that exercises validation and site roles. */
const probe: RouteModule = (router, deps) => {
  router.use('/sites/:siteId/*', authenticated(deps));
  router.use('/sites/:siteId/probe', siteRole(deps, 'operator'));
  router.openapi(
    createRoute({
      method: 'post',
      path: '/sites/{siteId}/probe',
      request: {
        params: z.object({ siteId: z.string() }),
        body: { content: { 'application/json': { schema: z.object({ url: z.string().url(), threshold: z.number().int().min(1) }) } } },
      },
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ role: z.string() }) } } } },
    }),
    (c) => c.json({ role: c.get('role') }, 200),
  );
};

function app(role: 'viewer' | 'operator' | null) {
  const deps = {
    clock: new ManualClock(0), log: new MemoryLogger(), push: new RecordingPush(),
    auth: { authenticate: async (token: string) => (token === 'good' ? alice : null), roleIn: async () => role },
  } as unknown as ApiDeps;
  return createApp(deps, { routes: [healthRoutes, probe] });
}

const post = (body: unknown, token = 'good') => ({
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
});

test('health answers without authentication; unknown routes are a JSON 404', async () => {
  assert.deepEqual(await (await app(null).request('/api/v1/health')).json(), { status: 'ok' });
  const missing = await app(null).request('/api/v1/nope');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
});

test('a body is checked field by field, every bad field reported at once', async () => {
  const response = await app('operator').request(`/api/v1/sites/${SITE}/probe`, post({ url: 'not a url', threshold: 0 }));
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as { error: { fields: { path: string }[] } };
  assert.deepEqual(error.fields.map((f) => f.path).sort(), ['threshold', 'url']);
});

test('authentication, then the role in the site: 401, 404 for a site one has no role in, 403 below the role', async () => {
  const ok = { url: 'https://example.com', threshold: 3 };
  assert.equal((await app('operator').request(`/api/v1/sites/${SITE}/probe`, post(ok, 'bad'))).status, 401);
  assert.equal((await app(null).request(`/api/v1/sites/${SITE}/probe`, post(ok))).status, 404);
  assert.equal((await app('viewer').request(`/api/v1/sites/${SITE}/probe`, post(ok))).status, 403);
  assert.deepEqual(await (await app('operator').request(`/api/v1/sites/${SITE}/probe`, post(ok))).json(), { role: 'operator' });
});

test('the OpenAPI document lists the routes', async () => {
  const document = (await (await app(null).request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
  assert.deepEqual(Object.keys(document.paths).sort(), ['/health', '/sites/{siteId}/probe']);
});
