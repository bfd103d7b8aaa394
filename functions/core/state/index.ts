/** The check state machine, scheduling intervals and location quorum: pure, no I/O. */
export {
  applyResult,
  initialCheckState,
  isHardChange,
  percentStateChange,
  phaseOf,
  DEFAULT_CHECK_POLICY,
  DEFAULT_FLAP_THRESHOLDS,
  FLAP_WINDOW_RESULTS,
  type Applied,
  type CheckPolicy,
  type CheckResult,
  type CheckState,
  type FlapThresholds,
  type Phase,
  type StatusPoint,
  type Transition,
} from './check-state.ts';
export { nextIntervalS, type Schedule } from './interval.ts';
export { combineLocations, type CombinedStatus, type LocationResult } from './quorum.ts';
