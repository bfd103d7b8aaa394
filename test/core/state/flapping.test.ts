import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '#core/status.ts';
import {
  applyResult,
  initialCheckState,
  percentStateChange,
  DEFAULT_CHECK_POLICY,
  FLAP_WINDOW_RESULTS,
  type CheckPolicy,
  type CheckState,
} from '#core/state/index.ts';

const TOLERANCE = 1e-9;

function assertClose(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < TOLERANCE, `${message ?? ''} expected ${expected}, got ${actual}`);
}

/**
 * Nagios' loop (check_for_service_flapping) over a 21-entry state history, oldest first:
 * the x-th comparison (1..20) weighs 0.75 + (x - 1) * 0.5 / 19, and the sum is over 20.
 */
function nagiosPercent(history: Status[]): number {
  let curvedChanges = 0;
  for (let x = 1; x < history.length; x++) {
    if (history[x] !== history[x - 1]) curvedChanges += ((x - 1) * (1.25 - 0.75)) / (history.length - 2) + 0.75;
  }
  return (curvedChanges * 100) / (history.length - 1);
}

function applyAll(statuses: Status[], policy: CheckPolicy = DEFAULT_CHECK_POLICY): CheckState[] {
  let state = initialCheckState();
  return statuses.map((status, index) => {
    ({ state } = applyResult(state, { status, output: status, atMs: (index + 1) * 1000 }, policy));
    return state;
  });
}

function alternate(count: number, a: Status = 'OK', b: Status = 'CRITICAL'): Status[] {
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? a : b));
}

function repeat(count: number, status: Status): Status[] {
  return Array.from({ length: count }, () => status);
}

const percentCases: { name: string; changeBits: number; samples?: number; expect: number }[] = [
  { name: 'no change', changeBits: 0, expect: 0 },
  { name: 'a change on every result', changeBits: 0xfffff, expect: 100 },
  { name: 'only the newest change weighs 1.25', changeBits: 0b1, expect: 6.25 },
  { name: 'only the oldest change in the window weighs 0.75', changeBits: 1 << 19, expect: 3.75 },
  { name: 'a bit beyond the 21-result window is ignored', changeBits: 1 << 20, expect: 0 },
  { name: 'the five newest changes stay just below 30', changeBits: 0b11111, expect: (5 * 455) / 76 },
  { name: 'the six newest changes', changeBits: 0b111111, expect: (5 * 540) / 76 },
  { name: 'every other comparison', changeBits: 0x55555, expect: (5 * 770) / 76 },
  { name: 'a shorter window spreads the weights over it (newest)', changeBits: 0b1, samples: 11, expect: 12.5 },
  { name: 'a shorter window spreads the weights over it (oldest)', changeBits: 1 << 9, samples: 11, expect: 7.5 },
  { name: 'a shorter window ignores older bits', changeBits: 1 << 10, samples: 11, expect: 0 },
  { name: 'two samples make one comparison', changeBits: 0b1, samples: 2, expect: 100 },
  { name: 'one sample has nothing to compare', changeBits: 0b1, samples: 1, expect: 0 },
  { name: 'no samples', changeBits: 0xfffff, samples: 0, expect: 0 },
];

for (const { name, changeBits, samples, expect } of percentCases) {
  test(`percentStateChange: ${name}`, () => {
    assertClose(percentStateChange(changeBits, samples), expect);
  });
}

for (const samples of [-1, 1.5, FLAP_WINDOW_RESULTS + 1]) {
  test(`percentStateChange: samples ${samples} is out of range`, () => {
    assert.throws(() => percentStateChange(0, samples), RangeError);
  });
}

test('percentStateChange matches the Nagios loop over random 21-result histories', () => {
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const choices: Status[] = ['OK', 'OK', 'WARNING', 'CRITICAL', 'INFO'];
  for (let run = 0; run < 200; run++) {
    const length = FLAP_WINDOW_RESULTS + Math.floor(random() * 15);
    const statuses = Array.from({ length }, () => choices[Math.floor(random() * choices.length)]!);
    const states = applyAll(statuses, { failedAfter: 1 + (run % 3), recoversAfter: 1 + (run % 2) });
    const last = states.at(-1)!;
    assertClose(percentStateChange(last.changeBits), nagiosPercent(statuses.slice(-FLAP_WINDOW_RESULTS)), `run ${run}`);
  }
});

