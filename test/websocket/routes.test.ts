/**
 * The WebSocket routes against real PostgreSQL with a stand-in authenticator: who may connect,
 * who may subscribe to what, and what each route leaves in the tables.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { subscribersOf } from '../../functions/websocket/connection-store.ts';
import { WEBSOCKET_LIMITS } from '../../functions/websocket/limits.ts';
import { createWebSocketRoutes } from '../../functions/websocket/routes.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { idOf, StandInAuthenticator, storeSite, type SiteFixture } from './fixtures.ts';

const { sql } = await withTestDatabase();
const auth = new StandInAuthenticator();
const clock = new ManualClock(Date.UTC(2026, 10, 22, 9));
const log = new MemoryLogger();
const routes = createWebSocketRoutes({ db: sql, auth, clock, log });
let a: SiteFixture;
let b: SiteFixture;

before(async () => {
  a = await storeSite(sql, 'tenant-a');
  b = await storeSite(sql, 'tenant-b');
  auth.addUser('alice', { [a.siteId]: 'viewer' });
  auth.addUser('bob', { [b.siteId]: 'admin' });
});

const send = async (connectionId: string, message: unknown) =>
  JSON.parse((await routes.message(connectionId, typeof message === 'string' ? message : JSON.stringify(message))).body!) as Record<string, unknown>;

const subscriptionsOf = (connectionId: string) =>
  sql`select site_id, group_id, check_id from ws_subscription where connection_id = ${connectionId} order by group_id, check_id`;

test('$connect without a token or with a bad one is 401 and records nothing', async () => {
  assert.deepEqual(await routes.connect({ connectionId: 'none=', token: undefined }), { statusCode: 401, body: 'Unauthorized' });
  assert.deepEqual(await routes.connect({ connectionId: 'bad=', token: 'forged' }), { statusCode: 401, body: 'Unauthorized' });
  assert.equal((await sql`select from ws_connection where connection_id in ('none=', 'bad=')`).length, 0);
  // The log says why, and never the token.
  assert.ok(log.entries.some((e) => e.fields.reason === 'invalid token'));
  assert.ok(!JSON.stringify(log.entries).includes('forged'));
});

test('$connect with a token records the connection and who opened it', async () => {
  assert.deepEqual(await routes.connect({ connectionId: 'a1/+Bc=', token: 'alice' }), { statusCode: 200 });
  const [row] = await sql<{ principal: { email: string }; connected_at: Date }[]>`
    select principal, connected_at from ws_connection where connection_id = 'a1/+Bc='`;
  assert.equal(row!.principal.email, 'alice@example.com');
  assert.equal(row!.connected_at.getTime(), clock.nowMs());
});

test('a viewer subscribes to its site, a group or a check of it; subscribing twice is one subscription', async () => {
  await routes.connect({ connectionId: 'sub-ok=', token: 'alice' });
  const web = idOf(a.groups, 'web');
  const http = idOf(a.checks, 'web-1/http');
  assert.deepEqual(await send('sub-ok=', { action: 'subscribe', siteId: a.siteId }), { type: 'subscribed', siteId: a.siteId });
  assert.deepEqual(await send('sub-ok=', { action: 'subscribe', siteId: a.siteId }), { type: 'subscribed', siteId: a.siteId });
  assert.deepEqual(await send('sub-ok=', { action: 'subscribe', siteId: a.siteId, groupId: web }), { type: 'subscribed', siteId: a.siteId, groupId: web });
  assert.deepEqual(await send('sub-ok=', { action: 'subscribe', siteId: a.siteId, checkId: http }), { type: 'subscribed', siteId: a.siteId, checkId: http });
  assert.equal((await subscriptionsOf('sub-ok=')).length, 3);

  assert.deepEqual(await send('sub-ok=', { action: 'unsubscribe', siteId: a.siteId, groupId: web }), { type: 'unsubscribed', siteId: a.siteId, groupId: web });
  const left = await subscriptionsOf('sub-ok=');
  assert.deepEqual(left.map((s) => [s.group_id, s.check_id]), [[null, http], [null, null]]);
});

test('another tenant\'s site, group or check is refused, with no subscription made', async () => {
  await routes.connect({ connectionId: 'sub-no=', token: 'alice' });
  const refusals = [
    [{ action: 'subscribe', siteId: b.siteId }, 'no such site'],
    // A group or check of site B named under site A, where alice is a viewer.
    [{ action: 'subscribe', siteId: a.siteId, groupId: idOf(b.groups, 'web') }, 'no such group in this site'],
    [{ action: 'subscribe', siteId: a.siteId, checkId: idOf(b.checks, 'db-1') }, 'no such check in this site'],
    [{ action: 'subscribe', siteId: '6f1c1b36-3a51-4a8e-9d39-0d4f7c2a9b10' }, 'no such site'],
  ] as const;
  for (const [message, reason] of refusals) {
    assert.deepEqual(await send('sub-no=', message), { type: 'error', message: reason }, JSON.stringify(message));
  }
  assert.equal((await subscriptionsOf('sub-no=')).length, 0);
});

test('malformed and unknown messages are answered with an error; ping with pong', async () => {
  await routes.connect({ connectionId: 'talk=', token: 'alice' });
  const cases: [unknown, string | null][] = [
    ['not json', 'a message is a JSON object with an "action": subscribe, unsubscribe or ping'],
    [[1, 2], 'a message is a JSON object with an "action": subscribe, unsubscribe or ping'],
    [{ action: 'shout' }, 'unknown action "shout": send subscribe, unsubscribe or ping'],
    [{ siteId: a.siteId }, 'unknown action null: send subscribe, unsubscribe or ping'],
    [{ action: 'subscribe' }, 'subscribe: "siteId" must be an id (a UUID)'],
    [{ action: 'subscribe', siteId: 'x', groupId: 7 }, 'subscribe: "siteId" must be an id (a UUID); "groupId" must be an id (a UUID)'],
    [{ action: 'unsubscribe', siteId: a.siteId, groupId: idOf(a.groups, 'web'), checkId: idOf(a.checks, 'db-1') }, 'unsubscribe: give "groupId" or "checkId", not both'],
  ];
  for (const [message, reason] of cases) {
    assert.deepEqual(await send('talk=', message), { type: 'error', message: reason }, JSON.stringify(message));
  }
  assert.deepEqual(await send('talk=', { action: 'ping' }), { type: 'pong' });
});

test('a message on a connection that is not recorded is refused', async () => {
  assert.deepEqual(await send('never-connected=', { action: 'subscribe', siteId: a.siteId }), { type: 'error', message: 'this connection is not open: connect again' });
});

test('$disconnect deletes the connection and its subscriptions', async () => {
  await routes.connect({ connectionId: 'bye=', token: 'bob' });
  await send('bye=', { action: 'subscribe', siteId: b.siteId });
  await send('bye=', { action: 'subscribe', siteId: b.siteId, groupId: idOf(b.groups, 'db') });
  assert.equal((await subscriptionsOf('bye=')).length, 2);
  await routes.disconnect('bye=');
  assert.equal((await sql`select from ws_connection where connection_id = 'bye='`).length, 0);
  assert.equal((await subscriptionsOf('bye=')).length, 0);
  // A second $disconnect (API Gateway may send one after a push found the connection gone) is harmless.
  await routes.disconnect('bye=');
});

test('$connect forgets connections older than API Gateway lets a connection live', async () => {
  await routes.connect({ connectionId: 'old=', token: 'bob' });
  await send('old=', { action: 'subscribe', siteId: b.siteId });
  clock.advance(WEBSOCKET_LIMITS.connectionDurationMs + 1);
  await routes.connect({ connectionId: 'new=', token: 'bob' });
  assert.equal((await sql`select from ws_connection where connection_id = 'old='`).length, 0);
  assert.equal((await subscriptionsOf('old=')).length, 0);
});

test('subscribersOf: the site, a changed check, a changed group, or a group a changed check counts towards', async () => {
  const site = await storeSite(sql, 'tenant-c');
  auth.addUser('carol', { [site.siteId]: 'operator' });
  const [all, web, db] = [idOf(site.groups, 'all'), idOf(site.groups, 'web'), idOf(site.groups, 'db')];
  const http = idOf(site.checks, 'web-1/http');
  const subscriptions: Record<string, object> = {
    'c-site=': {},
    'c-http=': { checkId: http },
    'c-db1=': { checkId: idOf(site.checks, 'db-1') },
    'c-all=': { groupId: all },
    'c-web=': { groupId: web },
    'c-db=': { groupId: db },
  };
  for (const [connectionId, target] of Object.entries(subscriptions)) {
    await routes.connect({ connectionId, token: 'carol' });
    assert.equal((await send(connectionId, { action: 'subscribe', siteId: site.siteId, ...target })).type, 'subscribed');
  }
  // web-1/http changed, and with it the roll-up of group web (not of all, say).
  const found = await subscribersOf(sql, site.siteId, [http], [web]);
  const summary = Object.fromEntries(found.map((s) => [s.connectionId, { wholeSite: s.wholeSite, checks: [...s.checkIds], groups: [...s.groupIds] }]));
  assert.deepEqual(summary, {
    'c-site=': { wholeSite: true, checks: [], groups: [] },
    'c-http=': { wholeSite: false, checks: [http], groups: [] },
    // all is above web: the check counts towards it, though its roll-up is not in this change.
    'c-all=': { wholeSite: false, checks: [http], groups: [] },
    'c-web=': { wholeSite: false, checks: [http], groups: [web] },
  });
  // Another site's change reaches none of them.
  assert.deepEqual(await subscribersOf(sql, a.siteId, [http], [web]), []);
});
