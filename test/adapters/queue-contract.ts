/**
 * One specification of the Queue port, run against every adapter: the in-process queue
 * (memory-queue.test.ts) and SQS through fauxqs (sqs-queue.test.ts). Real time, small delays and
 * timeouts, every case on fresh queues, and the cases run concurrently so the whole suite takes
 * about as long as its slowest case (a 2 s delay).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageNotInflightError, type QueueCounts } from '#adapters/queue-requests.ts';
import { QUEUE_LIMITS, type Queue, type ReceivedMessage } from '#ports/queue.ts';

export interface QueueUnderTest extends Queue {
  approximateCounts(): Promise<QueueCounts>;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/** A fresh queue whose redrive policy sends messages to a fresh `deadLetter` queue. */
export type MakeQueues = (settings: QueueSettings) => Promise<{ queue: QueueUnderTest; deadLetter: QueueUnderTest }>;

/** Long enough that no message comes back by itself on a loaded machine; the cases that want it back say so. */
const SETTINGS: QueueSettings = { visibilityTimeoutSeconds: 60, maxReceiveCount: 2 };

/** Receives until `count` messages came or a long poll came back empty. */
async function receiveAll(queue: Queue, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  while (received.length < count) {
    const batch = await queue.receive({ maxMessages: 10, waitTimeSeconds: 2 });
    assert.ok(batch.length <= QUEUE_LIMITS.maxBatch, `a receive returned ${batch.length} messages`);
    if (batch.length === 0) break;
    received.push(...batch);
  }
  return received;
}