interface FlapScenario {
  name: string;
  given: { policy?: Partial<CheckPolicy> };
  results: Status[];
  /** [result number (1-based), flapping after it] for each change of the flapping flag. */
  expect: { toggles: [number, boolean][] };
}

const flapScenarios: FlapScenario[] = [
  {
    name: 'defaults 20/30: five changes (29.9%) are not enough, the sixth starts flapping',
    given: {},
    results: alternate(7),
    expect: { toggles: [[7, true]] },
  },
  {
    name: 'defaults 20/30: stops only once the changes age to 20% or less (hysteresis)',
    given: {},
    // Six changes weigh at least 6 x 0.75 = 22.5% while in the window, so flapping holds until
    // two of them leave it: 16 stable results later.
    results: [...alternate(7), ...repeat(20, 'OK')],
    expect: { toggles: [[7, true], [23, false]] },
  },
  {
    name: 'Nagios sample thresholds 5/20: the fourth change starts it, one old change left stops it',
    given: { policy: { flap: { lowPercent: 5, highPercent: 20 } } },
    results: [...alternate(5), ...repeat(20, 'OK')],
    expect: { toggles: [[5, true], [24, false]] },
  },
  {
    name: 'between the thresholds nothing starts: four changes reach 24.2%',
    given: {},
    results: [...alternate(5), ...repeat(20, 'OK')],
    expect: { toggles: [] },
  },
  {
    name: 'changes between problem statuses count (WARNING <-> CRITICAL)',
    given: {},
    results: alternate(7, 'WARNING', 'CRITICAL'),
    expect: { toggles: [[7, true]] },
  },
  {
    name: 'every result counts, soft ones included (failedAfter 3 never goes hard here)',
    given: { policy: { failedAfter: 3 } },
    results: alternate(7),
    expect: { toggles: [[7, true]] },
  },
  {
    name: 'a steady check never flaps',
    given: {},
    results: repeat(30, 'CRITICAL'),
    expect: { toggles: [] },
  },
];

for (const scenario of flapScenarios) {
  test(`flapping: ${scenario.name}`, () => {
    const states = applyAll(scenario.results, { ...DEFAULT_CHECK_POLICY, ...scenario.given.policy });
    const toggles: [number, boolean][] = [];
    states.forEach((state, index) => {
      const before = index === 0 ? false : states[index - 1]!.flapping;
      if (state.flapping !== before) toggles.push([index + 1, state.flapping]);
    });
    assert.deepEqual(toggles, scenario.expect.toggles);
  });
}

test('flapping: the same percent between thresholds keeps either verdict (hysteresis)', () => {
  const states = applyAll([...alternate(7), ...repeat(20, 'OK')]);
  const between = states.filter((s) => {
    const percent = percentStateChange(s.changeBits);
    return percent > 20 && percent < 30;
  });
  assert.ok(between.some((s) => s.flapping), 'some state between thresholds is flapping');
  assert.ok(between.some((s) => !s.flapping), 'some state between thresholds is not flapping');
});

test('flap window: a change counts for 20 more results, then leaves the 21-result window', () => {
  const states = applyAll(['OK', 'CRITICAL', ...repeat(20, 'CRITICAL')]);
  // Result 2 is the change; after result 21 it is the oldest comparison of the last 21 results.
  assertClose(percentStateChange(states[1]!.changeBits), 6.25);
  assertClose(percentStateChange(states[20]!.changeBits), 3.75);
  assert.equal(states[20]!.changeBits, 1 << 19);
  assert.equal(states[21]!.changeBits, 0);
});

test('flap window: the first result is not a change, and the bits never exceed 20', () => {
  const states = applyAll(alternate(50));
  assert.equal(states[0]!.changeBits, 0);
  assert.equal(states.at(-1)!.changeBits, 0xfffff);
  assertClose(percentStateChange(states.at(-1)!.changeBits), 100);
});

test('flapping is reported on transitions but does not alter the status or hard state', () => {
  let state = initialCheckState();
  const flags: boolean[] = [];
  for (const [index, status] of alternate(9).entries()) {
    const applied = applyResult(state, { status, output: '', atMs: index + 1 }, DEFAULT_CHECK_POLICY);
    state = applied.state;
    assert.equal(state.status, status);
    assert.equal(state.hard, true);
    flags.push(applied.transition!.flapping);
  }
  assert.deepEqual(flags, [false, false, false, false, false, false, true, true, true]);
});
