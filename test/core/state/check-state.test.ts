import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '#core/status.ts';
import {
  applyResult,
  initialCheckState,
  isHardChange,
  phaseOf,
  DEFAULT_CHECK_POLICY,
  type CheckPolicy,
  type CheckState,
  type Transition,
} from '#core/state/index.ts';

/** A result: a status applied at (index + 1) seconds, or a status with its own time. */
type Step = Status | readonly [Status, number];

interface Scenario {
  name: string;
  given: { policy?: Partial<CheckPolicy> };
  results: Step[];
  expect: {
    /** State after each result: "STATUS hard ATTEMPT" or "STATUS soft ATTEMPT (hard HARDSTATUS)". */
    states: string[];
    /** Every transition in order; "!" marks a hard change. */
    transitions: string[];
  };
}

function describeState(state: CheckState): string {
  return state.hard
    ? `${state.status} hard ${state.attempt}`
    : `${state.status} soft ${state.attempt} (hard ${state.hardStatus})`;
}

function describeTransition(t: Transition): string {
  const end = (p: { status: Status; hard: boolean }) => `${p.status} ${p.hard ? 'hard' : 'soft'}`;
  return `${end(t.from)} -> ${end(t.to)}${isHardChange(t) ? ' !' : ''}`;
}

function run(given: Scenario['given'], results: Step[]) {
  const policy: CheckPolicy = { ...DEFAULT_CHECK_POLICY, ...given.policy };
  let state = initialCheckState();
  const states: string[] = [];
  const transitions: string[] = [];
  results.forEach((step, index) => {
    const [status, atMs] = typeof step === 'string' ? [step, (index + 1) * 1000] : step;
    const applied = applyResult(state, { status, output: `${status} #${index + 1}`, atMs }, policy);
    state = applied.state;
    states.push(describeState(state));
    if (applied.transition) transitions.push(describeTransition(applied.transition));
  });
  return { state, states, transitions };
}

