/**
 * MemoryQueue: the Queue contract in real time, then what only an in-process queue can show
 * quickly, with a ManualClock: 15-minute delays, 30 s visibility timeouts, redrive, stale handles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { MessageNotInflightError } from '#adapters/queue-requests.ts';
import { ManualClock } from '#ports/clock.ts';
import { queueContract } from './queue-contract.ts';

queueContract('MemoryQueue', async ({ visibilityTimeoutSeconds, maxReceiveCount }) => {
  const deadLetter = new MemoryQueue({ name: 'contract-dlq' });
  const queue = new MemoryQueue({ name: 'contract', visibilityTimeoutSeconds, deadLetter: { queue: deadLetter, maxReceiveCount } });
  return { queue, deadLetter };
});

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function manualQueues(maxReceiveCount = 3) {
  const clock = new ManualClock(T0);
  const deadLetter = new MemoryQueue({ name: 'jobs-dlq', clock });
  const queue = new MemoryQueue({ name: 'jobs', clock, deadLetter: { queue: deadLetter, maxReceiveCount } });
  return { clock, queue, deadLetter };
}

describe('MemoryQueue with a ManualClock', () => {
  it('holds a message for its whole delay, up to 900 s', async () => {
    const { clock, queue } = manualQueues();
    await queue.send([{ body: 'in 15 minutes', delaySeconds: 900 }]);
    clock.advance(899_999);
    assert.deepEqual(await queue.receive(), []);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 1 });
    clock.advance(1);
    const [message] = await queue.receive();
    assert.equal(message?.body, 'in 15 minutes');
    assert.equal(message?.sentAtMs, T0);
  });

  it('hides a received message for the default 30 s, then gives it again', async () => {
    const { clock, queue } = manualQueues();
    await queue.send([{ body: 'job' }]);
    const [first] = await queue.receive();
    clock.advance(29_999);
    assert.deepEqual(await queue.receive(), []);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 1, delayed: 0 });
    clock.advance(1);
    const [second] = await queue.receive();
    assert.equal(second?.messageId, first?.messageId);
    assert.equal(second?.receiveCount, 2);
  });

  it('acts on the latest receipt handle only', async () => {
    const { clock, queue } = manualQueues();
    await queue.send([{ body: 'job' }]);
    const [first] = await queue.receive();
    clock.advance(30_000);
    await assert.rejects(queue.changeVisibility(first!.receiptHandle, 10), MessageNotInflightError, 'visible again: not in flight');
    const [second] = await queue.receive();
    await queue.delete([first!.receiptHandle]);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 1, delayed: 0 }, 'a stale handle deletes nothing');
    await queue.changeVisibility(second!.receiptHandle, 120);
    clock.advance(119_999);
    assert.deepEqual(await queue.receive(), []);
    await queue.delete([second!.receiptHandle]);
    clock.advance(1);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('redrives on the receive after maxReceiveCount, keeping id and sent time, counting on', async () => {
    const { clock, queue, deadLetter } = manualQueues(3);
    await queue.send([{ body: 'poison' }, { body: 'fine' }]);
    for (let receive = 1; receive <= 3; receive++) {
      const messages = await queue.receive();
      assert.deepEqual(messages.map((m) => m.receiveCount), receive === 1 ? [1, 1] : [receive]);
      if (receive === 1) await queue.delete([messages[1]!.receiptHandle]);
      clock.advance(30_000);
    }
    assert.deepEqual(await queue.receive(), []);
    const [dead] = await deadLetter.receive();
    assert.equal(dead?.body, 'poison');
    assert.equal(dead?.sentAtMs, T0);
    assert.equal(dead?.receiveCount, 5);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('refuses settings SQS would refuse', () => {
    assert.throws(() => new MemoryQueue({ name: 'q', visibilityTimeoutSeconds: 43_201 }), /visibility timeout is 43201/);
    const dlq = new MemoryQueue({ name: 'dlq' });
    assert.throws(() => new MemoryQueue({ name: 'q', deadLetter: { queue: dlq, maxReceiveCount: 0 } }), /maxReceiveCount of queue q is 0/);
  });
});

describe('MemoryQueue long polls (real time)', () => {
  it('wakes when another consumer makes a message visible again', async () => {
    const queue = new MemoryQueue({ name: 'jobs', visibilityTimeoutSeconds: 60 });
    await queue.send([{ body: 'job' }]);
    const [first] = await queue.receive();
    const polling = queue.receive({ waitTimeSeconds: 10 });
    await queue.changeVisibility(first!.receiptHandle, 0);
    const [again] = await polling;
    assert.equal(again?.receiveCount, 2);
  });

  it('gives one message to one of several waiting polls; the others keep waiting', async () => {
    const queue = new MemoryQueue({ name: 'jobs' });
    const controller = new AbortController();
    const polls = Array.from({ length: 3 }, () => queue.receive({ waitTimeSeconds: 10, signal: controller.signal }));
    await queue.send([{ body: 'only one' }]);
    const first = await Promise.race(polls);
    assert.equal(first.length, 1);
    controller.abort();
    const all = await Promise.all(polls);
    assert.equal(all.flat().length, 1);
  });
});
