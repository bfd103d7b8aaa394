/**
 * Vigil on one HTTP server, as `npm start` runs it: the REST API and the dashboard (one Hono
 * app), the WebSocket gateway on `/ws` with API Gateway's `@connections` API, and the local
 * runtime (scheduler, workers, result processor) whose pushes go through that very `@connections`
 * API, so the push code is the one that runs in AWS.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { once } from 'node:events';
import { getRequestListener } from '@hono/node-server';
import { createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { mountDashboard } from '#dashboard/mount.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { Database } from '#store/database.ts';
import { createWebSocketRoutes } from '#websocket/routes.ts';
import { WebSocketPush } from '#websocket/websocket-push.ts';
import type { EventRule } from '#adapters/local/memory-event-bus.ts';
import type { ChannelKind } from '#core/alerting/policy.ts';
import type { NotificationChannel } from '#ports/notification-channel.ts';
import { LocalRuntime } from './runtime.ts';
import { createWebSocketGateway, LOCAL_MANAGEMENT_CLIENT } from './websocket-gateway.ts';

export interface VigilServerOptions {
  db: Database;
  log: Logger;
  clock: Clock;
  /** The key sessions are signed with (at least 32 bytes). */
  jwtSecret: string;
  /** 127.0.0.1 port; 0 for any free one. */
  port: number;
  /** Event rules for the runtime's bus (e.g. printing state changes). */
  rules?: EventRule[];
  /** Where notifications go (functions/adapters/notify/channels.ts reads them from the environment). */
  channels?: ReadonlyMap<ChannelKind, NotificationChannel>;
}

export interface VigilServer {
  url: string;
  port: number;
  runtime: LocalRuntime;
  /** Stops accepting, finishes the batches in hand, closes connections. */
  close(): Promise<void>;
}

export async function startVigilServer(options: VigilServerOptions): Promise<VigilServer> {
  const { db, log, clock } = options;
  const auth = createAuthenticator(db, { jwtSecret: options.jwtSecret, clock });
  // The app needs the push, which needs the server's port: requests wait behind this until then.
  let handle: RequestListener = (_request, response) => response.writeHead(503).end('starting');
  const server: Server = createServer((request, response) => {
    if (!gateway.handleRequest(request, response)) handle(request, response);
  });
  const gateway = createWebSocketGateway({ server, routes: createWebSocketRoutes({ db, auth, clock, log }), log });
  server.listen(options.port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`cannot listen on 127.0.0.1:${options.port} (${(error as Error).message}); set VIGIL_PORT to a free port`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const push = new WebSocketPush({ db, log, endpoint: `http://127.0.0.1:${port}`, client: LOCAL_MANAGEMENT_CLIENT });
  const runtime = new LocalRuntime({
    db, log, clock, push, ...(options.rules ? { rules: options.rules } : {}), ...(options.channels ? { channels: options.channels } : {}),
  });
  const app = createApp(
    { db, clock, log, auth, push, results: runtime.queues.results, runNow: (siteId, checkId) => runtime.runNow(siteId, checkId) },
    { routes: apiRoutes, mount: mountDashboard },
  );
  handle = getRequestListener(app.fetch);
  runtime.start();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    runtime,
    async close() {
      try {
        await runtime.stop();
      } finally {
        push.close();
        await gateway.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
