/**
 * Lambda: the WebSocket API's routes ($connect, $disconnect, subscribe, unsubscribe, $default),
 * all integrated with this one function; subscribe, unsubscribe and $default need route
 * responses (two-way routes) for their replies to reach the browser. Environment: DATABASE_URL
 * or DATABASE_SECRET_ARN, JWT_SECRET_ARN or JWT_SECRET (the key the REST API signs sessions with).
 */
import { createAuthenticator } from '#api/auth/authenticator.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import { connect } from '#store/database.ts';
import { websocketLambdaHandler } from '../websocket/lambda-adapter.ts';
import { createWebSocketRoutes } from '../websocket/routes.ts';
import { databaseUrl, jwtSecret } from './environment.ts';

const log = jsonLogger(undefined, 'info', { function: 'websocket' });
// One connection per Lambda instance: concurrency comes from instances, not from a pool.
const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-websocket' });
const auth = createAuthenticator(db, { jwtSecret: await jwtSecret(), clock: systemClock });

export const handler = websocketLambdaHandler(createWebSocketRoutes({ db, auth, clock: systemClock, log }));
