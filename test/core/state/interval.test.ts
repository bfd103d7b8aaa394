import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '#core/status.ts';
import {
  applyResult,
  initialCheckState,
  nextIntervalS,
  type CheckPolicy,
  type Schedule,
} from '#core/state/index.ts';

// Distinct values, so each expectation names exactly one of them.
const schedule: Schedule = { everyS: 300, changingEveryS: 30, retryEveryS: 60 };
const policy: CheckPolicy = { failedAfter: 2, recoversAfter: 2 };

interface Scenario {
  name: string;
  given: { results: Status[] };
  expect: { intervalS: number };
}

const scenarios: Scenario[] = [
  { name: 'pending (never run): every', given: { results: [] }, expect: { intervalS: schedule.everyS } },
  { name: 'hard OK: every', given: { results: ['OK'] }, expect: { intervalS: schedule.everyS } },
  { name: 'hard INFO: every', given: { results: ['INFO'] }, expect: { intervalS: schedule.everyS } },
  { name: 'soft problem after OK: changing-every', given: { results: ['OK', 'CRITICAL'] }, expect: { intervalS: schedule.changingEveryS } },
  { name: 'soft problem from pending: changing-every', given: { results: ['WARNING'] }, expect: { intervalS: schedule.changingEveryS } },
  { name: 'hard problem: retry-every', given: { results: ['OK', 'CRITICAL', 'CRITICAL'] }, expect: { intervalS: schedule.retryEveryS } },
  { name: 'hard problem, status changed: retry-every', given: { results: ['OK', 'CRITICAL', 'CRITICAL', 'WARNING'] }, expect: { intervalS: schedule.retryEveryS } },
  { name: 'soft recovery: changing-every', given: { results: ['OK', 'CRITICAL', 'CRITICAL', 'OK'] }, expect: { intervalS: schedule.changingEveryS } },
  { name: 'recovered hard OK: every again', given: { results: ['OK', 'CRITICAL', 'CRITICAL', 'OK', 'OK'] }, expect: { intervalS: schedule.everyS } },
  { name: 'soft problem cleared: every again', given: { results: ['OK', 'CRITICAL', 'OK'] }, expect: { intervalS: schedule.everyS } },
];

for (const { name, given, expect } of scenarios) {
  test(`nextIntervalS: ${name}`, () => {
    let state = initialCheckState();
    given.results.forEach((status, index) => {
      ({ state } = applyResult(state, { status, output: '', atMs: (index + 1) * 1000 }, policy));
    });
    assert.equal(nextIntervalS(state, schedule), expect.intervalS);
  });
}

test('nextIntervalS: flapping does not change the interval', () => {
  const flappingHardProblem = { ...initialCheckState(), status: 'CRITICAL' as const, hard: true, flapping: true };
  assert.equal(nextIntervalS(flappingHardProblem, schedule), schedule.retryEveryS);
});