export function queueContract(name: string, makeQueues: MakeQueues): void {
  describe(`Queue contract: ${name}`, { concurrency: true }, () => {
    it('sends, receives and deletes a message', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const beforeMs = Date.now();
      assert.deepEqual(await queue.send([{ body: '{"hello":"world"}' }]), { failed: [] });
      const [message, ...rest] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(rest.length, 0);
      assert.ok(message);
      assert.equal(message.body, '{"hello":"world"}');
      assert.equal(message.receiveCount, 1);
      assert.ok(message.messageId.length > 0 && message.receiptHandle.length > 0);
      assert.ok(message.sentAtMs >= beforeMs - 1000 && message.sentAtMs <= Date.now() + 1000, `sentAtMs ${message.sentAtMs} is not the send time`);
      assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 1, delayed: 0 });
      await queue.delete([message.receiptHandle]);
      assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
      // Deleting again is harmless, as in SQS.
      await queue.delete([message.receiptHandle]);
    });

    it('sends more than 10 messages and receives at most 10 per call', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const bodies = Array.from({ length: 25 }, (_, i) => `message ${i}`);
      assert.deepEqual(await queue.send(bodies.map((body) => ({ body }))), { failed: [] });
      const received = await receiveAll(queue, 25);
      assert.deepEqual(received.map((m) => m.body).sort(), [...bodies].sort());
      assert.equal(new Set(received.map((m) => m.messageId)).size, 25);
      await queue.delete(received.map((m) => m.receiptHandle));
      assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
    });

    it('reports the messages SQS refuses, by index, and sends the others', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const largest = 'x'.repeat(QUEUE_LIMITS.maxBodyBytes);
      const { failed } = await queue.send([
        { body: 'ok' },
        { body: `${largest}y` },
        { body: 'too late', delaySeconds: QUEUE_LIMITS.maxDelaySeconds + 1 },
        { body: '' },
        { body: 'nul \u0000 byte' },
        { body: largest },
        // 'é' is two bytes: the limit is on UTF-8 bytes, not characters.
        { body: 'é'.repeat(QUEUE_LIMITS.maxBodyBytes / 2 + 1) },
      ]);
      assert.deepEqual(failed.map((f) => f.index), [1, 2, 3, 4, 6]);
      assert.match(failed[0]!.reason, /262145 bytes/);
      assert.match(failed[1]!.reason, /delaySeconds 901/);
      const received = await receiveAll(queue, 2);
      assert.deepEqual(received.map((m) => m.body.length).sort((a, b) => a - b), [2, QUEUE_LIMITS.maxBodyBytes]);
    });

    it('keeps a delayed message from receives until its delay has passed', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const sentAt = performance.now();
      await queue.send([{ body: 'later', delaySeconds: 2 }, { body: 'now' }]);
      const first = await queue.receive({ waitTimeSeconds: 1 });
      assert.deepEqual(first.map((m) => m.body), ['now']);
      assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 1, delayed: 1 });
      const later = await queue.receive({ waitTimeSeconds: 5 });
      assert.deepEqual(later.map((m) => m.body), ['later']);
      const waitedMs = performance.now() - sentAt;
      assert.ok(waitedMs >= 1900, `the delayed message came after ${waitedMs} ms, before its 2 s delay`);
    });

    it('a long poll returns as soon as a message is sent', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const startedAt = performance.now();
      const polling = queue.receive({ waitTimeSeconds: 10 });
      setTimeout(() => void queue.send([{ body: 'wake up' }]), 200);
      const received = await polling;
      assert.deepEqual(received.map((m) => m.body), ['wake up']);
      // Generous: the poll would have lasted 10 s.
      assert.ok(performance.now() - startedAt < 8000);
    });

    it('an aborted long poll ends empty', async () => {
      const { queue } = await makeQueues(SETTINGS);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      assert.deepEqual(await queue.receive({ waitTimeSeconds: 10, signal: controller.signal }), []);
    });

    it('a message not deleted comes back after the visibility timeout, counted', async () => {
      const { queue } = await makeQueues({ ...SETTINGS, visibilityTimeoutSeconds: 2 });
      await queue.send([{ body: 'again' }]);
      const [first] = await queue.receive({ waitTimeSeconds: 2 });
      assert.ok(first);
      assert.deepEqual(await queue.receive(), [], 'invisible while in flight');
      const [second] = await queue.receive({ waitTimeSeconds: 5 });
      assert.ok(second, 'came back after the 2 s visibility timeout');
      assert.equal(second.messageId, first.messageId);
      assert.equal(second.receiveCount, 2);
      assert.equal(second.sentAtMs, first.sentAtMs);
      assert.notEqual(second.receiptHandle, first.receiptHandle);
    });

    it('takes a visibility timeout per receive', async () => {
      const { queue } = await makeQueues(SETTINGS);
      await queue.send([{ body: 'quick' }]);
      const [first] = await queue.receive({ waitTimeSeconds: 2, visibilityTimeoutSeconds: 0 });
      const [second] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(second?.messageId, first?.messageId);
      assert.equal(second?.receiveCount, 2);
    });

    it('changeVisibility(0) makes a message visible at once; a stale handle is refused', async () => {
      const { queue } = await makeQueues(SETTINGS);
      await queue.send([{ body: 'retry me' }]);
      const [first] = await queue.receive({ waitTimeSeconds: 2 });
      assert.ok(first);
      await queue.changeVisibility(first.receiptHandle, 0);
      const [second] = await queue.receive({ waitTimeSeconds: 2 });
      assert.equal(second?.messageId, first.messageId);
      await queue.delete([second!.receiptHandle]);
      await assert.rejects(queue.changeVisibility(second!.receiptHandle, 0), MessageNotInflightError);
    });

    it('moves a message to the dead-letter queue on the receive after maxReceiveCount', async () => {
      const { queue, deadLetter } = await makeQueues(SETTINGS);
      await queue.send([{ body: 'poison' }]);
      const receives: ReceivedMessage[] = [];
      for (let i = 0; i < SETTINGS.maxReceiveCount; i++) receives.push(...(await queue.receive({ waitTimeSeconds: 2, visibilityTimeoutSeconds: 0 })));
      assert.deepEqual(receives.map((m) => m.receiveCount), [1, 2]);
      assert.deepEqual(await queue.receive({ waitTimeSeconds: 1 }), [], 'the third receive moves it instead');
      const [dead] = await deadLetter.receive({ waitTimeSeconds: 2 });
      assert.ok(dead);
      assert.equal(dead.body, 'poison');
      assert.equal(dead.messageId, receives[0]!.messageId);
      assert.equal(dead.sentAtMs, receives[0]!.sentAtMs);
      // The count goes on: the receive that moved it counted too. So SQS reports it (a dead letter
      // of a queue with maxReceiveCount 2 shows 3 in the console before anyone receives it), and
      // so fauxqs and the in-process queue do. It is not the number of times a consumer saw it.
      assert.equal(dead.receiveCount, SETTINGS.maxReceiveCount + 2);
      assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
    });

    it('refuses receive options SQS would refuse', async () => {
      const { queue } = await makeQueues(SETTINGS);
      await assert.rejects(queue.receive({ maxMessages: 11 }), RangeError);
      await assert.rejects(queue.receive({ maxMessages: 0 }), RangeError);
      await assert.rejects(queue.receive({ waitTimeSeconds: 21 }), RangeError);
      await assert.rejects(queue.receive({ visibilityTimeoutSeconds: -1 }), RangeError);
    });
  });
}
