/**
 * The local stand-in for Lambda's SQS event source mapping, for any Queue: long-polls, hands
 * batches to a handler that reports partial failures (ReportBatchItemFailures), deletes what
 * succeeded and leaves what failed to come back after its visibility timeout, so retries, receive
 * counts and the dead-letter queue behave as in AWS.
 *
 * As Lambda does, it treats a handler that throws, or that names a message not in the batch, as
 * a failure of the whole batch.
 */
import { setTimeout } from 'node:timers/promises';
import type { Logger } from '#ports/logger.ts';
import { QUEUE_LIMITS, type BatchResponse, type Queue, type ReceivedMessage } from '#ports/queue.ts';
import { checkVisibilityTimeout, MessageNotInflightError } from '../queue-requests.ts';

export type BatchHandler = (messages: ReceivedMessage[]) => Promise<BatchResponse>;

export interface QueuePollerOptions {
  queue: Queue;
  handler: BatchHandler;
  log: Logger;
  /** Messages per batch, 1-10. @defaultValue 10 */
  batchSize?: number;
  /** Batches handled at once, each from its own long poll. @defaultValue 1 */
  concurrency?: number;
  /** Long poll of each receive, 1-20 s. @defaultValue 20 */
  waitTimeSeconds?: number;
  /** Visibility timeout of the messages it receives. @defaultValue the queue's */
  visibilityTimeoutSeconds?: number;
  /** When set, a failed message is visible again after this many seconds rather than after its visibility timeout. */
  retryDelaySeconds?: number;
  /** Pause after a receive that failed. @defaultValue 1000 */
  receiveErrorPauseMs?: number;
}

export interface PollerCounts {
  batches: number;
  succeeded: number;
  failed: number;
}

export class QueuePoller {
  /** What it has handled so far. */
  readonly counts: PollerCounts = { batches: 0, succeeded: 0, failed: 0 };
  private readonly options: Required<Omit<QueuePollerOptions, 'visibilityTimeoutSeconds' | 'retryDelaySeconds'>> &
    Pick<QueuePollerOptions, 'visibilityTimeoutSeconds' | 'retryDelaySeconds'>;
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] | undefined;

  constructor(options: QueuePollerOptions) {
    this.options = { batchSize: QUEUE_LIMITS.maxBatch, concurrency: 1, waitTimeSeconds: QUEUE_LIMITS.maxWaitTimeSeconds, receiveErrorPauseMs: 1000, ...options };
    const { batchSize, concurrency, waitTimeSeconds } = this.options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > QUEUE_LIMITS.maxBatch) throw new RangeError(`batchSize is ${batchSize}; give 1 to ${QUEUE_LIMITS.maxBatch}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency is ${concurrency}; give a whole number of at least 1`);
    // A short poll on an empty queue would spin: the poller always waits at least a second.
    if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 1 || waitTimeSeconds > QUEUE_LIMITS.maxWaitTimeSeconds) {
      throw new RangeError(`waitTimeSeconds is ${waitTimeSeconds}; give 1 to ${QUEUE_LIMITS.maxWaitTimeSeconds}`);
    }
    if (this.options.visibilityTimeoutSeconds !== undefined) checkVisibilityTimeout(this.options.visibilityTimeoutSeconds);
    if (this.options.retryDelaySeconds !== undefined) checkVisibilityTimeout(this.options.retryDelaySeconds);
  }

  /** Starts polling; returns the poller for chaining. */
  start(): this {
    if (this.loops !== undefined) throw new Error(`the poller of queue ${this.options.queue.name} was already started; create another to poll again`);
    this.loops = Array.from({ length: this.options.concurrency }, () => this.poll());
    return this;
  }

  /** Ends the long polls at once; resolves when the batches being handled are finished and settled. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops ?? []);
  }

  private async poll(): Promise<void> {
    const { queue, log, batchSize, waitTimeSeconds, visibilityTimeoutSeconds, receiveErrorPauseMs } = this.options;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let messages: ReceivedMessage[];
      try {
        messages = await queue.receive({ maxMessages: batchSize, waitTimeSeconds, visibilityTimeoutSeconds, signal });
      } catch (error) {
        log.error('receive failed; polling again shortly', { queue: queue.name, reason: (error as Error).message });
        // Rejects on abort, which only ends the pause early.
        await setTimeout(receiveErrorPauseMs, undefined, { signal }).catch(() => {});
        continue;
      }
      // Handled even when stopping: they were received, and deleting them now saves a redelivery.
      if (messages.length > 0) await this.handle(messages);
    }
  }

  private async handle(messages: ReceivedMessage[]): Promise<void> {
    const { queue, log, retryDelaySeconds } = this.options;
    const failedIds = await this.failures(messages);
    const succeeded = messages.filter((message) => !failedIds.has(message.messageId));
    const failed = messages.filter((message) => failedIds.has(message.messageId));
    this.counts.batches += 1;
    this.counts.succeeded += succeeded.length;
    this.counts.failed += failed.length;
    if (succeeded.length > 0) {
      try {
        await queue.delete(succeeded.map((message) => message.receiptHandle));
      } catch (error) {
        log.error('handled messages could not be deleted; they will be handled again', { queue: queue.name, count: succeeded.length, reason: (error as Error).message });
      }
    }
    for (const message of failed) {
      log.warn('message failed; it will be received again', { queue: queue.name, messageId: message.messageId, receiveCount: message.receiveCount });
      if (retryDelaySeconds === undefined) continue;
      try {
        await queue.changeVisibility(message.receiptHandle, retryDelaySeconds);
      } catch (error) {
        // Its visibility timeout passed while it was handled: it is already on its way back.
        if (error instanceof MessageNotInflightError) continue;
        log.error('could not shorten a failed message\'s visibility timeout; it comes back after the full timeout', { queue: queue.name, messageId: message.messageId, reason: (error as Error).message });
      }
    }
  }

  /** The ids of the messages the handler failed; all of them when it threw or answered nonsense. */
  private async failures(messages: ReceivedMessage[]): Promise<Set<string>> {
    const { queue, log, handler } = this.options;
    const everything = new Set(messages.map((message) => message.messageId));
    let response: BatchResponse | undefined;
    try {
      response = await handler(messages);
    } catch (error) {
      log.error('batch handler threw; every message of the batch will be received again', { queue: queue.name, count: messages.length, reason: (error as Error).message });
      return everything;
    }
    // As Lambda: no response, or an empty list, is a complete success.
    const reported = (response?.batchItemFailures ?? []).map((failure) => failure?.itemIdentifier);
    const unknown = reported.filter((id) => typeof id !== 'string' || !everything.has(id));
    if (unknown.length > 0) {
      log.error('batch handler reported failures for messages not in its batch; the whole batch fails', { queue: queue.name, count: messages.length, unknown: unknown.map(String) });
      return everything;
    }
    return new Set(reported as string[]);
  }
}
