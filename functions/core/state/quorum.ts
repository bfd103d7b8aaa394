/**
 * Combines the latest result from each location into one status, so that one location with a
 * bad network path does not page anyone: a problem counts only when `quorum` locations see it.
 */
import { isOk, isProblem, statusRank, worst, type Status } from '../status.ts';

/** The latest result of a check at one location. */
export interface LocationResult {
  readonly location: string;
  readonly status: Status;
  readonly atMs: number;
}

export interface CombinedStatus {
  readonly status: Status;
  /** One line for the combined result's output, naming the failing and pending locations. */
  readonly output: string;
  /** Locations reporting a problem, most severe first, whether or not the quorum is met. */
  readonly failing: string[];
}

/**
 * Combines per-location results by quorum.
 *
 * - Locations still PENDING count neither as healthy nor as failing. If no location has
 *   reported anything else (or there are none), the result is PENDING.
 * - With at least `quorum` failing locations the status is the least severe among the `quorum`
 *   most severe ones: the worst status that `quorum` locations agree is at least that bad.
 *   Quorum 2 with CRITICAL, CRITICAL, WARNING gives CRITICAL; with CRITICAL, WARNING, OK it
 *   gives WARNING.
 * - Below the quorum the status is healthy: the worst healthy status reported (OK over INFO),
 *   or OK when only failing locations have reported. The output still names who failed.
 * - A quorum above the number of locations is clamped to it, so "every location" can be
 *   written as a large quorum. PENDING locations count towards that number: a location that
 *   has not reported yet does not lower the bar.
 * - When a location appears more than once, its newest result is used.
 *
 * @throws RangeError when quorum is not an integer >= 1 (the schema forbids it).
 * @example
 * combineLocations([{ location: 'eu', status: 'CRITICAL', atMs: 1 }, { location: 'us', status: 'OK', atMs: 1 }], 2);
 * // { status: 'OK', failing: ['eu'], output: 'OK: 1 of 2 locations failing (quorum 2): eu CRITICAL' }
 */
export function combineLocations(results: readonly LocationResult[], quorum: number): CombinedStatus {
  if (!Number.isInteger(quorum) || quorum < 1) throw new RangeError(`quorum must be an integer >= 1, got ${quorum}`);
  const latest = latestPerLocation(results);
  const locationCount = latest.length;
  const effectiveQuorum = Math.min(quorum, locationCount);
  const pending = latest.filter((r) => r.status === 'PENDING').map((r) => r.location);
  const failing = latest.filter((r) => isProblem(r.status)).sort(mostSevereFirst);
  const healthy = latest.filter((r) => isOk(r.status));

  if (pending.length === locationCount) {
    return { status: 'PENDING', output: `PENDING: no location has reported yet (${locationCount} pending)`, failing: [] };
  }
  const quorumMet = failing.length >= effectiveQuorum;
  const status = quorumMet
    ? failing[effectiveQuorum - 1]!.status
    : healthy.reduce<Status>((acc, r) => worst(acc, r.status), healthy[0]?.status ?? 'OK');

  const quorumNote = quorum === effectiveQuorum ? `quorum ${quorum}` : `quorum ${effectiveQuorum}, configured ${quorum}`;
  let output = `${status}: ${failing.length} of ${locationCount} locations failing (${quorumNote})`;
  if (failing.length > 0) output += `: ${failing.map((r) => `${r.location} ${r.status}`).join(', ')}`;
  if (pending.length > 0) output += `; pending: ${pending.join(', ')}`;
  return { status, output, failing: failing.map((r) => r.location) };
}

function latestPerLocation(results: readonly LocationResult[]): LocationResult[] {
  const byLocation = new Map<string, LocationResult>();
  for (const result of results) {
    const seen = byLocation.get(result.location);
    if (!seen || result.atMs > seen.atMs) byLocation.set(result.location, result);
  }
  return [...byLocation.values()].sort((a, b) => compareText(a.location, b.location));
}

// Names break ties so the output and `failing` do not depend on delivery order.
function mostSevereFirst(a: LocationResult, b: LocationResult): number {
  return statusRank(b.status) - statusRank(a.status) || compareText(a.location, b.location);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
