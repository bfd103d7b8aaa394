/**
 * What the API needs from the rest of Vigil, injected so that the same app runs in Lambda and in
 * `npm start` (and in tests with whatever they choose).
 */
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { Push } from '#ports/push.ts';
import type { Queue } from '#ports/queue.ts';
import type { RunNowSummary } from '#scheduler/run-now.ts';
import type { Database } from '#store/database.ts';

export type Role = 'viewer' | 'operator' | 'admin';

/** Who is calling: a user logged in (session JWT) or a program (API token). */
export interface Principal {
  userId: string;
  email: string;
  via: 'session' | 'token';
  /** An API token may be limited to one site, with a role no higher than its owner's there. */
  tokenScope?: { siteId: string; role: Role };
}

export interface Authenticator {
  /** The principal a bearer token (session JWT or API token) stands for, or null. */
  authenticate(token: string): Promise<Principal | null>;
  /** The principal's role in a site, or null when it has none (then the site does not exist for it). */
  roleIn(principal: Principal, siteId: string): Promise<Role | null>;
}

export interface ApiDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  auth: Authenticator;
  /** Pushes state changes made through the API (acknowledge, downtime) to browsers. */
  push: Push;
  /** Where passive results (traps, heartbeats) go: the results queue. */
  results: Queue;
  runNow(siteId: string, checkId: string): Promise<RunNowSummary>;
}
