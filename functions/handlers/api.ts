/**
 * Lambda: the REST API and the dashboard (API Gateway REST API, proxy integration), the Hono app
 * of functions/api/ through `hono/aws-lambda`. Environment: DATABASE_URL or DATABASE_SECRET_ARN,
 * JWT_SECRET or JWT_SECRET_ARN, RESULTS_QUEUE_URL (passive results), CHECK_QUEUE_URLS and
 * HOME_REGION (run now, as the scheduler), WEBSOCKET_MANAGEMENT_ENDPOINT (the WebSocket API's
 * `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`, for changes made through the
 * API) and WEBSOCKET_URL (the `wss://` URL the dashboard connects to).
 */
import { handle } from 'hono/aws-lambda';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import type { Queue } from '#ports/queue.ts';
import { runNow } from '#scheduler/run-now.ts';
import { connect } from '#store/database.ts';
import { mountDashboard } from '../dashboard/mount.ts';
import { WebSocketPush } from '../websocket/websocket-push.ts';
import { databaseUrl, jwtSecret, queueUrlsByRegion, required, sqsClient } from './environment.ts';

const log = jsonLogger(undefined, 'info', { function: 'api' });
// One connection per Lambda instance: an instance answers one request at a time.
const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-api' });
const clock = systemClock;
const results = new SqsQueue({ client: sqsClient(), queueUrl: required('RESULTS_QUEUE_URL') });
const checkQueues = new Map<string, Queue>(
  [...queueUrlsByRegion('CHECK_QUEUE_URLS')].map(([region, queueUrl]) => [region, new SqsQueue({ client: sqsClient(region), queueUrl })]),
);
const homeRegion = process.env.HOME_REGION || required('AWS_REGION');

const app = createApp({
  db, clock, log, results,
  auth: createAuthenticator(db, { jwtSecret: await jwtSecret(), clock }),
  push: new WebSocketPush({ db, log, endpoint: required('WEBSOCKET_MANAGEMENT_ENDPOINT') }),
  runNow: (siteId, checkId) => runNow(db, siteId, checkId, { clock, log, checkQueues, homeRegion, results }),
}, {
  routes: apiRoutes,
  mount: (root) => mountDashboard(root, process.env.WEBSOCKET_URL ? { websocketUrl: process.env.WEBSOCKET_URL } : {}),
});

export const handler = handle(app);
