/**
 * MemoryEventBus: EventBridge's routing in process. Rules with patterns, targets that get their
 * own copy of the envelope, target failures that stay away from the publisher.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventPatternError } from '#adapters/local/event-pattern.ts';
import { MemoryEventBus, type EventEnvelope } from '#adapters/local/memory-event-bus.ts';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { CHECK_STATE_CHANGED, EVENT_SOURCE } from '#core/messages.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function bus() {
  const log = new MemoryLogger();
  return { log, bus: new MemoryEventBus({ log, clock: new ManualClock(T0 + 250), region: 'eu-west-1' }) };
}

function collector() {
  const received: EventEnvelope[] = [];
  return { received, target: async (event: EventEnvelope) => void received.push(event) };
}

describe('MemoryEventBus', () => {
  it("delivers EventBridge's envelope to the targets of matching rules only", async () => {
    const { bus: events } = bus();
    const problems = collector();
    const everything = collector();
    const other = collector();
    events.addRule({ name: 'problems', pattern: { source: [EVENT_SOURCE], detail: { toStatus: [{ 'anything-but': 'OK' }] } }, target: problems.target });
    events.addRule({ name: 'everything', pattern: { source: [EVENT_SOURCE] }, target: everything.target });
    events.addRule({ name: 'other', pattern: { source: ['someone.else'] }, target: other.target });
    const { failed } = await events.publish([
      { source: EVENT_SOURCE, detailType: CHECK_STATE_CHANGED, detail: { checkName: 'http', toStatus: 'CRITICAL' }, timeMs: T0 },
      { source: EVENT_SOURCE, detailType: CHECK_STATE_CHANGED, detail: { checkName: 'load', toStatus: 'OK' } },
    ]);
    assert.deepEqual(failed, []);
    await events.settled();
    assert.deepEqual(problems.received.map((e) => e.detail.checkName), ['http']);
    assert.deepEqual(everything.received.map((e) => e.detail.checkName), ['http', 'load']);
    assert.equal(other.received.length, 0);
    const [first] = problems.received;
    assert.deepEqual({ ...first, id: 'id' }, {
      version: '0',
      id: 'id',
      'detail-type': 'CheckStateChanged',
      source: 'vigil',
      account: '000000000000',
      time: '2025-01-06T12:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { checkName: 'http', toStatus: 'CRITICAL' },
    });
    assert.equal(everything.received[0]?.id, first?.id, 'one event, one id, whichever rule delivers it');
    assert.equal(everything.received[1]?.time, '2025-01-06T12:00:00Z', 'without timeMs, the clock (to the second)');
    assert.deepEqual(events.counts, { published: 2, delivered: 3, targetFailures: 0 });
  });

  it('gives each target its own copy, read back from JSON', async () => {
    const { bus: events } = bus();
    const second = collector();
    events.addRule({ name: 'vandal', pattern: { source: ['vigil'] }, target: async (event) => void (event.detail.checkName = 'changed') });
    events.addRule({ name: 'reader', pattern: { source: ['vigil'] }, target: second.target });
    const detail = { checkName: 'http', at: new Date(T0) };
    await events.publish([{ source: 'vigil', detailType: 'Test', detail }]);
    await events.settled();
    assert.deepEqual(second.received[0]?.detail, { checkName: 'http', at: '2025-01-06T12:00:00.000Z' });
    assert.equal(detail.checkName, 'http', "the publisher's object is untouched");
  });

  it('counts and logs a failing target; the publisher and the other targets carry on', async () => {
    const { bus: events, log } = bus();
    const healthy = collector();
    events.addRule({ name: 'broken', pattern: { source: ['vigil'] }, target: async () => { throw new Error('webhook unreachable'); } });
    events.addRule({ name: 'healthy', pattern: { source: ['vigil'] }, target: healthy.target });
    assert.deepEqual(await events.publish([{ source: 'vigil', detailType: 'Test', detail: {} }]), { failed: [] });
    await events.settled();
    assert.equal(healthy.received.length, 1);
    assert.deepEqual(events.counts, { published: 1, delivered: 1, targetFailures: 1 });
    assert.deepEqual(log.entries.map((e) => [e.level, e.fields.rule, e.fields.reason]), [['error', 'broken', 'webhook unreachable']]);
  });

  it('refuses the events EventBridge would refuse, with the same reasons', async () => {
    const { bus: events } = bus();
    const all = collector();
    events.addRule({ name: 'all', pattern: { source: [{ exists: true }] }, target: all.target });
    const { failed } = await events.publish([
      { source: 'vigil', detailType: 'Fine', detail: {} },
      { source: 'vigil', detailType: 'Text', detail: 'not an object' },
      { source: '', detailType: 'NoSource', detail: {} },
    ]);
    assert.deepEqual(failed.map((f) => f.index), [1, 2]);
    assert.match(failed[0]!.reason, /detail must be a JSON object/);
    await events.settled();
    assert.equal(all.received.length, 1);
  });

  it('checks rules when they are added', () => {
    const { bus: events } = bus();
    const target = async () => {};
    assert.throws(() => events.addRule({ name: 'typo', pattern: { source: 'vigil' }, target }), EventPatternError);
    events.addRule({ name: 'one', pattern: { source: ['vigil'] }, target });
    assert.throws(() => events.addRule({ name: 'one', pattern: { source: ['vigil'] }, target }), /already has a rule named one/);
    events.removeRule('one');
    events.addRule({ name: 'one', pattern: { source: ['vigil'] }, target });
  });

  it('routes hard state changes to a notifier queue, as the deployed rule does', async () => {
    const { bus: events } = bus();
    const notifier = new MemoryQueue({ name: 'notifier' });
    events.addRule({
      name: 'notify',
      pattern: { source: [EVENT_SOURCE], 'detail-type': [CHECK_STATE_CHANGED] },
      target: async (event) => {
        const { failed } = await notifier.send([{ body: JSON.stringify(event) }]);
        if (failed.length > 0) throw new Error(failed[0]!.reason);
      },
    });
    await events.publish([{ source: EVENT_SOURCE, detailType: CHECK_STATE_CHANGED, detail: { checkId: 'c1', toStatus: 'CRITICAL' } }]);
    const [message] = await notifier.receive({ waitTimeSeconds: 5 });
    assert.deepEqual((JSON.parse(message!.body) as EventEnvelope).detail, { checkId: 'c1', toStatus: 'CRITICAL' });
  });
});
