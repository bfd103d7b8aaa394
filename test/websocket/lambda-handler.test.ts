/**
 * The WebSocket API's Lambda integration, fed the sample events in test/events/ (shaped as API
 * Gateway sends them): what each route answers, and what it leaves in the tables.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { systemClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import { websocketLambdaHandler } from '../../functions/websocket/lambda-adapter.ts';
import { createWebSocketRoutes } from '../../functions/websocket/routes.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { StandInAuthenticator, storeSite, type SiteFixture } from './fixtures.ts';

const { sql } = await withTestDatabase();
const auth = new StandInAuthenticator();
const handler = websocketLambdaHandler(createWebSocketRoutes({ db: sql, auth, clock: systemClock, log: silentLogger }));
/** The sample events' site id, replaced by a real one. */
const SAMPLE_SITE = '00000000-0000-4000-8000-000000000001';
const CONNECTION = 'CaRw3dUpDoECJdg=';
let a: SiteFixture;
let b: SiteFixture;

before(async () => {
  a = await storeSite(sql, 'tenant-a');
  b = await storeSite(sql, 'tenant-b');
  auth.addUser('sample-session-token', { [a.siteId]: 'viewer' });
});

async function sampleEvent(name: string, siteId = a.siteId): Promise<APIGatewayProxyWebsocketEventV2> {
  const text = await readFile(new URL(`../events/${name}`, import.meta.url), 'utf8');
  return JSON.parse(text.replaceAll(SAMPLE_SITE, siteId)) as APIGatewayProxyWebsocketEventV2;
}

test('$connect: 200 with a valid token, 401 with a bad one or none (API Gateway then refuses the upgrade)', async () => {
  const connect = await sampleEvent('websocket-connect.json');
  const forged = { ...connect, queryStringParameters: { token: 'forged' } };
  // API Gateway leaves queryStringParameters out when the URL has no query.
  const { queryStringParameters: _, ...bare } = connect;
  assert.deepEqual(await handler(forged), { statusCode: 401, body: 'Unauthorized' });
  assert.deepEqual(await handler(bare as APIGatewayProxyWebsocketEventV2), { statusCode: 401, body: 'Unauthorized' });
  assert.equal((await sql`select from ws_connection`).length, 0);

  assert.deepEqual(await handler(connect), { statusCode: 200 });
  assert.deepEqual([...await sql`select connection_id from ws_connection`], [{ connection_id: CONNECTION }]);
});

test('subscribe: the reply is the route response\'s body; another tenant\'s site is an error and no subscription', async () => {
  assert.deepEqual(await handler(await sampleEvent('websocket-subscribe.json')), {
    statusCode: 200,
    body: JSON.stringify({ type: 'subscribed', siteId: a.siteId }),
  });
  assert.deepEqual(await handler(await sampleEvent('websocket-subscribe.json', b.siteId)), {
    statusCode: 200,
    body: JSON.stringify({ type: 'error', message: 'no such site' }),
  });
  assert.deepEqual([...await sql`select site_id from ws_subscription where connection_id = ${CONNECTION}`], [{ site_id: a.siteId }]);
});

test('$default: a message with an unknown action, or base64-encoded, is read the same way', async () => {
  const message = await sampleEvent('websocket-subscribe.json');
  const unknown = { ...message, requestContext: { ...message.requestContext, routeKey: '$default' }, body: '{"action":"dance"}' };
  assert.deepEqual(await handler(unknown), { statusCode: 200, body: JSON.stringify({ type: 'error', message: 'unknown action "dance": send subscribe, unsubscribe or ping' }) });
  const encoded = { ...message, requestContext: { ...message.requestContext, routeKey: '$default' }, body: Buffer.from('{"action":"ping"}').toString('base64'), isBase64Encoded: true };
  assert.deepEqual(await handler(encoded), { statusCode: 200, body: '{"type":"pong"}' });
});

test('$disconnect: 200, and the connection and its subscriptions are gone', async () => {
  assert.deepEqual(await handler(await sampleEvent('websocket-disconnect.json')), { statusCode: 200 });
  assert.equal((await sql`select from ws_connection`).length, 0);
  assert.equal((await sql`select from ws_subscription`).length, 0);
});
