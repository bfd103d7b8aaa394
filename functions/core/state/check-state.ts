/**
 * The check state machine: soft and hard states as in Nagios and Bergamot, plus flap detection.
 * Pure functions over plain data, so the same code runs in a Lambda, locally and in tests, and
 * the store only has to persist a `CheckState` row.
 *
 * Phases and what one result does to them (`failedAfter` and `recoversAfter` are the policy):
 *
 * | phase         | healthy result (OK, INFO)                   | problem result                                 |
 * |---------------|---------------------------------------------|------------------------------------------------|
 * | pending       | hard healthy, attempt 0                     | soft problem, attempt 1 (hard if failedAfter 1) |
 * | hard healthy  | stays hard healthy, attempt 0               | soft problem, attempt 1 (hard if failedAfter 1) |
 * | soft problem  | hard healthy at once (it never was hard)    | attempt + 1; hard when it reaches failedAfter  |
 * | hard problem  | soft recovery, attempt 1 (hard if recoversAfter 1) | stays hard; a new problem status is a hard change |
 * | soft recovery | attempt + 1; hard when it reaches recoversAfter | hard problem again at once (it never stopped being one) |
 *
 * - The status shown is always the newest result's; `hardStatus` is the last status that was
 *   hard. So WARNING then CRITICAL is one soft streak showing CRITICAL.
 * - `attempt` counts the results of the current soft streak. It is 0 in hard healthy (and
 *   pending) states and held at `failedAfter` in a hard problem, as Nagios shows "3/3": it never
 *   grows without bound, so it fits the smallint column.
 * - A result that is not newer than the last applied one changes nothing: that is how duplicate
 *   and out-of-order deliveries (SQS is at-least-once, unordered) are ignored.
 * - A PENDING result says nothing about the target, so it is ignored the same way.
 * - A transition is returned when the status or the hard flag changes; `isHardChange` tells
 *   whether the confirmed state changed. Flapping starting or stopping alone is no transition:
 *   compare `flapping` before and after.
 * - Flap detection records every applied result, soft ones included (Nagios skips soft problem
 *   states): here results are the samples, and retries are results like any other.
 */
import { isProblem, type Status } from '../status.ts';

/** Where a check is in its life; derived from `status`, `hard` and nothing else. */
export type Phase = 'pending' | 'hardHealthy' | 'softProblem' | 'hardProblem' | 'softRecovery';

/** What the store keeps per check (one `check_state` row). Times are milliseconds since the epoch. */
export interface CheckState {
  /** Status of the newest result (PENDING before the first). */
  readonly status: Status;
  /** Whether `status` is confirmed (hard) or still being retried (soft). */
  readonly hard: boolean;
  /** Results in the current soft streak; see the module comment. */
  readonly attempt: number;
  /** The last hard status: what notifications and dashboards of confirmed state go by. */
  readonly hardStatus: Status;
  /**
   * Bit i is set when result i (0 = newest) differed in status from the result before it. The
   * 20 bits hold the changes between the last 21 results, the window flap detection reads.
   */
  readonly changeBits: number;
  readonly flapping: boolean;
  readonly lastResultAtMs: number | null;
  /** When `status` last became what it is now. */
  readonly lastChangeAtMs: number | null;
  /** When `hardStatus` last changed. */
  readonly lastHardChangeAtMs: number | null;
  /** Output of the newest result. */
  readonly output: string | null;
}

/** One result of running a check (or of combining locations, see `quorum.ts`). */
export interface CheckResult {
  readonly status: Status;
  readonly output: string;
  /** When the check ran, in milliseconds since the epoch: orders results and drops duplicates. */
  readonly atMs: number;
}

/** Flapping thresholds, in percent state change over the flap window. */
export interface FlapThresholds {
  /** A flapping check stops flapping at or below this. @defaultValue 20 */
  readonly lowPercent: number;
  /** A check starts flapping at or above this. @defaultValue 30 */
  readonly highPercent: number;
}

export interface CheckPolicy {
  /** Consecutive problem results before a problem is hard. @minimum 1 @defaultValue 1 */
  readonly failedAfter: number;
  /** Consecutive healthy results before a recovery is hard. @minimum 1 @defaultValue 1 */
  readonly recoversAfter: number;
  /** @defaultValue {@link DEFAULT_FLAP_THRESHOLDS} */
  readonly flap?: FlapThresholds;
}

/** A status together with whether it was hard: one end of a transition. */
export interface StatusPoint {
  readonly status: Status;
  readonly hard: boolean;
}

