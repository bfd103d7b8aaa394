/**
 * SNMP requests with net-snmp, made to stop at the deadline: the session (and its UDP socket) is
 * closed when the signal aborts, and each request's own timeout is set so that an agent that never
 * answers is reported as such before the deadline rather than as a bare TIMEOUT.
 */
import { createCipheriv } from 'node:crypto';
import snmp from 'net-snmp';
import type { Session, User, Varbind } from 'net-snmp';

export type SnmpVersion = '1' | '2c' | '3';

export interface SnmpCredentials {
  version: SnmpVersion;
  /** v1 and v2c. */
  community?: string;
  /** v3 */
  user?: User;
  /** v3 context name. */
  context?: string;
}

export interface SnmpTarget {
  address: string;
  family: 4 | 6;
  port: number;
  credentials: SnmpCredentials;
}

/** Tries per request: one retry covers a lost datagram without eating the whole deadline. */
export const TRIES = 2;
const RETRIES = TRIES - 1;
/** Bounds for one try's wait: long enough for a slow agent, short enough to retry within a check. */
const MIN_TRY_MS = 50;
const MAX_TRY_MS = 10_000;
/** Values asked for per GETBULK while walking. */
const WALK_REPETITIONS = 20;

/** Each try gets just under half of what is left, so both fit before the deadline. */
export function tryTimeoutMs(remainingMs: number): number {
  return Math.max(MIN_TRY_MS, Math.min(MAX_TRY_MS, Math.floor((remainingMs * 0.9) / TRIES)));
}

/**
 * Opens a session, runs `work` with it and closes it, also when the signal aborts (the pending
 * request then fails and `work` rejects with the signal's reason).
 */
export async function withSession<T>(target: SnmpTarget, timeoutMs: number, signal: AbortSignal, work: (session: Session) => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  const common = { port: target.port, retries: RETRIES, timeout: timeoutMs, transport: target.family === 6 ? 'udp6' : 'udp4' } as const;
  const { credentials } = target;
  const session = credentials.version === '3'
    ? snmp.createV3Session(target.address, credentials.user!, { ...common, version: snmp.Version3, ...(credentials.context ? { context: credentials.context } : {}) })
    : snmp.createSession(target.address, credentials.community ?? 'public', { ...common, version: credentials.version === '1' ? snmp.Version1 : snmp.Version2c });
  let socketError: Error | undefined;
  // A socket error with no listener would crash the worker; the request in flight then fails.
  session.on('error', (error: Error) => {
    socketError = error;
    session.cancelRequests(error);
  });
  const close = () => {
    try {
      session.close();
    } catch {
      // already closed
    }
  };
  signal.addEventListener('abort', close, { once: true });
  try {
    return await work(session);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw socketError ?? error;
  } finally {
    signal.removeEventListener('abort', close);
    close();
  }
}

export function snmpGet(session: Session, oids: readonly string[]): Promise<Varbind[]> {
  return new Promise((resolve, reject) => {
    session.get([...oids], (error, varbinds) => (error ? reject(error) : resolve(varbinds ?? [])));
  });
}

/** The values under `oid`, at most `max` of them; `truncated` when there were more. */
export function snmpWalk(session: Session, oid: string, max: number): Promise<{ varbinds: Varbind[]; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const varbinds: Varbind[] = [];
    let truncated = false;
    session.subtree(
      oid,
      WALK_REPETITIONS,
      (batch) => {
        for (const varbind of batch) {
          if (varbinds.length >= max) {
            truncated = true;
            return true; // stop walking
          }
          varbinds.push(varbind);
        }
        return undefined;
      },
      (error) => (error ? reject(error) : resolve({ varbinds, truncated })),
    );
  });
}

let desAvailable: boolean | undefined;

/**
 * Whether this runtime can encrypt with DES. OpenSSL 3, which Node 17+ ships, keeps DES in its
 * legacy provider, off by default, so SNMPv3 DES privacy fails there.
 */
export function isDesAvailable(): boolean {
  if (desAvailable === undefined) {
    try {
      createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
      desAvailable = true;
    } catch {
      desAvailable = false;
    }
  }
  return desAvailable;
}
