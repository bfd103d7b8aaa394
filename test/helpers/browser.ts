/**
 * What the browser tests and the dashboard benchmark drive: Debian's Chromium, headless, through
 * playwright-core (no browser download), and Vigil exactly as `npm start` serves it
 * (functions/local/vigil-server.ts): the REST API and the dashboard, the WebSocket gateway on the
 * same loopback port, and the local runtime pushing through the gateway's `@connections` API.
 *
 * @example
 * const { sql } = await withTestDatabase();
 * const vigil = await startVigil(sql);
 * await vigil.addUser('alice@example.com', 'a long password', siteId, 'operator');
 * const browser = await launchBrowser();
 * const page = await browser.newPage();
 * await logIn(page, vigil.url, 'alice@example.com', 'a long password');
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { setMemberRole } from '#api/auth/accounts.ts';
import type { Role } from '#api/deps.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { startVigilServer } from '#local/vigil-server.ts';
import { systemClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import type { Database } from '#store/database.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless Chromium; sandboxing and /dev/shm are unavailable in containers, the GPU is not needed. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

export interface Vigil {
  /** `http://127.0.0.1:PORT/`: the dashboard. */
  url: string;
  runtime: LocalRuntime;
  log: MemoryLogger;
  /** Signs a user up through the API and gives them a role in a site. */
  addUser(email: string, password: string, siteId: string, role: Role): Promise<void>;
  /** The WebSocket connections open now. */
  connectionIds(): Promise<string[]>;
  /** Closes a browser's connection from the server side (API Gateway does so after two hours). */
  dropConnection(connectionId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts Vigil on `db` (migrated; configuration applied or not) on a free loopback port. */
export async function startVigil(db: Database): Promise<Vigil> {
  const log = new MemoryLogger();
  const server = await startVigilServer({ db, log, clock: systemClock, jwtSecret: 'a browser test secret of at least 32 bytes', port: 0 });
  const api = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
  return {
    url: server.url,
    runtime: server.runtime,
    log,
    async addUser(email, password, siteId, role) {
      const response = await api('/api/v1/auth/signup', {
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
      // The gateway's @connections API, as API Gateway's management API would be called.
      const response = await api(`/@connections/${encodeURIComponent(connectionId)}`, { method: 'DELETE' });
      if (!response.ok) throw new Error(`closing connection ${connectionId} answered ${response.status}`);
    },
    close: () => server.close(),
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
