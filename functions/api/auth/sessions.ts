/**
 * Session tokens: HS256 JWTs (`hono/jwt`) with `sub` (the user id), `email`, `iat` and `exp`,
 * valid for 12 hours. They are stateless, so any Lambda instance can check one without a
 * database read; the price is that a session cannot be ended before it expires (API tokens can).
 */
import { sign, verify } from 'hono/jwt';
import type { Clock } from '#ports/clock.ts';

/** How long a log-in lasts: a working day, so nobody logs in twice a shift. */
export const SESSION_TTL_S = 12 * 60 * 60;

/**
 * HS256 is only as strong as its key: RFC 7518 section 3.2 asks for a key at least as long as
 * the hash output, 256 bits.
 */
export const MIN_JWT_SECRET_BYTES = 32;

export interface Session {
  token: string;
  expiresAtMs: number;
}

export interface SessionClaims {
  userId: string;
  email: string;
}

export function checkJwtSecret(secret: string): void {
  if (Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) {
    throw new Error(`the JWT secret must be at least ${MIN_JWT_SECRET_BYTES} bytes long`);
  }
}

export async function issueSession(user: SessionClaims, secret: string, clock: Clock): Promise<Session> {
  const nowS = Math.floor(clock.nowMs() / 1000);
  const expiresAtS = nowS + SESSION_TTL_S;
  const token = await sign({ sub: user.userId, email: user.email, iat: nowS, exp: expiresAtS }, secret, 'HS256');
  return { token, expiresAtMs: expiresAtS * 1000 };
}

/**
 * The claims of a valid, unexpired session token, or null. The signature is checked by Web
 * Crypto's HMAC verify, which compares in constant time; expiry is checked against `clock`
 * rather than the wall clock, so tests can move time.
 */
export async function verifySession(token: string, secret: string, clock: Clock): Promise<SessionClaims | null> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, { alg: 'HS256', exp: false, nbf: false, iat: false });
  } catch {
    return null;
  }
  const { sub, email, exp } = payload;
  if (typeof sub !== 'string' || typeof email !== 'string' || typeof exp !== 'number') return null;
  if (exp * 1000 <= clock.nowMs()) return null;
  return { userId: sub, email };
}
