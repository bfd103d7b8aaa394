/**
 * The local gateway and WebSocketPush together, as `npm start` runs them: real `ws` clients on
 * loopback, the routes on real PostgreSQL, and pushes through the real
 * ApiGatewayManagementApiClient posting to the gateway's `@connections` endpoint.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { after, afterEach, before, test } from 'node:test';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { systemClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { createWebSocketGateway, LOCAL_MANAGEMENT_CLIENT, type WebSocketGateway } from '#local/websocket-gateway.ts';
import { WEBSOCKET_LIMITS } from '../../functions/websocket/limits.ts';
import { createWebSocketRoutes } from '../../functions/websocket/routes.ts';
import { WebSocketPush } from '../../functions/websocket/websocket-push.ts';
import type { ServerMessage } from '../../functions/websocket/protocol.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { checkChange, eventually, idOf, RefusedError, StandInAuthenticator, storeSite, TestClient, type SiteFixture } from './fixtures.ts';

const { sql } = await withTestDatabase();
const auth = new StandInAuthenticator();
const log = new MemoryLogger();
const routes = createWebSocketRoutes({ db: sql, auth, clock: systemClock, log });
let gateway: WebSocketGateway;
const server = createServer((request, response) => {
  if (gateway.handleRequest(request, response)) return;
  response.writeHead(200, { 'content-type': 'text/plain' }).end('the app');
});
let port = 0;
let push: WebSocketPush;
let management: ApiGatewayManagementApiClient;
let a: SiteFixture;
let b: SiteFixture;
const clients: TestClient[] = [];

before(async () => {
  gateway = createWebSocketGateway({ server, routes, log });
  port = await listenOnLoopback(server);
  const endpoint = `http://127.0.0.1:${port}`;
  push = new WebSocketPush({ db: sql, log, endpoint, client: LOCAL_MANAGEMENT_CLIENT });
  management = new ApiGatewayManagementApiClient({ ...LOCAL_MANAGEMENT_CLIENT, endpoint });
  a = await storeSite(sql, 'tenant-a');
  b = await storeSite(sql, 'tenant-b');
  auth.addUser('alice', { [a.siteId]: 'viewer' });
  auth.addUser('bob', { [b.siteId]: 'viewer' });
  auth.addUser('carol', { [a.siteId]: 'operator' });
});

// Each test starts with nobody connected: its clients close, and their $disconnect has run.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await eventually(async () => (await sql`select from ws_connection`).length === 0);
});

after(async () => {
  push.close();
  management.destroy();
  await gateway.close();
  await closeServer(server);
});

async function connect(token: string): Promise<TestClient> {
  const client = await TestClient.connect(port, token);
  clients.push(client);
  return client;
}

/** The connection id the gateway gave the last connection of a user (by the token's e-mail). */
async function connectionIdOf(token: string): Promise<string> {
  const [row] = await sql<{ connection_id: string }[]>`
    select connection_id from ws_connection where principal->>'email' = ${`${token}@example.com`} order by connected_at desc limit 1`;
  return row!.connection_id;
}

async function changeOf(site: SiteFixture, checkName: string) {
  const checkId = idOf(site.checks, checkName);
  const [groupId] = (await sql<{ group_id: string }[]>`select group_id from check_group_member where check_id = ${checkId}`).map((r) => r.group_id);
  return { siteId: site.siteId, checks: [checkChange(checkId)], groups: await groupRollup(sql, site.siteId, { groupIds: [groupId!] }) };
}

test('connecting without a token, or with a bad one, is refused with 401', async () => {
  for (const token of [undefined, 'forged']) {
    await assert.rejects(TestClient.connect(port, token), (error: unknown) => error instanceof RefusedError && error.statusCode === 401);
  }
  assert.equal(gateway.connectionCount, 0);
});