/** Emitted when a result changes the status or the hard flag (one `check_transition` row). */
export interface Transition {
  readonly from: StatusPoint;
  readonly to: StatusPoint;
  /** The hard status before this result, which tells whether the confirmed state changed. */
  readonly fromHardStatus: Status;
  /** `attempt` of the new state. */
  readonly attempt: number;
  readonly atMs: number;
  readonly output: string;
  /** Whether the check is flapping after this result (alerting may hold notifications). */
  readonly flapping: boolean;
}

export interface Applied {
  readonly state: CheckState;
  readonly transition: Transition | null;
}

/** Results in the flap detection window, as Nagios' MAX_STATE_HISTORY_ENTRIES. */
export const FLAP_WINDOW_RESULTS = 21;

/**
 * Nagios' compiled-in service defaults (DEFAULT_LOW/HIGH_SERVICE_FLAP_THRESHOLD in nagios.h).
 * Its sample nagios.cfg suggests 5/20, which flags a check after four changes; 20/30 needs six
 * recent changes, so one bad evening of a flaky target is not yet "flapping".
 */
export const DEFAULT_FLAP_THRESHOLDS: FlapThresholds = Object.freeze({ lowPercent: 20, highPercent: 30 });

/** The database defaults (`failed_after` and `recovers_after` default to 1). */
export const DEFAULT_CHECK_POLICY: CheckPolicy = Object.freeze({
  failedAfter: 1,
  recoversAfter: 1,
  flap: DEFAULT_FLAP_THRESHOLDS,
});

// Nagios weighs the oldest change 0.75 and the newest 1.25 (low_curve_value, high_curve_value in
// flapping.c), so recent changes count more and a check settles out of flapping gradually.
const OLDEST_CHANGE_WEIGHT = 0.75;
const NEWEST_CHANGE_WEIGHT = 1.25;
const MAX_COMPARISONS = FLAP_WINDOW_RESULTS - 1;
const CHANGE_BITS_MASK = (1 << MAX_COMPARISONS) - 1;

/** The state of a check that has never run. */
export function initialCheckState(): CheckState {
  return {
    status: 'PENDING',
    hard: true,
    attempt: 0,
    hardStatus: 'PENDING',
    changeBits: 0,
    flapping: false,
    lastResultAtMs: null,
    lastChangeAtMs: null,
    lastHardChangeAtMs: null,
    output: null,
  };
}

/** The phase of a state; see the table in the module comment. */
export function phaseOf(state: Pick<CheckState, 'status' | 'hard'>): Phase {
  if (state.status === 'PENDING') return 'pending';
  if (isProblem(state.status)) return state.hard ? 'hardProblem' : 'softProblem';
  return state.hard ? 'hardHealthy' : 'softRecovery';
}

/**
 * Applies one result to a check's state.
 *
 * @returns the new state and the transition it made, or the very same state object and `null`
 *   when the result is a duplicate, older than the last applied one, or PENDING.
 * @throws RangeError when the policy is invalid (a fault of Vigil's configuration, not the target).
 * @example
 * const policy = { failedAfter: 2, recoversAfter: 1 };
 * const { state } = applyResult(initialCheckState(), { status: 'CRITICAL', output: 'refused', atMs: 1 }, policy);
 * // state: CRITICAL, soft, attempt 1; a second CRITICAL makes it hard.
 */
export function applyResult(state: CheckState, result: CheckResult, policy: CheckPolicy): Applied {
  assertValidPolicy(policy);
  const isStale = state.lastResultAtMs !== null && result.atMs <= state.lastResultAtMs;
  if (isStale || result.status === 'PENDING') return { state, transition: null };

  const position = advance(state, result.status, policy);
  const hardStatus = position.hard ? position.status : state.hardStatus;
  const statusChanged = position.status !== state.status;
  const hardStatusChanged = hardStatus !== state.hardStatus;
  // The first result has nothing before it to differ from, so it is not a change.
  const changedSincePrevious = state.lastResultAtMs !== null && statusChanged;
  const changeBits = ((state.changeBits << 1) | (changedSincePrevious ? 1 : 0)) & CHANGE_BITS_MASK;
  const flapping = nextFlapping(state.flapping, percentStateChange(changeBits), policy.flap ?? DEFAULT_FLAP_THRESHOLDS);

  const next: CheckState = {
    ...position,
    hardStatus,
    changeBits,
    flapping,
    lastResultAtMs: result.atMs,
    lastChangeAtMs: statusChanged ? result.atMs : state.lastChangeAtMs,
    lastHardChangeAtMs: hardStatusChanged ? result.atMs : state.lastHardChangeAtMs,
    output: result.output,
  };
  if (!statusChanged && next.hard === state.hard) return { state: next, transition: null };
  return {
    state: next,
    transition: {
      from: { status: state.status, hard: state.hard },
      to: { status: next.status, hard: next.hard },
      fromHardStatus: state.hardStatus,
      attempt: next.attempt,
      atMs: result.atMs,
      output: result.output,
      flapping,
    },
  };
}

