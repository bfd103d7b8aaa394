/**
 * Check statuses, in Bergamot's order. The order is the severity: a higher rank is worse,
 * so "worst state" of a set of checks is simply the maximum rank. PostgreSQL stores the rank
 * (a smallint) rather than the name, which keeps `check_state` rows narrow.
 */
export const STATUSES = [
  'PENDING',
  'INFO',
  'OK',
  'WARNING',
  'CRITICAL',
  'UNKNOWN',
  'TIMEOUT',
  'ERROR',
  'DISCONNECTED',
  'ACTION',
] as const;

export type Status = (typeof STATUSES)[number];

const RANK: Record<Status, number> = Object.fromEntries(STATUSES.map((s, i) => [s, i])) as Record<Status, number>;

/** Severity rank of a status: PENDING is 0, ACTION is 9. */
export function statusRank(status: Status): number {
  return RANK[status];
}

/** The status for a rank read back from the database. */
export function statusOfRank(rank: number): Status {
  const status = STATUSES[rank];
  if (status === undefined) throw new RangeError(`no status has rank ${rank}`);
  return status;
}

export function isStatus(value: string): value is Status {
  return Object.hasOwn(RANK, value);
}

/** Parses a status name case-insensitively (`ok`, `Critical`), as configuration writes them. */
export function parseStatus(value: string): Status | undefined {
  const upper = value.trim().toUpperCase();
  return isStatus(upper) ? upper : undefined;
}

/**
 * OK and INFO are the healthy statuses. PENDING is not a problem either: nothing is known yet.
 * Everything else is a problem that someone may need to handle.
 */
export function isOk(status: Status): boolean {
  return status === 'OK' || status === 'INFO';
}

export function isProblem(status: Status): boolean {
  return !isOk(status) && status !== 'PENDING';
}

/** The worse of two statuses. */
export function worst(a: Status, b: Status): Status {
  return RANK[a] >= RANK[b] ? a : b;
}
