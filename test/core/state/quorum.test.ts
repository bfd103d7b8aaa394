import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Status } from '#core/status.ts';
import { combineLocations, type LocationResult } from '#core/state/index.ts';

interface Scenario {
  name: string;
  given: { quorum: number; results: Record<string, Status> | LocationResult[] };
  expect: { status: Status; failing: string[]; output?: string };
}

function locations(results: Scenario['given']['results']): LocationResult[] {
  if (Array.isArray(results)) return results;
  return Object.entries(results).map(([location, status]) => ({ location, status, atMs: 1000 }));
}

const scenarios: Scenario[] = [
  // quorum 1 of 3: any failing location is enough
  {
    name: 'quorum 1 of 3: one failing location makes a problem',
    given: { quorum: 1, results: { eu: 'OK', us: 'CRITICAL', ap: 'OK' } },
    expect: { status: 'CRITICAL', failing: ['us'], output: 'CRITICAL: 1 of 3 locations failing (quorum 1): us CRITICAL' },
  },
  {
    name: 'quorum 1 of 3: the worst failing status wins',
    given: { quorum: 1, results: { eu: 'WARNING', us: 'CRITICAL', ap: 'OK' } },
    expect: { status: 'CRITICAL', failing: ['us', 'eu'] },
  },
  {
    name: 'quorum 1 of 3: all healthy',
    given: { quorum: 1, results: { eu: 'OK', us: 'OK', ap: 'OK' } },
    expect: { status: 'OK', failing: [], output: 'OK: 0 of 3 locations failing (quorum 1)' },
  },

  // quorum 2 of 3
  {
    name: 'quorum 2 of 3: one failing location is below quorum, but named',
    given: { quorum: 2, results: { eu: 'CRITICAL', us: 'OK', ap: 'OK' } },
    expect: { status: 'OK', failing: ['eu'], output: 'OK: 1 of 3 locations failing (quorum 2): eu CRITICAL' },
  },
  {
    name: 'quorum 2 of 3: two CRITICAL and one WARNING give CRITICAL',
    given: { quorum: 2, results: { eu: 'CRITICAL', us: 'WARNING', ap: 'CRITICAL' } },
    expect: {
      status: 'CRITICAL',
      failing: ['ap', 'eu', 'us'],
      output: 'CRITICAL: 3 of 3 locations failing (quorum 2): ap CRITICAL, eu CRITICAL, us WARNING',
    },
  },
  {
    name: 'quorum 2 of 3: one CRITICAL and one WARNING give WARNING (both agree it is at least that bad)',
    given: { quorum: 2, results: { eu: 'CRITICAL', us: 'WARNING', ap: 'OK' } },
    expect: { status: 'WARNING', failing: ['eu', 'us'] },
  },
  {
    name: 'quorum 2 of 3: severity follows the status rank (TIMEOUT is worse than CRITICAL)',
    given: { quorum: 2, results: { eu: 'TIMEOUT', us: 'CRITICAL', ap: 'ERROR' } },
    expect: { status: 'TIMEOUT', failing: ['ap', 'eu', 'us'] },
  },

  // quorum 3 of 3
  {
    name: 'quorum 3 of 3: two failing locations are not enough',
    given: { quorum: 3, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'OK' } },
    expect: { status: 'OK', failing: ['eu', 'us'] },
  },
  {
    name: 'quorum 3 of 3: all failing gives the least severe of them',
    given: { quorum: 3, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'WARNING' } },
    expect: { status: 'WARNING', failing: ['eu', 'us', 'ap'] },
  },

  // pending locations
  {
    name: 'all pending: PENDING',
    given: { quorum: 2, results: { eu: 'PENDING', us: 'PENDING', ap: 'PENDING' } },
    expect: { status: 'PENDING', failing: [], output: 'PENDING: no location has reported yet (3 pending)' },
  },
  {
    name: 'no locations at all: PENDING',
    given: { quorum: 1, results: [] },
    expect: { status: 'PENDING', failing: [] },
  },
  {
    name: 'a pending location is not healthy: two failing reach quorum 2',
    given: { quorum: 2, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'PENDING' } },
    expect: {
      status: 'CRITICAL',
      failing: ['eu', 'us'],
      output: 'CRITICAL: 2 of 3 locations failing (quorum 2): eu CRITICAL, us CRITICAL; pending: ap',
    },
  },
  {
    name: 'a pending location is not failing: quorum 3 of 3 is not met by two',
    given: { quorum: 3, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'PENDING' } },
    expect: { status: 'OK', failing: ['eu', 'us'] },
  },
  {
    name: 'only a failing location has reported, below quorum: OK',
    given: { quorum: 2, results: { eu: 'CRITICAL', us: 'PENDING', ap: 'PENDING' } },
    expect: { status: 'OK', failing: ['eu'] },
  },

  // quorum above the number of locations
  {
    name: 'quorum 5 with 3 locations is clamped to 3: all failing is a problem',
    given: { quorum: 5, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'CRITICAL' } },
    expect: {
      status: 'CRITICAL',
      failing: ['ap', 'eu', 'us'],
      output: 'CRITICAL: 3 of 3 locations failing (quorum 3, configured 5): ap CRITICAL, eu CRITICAL, us CRITICAL',
    },
  },
  {
    name: 'quorum 5 with 3 locations is clamped to 3: two failing are not',
    given: { quorum: 5, results: { eu: 'CRITICAL', us: 'CRITICAL', ap: 'OK' } },
    expect: { status: 'OK', failing: ['eu', 'us'] },
  },
  {
    name: 'quorum 2 with a single location is clamped to 1',
    given: { quorum: 2, results: { eu: 'WARNING' } },
    expect: { status: 'WARNING', failing: ['eu'] },
  },

  // healthy statuses and duplicates
  {
    name: 'all INFO: INFO',
    given: { quorum: 1, results: { eu: 'INFO', us: 'INFO' } },
    expect: { status: 'INFO', failing: [] },
  },
  {
    name: 'OK and INFO: OK, the worst healthy status',
    given: { quorum: 1, results: { eu: 'INFO', us: 'OK' } },
    expect: { status: 'OK', failing: [] },
  },
  {
    name: 'a location listed twice counts once, with its newest result',
    given: {
      quorum: 2,
      results: [
        { location: 'eu', status: 'CRITICAL', atMs: 2000 },
        { location: 'us', status: 'CRITICAL', atMs: 1000 },
        { location: 'us', status: 'OK', atMs: 3000 },
        { location: 'eu', status: 'OK', atMs: 1000 },
      ],
    },
    expect: { status: 'OK', failing: ['eu'], output: 'OK: 1 of 2 locations failing (quorum 2): eu CRITICAL' },
  },
];

for (const { name, given, expect } of scenarios) {
  test(`combineLocations: ${name}`, () => {
    const combined = combineLocations(locations(given.results), given.quorum);
    assert.equal(combined.status, expect.status);
    assert.deepEqual(combined.failing, expect.failing);
    if (expect.output !== undefined) assert.equal(combined.output, expect.output);
  });
}

test('combineLocations: the result does not depend on the order of delivery', () => {
  const results = locations({ eu: 'CRITICAL', us: 'WARNING', ap: 'CRITICAL', sa: 'OK' });
  const forward = combineLocations(results, 2);
  const backward = combineLocations([...results].reverse(), 2);
  assert.deepEqual(backward, forward);
});

for (const quorum of [0, -1, 1.5]) {
  test(`combineLocations: quorum ${quorum} is invalid`, () => {
    assert.throws(() => combineLocations([], quorum), RangeError);
  });
}
