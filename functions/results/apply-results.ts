/**
 * The pure heart of the result processor: given the stored state of some checks and a batch of
 * results for them, what changes. No I/O, so every rule here is tested without a database.
 *
 * - Results for one check are applied in the order they finished; a result is identified by its
 *   finish time (`startedAtMs + durationMs`), so the same result delivered twice, or an older one
 *   arriving after a newer one, changes nothing (`applyResult` ignores results that are not newer).
 * - A check that runs from several locations keeps each location's latest result; the check's
 *   status is those combined by its quorum (functions/core/state/quorum.ts), applied as one result.
 * - Readings are kept only for results that were applied, so a duplicate adds no reading twice.
 */
import type { ResultMessage } from '#core/messages.ts';
import type { Reading } from '#core/reading.ts';
import { applyResult, combineLocations, isHardChange, type CheckState, type Transition } from '#core/state/index.ts';
import type { Status } from '#core/status.ts';

/** What the store holds about a check that results are applied to. */
export interface StoredCheck {
  checkId: string;
  siteId: string;
  state: CheckState;
  failedAfter: number;
  recoversAfter: number;
  quorum: number;
  /** The check's configured locations; more than one means results combine by quorum. */
  locationIds: string[];
  /** Latest result per location (multi-location checks only). */
  locationStates: LocationState[];
}

export interface LocationState {
  locationId: string;
  status: Status;
  lastResultAtMs: number | null;
  output: string | null;
}

export interface AppliedCheck {
  checkId: string;
  siteId: string;
  /** The state after the batch. */
  state: CheckState;
  transitions: Transition[];
  /** Whether any transition changed the hard state (what notifications are about). */
  hardChanges: Transition[];
  locationStates: LocationState[];
  readings: { atMs: number; reading: Reading }[];
}

export interface BatchOutcome {
  /** Checks whose state changed in any way (newer result applied), in no particular order. */
  applied: AppliedCheck[];
  /** Results that changed nothing: duplicates and results older than the stored state. */
  ignored: number;
}

/** When a result finished: its identity and its place in the order of results. */
export function resultTimeMs(result: Pick<ResultMessage, 'startedAtMs' | 'durationMs'>): number {
  return result.startedAtMs + result.durationMs;
}

export function applyResults(checks: ReadonlyMap<string, StoredCheck>, results: readonly ResultMessage[]): BatchOutcome {
  const byCheck = new Map<string, ResultMessage[]>();
  for (const result of results) {
    const list = byCheck.get(result.checkId) ?? [];
    list.push(result);
    byCheck.set(result.checkId, list);
  }
  const applied: AppliedCheck[] = [];
  let ignored = 0;
  for (const [checkId, checkResults] of byCheck) {
    const stored = checks.get(checkId);
    if (!stored) {
      ignored += checkResults.length;
      continue;
    }
    checkResults.sort((a, b) => resultTimeMs(a) - resultTimeMs(b));
    const outcome = applyToCheck(stored, checkResults);
    ignored += outcome.ignored;
    if (outcome.check) applied.push(outcome.check);
  }
  return { applied, ignored };
}

function applyToCheck(stored: StoredCheck, results: readonly ResultMessage[]): { check: AppliedCheck | null; ignored: number } {
  const multiLocation = stored.locationIds.length > 1;
  let state = stored.state;
  const locations = new Map(stored.locationStates.map((location) => [location.locationId, location]));
  const transitions: Transition[] = [];
  const readings: AppliedCheck['readings'] = [];
  let ignored = 0;
  let changed = false;

  for (const result of results) {
    const atMs = resultTimeMs(result);
    let status = result.status;
    let output = result.output;
    if (multiLocation && result.locationId !== null) {
      const previous = locations.get(result.locationId);
      if (previous?.lastResultAtMs != null && atMs <= previous.lastResultAtMs) {
        ignored++;
        continue;
      }
      locations.set(result.locationId, { locationId: result.locationId, status: result.status, lastResultAtMs: atMs, output: result.output });
      const combined = combineLocations(
        stored.locationIds.map((locationId) => {
          const latest = locations.get(locationId);
          return { location: locationId, status: latest?.status ?? 'PENDING', atMs: latest?.lastResultAtMs ?? 0 };
        }),
        stored.quorum,
      );
      status = combined.status;
      output = `${result.output} (${combined.output})`;
    }
    const next = applyResult(state, { status, output, atMs }, { failedAfter: stored.failedAfter, recoversAfter: stored.recoversAfter });
    if (next.state === state) {
      // Stale for the check as a whole; a location's newer result was still recorded above.
      if (!multiLocation) {
        ignored++;
        continue;
      }
    } else {
      state = next.state;
      changed = true;
    }
    if (next.transition) transitions.push(next.transition);
    for (const reading of result.readings) readings.push({ atMs, reading });
  }
  const locationsChanged = multiLocation && [...locations.values()].some((l) => !stored.locationStates.includes(l));
  if (!changed && !locationsChanged) return { check: null, ignored };
  return {
    check: {
      checkId: stored.checkId,
      siteId: stored.siteId,
      state,
      transitions,
      hardChanges: transitions.filter(isHardChange),
      locationStates: [...locations.values()].filter((l) => !stored.locationStates.includes(l)),
      readings,
    },
    ignored,
  };
}
