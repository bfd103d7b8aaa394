/**
 * What the WebSocket tests and the fan-out benchmark share: tenants' sites stored through the
 * real configuration path, a stand-in Authenticator (tokens and site roles as data), changes to
 * push, and a WebSocket client that keeps what it receives.
 */
import { randomUUID } from 'node:crypto';
import type { Authenticator, Principal, Role } from '#api/deps.ts';
import type { Status } from '#core/status.ts';
import type { CheckChange } from '#ports/push.ts';
import type { Database } from '#store/database.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../functions/websocket/protocol.ts';
import { loadXml, onlySite } from '../helpers/config.ts';

export interface SiteFixture {
  siteId: string;
  /** Group ids by name. */
  groups: Map<string, string>;
  /** Check ids by `host` or `host/service`. */
  checks: Map<string, string>;
}

/**
 * A small site: groups all > web, all > db; host web-1 and its service http (both in web), host db-1 (in
 * db). Stored with applySiteConfiguration, so roll-up origins are in place.
 */
export async function storeSite(sql: Database, name: string): Promise<SiteFixture> {
  const site = onlySite(loadXml({ 'site.xml': `
    <group name="all"/>
    <group name="web" groups="all"/>
    <group name="db" groups="all"/>
    <command name="port" engine="tcp"><parameter name="port">1</parameter></command>
    <host name="web-1" address="127.0.0.1" groups="web">
      <check-command command="port"/>
      <service name="http" groups="web"><check-command command="port"/></service>
    </host>
    <host name="db-1" address="127.0.0.1" groups="db"><check-command command="port"/></host>` }, name));
  const { siteId } = await applySiteConfiguration(sql, site, 'test');
  const groups = await sql<{ id: string; name: string }[]>`select id, name from check_group where site_id = ${siteId}`;
  const checks = await sql<{ id: string; name: string; host: string | null }[]>`
    select c.id, c.name, h.name as host from "check" c left join "check" h on h.id = c.parent_id where c.site_id = ${siteId}`;
  return {
    siteId,
    groups: new Map(groups.map((g) => [g.name, g.id])),
    checks: new Map(checks.map((c) => [c.host ? `${c.host}/${c.name}` : c.name, c.id])),
  };
}

export function idOf(ids: Map<string, string>, name: string): string {
  const id = ids.get(name);
  if (!id) throw new Error(`no '${name}' among ${[...ids.keys()].join(', ')}`);
  return id;
}

/** Tokens and site roles as data: `addUser('token-a', { [siteA]: 'viewer' })`. */
export class StandInAuthenticator implements Authenticator {
  private readonly principals = new Map<string, Principal>();
  private readonly roles = new Map<string, Role>();

  addUser(token: string, roles: Record<string, Role>): Principal {
    const principal: Principal = { userId: randomUUID(), email: `${token}@example.com`, via: 'session' };
    this.principals.set(token, principal);
    for (const [siteId, role] of Object.entries(roles)) this.roles.set(`${principal.userId} ${siteId}`, role);
    return principal;
  }

  async authenticate(token: string): Promise<Principal | null> {
    return this.principals.get(token) ?? null;
  }

  async roleIn(principal: Principal, siteId: string): Promise<Role | null> {
    return this.roles.get(`${principal.userId} ${siteId}`) ?? null;
  }
}

export function checkChange(checkId: string, status: Status = 'CRITICAL', output = `${status} - port 1 refused`): CheckChange {
  return {
    checkId, status, hard: true, hardStatus: status, attempt: 1, flapping: false, output,
    lastResultAtMs: 1_795_338_000_000, lastChangeAtMs: 1_795_338_000_000,
  };
}

/** A browser's end of the WebSocket: what it received, in order, and a way to wait for more. */
export class TestClient {
  readonly received: ServerMessage[] = [];
  private waiter: (() => void) | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as ServerMessage);
      this.waiter?.();
    });
    socket.on('close', () => this.waiter?.());
  }

  /** Connects to `ws://127.0.0.1:{port}/ws?token=...`; rejects with a {@link RefusedError} when refused. */
  static connect(port: number, token?: string, path = '/ws'): Promise<TestClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new RefusedError(response.statusCode ?? 0)));
      socket.once('error', reject);
    });
  }

  /** The next message not yet taken by `next` or `request`. */
  async next(): Promise<ServerMessage> {
    while (this.received.length === 0) {
      if (this.socket.readyState !== WebSocket.OPEN) throw new Error('the connection closed while a message was awaited');
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return this.received.shift()!;
  }

  /** Sends a message and returns the next one received (the reply, when nothing else is pushed meanwhile). */
  async request(message: object): Promise<ServerMessage> {
    this.socket.send(JSON.stringify(message));
    return this.next();
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export class RefusedError extends Error {
  constructor(readonly statusCode: number) {
    super(`the WebSocket upgrade was refused with ${statusCode}`);
  }
}

/** Waits until `condition` holds (for effects that follow an event on the other side), failing after `limitMs`. */
export async function eventually(condition: () => Promise<boolean>, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the condition did not hold within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
