/**
 * Password hashes: scrypt (node:crypto) with a random salt per password, stored as
 * `scrypt$N$r$p$salt$hash` (salt and hash in base64url). The cost parameters travel with the
 * hash, so raising them later leaves older hashes verifiable, and `needsRehash` tells the log-in
 * to upgrade a hash while it has the password in hand.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptCost {
  /** CPU and memory cost, a power of two: memory is 128 x N x r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's password storage cheat sheet lists N = 2^16, r = 8, p = 2 among scrypt's minimum
 * settings: the same work as its first choice (N = 2^17, p = 1) in half the memory (64 MiB),
 * which suits a Lambda. About 0.3 s per hash on the 2-core development machine.
 */
export const SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 16, r: 8, p: 2 });

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Costs above this are refused when read back: a corrupt row must not exhaust memory. */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: MAX_MEMORY_BYTES };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, HASH_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A new hash of `password` with a fresh salt. */
export async function hashPassword(password: string, cost: ScryptCost = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

interface StoredHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || !salt || !hash) return undefined;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every((value) => Number.isSafeInteger(value) && value > 0)) return undefined;
  if (128 * cost.N * cost.r > MAX_MEMORY_BYTES) return undefined;
  return { cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

/** Whether `password` matches the stored hash; the comparison takes the same time wherever they differ. */
async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.cost);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

function needsRehash(stored: string, cost: ScryptCost): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

export interface PasswordHasher {
  readonly cost: ScryptCost;
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** Whether a stored hash is cheaper than this hasher's cost, so it should be made again. */
  needsRehash(stored: string): boolean;
  /**
   * A hash of no one's password, verified against when an e-mail address has no account, so that
   * a log-in for an unknown address takes as long as one with a wrong password and does not tell
   * which addresses have accounts. Made once, on first use.
   */
  decoy(): Promise<string>;
}

/** Hashes at `cost` (tests use a cheaper one than {@link SCRYPT_COST}: it only buys time). */
export function passwordHasher(cost: ScryptCost = SCRYPT_COST): PasswordHasher {
  let decoy: Promise<string> | undefined;
  return {
    cost,
    hash: (password) => hashPassword(password, cost),
    verify: verifyPassword,
    needsRehash: (stored) => needsRehash(stored, cost),
    decoy: () => (decoy ??= hashPassword(randomBytes(16).toString('hex'), cost)),
  };
}
