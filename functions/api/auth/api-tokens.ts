/**
 * API tokens for programs: `vgl_` and 32 random bytes in base64url. The prefix lets secret
 * scanners and people recognise a leaked Vigil token, and tells the authenticator it is not a
 * session JWT. Only the SHA-256 of a token is stored (sql/006_accounts.sql).
 *
 * A token is looked up by its hash: the index comparison runs on the hash, never on the token,
 * so how long a lookup takes says nothing about how close a guess was. With 256 random bits a
 * fast hash is enough; there is no dictionary to try.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '#store/database.ts';
import type { Role } from '../deps.ts';

export const API_TOKEN_PREFIX = 'vgl_';
const TOKEN_BYTES = 32;
/**
 * `last_used_at` is written at most this often per token: it says whether a token is still in
 * use, and writing it on every request would turn every read into a write.
 */
const LAST_USED_RESOLUTION_S = 60;

export function isApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface ApiTokenRow {
  id: string;
  name: string;
  siteId: string | null;
  role: Role | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** `created_at` exactly, as PostgreSQL writes it (a Date would drop the microseconds): the page key. */
  createdAtKey: string;
}

export interface TokenOwner {
  tokenId: string;
  userId: string;
  email: string;
  siteId: string | null;
  role: Role | null;
}

/** Makes a token for `userId`; the token text is returned here and never again. */
export async function createApiToken(
  sql: Queryable,
  userId: string,
  spec: { name: string; siteId?: string | undefined; role?: Role | undefined },
): Promise<{ id: string; token: string }> {
  const token = API_TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  const [row] = await sql<{ id: string }[]>`
    insert into api_token (user_id, name, token_hash, site_id, role)
    values (${userId}, ${spec.name}, ${tokenHash(token)}, ${spec.siteId ?? null}, ${spec.role ?? null})
    returning id`;
  return { id: row!.id, token };
}

/** The owner of a live (not revoked) token, or null; notes that the token was used. */
export async function findTokenOwner(sql: Queryable, token: string, nowMs: number): Promise<TokenOwner | null> {
  const now = new Date(nowMs);
  const [owner] = await sql<TokenOwner[]>`
    select t.id as "tokenId", u.id as "userId", u.email, t.site_id as "siteId", t.role
    from api_token t
    join user_account u on u.id = t.user_id
    where t.token_hash = ${tokenHash(token)} and t.revoked_at is null`;
  if (!owner) return null;
  await sql`
    update api_token set last_used_at = ${now}
    where id = ${owner.tokenId}
      and (last_used_at is null or last_used_at < ${now}::timestamptz - make_interval(secs => ${LAST_USED_RESOLUTION_S}))`;
  return owner;
}

/** One page of a user's live tokens, oldest first, after the key `(createdAt, id)`. */
export function listApiTokens(sql: Queryable, userId: string, after: readonly [string, string] | undefined, limit: number) {
  return sql<ApiTokenRow[]>`
    select id, name, site_id as "siteId", role, created_at as "createdAt", last_used_at as "lastUsedAt",
           created_at::text as "createdAtKey"
    from api_token
    where user_id = ${userId} and revoked_at is null
      and ${after ? sql`(created_at, id) > (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql`true`}
    order by created_at, id
    limit ${limit + 1}`;
}

/** Revokes one of the user's tokens; false when the user has no such live token. */
export async function revokeApiToken(sql: Queryable, userId: string, tokenId: string, nowMs: number): Promise<boolean> {
  const revoked = await sql`
    update api_token set revoked_at = ${new Date(nowMs)}
    where id = ${tokenId} and user_id = ${userId} and revoked_at is null`;
  return revoked.count > 0;
}
