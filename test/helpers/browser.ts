/**
 * What the browser tests and the dashboard benchmark drive: Debian's Chromium, headless, through
 * playwright-core (no browser download), and Vigil as `npm start` runs it: the Hono app (REST
 * API and dashboard) on a loopback port, the local WebSocket gateway on the same server, and a
 * LocalRuntime whose pushes go through WebSocketPush to that gateway's `@connections` API.
 *
 * @example
 * const { sql } = await withTestDatabase();
 * const vigil = await startVigil(sql);
 * const browser = await launchBrowser();
 * await vigil.addUser('alice@example.com', 'a long password', siteId, 'operator');
 * const page = await browser.newPage();
 * await page.goto(vigil.url);
 */
import { createServer, type RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '#api/app.ts';
import { setMemberRole } from '#api/auth/accounts.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import type { ApiApp } from '#api/context.ts';
import type { Role } from '#api/deps.ts';
import { actionRoutes } from '#api/routes/actions.ts';
import { authRoutes } from '#api/routes/auth.ts';
import { checkRoutes } from '#api/routes/checks.ts';
import { groupRoutes } from '#api/routes/groups.ts';
import { healthRoutes } from '#api/routes/health.ts';
import { siteRoutes } from '#api/routes/sites.ts';
import { LocalRuntime } from '#local/runtime.ts';
import { createWebSocketGateway, LOCAL_MANAGEMENT_CLIENT } from '#local/websocket-gateway.ts';
import { systemClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import type { Database } from '#store/database.ts';
import { mountDashboard } from '../../functions/dashboard/mount.ts';
import { createWebSocketRoutes } from '../../functions/websocket/routes.ts';
import { WebSocketPush } from '../../functions/websocket/websocket-push.ts';
import { closeServer, listenOnLoopback } from './loopback.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless Chromium; sandboxing and /dev/shm are unavailable in containers, the GPU is not needed. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

export interface Vigil {
  /** `http://127.0.0.1:PORT/`: the dashboard. */
  url: string;
  port: number;
  app: ApiApp;
  runtime: LocalRuntime;
  log: MemoryLogger;
  /** Signs a user up through the API and gives them a role in a site. */
  addUser(email: string, password: string, siteId: string, role: Role): Promise<void>;
  /** The gateway's open connections, as its `@connections` API knows them. */
  connectionIds(): Promise<string[]>;
  /** Closes a browser's connection from the server side, as API Gateway does after two hours. */
  dropConnection(connectionId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts Vigil's app, WebSocket gateway and local runtime on `db` (migrated, configuration applied or not). */
export async function startVigil(db: Database): Promise<Vigil> {
  const log = new MemoryLogger();
  const clock = systemClock;
  const auth = createAuthenticator(db, { jwtSecret: 'a browser test secret of at least 32 bytes', clock });
  // The app needs the push, which needs the server's port: requests wait for it behind this.
  let handle: RequestListener = (_request, response) => response.writeHead(503).end('starting');
  const server = createServer((request, response) => {
    if (!gateway.handleRequest(request, response)) handle(request, response);
  });
  const gateway = createWebSocketGateway({ server, routes: createWebSocketRoutes({ db, auth, clock, log }), log });
  const port = await listenOnLoopback(server);
  const push = new WebSocketPush({ db, log, endpoint: `http://127.0.0.1:${port}`, client: LOCAL_MANAGEMENT_CLIENT });
  const runtime = new LocalRuntime({ db, log, push, tickEveryMs: null }).start();
  const app = createApp(
    { db, clock, log, auth, push, results: runtime.queues.results, runNow: (siteId, checkId) => runtime.runNow(siteId, checkId) },
    { routes: [healthRoutes, authRoutes, siteRoutes, groupRoutes, checkRoutes, actionRoutes], mount: mountDashboard },
  );
  handle = getRequestListener(app.fetch);
  const base = `http://127.0.0.1:${port}`;

  return {
    url: `${base}/`,
    port,
    app,
    runtime,
    log,
    async addUser(email, password, siteId, role) {
      const response = await app.request('/api/v1/auth/signup', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
      });
      if (response.status !== 201) throw new Error(`signing up ${email} answered ${response.status}: ${await response.text()}`);
      const { user } = (await response.json()) as { user: { id: string } };
      await setMemberRole(db, siteId, user.id, role);
    },
    async connectionIds() {
      const rows = await db<{ connection_id: string }[]>`select connection_id from ws_connection order by connected_at`;
      return rows.map((row) => row.connection_id);
    },
    async dropConnection(connectionId) {
      const response = await fetch(`${base}/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
      if (!response.ok) throw new Error(`closing connection ${connectionId} answered ${response.status}`);
    },
    async close() {
      // Whatever fails, the server and its sockets close, so the test process can end.
      try {
        await runtime.stop();
      } finally {
        push.close();
        await gateway.close().finally(() => closeServer(server));
      }
    },
  };
}

/** Logs in through the dashboard's form and waits for the site to be live (subscribed, lists loaded). */
export async function logIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.connection[data-state="live"]').waitFor();
  await page.locator('.check-lists:not([hidden])').waitFor();
}

/** Waits until `condition` holds, checking every 20 ms, for up to `limitMs`. */
export async function eventually(condition: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the condition did not hold within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
