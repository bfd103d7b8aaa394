/**
 * Passive results: a check whose results are sent to Vigil instead of fetched by a worker (a trap,
 * a heartbeat from a cron job, a backup script reporting). Each such check gets a secret URL,
 * `/api/v1/passive/<token>`; whoever holds it may post results for that one check, with no other
 * credentials, as a cron job can hold a URL and little else.
 *
 * Only the token's SHA-256 is stored. The token carries 256 random bits, so a fast hash is safe
 * (there is nothing to guess, unlike a password), and looking the hash up through its unique index
 * leaks nothing useful through timing: learning which stored hashes are near the hash of a guess
 * says nothing about the token that hashes to them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ResultMessage } from '#core/messages.ts';
import type { Reading } from '#core/reading.ts';
import type { Status } from '#core/status.ts';
import { CheckNotFoundError } from '#scheduler/run-now.ts';
import type { Database, Queryable } from '#store/database.ts';

/** Makes a leaked token recognisable (secret scanners, logs) and tells it from an API token. */
const TOKEN_PREFIX = 'vp_';
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^vp_[A-Za-z0-9_-]{43}$/;

/** Clusters and resources are worked out from other checks; a result sent to them would be overwritten. */
export class NotPassiveError extends Error {
  constructor(readonly kind: string) {
    super(`a ${kind}'s state is worked out from other checks, so it takes no passive results`);
    this.name = 'NotPassiveError';
  }
}

/** Where a token's results go. */
export interface PassiveTarget {
  siteId: string;
  checkId: string;
}

/** What a sender posts. */
export interface PassiveResultInput {
  status: Status;
  output: string;
  longOutput?: string | undefined;
  readings: Reading[];
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Makes a new passive-result token for a check, replacing any it had (the old URL stops working).
 * @returns the token, which is not stored and cannot be shown again.
 * @throws CheckNotFoundError when the check is not in the site; NotPassiveError for clusters and resources.
 */
export async function issuePassiveToken(db: Database, request: { siteId: string; checkId: string; by: string; nowMs: number }): Promise<string> {
  const { siteId, checkId } = request;
  const [check] = await db<{ kind: string }[]>`select kind from "check" where site_id = ${siteId} and id = ${checkId}`;
  if (!check) throw new CheckNotFoundError(siteId, checkId);
  if (check.kind === 'cluster' || check.kind === 'resource') throw new NotPassiveError(check.kind);
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  await db`
    insert into passive_token (check_id, site_id, token_hash, created_by, created_at)
    values (${checkId}, ${siteId}, ${hashToken(token)}, ${request.by}, ${new Date(request.nowMs)})
    on conflict (check_id) do update set
      token_hash = excluded.token_hash, created_by = excluded.created_by, created_at = excluded.created_at`;
  return token;
}

/**
 * Revokes a check's token.
 * @returns whether it had one.
 */
export async function revokePassiveToken(db: Queryable, siteId: string, checkId: string): Promise<boolean> {
  const deleted = await db`delete from passive_token where site_id = ${siteId} and check_id = ${checkId}`;
  return deleted.count > 0;
}

/** The check a token posts to, or null for a token that is malformed, unknown or revoked. */
export async function passiveTarget(db: Queryable, token: string): Promise<PassiveTarget | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await db<{ site_id: string; check_id: string }[]>`
    select site_id, check_id from passive_token where token_hash = ${hashToken(token)}`;
  return row ? { siteId: row.site_id, checkId: row.check_id } : null;
}

/** The result message for a posted result, as a worker would have sent it, received at `nowMs`. */
export function passiveResultMessage(target: PassiveTarget, input: PassiveResultInput, nowMs: number): ResultMessage {
  return {
    v: 1,
    siteId: target.siteId,
    checkId: target.checkId,
    locationId: null,
    dueAtMs: nowMs,
    status: input.status,
    output: input.output,
    ...(input.longOutput ? { longOutput: input.longOutput } : {}),
    readings: input.readings,
    startedAtMs: nowMs,
    durationMs: 0,
    source: 'passive',
    producer: 'api',
  };
}
