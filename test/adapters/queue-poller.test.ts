/**
 * QueuePoller on MemoryQueues: Lambda's SQS event source mapping, locally. Partial failures,
 * handlers that throw, redelivery, the dead-letter queue, concurrency and a clean stop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { QueuePoller, type BatchHandler } from '#adapters/local/queue-poller.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import type { ReceivedMessage } from '#ports/queue.ts';

/** Waits (in real time, generously) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > giveUpAt) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function queues(maxReceiveCount = 3, clock?: ManualClock) {
  const deadLetter = new MemoryQueue({ name: 'jobs-dlq', ...(clock ? { clock } : {}) });
  const queue = new MemoryQueue({ name: 'jobs', ...(clock ? { clock } : {}), deadLetter: { queue: deadLetter, maxReceiveCount } });
  return { queue, deadLetter };
}

async function bodiesIn(queue: MemoryQueue): Promise<string[]> {
  return (await queue.receive()).map((m) => m.body).sort();
}

describe('QueuePoller', () => {
  it('hands batches of at most batchSize to the handler and deletes what succeeded', async () => {
    const { queue } = queues();
    const batches: string[][] = [];
    const handler: BatchHandler = async (messages) => {
      batches.push(messages.map((m) => m.body));
      return { batchItemFailures: [] };
    };
    const poller = new QueuePoller({ queue, handler, log: new MemoryLogger(), batchSize: 4, waitTimeSeconds: 1 }).start();
    await queue.send(Array.from({ length: 10 }, (_, i) => ({ body: `job ${i}` })));
    await until(() => batches.flat().length === 10, 'all 10 messages were handled');
    await poller.stop();
    assert.ok(batches.every((batch) => batch.length <= 4));
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(poller.counts, { batches: batches.length, succeeded: 10, failed: 0 });
  });

  it('retries only the messages reported in batchItemFailures, until they dead-letter', async () => {
    const { queue, deadLetter } = queues(3);
    const seen: ReceivedMessage[] = [];
    const handler: BatchHandler = async (messages) => {
      seen.push(...messages);
      return { batchItemFailures: messages.filter((m) => m.body.startsWith('bad')).map((m) => ({ itemIdentifier: m.messageId })) };
    };
    const log = new MemoryLogger();
    const poller = new QueuePoller({ queue, handler, log, waitTimeSeconds: 1, retryDelaySeconds: 0 }).start();
    await queue.send([{ body: 'good 1' }, { body: 'bad 1' }, { body: 'good 2' }]);
    await until(async () => (await deadLetter.approximateCounts()).visible === 1, 'the bad message reached the dead-letter queue');
    await poller.stop();
    const times = (body: string) => seen.filter((m) => m.body === body).map((m) => m.receiveCount);
    assert.deepEqual(times('good 1'), [1]);
    assert.deepEqual(times('good 2'), [1]);
    assert.deepEqual(times('bad 1'), [1, 2, 3]);
    assert.deepEqual(await bodiesIn(deadLetter), ['bad 1']);
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 });
    assert.deepEqual(log.entries.filter((e) => e.level === 'warn').map((e) => e.fields.receiveCount), [1, 2, 3]);
  });

  it('treats a handler that throws as a failure of the whole batch', async () => {
    const { queue, deadLetter } = queues(2);
    let calls = 0;
    const handler: BatchHandler = async () => {
      calls += 1;
      throw new Error('database is down');
    };
    const log = new MemoryLogger();
    const poller = new QueuePoller({ queue, handler, log, waitTimeSeconds: 1, retryDelaySeconds: 0 }).start();
    await queue.send([{ body: 'a' }, { body: 'b' }]);
    await until(async () => (await deadLetter.approximateCounts()).visible === 2, 'both messages reached the dead-letter queue');
    await poller.stop();
    assert.equal(calls, 2);
    assert.deepEqual(await bodiesIn(deadLetter), ['a', 'b']);
    const errors = log.entries.filter((e) => e.level === 'error');
    assert.equal(errors.length, 2);
    assert.equal(errors[0]?.fields.reason, 'database is down');
  });

  it('fails the whole batch when the handler names a message not in it, as Lambda does', async () => {
    const { queue } = queues();
    const received: number[] = [];
    const handler: BatchHandler = async (messages) => {
      received.push(...messages.map((m) => m.receiveCount));
      return { batchItemFailures: received.length === 2 ? [{ itemIdentifier: 'not-a-message-id' }] : [] };
    };
    const poller = new QueuePoller({ queue, handler, log: new MemoryLogger(), waitTimeSeconds: 1, retryDelaySeconds: 0 }).start();
    await queue.send([{ body: 'a' }, { body: 'b' }]);
    await until(() => received.length === 4, 'the batch came back');
    await poller.stop();
    assert.deepEqual(received, [1, 1, 2, 2]);
  });

  it('without a retry delay, a failed message waits for its visibility timeout', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 6));
    const { queue } = queues(3, clock);
    const received: number[] = [];
    const handler: BatchHandler = async (messages) => {
      received.push(...messages.map((m) => m.receiveCount));
      return { batchItemFailures: messages.map((m) => ({ itemIdentifier: m.messageId })) };
    };
    const poller = new QueuePoller({ queue, handler, log: new MemoryLogger(), waitTimeSeconds: 1 }).start();
    await queue.send([{ body: 'slow retry' }]);
    await until(() => received.length === 1, 'the first delivery');
    clock.advance(29_999);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.deepEqual(received, [1], 'not again within the 30 s visibility timeout');
    clock.advance(1);
    await until(() => received.length === 2, 'the second delivery');
    await poller.stop();
    assert.deepEqual(received, [1, 2]);
  });

  it('runs up to `concurrency` batches at once', async () => {
    const { queue } = queues();
    let running = 0;
    let mostRunning = 0;
    let handled = 0;
    const handler: BatchHandler = async (messages) => {
      running += 1;
      mostRunning = Math.max(mostRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running -= 1;
      handled += messages.length;
      return { batchItemFailures: [] };
    };
    const poller = new QueuePoller({ queue, handler, log: new MemoryLogger(), batchSize: 2, concurrency: 3, waitTimeSeconds: 1 }).start();
    await queue.send(Array.from({ length: 12 }, (_, i) => ({ body: `job ${i}` })));
    await until(() => handled === 12, 'all 12 messages were handled');
    await poller.stop();
    assert.equal(mostRunning, 3);
  });

  it('stop() ends the long polls and waits for the batches being handled', async () => {
    const { queue } = queues();
    let release: () => void = () => {};
    let started = false;
    const handler: BatchHandler = async () => {
      started = true;
      await new Promise<void>((resolve) => (release = resolve));
      return { batchItemFailures: [] };
    };
    // Long polls of 20 s: stop() must not wait for them.
    const poller = new QueuePoller({ queue, handler, log: new MemoryLogger(), concurrency: 2 }).start();
    await queue.send([{ body: 'in progress' }]);
    await until(() => started, 'the handler started');
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(stopped, false, 'still handling');
    release();
    await stopping;
    assert.deepEqual(await queue.approximateCounts(), { visible: 0, inFlight: 0, delayed: 0 }, 'its message was deleted before stop() resolved');
  });

  it('refuses settings that would spin or exceed SQS', () => {
    const { queue } = queues();
    const handler: BatchHandler = async () => ({ batchItemFailures: [] });
    const log = new MemoryLogger();
    assert.throws(() => new QueuePoller({ queue, handler, log, batchSize: 11 }), /batchSize is 11/);
    assert.throws(() => new QueuePoller({ queue, handler, log, waitTimeSeconds: 0 }), /waitTimeSeconds is 0/);
    assert.throws(() => new QueuePoller({ queue, handler, log, concurrency: 0 }), /concurrency is 0/);
    assert.throws(() => new QueuePoller({ queue, handler, log, retryDelaySeconds: 1.5 }), /visibility timeout is 1.5/);
  });
});