test('another path is no WebSocket; other requests go on to the app', async () => {
  await assert.rejects(TestClient.connect(port, 'alice', '/elsewhere'), (error: unknown) => error instanceof RefusedError && error.statusCode === 404);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).text(), 'the app');
});

test('subscribe and push: each connection gets what it watches, through the @connections API', async () => {
  const alice = await connect('alice');
  const carol = await connect('carol');
  assert.deepEqual(await alice.request({ action: 'subscribe', siteId: a.siteId }), { type: 'subscribed', siteId: a.siteId });
  const db1 = idOf(a.checks, 'db-1');
  assert.deepEqual(await carol.request({ action: 'subscribe', siteId: a.siteId, checkId: db1 }), { type: 'subscribed', siteId: a.siteId, checkId: db1 });

  const webChange = await changeOf(a, 'web-1/http');
  const outcome = await push.push(webChange);
  assert.deepEqual(outcome, { connections: 1, posted: 2, gone: 0, failed: 0 });
  const checks = await alice.next();
  assert.deepEqual(checks, { type: 'checks', siteId: a.siteId, checks: webChange.checks });
  const groups = await alice.next();
  assert.equal(groups.type, 'groups');
  assert.deepEqual(groups.type === 'groups' && groups.groups.map((g) => [g.name, g.worstStatus]), [['web', 'PENDING']]);

  // db-1 changes: carol, watching only that check, gets it and not the groups above it.
  const dbChange = await changeOf(a, 'db-1');
  await push.publish(dbChange);
  assert.deepEqual(await carol.next(), { type: 'checks', siteId: a.siteId, checks: dbChange.checks });
  assert.equal((await alice.next()).type, 'checks');
  assert.equal((await alice.next()).type, 'groups');
  assert.deepEqual(await carol.request({ action: 'ping' }), { type: 'pong' }, 'nothing else was pushed to carol');
});

test('tenant isolation: a user of site A cannot subscribe to site B, and receives nothing when B changes', async () => {
  const alice = await connect('alice');
  const bob = await connect('bob');
  assert.deepEqual(await alice.request({ action: 'subscribe', siteId: a.siteId }), { type: 'subscribed', siteId: a.siteId });
  assert.deepEqual(await alice.request({ action: 'subscribe', siteId: b.siteId }), { type: 'error', message: 'no such site' });
  assert.deepEqual(await alice.request({ action: 'subscribe', siteId: a.siteId, groupId: idOf(b.groups, 'all') }), { type: 'error', message: 'no such group in this site' });
  assert.deepEqual(await alice.request({ action: 'subscribe', siteId: a.siteId, checkId: idOf(b.checks, 'db-1') }), { type: 'error', message: 'no such check in this site' });
  assert.equal((await bob.request({ action: 'subscribe', siteId: b.siteId })).type, 'subscribed');

  // B changes, then A: a connection's messages arrive in order, so had alice been sent B's
  // change, it would come before A's.
  const bChange = await changeOf(b, 'db-1');
  await push.publish(bChange);
  await push.publish(await changeOf(a, 'db-1'));
  const first = await alice.next();
  assert.equal(first.type === 'checks' && first.siteId, a.siteId);
  assert.deepEqual(await bob.next(), { type: 'checks', siteId: b.siteId, checks: bChange.checks }, 'B\'s change was pushed, to B\'s viewer');
});