/**
 * Whether a transition changed the confirmed (hard) state: what notifications are about.
 * A soft problem that clears before `failedAfter`, or a soft recovery that fails again with the
 * same status, moved the hard flag but not the hard status, so it is not a hard change.
 */
export function isHardChange(transition: Transition): boolean {
  return transition.to.hard && transition.to.status !== transition.fromHardStatus;
}

/**
 * Percent state change over the flap window, weighted towards recent changes as Nagios'
 * check_for_service_flapping does: over the n = samples - 1 comparisons between consecutive
 * results, a change weighs from 0.75 (oldest) to 1.25 (newest) linearly, and the weighted sum
 * is divided by n. With the full window (21 results, 20 comparisons) a change on every result
 * gives 100, a single newest change 6.25, a single oldest 3.75.
 *
 * `applyResult` always uses the full window, where results before the first count as "no
 * change", as in Nagios (which fills the history with the current state). A smaller `samples`
 * spreads the same weights over a shorter window.
 *
 * @param changeBits bit i set when result i (0 = newest) differed from result i + 1
 * @param samples results in the window, 0 to 21
 */
export function percentStateChange(changeBits: number, samples: number = FLAP_WINDOW_RESULTS): number {
  if (!Number.isInteger(samples) || samples < 0 || samples > FLAP_WINDOW_RESULTS) {
    throw new RangeError(`samples must be an integer from 0 to ${FLAP_WINDOW_RESULTS}, got ${samples}`);
  }
  const comparisons = samples - 1;
  if (comparisons < 1) return 0;
  let weightedChanges = 0;
  for (let bit = 0; bit < comparisons; bit++) {
    if ((changeBits >>> bit) & 1) weightedChanges += changeWeight(bit, comparisons);
  }
  // Rounded to 1e-9 so that sums of weights land exactly on thresholds such as 30, instead of
  // missing them by floating-point noise.
  return Math.round((weightedChanges * 100 * 1e9) / comparisons) / 1e9;
}

function changeWeight(bit: number, comparisons: number): number {
  if (comparisons === 1) return (OLDEST_CHANGE_WEIGHT + NEWEST_CHANGE_WEIGHT) / 2;
  const stepsFromOldest = comparisons - 1 - bit;
  return OLDEST_CHANGE_WEIGHT + (stepsFromOldest * (NEWEST_CHANGE_WEIGHT - OLDEST_CHANGE_WEIGHT)) / (comparisons - 1);
}

/**
 * Hysteresis as in Nagios: start at or above the high threshold, stop at or below the low one,
 * and in between keep the current verdict, so a check near one threshold does not toggle.
 */
function nextFlapping(wasFlapping: boolean, percent: number, thresholds: FlapThresholds): boolean {
  if (percent >= thresholds.highPercent) return true;
  if (percent <= thresholds.lowPercent) return false;
  return wasFlapping;
}

type Position = Pick<CheckState, 'status' | 'hard' | 'attempt'>;

function advance(state: CheckState, status: Status, policy: CheckPolicy): Position {
  const phase = phaseOf(state);
  if (isProblem(status)) {
    if (phase === 'hardProblem' || phase === 'softRecovery') {
      return { status, hard: true, attempt: policy.failedAfter };
    }
    const attempt = phase === 'softProblem' ? state.attempt + 1 : 1;
    const hard = attempt >= policy.failedAfter;
    return { status, hard, attempt: hard ? policy.failedAfter : attempt };
  }
  if (phase === 'hardProblem' || phase === 'softRecovery') {
    const attempt = phase === 'softRecovery' ? state.attempt + 1 : 1;
    const hard = attempt >= policy.recoversAfter;
    return { status, hard, attempt: hard ? 0 : attempt };
  }
  return { status, hard: true, attempt: 0 };
}

function assertValidPolicy(policy: CheckPolicy): void {
  const problems: string[] = [];
  if (!isCount(policy.failedAfter)) problems.push(`failedAfter must be an integer >= 1, got ${policy.failedAfter}`);
  if (!isCount(policy.recoversAfter)) problems.push(`recoversAfter must be an integer >= 1, got ${policy.recoversAfter}`);
  const flap = policy.flap;
  if (flap && !(flap.lowPercent >= 0 && flap.lowPercent <= flap.highPercent && flap.highPercent <= 100)) {
    problems.push(`flap thresholds need 0 <= lowPercent <= highPercent <= 100, got ${flap.lowPercent}/${flap.highPercent}`);
  }
  if (problems.length > 0) throw new RangeError(`invalid check policy: ${problems.join('; ')}`);
}

function isCount(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}
