/**
 * The API with the actions' route modules over a real database, for the route tests: a fake
 * authenticator (a bearer token names the role its holder has in the sites it is given), a
 * RecordingPush, MemoryQueues for results and checks, and the real "run now" on them.
 */
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { createApp, type RouteModule } from '#api/app.ts';
import type { ApiDeps, Principal, Role } from '#api/deps.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { RecordingPush } from '#ports/push.ts';
import { runNow } from '#scheduler/run-now.ts';
import type { Database } from '#store/database.ts';

/** Tokens of the fake authenticator: each is a user with that role in every site of `sites`. */
export const TOKENS: Record<Role, string> = { viewer: 'viewer-token', operator: 'operator-token', admin: 'admin-token' };

export function principalOf(role: Role): Principal {
  return { userId: `user-${role}`, email: `${role}@example.com`, via: 'session' };
}

export function createTestApi(db: Database, routes: RouteModule[], options: { sites: string[]; nowMs?: number; runNow?: ApiDeps['runNow'] }) {
  const clock = new ManualClock(options.nowMs ?? Date.now());
  const log = new MemoryLogger();
  const push = new RecordingPush();
  const results = new MemoryQueue({ name: 'results', clock });
  const checks = new MemoryQueue({ name: 'checks', clock });
  const sites = new Set(options.sites);
  const deps: ApiDeps = {
    db, clock, log, push, results,
    auth: {
      authenticate: async (token) => {
        const role = (Object.keys(TOKENS) as Role[]).find((r) => TOKENS[r] === token);
        return role ? principalOf(role) : null;
      },
      roleIn: async (principal, siteId) => (sites.has(siteId) ? (principal.userId.slice('user-'.length) as Role) : null),
    },
    runNow: options.runNow ?? ((siteId, checkId) =>
      runNow(db, siteId, checkId, { clock, log, checkQueues: new Map([['local', checks]]), homeRegion: 'local', results })),
  };
  const app = createApp(deps, { routes });

  /** Sends a request as a user with `role` (or with no token at all). */
  async function call(method: string, path: string, options: { as?: Role | null; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    const role = options.as === undefined ? 'admin' : options.as;
    if (role) headers.authorization = `Bearer ${TOKENS[role]}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(`/api/v1${path}`, {
      method, headers, ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as any };
  }

  return { app, deps, clock, log, push, results, checks, call };
}

/** The paths of the fields a 400 names. */
export function badFields(body: { error: { fields?: { path: string }[] } }): string[] {
  return (body.error.fields ?? []).map((f) => f.path).sort();
}
