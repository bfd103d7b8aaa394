/**
 * An in-process queue with SQS's semantics (see functions/ports/queue.ts): delays, visibility
 * timeouts, receive counts, redrive to a dead-letter queue, long polling, and SQS's limits.
 * `npm start` runs on it with the real clock; tests give it a ManualClock and move time by hand.
 *
 * Message times (delays, visibility) are read from the clock; a long poll's wait is real time,
 * because it is the process that waits. With the system clock the two agree; with a ManualClock
 * a long poll still ends after `waitTimeSeconds`, and wakes when a message is sent or its
 * visibility is changed, while delayed messages appear only when the test moves the clock.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '#ports/clock.ts';
import { QUEUE_LIMITS, type OutgoingMessage, type Queue, type ReceiveOptions, type ReceivedMessage, type SendResult } from '#ports/queue.ts';
import { checkReceiveOptions, checkVisibilityTimeout, MessageNotInflightError, outgoingMessageProblem, type QueueCounts } from '../queue-requests.ts';

export interface MemoryQueueOptions {
  name: string;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** How long a received message stays invisible, 0-43200 s. @defaultValue 30 (SQS's default) */
  visibilityTimeoutSeconds?: number;
  /**
   * SQS's redrive policy: a message that has been received `maxReceiveCount` times (1-1000) moves
   * to `queue` on the next receive that finds it visible, instead of being received again.
   */
  deadLetter?: { queue: MemoryQueue; maxReceiveCount: number };
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentAtMs: number;
  /** Until when no receive gets it: its delay at first, then each receive's visibility timeout. */
  hiddenUntilMs: number;
  receiveCount: number;
  /** The latest receive's handle; an older one no longer acts on the message, as in SQS. */
  receiptHandle: string | undefined;
}

const DEFAULT_VISIBILITY_TIMEOUT_S = 30;
const MAX_RECEIVE_COUNT = 1000;

export class MemoryQueue implements Queue {
  readonly name: string;
  private readonly clock: Clock;
  private readonly visibilityTimeoutSeconds: number;
  private readonly deadLetter: MemoryQueueOptions['deadLetter'];
  /** In send order, which receives follow (SQS promises no order; this one is merely stable). */
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byReceiptHandle = new Map<string, StoredMessage>();
  /** Long polls waiting for a message; each is called when one may have become receivable. */
  private readonly waiters = new Set<() => void>();

  constructor(options: MemoryQueueOptions) {
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_S;
    checkVisibilityTimeout(this.visibilityTimeoutSeconds);
    const maxReceiveCount = options.deadLetter?.maxReceiveCount;
    if (maxReceiveCount !== undefined && !(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 1 && maxReceiveCount <= MAX_RECEIVE_COUNT)) {
      throw new RangeError(`maxReceiveCount of queue ${this.name} is ${maxReceiveCount}; give a whole number from 1 to ${MAX_RECEIVE_COUNT}`);
    }
    if (options.deadLetter?.queue === this) throw new Error(`queue ${this.name} cannot be its own dead-letter queue`);
    this.deadLetter = options.deadLetter;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    const failed: SendResult['failed'] = [];
    const nowMs = this.clock.nowMs();
    messages.forEach((message, index) => {
      const problem = outgoingMessageProblem(message);
      if (problem !== undefined) {
        failed.push({ index, reason: problem });
        return;
      }
      const messageId = randomUUID();
      this.messages.set(messageId, {
        messageId,
        body: message.body,
        sentAtMs: nowMs,
        hiddenUntilMs: nowMs + (message.delaySeconds ?? 0) * 1000,
        receiveCount: 0,
        receiptHandle: undefined,
      });
    });
    this.wakeWaiters();
    return { failed };
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    checkReceiveOptions(options);
    const maxMessages = options.maxMessages ?? QUEUE_LIMITS.maxBatch;
    const visibilityMs = (options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds) * 1000;
    const waitUntil = performance.now() + (options.waitTimeSeconds ?? 0) * 1000;
    for (;;) {
      if (options.signal?.aborted) return [];
      const received = this.take(maxMessages, visibilityMs);
      const waitLeftMs = waitUntil - performance.now();
      if (received.length > 0 || waitLeftMs <= 0) return received;
      const nextVisibleInMs = this.nextVisibleAtMs() - this.clock.nowMs();
      await this.waitForChange(Math.min(waitLeftMs, nextVisibleInMs), options.signal);
    }
  }

  async delete(receiptHandles: readonly string[]): Promise<void> {
    for (const handle of receiptHandles) {
      // A stale handle deletes nothing: SQS only promises deletion with the latest one.
      const message = this.byReceiptHandle.get(handle);
      if (message !== undefined) this.remove(message);
    }
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    checkVisibilityTimeout(seconds);
    const message = this.byReceiptHandle.get(receiptHandle);
    const nowMs = this.clock.nowMs();
    if (message === undefined || message.hiddenUntilMs <= nowMs) throw new MessageNotInflightError(this.name);
    message.hiddenUntilMs = nowMs + seconds * 1000;
    this.wakeWaiters();
  }

  /** How many messages are visible, in flight and delayed (as SQS's approximate counts). */
  async approximateCounts(): Promise<QueueCounts> {
    const nowMs = this.clock.nowMs();
    const counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.hiddenUntilMs <= nowMs) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  /** Receives up to `maxMessages` visible messages, moving those past maxReceiveCount to the dead-letter queue. */
  private take(maxMessages: number, visibilityMs: number): ReceivedMessage[] {
    const nowMs = this.clock.nowMs();
    const received: ReceivedMessage[] = [];
    for (const message of this.messages.values()) {
      if (received.length === maxMessages) break;
      if (message.hiddenUntilMs > nowMs) continue;
      if (this.deadLetter !== undefined && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        // The receive that moves it counts, as in SQS.
        message.receiveCount += 1;
        this.remove(message);
        this.deadLetter.queue.adopt(message);
        continue;
      }
      if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
      message.receiptHandle = randomUUID();
      this.byReceiptHandle.set(message.receiptHandle, message);
      message.receiveCount += 1;
      message.hiddenUntilMs = nowMs + visibilityMs;
      received.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        receiveCount: message.receiveCount,
        sentAtMs: message.sentAtMs,
      });
    }
    return received;
  }

  /**
   * Takes in a dead letter. Like SQS, it keeps its message id, its sent time and its receive
   * count, which goes on counting here: its first receive from the dead-letter queue reports
   * maxReceiveCount + 2.
   */
  private adopt(message: StoredMessage): void {
    this.messages.set(message.messageId, { ...message, hiddenUntilMs: this.clock.nowMs(), receiptHandle: undefined });
    this.wakeWaiters();
  }

  private remove(message: StoredMessage): void {
    this.messages.delete(message.messageId);
    if (message.receiptHandle !== undefined) this.byReceiptHandle.delete(message.receiptHandle);
  }

  /** When the next hidden message becomes visible (Infinity when none is hidden). */
  private nextVisibleAtMs(): number {
    let next = Infinity;
    for (const message of this.messages.values()) next = Math.min(next, message.hiddenUntilMs);
    return next;
  }

  /** Resolves after `ms`, when a message may have become receivable, or on abort. */
  private waitForChange(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
