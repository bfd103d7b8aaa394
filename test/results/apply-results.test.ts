import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultMessage } from '#core/messages.ts';
import { initialCheckState } from '#core/state/index.ts';
import type { Status } from '#core/status.ts';
import { applyResults, type StoredCheck } from '#results/apply-results.ts';

function stored(overrides: Partial<StoredCheck> = {}): StoredCheck {
  return {
    checkId: 'c1', siteId: 's1', state: initialCheckState(), failedAfter: 2, recoversAfter: 1, quorum: 1,
    locationIds: [], locationStates: [], ...overrides,
  };
}

function result(status: Status, finishedAtMs: number, overrides: Partial<ResultMessage> = {}): ResultMessage {
  return {
    v: 1, siteId: 's1', checkId: 'c1', locationId: null, dueAtMs: finishedAtMs - 10, status, output: `${status} at ${finishedAtMs}`,
    readings: [{ name: 'time', value: finishedAtMs / 1000, unit: 's' }], startedAtMs: finishedAtMs - 5, durationMs: 5,
    source: 'worker', producer: 'test', ...overrides,
  };
}

const checks = (...list: StoredCheck[]) => new Map(list.map((check) => [check.checkId, check]));

test('results apply in the order they finished, whatever order they arrive in', () => {
  const { applied, ignored } = applyResults(checks(stored()), [result('CRITICAL', 3_000), result('OK', 1_000), result('CRITICAL', 2_000)]);
  assert.equal(ignored, 0);
  const [check] = applied;
  assert.deepEqual(
    check!.transitions.map((t) => `${t.to.status}/${t.to.hard ? 'hard' : 'soft'}`),
    ['OK/hard', 'CRITICAL/soft', 'CRITICAL/hard'],
  );
  assert.deepEqual(check!.hardChanges.map((t) => t.to.status), ['OK', 'CRITICAL']);
  assert.equal(check!.readings.length, 3);
});

test('a duplicate or older result changes nothing and adds no reading', () => {
  const first = applyResults(checks(stored()), [result('OK', 5_000)]).applied[0]!;
  const again = applyResults(checks(stored({ state: first.state })), [result('OK', 5_000), result('CRITICAL', 4_000)]);
  assert.deepEqual(again, { applied: [], ignored: 2 });
});

test('results for unknown checks are ignored', () => {
  assert.deepEqual(applyResults(checks(), [result('OK', 1)]), { applied: [], ignored: 1 });
});

test('several locations combine by quorum: one failing location of three does not make a problem', () => {
  const check = stored({ quorum: 2, locationIds: ['eu', 'us', 'ap'], failedAfter: 1 });
  const atLocation = (locationId: string, status: Status, ms: number) => result(status, ms, { locationId });
  const one = applyResults(checks(check), [atLocation('eu', 'OK', 1_000), atLocation('us', 'OK', 1_001), atLocation('ap', 'CRITICAL', 1_002)]);
  const after = one.applied[0]!;
  assert.equal(after.state.status, 'OK');
  assert.match(after.state.output!, /1 of 3 locations failing \(quorum 2\): ap CRITICAL/);
  assert.equal(after.locationStates.length, 3);

  const two = applyResults(checks({ ...check, state: after.state, locationStates: after.locationStates }), [atLocation('us', 'CRITICAL', 2_000)]);
  assert.equal(two.applied[0]!.state.status, 'CRITICAL');
  assert.deepEqual(two.applied[0]!.hardChanges.map((t) => t.to.status), ['CRITICAL']);
  assert.deepEqual(two.applied[0]!.locationStates.map((l) => l.locationId), ['us'], 'only the changed location is written');
});
