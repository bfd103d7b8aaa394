/**
 * Pushed messages stay under API Gateway's 32 KB frame: long lists are split into complete
 * messages, and a check whose output alone would not fit is shortened.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { GroupRollup } from '#store/group-rollup.ts';
import { changeFrames } from '../../functions/websocket/frames.ts';
import { FRAME_BUDGET_BYTES, WEBSOCKET_LIMITS } from '../../functions/websocket/limits.ts';
import type { ServerMessage } from '../../functions/websocket/protocol.ts';
import { checkChange } from './fixtures.ts';

const SITE = randomUUID();

function group(name: string, worstStatus: number): GroupRollup {
  return {
    groupId: randomUUID(), name, worstStatus, total: 3, pending: 0, info: 0, ok: 2, warning: 0, critical: 1,
    unknown: 0, timeout: 0, error: 0, disconnected: 0, action: 0, handled: 0, unhandled: 1,
  };
}

const parse = (frames: string[]) => frames.map((frame) => JSON.parse(frame) as ServerMessage);

test('a change of 2,000 checks is split into messages under 32 KB that carry every check once, in order', () => {
  const checks = Array.from({ length: 2000 }, (_, i) => checkChange(randomUUID(), 'CRITICAL', `CRITICAL - connection ${i} refused: ${'x'.repeat(i % 200)}`));
  const groups = Array.from({ length: 300 }, (_, i) => group(`group ${i}`, 4));
  const frames = changeFrames(SITE, checks, groups);

  for (const frame of frames) {
    assert.ok(Buffer.byteLength(frame) <= FRAME_BUDGET_BYTES, `a frame of ${Buffer.byteLength(frame)} bytes`);
    assert.ok(Buffer.byteLength(frame) < WEBSOCKET_LIMITS.frameBytes);
  }
  const messages = parse(frames);
  const checkMessages = messages.filter((m) => m.type === 'checks');
  const groupMessages = messages.filter((m) => m.type === 'groups');
  assert.ok(checkMessages.length > 1, 'split into several checks messages');
  assert.equal(checkMessages.length + groupMessages.length, messages.length);
  // Checks first, then groups; each message complete, with its site.
  assert.deepEqual(messages.map((m) => m.type), [...checkMessages.map(() => 'checks'), ...groupMessages.map(() => 'groups')]);
  assert.ok(messages.every((m) => 'siteId' in m && m.siteId === SITE));
  assert.deepEqual(checkMessages.flatMap((m) => m.checks), checks);
  assert.deepEqual(groupMessages.flatMap((m) => m.groups).map((g) => g.groupId), groups.map((g) => g.groupId));
  // Full frames, not one check each: no frame could have taken the next one's first check.
  for (let i = 0; i + 1 < checkMessages.length; i++) {
    const next = JSON.stringify(checkMessages[i + 1]!.checks[0]);
    assert.ok(Buffer.byteLength(frames[i]!) + Buffer.byteLength(next) + 1 > FRAME_BUDGET_BYTES);
  }
});

test('groups carry their worst status by name', () => {
  const [message] = parse(changeFrames(SITE, [], [group('web', 4), group('empty', 0)]));
  assert.deepEqual(message?.type === 'groups' && message.groups.map((g) => [g.name, g.worstStatus]), [['web', 'CRITICAL'], ['empty', 'PENDING']]);
});

test('no changes, no messages', () => {
  assert.deepEqual(changeFrames(SITE, [], []), []);
});

test('an output too long for one frame is shortened, even when JSON escaping multiplies it', () => {
  const cases = {
    plain: 'a'.repeat(40_000),
    escaped: '\u0001'.repeat(20_000), // six bytes each in JSON
    multiByte: 'é€😀'.repeat(5_000),
  };
  for (const [name, output] of Object.entries(cases)) {
    const check = checkChange(randomUUID(), 'WARNING', output);
    const frames = changeFrames(SITE, [check, checkChange(randomUUID())], []);
    for (const frame of frames) assert.ok(Buffer.byteLength(frame) <= FRAME_BUDGET_BYTES, `${name}: ${Buffer.byteLength(frame)} bytes`);
    const [first] = parse(frames);
    const shortened = first?.type === 'checks' ? first.checks[0]!.output : '';
    assert.ok(shortened.endsWith('…') && output.startsWith(shortened.slice(0, 100)), name);
    assert.ok(Buffer.byteLength(frames[0]!) > FRAME_BUDGET_BYTES - 1000, `${name}: kept as much as fits`);
  }
});