test('a connection that answers 410 Gone is deleted with its subscriptions; the others still get the change', async () => {
  const alice = await connect('alice');
  assert.equal((await alice.request({ action: 'subscribe', siteId: a.siteId, checkId: idOf(a.checks, 'web-1') })).type, 'subscribed');
  // A connection whose $disconnect never arrived (API Gateway sends it on a best-effort basis).
  const principal = await auth.authenticate('alice');
  await sql`insert into ws_connection (connection_id, user_id, principal, connected_at) values ('lost/+1=', ${principal!.userId}, ${sql.json(principal as never)}, now())`;
  await sql`insert into ws_subscription (connection_id, site_id, check_id) values ('lost/+1=', ${a.siteId}, ${idOf(a.checks, 'web-1')})`;

  const change = { siteId: a.siteId, checks: [checkChange(idOf(a.checks, 'web-1'))], groups: [] };
  assert.deepEqual(await push.push(change), { connections: 2, posted: 1, gone: 1, failed: 0 });
  assert.equal((await sql`select from ws_connection where connection_id = 'lost/+1='`).length, 0);
  assert.equal((await sql`select from ws_subscription where connection_id = 'lost/+1='`).length, 0);
  assert.deepEqual(await alice.next(), { type: 'checks', siteId: a.siteId, checks: change.checks });
});

test('a client that closes runs $disconnect: the connection is deleted and later posts to it are 410', async () => {
  const bob = await connect('bob');
  assert.equal((await bob.request({ action: 'subscribe', siteId: b.siteId })).type, 'subscribed');
  const connectionId = await connectionIdOf('bob');
  await bob.close();
  await eventually(async () => (await sql`select from ws_connection where connection_id = ${connectionId}`).length === 0);
  await assert.rejects(management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{}' })), GoneException);
});

test('the @connections API as API Gateway answers it: GET describes, DELETE closes, unknown ids are 410', async () => {
  const carol = await connect('carol');
  const connectionId = await connectionIdOf('carol');
  const described = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
  assert.ok(described.ConnectedAt instanceof Date && described.LastActiveAt instanceof Date);
  assert.ok(described.LastActiveAt.getTime() >= described.ConnectedAt.getTime());
  assert.match(described.Identity?.SourceIp ?? '', /127\.0\.0\.1/);
  assert.equal(typeof described.Identity?.UserAgent, 'string');

  await management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"pong"}' }));
  assert.deepEqual(await carol.next(), { type: 'pong' } satisfies ServerMessage);

  const closed = new Promise<number>((resolve) => carol.socket.once('close', resolve));
  await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  assert.equal(await closed, 1000);
  await eventually(async () => (await sql`select from ws_connection where connection_id = ${connectionId}`).length === 0);
  for (const command of [new GetConnectionCommand({ ConnectionId: connectionId }), new DeleteConnectionCommand({ ConnectionId: connectionId })]) {
    await assert.rejects(management.send(command as never), GoneException);
  }
});

test('a post larger than API Gateway\'s 128 KB message is refused with 413', async () => {
  const alice = await connect('alice');
  const connectionId = await connectionIdOf('alice');
  await assert.rejects(
    management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(128 * 1024 + 1) })),
    (error: Error) => error.name === 'PayloadTooLargeException',
  );
  assert.deepEqual(await alice.request({ action: 'ping' }), { type: 'pong' }, 'the connection is still open');
});

test('a change of 2,000 checks reaches a browser as several messages, each one frame under 32 KB', async () => {
  const alice = await connect('alice');
  assert.equal((await alice.request({ action: 'subscribe', siteId: a.siteId })).type, 'subscribed');
  const sizes: number[] = [];
  alice.socket.on('message', (data: Buffer) => sizes.push(data.length));
  const checks = Array.from({ length: 2000 }, (_, i) => checkChange(randomUUID(), 'CRITICAL', `CRITICAL - connection ${i} refused`));
  const outcome = await push.push({ siteId: a.siteId, checks, groups: [] });
  assert.ok(outcome.posted > 1);
  const received: ServerMessage[] = [];
  for (let i = 0; i < outcome.posted; i++) received.push(await alice.next());
  assert.deepEqual(received.flatMap((m) => (m.type === 'checks' ? m.checks : [])), checks);
  assert.equal(sizes.length, outcome.posted);
  assert.ok(sizes.every((bytes) => bytes < WEBSOCKET_LIMITS.frameBytes), `message sizes ${sizes.join(', ')}`);
});