const scenarios: Scenario[] = [
  // PENDING start
  {
    name: 'PENDING start: a healthy first result is hard at once',
    given: {},
    results: ['OK'],
    expect: { states: ['OK hard 0'], transitions: ['PENDING hard -> OK hard !'] },
  },
  {
    name: 'PENDING start: an INFO first result is hard healthy too',
    given: { policy: { failedAfter: 3 } },
    results: ['INFO'],
    expect: { states: ['INFO hard 0'], transitions: ['PENDING hard -> INFO hard !'] },
  },
  {
    name: 'PENDING start: a failing first result is hard at once with failedAfter 1',
    given: { policy: { failedAfter: 1 } },
    results: ['CRITICAL'],
    expect: { states: ['CRITICAL hard 1'], transitions: ['PENDING hard -> CRITICAL hard !'] },
  },
  {
    name: 'PENDING start: a failing first result starts a soft problem with failedAfter 3',
    given: { policy: { failedAfter: 3 } },
    results: ['CRITICAL', 'CRITICAL', 'CRITICAL'],
    expect: {
      states: ['CRITICAL soft 1 (hard PENDING)', 'CRITICAL soft 2 (hard PENDING)', 'CRITICAL hard 3'],
      transitions: ['PENDING hard -> CRITICAL soft', 'CRITICAL soft -> CRITICAL hard !'],
    },
  },
  {
    name: 'PENDING start: a soft problem that clears leaves PENDING for hard OK',
    given: { policy: { failedAfter: 3 } },
    results: ['WARNING', 'OK'],
    expect: {
      states: ['WARNING soft 1 (hard PENDING)', 'OK hard 0'],
      transitions: ['PENDING hard -> WARNING soft', 'WARNING soft -> OK hard !'],
    },
  },

  // hard healthy
  {
    name: 'hard OK: further OKs change nothing, attempt stays 0',
    given: {},
    results: ['OK', 'OK', 'OK'],
    expect: { states: ['OK hard 0', 'OK hard 0', 'OK hard 0'], transitions: ['PENDING hard -> OK hard !'] },
  },
  {
    name: 'hard OK: OK to INFO is a hard change between healthy statuses',
    given: {},
    results: ['OK', 'INFO'],
    expect: { states: ['OK hard 0', 'INFO hard 0'], transitions: ['PENDING hard -> OK hard !', 'OK hard -> INFO hard !'] },
  },

  // failing
  {
    name: 'failedAfter 1: the first failure is a hard problem',
    given: { policy: { failedAfter: 1 } },
    results: ['OK', 'CRITICAL', 'CRITICAL'],
    expect: {
      states: ['OK hard 0', 'CRITICAL hard 1', 'CRITICAL hard 1'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL hard !'],
    },
  },
  {
    name: 'failedAfter 3: soft for two failures, hard on the third, attempt then held',
    given: { policy: { failedAfter: 3 } },
    results: ['OK', 'CRITICAL', 'CRITICAL', 'CRITICAL', 'CRITICAL'],
    expect: {
      states: ['OK hard 0', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 2 (hard OK)', 'CRITICAL hard 3', 'CRITICAL hard 3'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL soft', 'CRITICAL soft -> CRITICAL hard !'],
    },
  },
  {
    name: 'failedAfter 3: WARNING then CRITICAL inside the soft streak keeps counting, newest status shown',
    given: { policy: { failedAfter: 3 } },
    results: ['OK', 'WARNING', 'CRITICAL', 'WARNING'],
    expect: {
      states: ['OK hard 0', 'WARNING soft 1 (hard OK)', 'CRITICAL soft 2 (hard OK)', 'WARNING hard 3'],
      transitions: [
        'PENDING hard -> OK hard !',
        'OK hard -> WARNING soft',
        'WARNING soft -> CRITICAL soft',
        'CRITICAL soft -> WARNING hard !',
      ],
    },
  },
  {
    name: 'failedAfter 3: a soft problem that clears returns to hard OK at once, not a hard change',
    given: { policy: { failedAfter: 3 } },
    results: ['OK', 'CRITICAL', 'CRITICAL', 'OK', 'CRITICAL'],
    expect: {
      states: ['OK hard 0', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 2 (hard OK)', 'OK hard 0', 'CRITICAL soft 1 (hard OK)'],
      transitions: [
        'PENDING hard -> OK hard !',
        'OK hard -> CRITICAL soft',
        'CRITICAL soft -> OK hard',
        'OK hard -> CRITICAL soft',
      ],
    },
  },
  {
    name: 'hard problem: WARNING to CRITICAL is a new hard change at once',
    given: { policy: { failedAfter: 3 } },
    results: ['OK', 'WARNING', 'WARNING', 'WARNING', 'CRITICAL', 'CRITICAL'],
    expect: {
      states: [
        'OK hard 0',
        'WARNING soft 1 (hard OK)',
        'WARNING soft 2 (hard OK)',
        'WARNING hard 3',
        'CRITICAL hard 3',
        'CRITICAL hard 3',
      ],
      transitions: [
        'PENDING hard -> OK hard !',
        'OK hard -> WARNING soft',
        'WARNING soft -> WARNING hard !',
        'WARNING hard -> CRITICAL hard !',
      ],
    },
  },
  {
    name: 'hard problem: any problem status counts (TIMEOUT, ERROR, DISCONNECTED)',
    given: { policy: { failedAfter: 2 } },
    results: ['TIMEOUT', 'ERROR', 'DISCONNECTED'],
    expect: {
      states: ['TIMEOUT soft 1 (hard PENDING)', 'ERROR hard 2', 'DISCONNECTED hard 2'],
      transitions: ['PENDING hard -> TIMEOUT soft', 'TIMEOUT soft -> ERROR hard !', 'ERROR hard -> DISCONNECTED hard !'],
    },
  },

  // recovering
  {
    name: 'recoversAfter 1: the first OK is a hard recovery',
    given: { policy: { recoversAfter: 1 } },
    results: ['OK', 'CRITICAL', 'OK'],
    expect: {
      states: ['OK hard 0', 'CRITICAL hard 1', 'OK hard 0'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL hard !', 'CRITICAL hard -> OK hard !'],
    },
  },
  {
    name: 'recoversAfter 2: soft recovery first, hard OK on the second OK',
    given: { policy: { recoversAfter: 2 } },
    results: ['OK', 'CRITICAL', 'OK', 'OK', 'OK'],
    expect: {
      states: ['OK hard 0', 'CRITICAL hard 1', 'OK soft 1 (hard CRITICAL)', 'OK hard 0', 'OK hard 0'],
      transitions: [
        'PENDING hard -> OK hard !',
        'OK hard -> CRITICAL hard !',
        'CRITICAL hard -> OK soft',
        'OK soft -> OK hard !',
      ],
    },
  },
  {
    name: 'recoversAfter 2: OK and INFO count together towards recovery',
    given: { policy: { recoversAfter: 2 } },
    results: ['CRITICAL', 'INFO', 'OK'],
    expect: {
      states: ['CRITICAL hard 1', 'INFO soft 1 (hard CRITICAL)', 'OK hard 0'],
      transitions: ['PENDING hard -> CRITICAL hard !', 'CRITICAL hard -> INFO soft', 'INFO soft -> OK hard !'],
    },
  },
  {
    name: 'recovery interrupted by the same problem: hard problem again at once, not a hard change',
    given: { policy: { failedAfter: 3, recoversAfter: 2 } },
    results: ['OK', 'CRITICAL', 'CRITICAL', 'CRITICAL', 'OK', 'CRITICAL'],
    expect: {
      states: [
        'OK hard 0',
        'CRITICAL soft 1 (hard OK)',
        'CRITICAL soft 2 (hard OK)',
        'CRITICAL hard 3',
        'OK soft 1 (hard CRITICAL)',
        'CRITICAL hard 3',
      ],
      transitions: [
        'PENDING hard -> OK hard !',
        'OK hard -> CRITICAL soft',
        'CRITICAL soft -> CRITICAL hard !',
        'CRITICAL hard -> OK soft',
        'OK soft -> CRITICAL hard',
      ],
    },
  },
  {
    name: 'recovery interrupted by another problem status: a hard change to it',
    given: { policy: { recoversAfter: 2 } },
    results: ['CRITICAL', 'OK', 'WARNING'],
    expect: {
      states: ['CRITICAL hard 1', 'OK soft 1 (hard CRITICAL)', 'WARNING hard 1'],
      transitions: ['PENDING hard -> CRITICAL hard !', 'CRITICAL hard -> OK soft', 'OK soft -> WARNING hard !'],
    },
  },
  {
    name: 'recoversAfter 3: an interrupted recovery starts counting again',
    given: { policy: { recoversAfter: 3 } },
    results: ['CRITICAL', 'OK', 'OK', 'CRITICAL', 'OK', 'OK', 'OK'],
    expect: {
      states: [
        'CRITICAL hard 1',
        'OK soft 1 (hard CRITICAL)',
        'OK soft 2 (hard CRITICAL)',
        'CRITICAL hard 1',
        'OK soft 1 (hard CRITICAL)',
        'OK soft 2 (hard CRITICAL)',
        'OK hard 0',
      ],
      transitions: [
        'PENDING hard -> CRITICAL hard !',
        'CRITICAL hard -> OK soft',
        'OK soft -> CRITICAL hard',
        'CRITICAL hard -> OK soft',
        'OK soft -> OK hard !',
      ],
    },
  },

  // delivery
  {
    name: 'a duplicate result (same time) does not count as another attempt',
    given: { policy: { failedAfter: 3 } },
    results: [['OK', 1000], ['CRITICAL', 2000], ['CRITICAL', 2000], ['CRITICAL', 2000], ['CRITICAL', 3000]],
    expect: {
      states: ['OK hard 0', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 2 (hard OK)'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL soft'],
    },
  },
  {
    name: 'an out-of-order result older than the last applied one is ignored',
    given: {},
    results: [['OK', 1000], ['CRITICAL', 3000], ['OK', 2000], ['OK', 4000]],
    expect: {
      states: ['OK hard 0', 'CRITICAL hard 1', 'CRITICAL hard 1', 'OK hard 0'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL hard !', 'CRITICAL hard -> OK hard !'],
    },
  },
  {
    name: 'a PENDING result says nothing and is ignored',
    given: { policy: { failedAfter: 2 } },
    results: ['OK', 'CRITICAL', 'PENDING', 'CRITICAL'],
    expect: {
      states: ['OK hard 0', 'CRITICAL soft 1 (hard OK)', 'CRITICAL soft 1 (hard OK)', 'CRITICAL hard 2'],
      transitions: ['PENDING hard -> OK hard !', 'OK hard -> CRITICAL soft', 'CRITICAL soft -> CRITICAL hard !'],
    },
  },
];

for (const scenario of scenarios) {
  test(`transitions: ${scenario.name}`, () => {
    const { states, transitions } = run(scenario.given, scenario.results);
    assert.deepEqual(states, scenario.expect.states);
    assert.deepEqual(transitions, scenario.expect.transitions);
  });
}

test('the initial state is PENDING, hard, attempt 0, with no history', () => {
  assert.deepEqual(initialCheckState(), {
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
  });
});

const ignoredResults: { name: string; status: Status; atMs: number }[] = [
  { name: 'a duplicate (same time)', status: 'CRITICAL', atMs: 5000 },
  { name: 'an older result', status: 'CRITICAL', atMs: 4999 },
  { name: 'a PENDING result', status: 'PENDING', atMs: 6000 },
];

for (const ignored of ignoredResults) {
  test(`idempotency: ${ignored.name} returns the same state object and no transition`, () => {
    const { state } = applyResult(initialCheckState(), { status: 'OK', output: 'fine', atMs: 5000 }, DEFAULT_CHECK_POLICY);
    const applied = applyResult(state, { status: ignored.status, output: 'late', atMs: ignored.atMs }, DEFAULT_CHECK_POLICY);
    assert.equal(applied.state, state);
    assert.equal(applied.transition, null);
  });
}

test('a transition carries the time, output, attempt, previous hard status and flapping flag', () => {
  const policy = { failedAfter: 2, recoversAfter: 1 };
  let { state } = applyResult(initialCheckState(), { status: 'OK', output: 'fine', atMs: 1000 }, policy);
  ({ state } = applyResult(state, { status: 'CRITICAL', output: 'refused', atMs: 2000 }, policy));
  const { transition } = applyResult(state, { status: 'CRITICAL', output: 'refused again', atMs: 3000 }, policy);
  assert.deepEqual(transition, {
    from: { status: 'CRITICAL', hard: false },
    to: { status: 'CRITICAL', hard: true },
    fromHardStatus: 'OK',
    attempt: 2,
    atMs: 3000,
    output: 'refused again',
    flapping: false,
  });
});

test('timestamps: lastChangeAtMs follows the status, lastHardChangeAtMs the hard status', () => {
  const policy = { failedAfter: 2, recoversAfter: 1 };
  const steps: { status: Status; atMs: number; lastChangeAtMs: number; lastHardChangeAtMs: number }[] = [
    { status: 'OK', atMs: 1000, lastChangeAtMs: 1000, lastHardChangeAtMs: 1000 },
    { status: 'OK', atMs: 2000, lastChangeAtMs: 1000, lastHardChangeAtMs: 1000 },
    { status: 'WARNING', atMs: 3000, lastChangeAtMs: 3000, lastHardChangeAtMs: 1000 },
    { status: 'WARNING', atMs: 4000, lastChangeAtMs: 3000, lastHardChangeAtMs: 4000 },
    { status: 'WARNING', atMs: 5000, lastChangeAtMs: 3000, lastHardChangeAtMs: 4000 },
    { status: 'OK', atMs: 6000, lastChangeAtMs: 6000, lastHardChangeAtMs: 6000 },
  ];
  let state = initialCheckState();
  for (const step of steps) {
    ({ state } = applyResult(state, { status: step.status, output: step.status, atMs: step.atMs }, policy));
    assert.equal(state.lastResultAtMs, step.atMs);
    assert.equal(state.output, step.status);
    assert.equal(state.lastChangeAtMs, step.lastChangeAtMs, `lastChangeAtMs after ${step.atMs}`);
    assert.equal(state.lastHardChangeAtMs, step.lastHardChangeAtMs, `lastHardChangeAtMs after ${step.atMs}`);
  }
});

const hardChanges: { name: string; transition: Pick<Transition, 'from' | 'to' | 'fromHardStatus'>; expect: boolean }[] = [
  { name: 'soft to hard problem', transition: { from: { status: 'CRITICAL', hard: false }, to: { status: 'CRITICAL', hard: true }, fromHardStatus: 'OK' }, expect: true },
  { name: 'hard OK to soft problem', transition: { from: { status: 'OK', hard: true }, to: { status: 'CRITICAL', hard: false }, fromHardStatus: 'OK' }, expect: false },
  { name: 'soft problem back to OK', transition: { from: { status: 'CRITICAL', hard: false }, to: { status: 'OK', hard: true }, fromHardStatus: 'OK' }, expect: false },
  { name: 'between hard problems', transition: { from: { status: 'WARNING', hard: true }, to: { status: 'CRITICAL', hard: true }, fromHardStatus: 'WARNING' }, expect: true },
  { name: 'soft recovery completes', transition: { from: { status: 'OK', hard: false }, to: { status: 'OK', hard: true }, fromHardStatus: 'CRITICAL' }, expect: true },
  { name: 'soft recovery fails again the same way', transition: { from: { status: 'OK', hard: false }, to: { status: 'CRITICAL', hard: true }, fromHardStatus: 'CRITICAL' }, expect: false },
];

for (const { name, transition, expect } of hardChanges) {
  test(`isHardChange: ${name} -> ${expect}`, () => {
    assert.equal(isHardChange({ ...transition, attempt: 0, atMs: 0, output: '', flapping: false }), expect);
  });
}

const phases: { status: Status; hard: boolean; expect: ReturnType<typeof phaseOf> }[] = [
  { status: 'PENDING', hard: true, expect: 'pending' },
  { status: 'OK', hard: true, expect: 'hardHealthy' },
  { status: 'INFO', hard: true, expect: 'hardHealthy' },
  { status: 'WARNING', hard: false, expect: 'softProblem' },
  { status: 'ACTION', hard: true, expect: 'hardProblem' },
  { status: 'OK', hard: false, expect: 'softRecovery' },
];

for (const { status, hard, expect } of phases) {
  test(`phaseOf: ${status} ${hard ? 'hard' : 'soft'} is ${expect}`, () => {
    assert.equal(phaseOf({ status, hard }), expect);
  });
}

const invalidPolicies: { name: string; policy: CheckPolicy }[] = [
  { name: 'failedAfter 0', policy: { failedAfter: 0, recoversAfter: 1 } },
  { name: 'recoversAfter 1.5', policy: { failedAfter: 1, recoversAfter: 1.5 } },
  { name: 'low flap threshold above high', policy: { failedAfter: 1, recoversAfter: 1, flap: { lowPercent: 40, highPercent: 30 } } },
];

for (const { name, policy } of invalidPolicies) {
  test(`invalid policy is a fault of Vigil and throws: ${name}`, () => {
    assert.throws(() => applyResult(initialCheckState(), { status: 'OK', output: '', atMs: 1 }, policy), RangeError);
  });
}
