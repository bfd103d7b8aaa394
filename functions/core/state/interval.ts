/**
 * How long to wait before running a check again, from its state. The rule is Bergamot's
 * (`ActiveCheck.computeCurrentInterval`): a check that is changing state is run at the changing
 * interval so the change is confirmed or dismissed quickly; a hard problem is retried more often
 * than a healthy check is polled, so a recovery is noticed soon.
 */
import { phaseOf, type CheckState } from './check-state.ts';

/** A check's schedule (`<schedule every=... retry-every=... changing-every=...>`). */
export interface Schedule {
  /** Normal interval, while hard healthy. */
  readonly everyS: number;
  /** While the state is soft, towards a problem or towards recovery. */
  readonly changingEveryS: number;
  /** While in a hard problem. */
  readonly retryEveryS: number;
}

/**
 * Seconds until the next run of a check in this state.
 *
 * | phase                   | interval         |
 * |-------------------------|------------------|
 * | pending                 | `everyS`         |
 * | hard healthy (OK, INFO) | `everyS`         |
 * | soft problem            | `changingEveryS` |
 * | soft recovery           | `changingEveryS` |
 * | hard problem            | `retryEveryS`    |
 *
 * Flapping does not change the interval: a flapping check still needs its results.
 *
 * @example
 * nextIntervalS(state, { everyS: 300, changingEveryS: 30, retryEveryS: 60 }); // 30 while soft
 */
export function nextIntervalS(state: Pick<CheckState, 'status' | 'hard'>, schedule: Schedule): number {
  switch (phaseOf(state)) {
    case 'pending':
    case 'hardHealthy':
      return schedule.everyS;
    case 'softProblem':
    case 'softRecovery':
      return schedule.changingEveryS;
    case 'hardProblem':
      return schedule.retryEveryS;
  }
}
