/**
 * The REST API's Lambda entry (functions/handlers/api.ts), fed API Gateway REST API proxy events
 * shaped like test/events/api-login.json: it reads its environment, serves the API and the
 * dashboard, and the log-in limit counts the caller's address as API Gateway saw it, not a header
 * the caller can write.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import { MAX_FAILURES_PER_EMAIL } from '#api/auth/login-limit.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql, url } = await withTestDatabase();
const UNUSED = 'http://127.0.0.1:9';
Object.assign(process.env, {
  DATABASE_URL: url,
  JWT_SECRET: 'lambda-test-secret-that-is-at-least-32-bytes',
  RESULTS_QUEUE_URL: `${UNUSED}/000000000000/vigil-results`,
  CHECK_QUEUE_URLS: JSON.stringify({ 'eu-west-1': `${UNUSED}/000000000000/vigil-checks-eu-west-1` }),
  HOME_REGION: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  WEBSOCKET_MANAGEMENT_ENDPOINT: UNUSED,
  WEBSOCKET_URL: 'wss://example.execute-api.eu-west-1.amazonaws.com/live',
});
const { handler } = await import('../../functions/handlers/api.ts');

const sample = JSON.parse(await readFile(new URL('../events/api-login.json', import.meta.url), 'utf8')) as APIGatewayProxyEvent;

/** The sample event with another method, path, body or headers. */
function event(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): APIGatewayProxyEvent {
  const headers = { ...sample.headers, ...options.headers };
  return {
    ...sample,
    httpMethod: method,
    path,
    pathParameters: { proxy: path.slice(1) },
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value!]])),
    requestContext: { ...sample.requestContext, httpMethod: method, path: `/prod${path}` },
    body: options.body === undefined ? null : JSON.stringify(options.body),
  };
}

// hono/aws-lambda declares its own event type, stricter than API Gateway's (no null query).
const invoke = (input: APIGatewayProxyEvent) => handler(input as unknown as LambdaEvent) as Promise<APIGatewayProxyResult>;
/** A response header: answering an event with multiValueHeaders, the adapter answers with them too. */
const header = (result: APIGatewayProxyResult, name: string) => result.multiValueHeaders?.[name]?.join(', ');

test('sign up, log in with the sample event, and call the API with the session', async () => {
  const signup = await invoke(event('POST', '/api/v1/auth/signup', { body: { email: 'ops@example.com', password: 'a long enough password' } }));
  assert.equal(signup.statusCode, 201, signup.body);

  const login = await invoke(sample);
  assert.equal(login.statusCode, 200, login.body);
  const { token } = JSON.parse(login.body) as { token: string };
  const me = await invoke(event('GET', '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } }));
  assert.equal(me.statusCode, 200);
  assert.equal(JSON.parse(me.body).email, 'ops@example.com');
});

test('the dashboard is served by the same function, pointed at the WebSocket API', async () => {
  const page = await invoke(event('GET', '/'));
  assert.equal(page.statusCode, 200);
  assert.match(String(header(page, 'content-type')), /text\/html/);
  assert.match(String(header(page, 'content-security-policy')), /wss:\/\/example\.execute-api/);
});

test("failed log-ins count against API Gateway's source address, whatever X-Forwarded-For says", async () => {
  const wrong = (forwardedFor: string) => event('POST', '/api/v1/auth/login', {
    body: { email: 'ops@example.com', password: 'not the password' },
    headers: { 'X-Forwarded-For': forwardedFor },
  });
  for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) assert.equal((await invoke(wrong(`198.51.100.${i}`))).statusCode, 401);
  const clients = await sql<{ client: string }[]>`select distinct client from login_failure`;
  assert.deepEqual(clients.map((row) => row.client), [sample.requestContext.identity.sourceIp]);

  const refused = await invoke(sample);
  assert.equal(refused.statusCode, 429);
  assert.ok(Number(header(refused, 'retry-after')) > 0);
});
