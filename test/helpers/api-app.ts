/**
 * The whole REST API (every module of `apiRoutes`) over a test database, with the real
 * authenticator, a clock the test moves, a RecordingPush, and MemoryQueues for results and for
 * the checks the real "run now" sends (every region's). Requests go through `app.request`: no
 * server, no port.
 *
 * @example
 * const { sql } = await withTestDatabase();
 * const api = apiHarness(sql);
 * const alice = await api.signup('alice@example.com');
 * const site = await api.createSite(alice.token, 'alpha');
 * const response = await api.call('GET', `/sites/${site.id}/checks`, { token: alice.token });
 */
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { API_BASE, createApp } from '#api/app.ts';
import { createAuthenticator } from '#api/auth/authenticator.ts';
import type { ScryptCost } from '#api/auth/passwords.ts';
import type { ApiDeps } from '#api/deps.ts';
import { apiRoutes } from '#api/vigil-routes.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import type { Queue } from '#ports/queue.ts';
import { runNow } from '#scheduler/run-now.ts';
import type { Database } from '#store/database.ts';

export const TEST_JWT_SECRET = 'test-only-secret-that-is-at-least-32-bytes-long';
/** The harness's clock starts here: 2025-06-02 08:00 UTC. */
export const START_MS = Date.UTC(2025, 5, 2, 8, 0, 0);

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Bindings as the server adapter sets them (`{ incoming: { socket } }`, `{ requestContext }`). */
  env?: unknown;
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  /** The body as it came, for "does it mention X" assertions. */
  text: string;
}

/**
 * scrypt at a thousandth of the production cost: hashing is what a test of the API would spend
 * its time on, and the cost is the hasher's concern, tested in its own right.
 */
export const FAST_PASSWORD_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

export interface HarnessOptions {
  /** @defaultValue {@link FAST_PASSWORD_COST} */
  passwordCost?: ScryptCost;
}

export function apiHarness(sql: Database, options: HarnessOptions = {}) {
  const clock = new ManualClock(START_MS);
  const log = new MemoryLogger();
  const push = new RecordingPush();
  const results = new MemoryQueue({ name: 'results', clock });
  const checks = new MemoryQueue({ name: 'checks', clock });
  const everyRegion = new Map<string, Queue>(['local', 'eu-west-1', 'us-east-1'].map((region) => [region, checks]));
  const deps: ApiDeps = {
    db: sql, clock, log, push, results,
    auth: createAuthenticator(sql, { jwtSecret: TEST_JWT_SECRET, clock, passwordCost: options.passwordCost ?? FAST_PASSWORD_COST }),
    runNow: (siteId, checkId) => runNow(sql, siteId, checkId, { clock, log, checkQueues: everyRegion, homeRegion: 'local', results }),
  };
  const app = createApp(deps, { routes: apiRoutes });

  /** One request to `API_BASE + path`. */
  async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(
      `${API_BASE}${path}`,
      { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) },
      options.env as never,
    );
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, headers: response.headers, body: body as T, text };
  }

  /** Signs up (the password is `password-of-<email>`) and answers the session token. */
  async function signup(email: string, name?: string): Promise<{ token: string; userId: string }> {
    const answer = await call('POST', '/auth/signup', { body: { email, password: `password-of-${email}`, ...(name ? { name } : {}) } });
    if (answer.status !== 201) throw new Error(`signup ${email}: ${answer.status} ${answer.text}`);
    return { token: answer.body.token, userId: answer.body.user.id };
  }

  async function createSite(token: string, name: string): Promise<{ id: string; name: string }> {
    const answer = await call('POST', '/sites', { token, body: { name } });
    if (answer.status !== 201) throw new Error(`create site ${name}: ${answer.status} ${answer.text}`);
    return answer.body;
  }

  return { app, deps, clock, log, push, results, checks, call, signup, createSite };
}

export type ApiHarness = ReturnType<typeof apiHarness>;
