/**
 * Warning and critical thresholds on how long something took (an HTTP response, a TCP connect,
 * a DNS answer), read from `warning_<kind>_time` and `critical_<kind>_time`. A bare number is in
 * milliseconds, as Bergamot's `warning_response_time="1000"` is; `2s` or `500ms` work too.
 */
import type { ParameterSpec, Reading } from './engine.ts';
import type { Finding } from './findings.ts';
import type { CheckParameters } from './parameters.ts';

export type TimedPhase = 'response' | 'connect';

export interface TimeThresholds {
  warningMs?: number;
  criticalMs?: number;
}

export function timeThresholdSpecs(phase: TimedPhase): ParameterSpec[] {
  return [
    { name: `warning_${phase}_time`, type: 'duration', description: `WARNING when the ${phase} takes longer (bare number: milliseconds)` },
    { name: `critical_${phase}_time`, type: 'duration', description: `CRITICAL when the ${phase} takes longer (bare number: milliseconds)` },
  ];
}

export function readTimeThresholds(parameters: CheckParameters, phase: TimedPhase): TimeThresholds {
  const read = (name: string) => (parameters.has(name) ? parameters.durationMs(name, undefined, 'ms') : undefined);
  const thresholds: TimeThresholds = {};
  const warningMs = read(`warning_${phase}_time`);
  const criticalMs = read(`critical_${phase}_time`);
  if (warningMs !== undefined) thresholds.warningMs = warningMs;
  if (criticalMs !== undefined) thresholds.criticalMs = criticalMs;
  return thresholds;
}

/** A finding when `ms` is over a threshold (critical first), else undefined. */
export function timeFinding(ms: number, thresholds: TimeThresholds, phase: TimedPhase): Finding | undefined {
  if (thresholds.criticalMs !== undefined && ms > thresholds.criticalMs) {
    return { status: 'CRITICAL', text: `${phase} time ${formatSeconds(ms)} is over ${formatSeconds(thresholds.criticalMs)}` };
  }
  if (thresholds.warningMs !== undefined && ms > thresholds.warningMs) {
    return { status: 'WARNING', text: `${phase} time ${formatSeconds(ms)} is over ${formatSeconds(thresholds.warningMs)}` };
  }
  return undefined;
}

/** The `time` reading, in seconds as Nagios plugins report it, with the thresholds. */
export function timeReading(ms: number, thresholds: TimeThresholds): Reading {
  const reading: Reading = { name: 'time', value: roundSeconds(ms), unit: 's', min: 0 };
  if (thresholds.warningMs !== undefined) reading.warning = roundSeconds(thresholds.warningMs);
  if (thresholds.criticalMs !== undefined) reading.critical = roundSeconds(thresholds.criticalMs);
  return reading;
}

/** `0.012 s`: milliseconds as seconds to the millisecond, the way outputs print times. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

function roundSeconds(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}
