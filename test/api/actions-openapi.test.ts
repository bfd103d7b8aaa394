import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import type { ApiDeps } from '#api/deps.ts';
import { actionRoutes } from '#api/routes/actions.ts';
import { configurationRoutes } from '#api/routes/configuration.ts';
import { passiveRoutes } from '#api/routes/passive.ts';
import { uptimeRoutes } from '#api/routes/uptime.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { ManualClock } from '#ports/clock.ts';
import type { Database } from '#store/database.ts';
import { TEST_JWT_SECRET } from '../helpers/api-app.ts';

const ACTION_MODULES = [actionRoutes, configurationRoutes, passiveRoutes, uptimeRoutes];

interface Operation {
  security?: unknown[];
  responses: Record<string, unknown>;
}

async function document(routes = ACTION_MODULES) {
  // The accounts routes want the real authenticator when they are built; nothing here reaches the database.
  const auth = createAuthenticator({} as Database, { jwtSecret: TEST_JWT_SECRET, clock: new ManualClock(0) });
  const app = createApp({ auth } as unknown as ApiDeps, { routes });
  return (await (await app.request('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
}

test('the OpenAPI document lists every action route, each needing a bearer token but the passive one, with its error answers', async () => {
  const { paths } = await document();
  const operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })));
  assert.deepEqual(operations.map((o) => o.route).sort(), [
    'DELETE /sites/{siteId}/checks/{checkId}/acknowledge',
    'DELETE /sites/{siteId}/checks/{checkId}/passive-token',
    'DELETE /sites/{siteId}/downtimes/{downtimeId}',
    'DELETE /sites/{siteId}/uptime/urls/{urlId}',
    'GET /sites/{siteId}/checks/{checkId}/acknowledgements',
    'GET /sites/{siteId}/configuration/changes',
    'GET /sites/{siteId}/configuration/changes/{changeId}',
    'GET /sites/{siteId}/downtimes',
    'GET /sites/{siteId}/uptime/urls',
    'GET /sites/{siteId}/uptime/urls/{urlId}',
    'GET /sites/{siteId}/uptime/urls/{urlId}/alerts',
    'GET /sites/{siteId}/uptime/urls/{urlId}/stats',
    'POST /passive/{token}',
    'POST /sites/{siteId}/checks/{checkId}/acknowledge',
    'POST /sites/{siteId}/checks/{checkId}/downtime',
    'POST /sites/{siteId}/checks/{checkId}/passive-token',
    'POST /sites/{siteId}/checks/{checkId}/run-now',
    'POST /sites/{siteId}/configuration',
    'POST /sites/{siteId}/configuration/changes/{changeId}/rollback',
    'POST /sites/{siteId}/uptime/urls',
  ]);
  for (const { route, operation } of operations) {
    if (route === 'POST /passive/{token}') {
      assert.equal(operation.security, undefined, route);
      continue;
    }
    assert.deepEqual(operation.security, [{ bearer: [] }], route);
    assert.ok(operation.responses['401'] && operation.responses['404'], `${route} documents 401 and 404`);
  }
});

test('the app is built with the action routes, beside the rest of the API: no schema name is taken twice', async () => {
  const [own, app, rest] = await Promise.all([
    document(), document(apiRoutes), document(apiRoutes.filter((routes) => !ACTION_MODULES.includes(routes))),
  ]);
  for (const path of Object.keys(own.paths)) assert.deepEqual(app.paths[path], own.paths[path], path);
  const shared = Object.keys(own.components.schemas).filter((name) => name !== 'Error' && name in rest.components.schemas);
  assert.deepEqual(shared, []);
});
