/**
 * A message queue with SQS's semantics, so that the same functions run on SQS in AWS and on an
 * in-process queue locally (functions/adapters/local/memory-queue.ts):
 * - at-least-once delivery, no ordering promise;
 * - a message may be delayed (0-900 s) before it can be received;
 * - a received message is invisible for the visibility timeout, then is received again unless it
 *   was deleted; each receive counts, and after `maxReceiveCount` receives it moves to the
 *   dead-letter queue instead;
 * - at most 10 messages per send or receive call (callers send any number; adapters batch).
 * Bodies are strings (JSON, see functions/core/messages.ts); adapters never parse them.
 */
export interface OutgoingMessage {
  body: string;
  /** Seconds before the message can be received, 0-900. */
  delaySeconds?: number;
}

export interface ReceivedMessage {
  /** Unique per message. */
  messageId: string;
  /** Unique per receive: what `delete` and `changeVisibility` take. */
  receiptHandle: string;
  body: string;
  /** How many times this message has been received, this time included. */
  receiveCount: number;
  /** When it was first sent (epoch ms). */
  sentAtMs: number;
}

export interface SendResult {
  /** Messages that could not be sent, with why; the caller decides whether to retry. */
  failed: { index: number; reason: string }[];
}

export interface ReceiveOptions {
  /** 1-10. @defaultValue 10 */
  maxMessages?: number;
  /** Long poll: wait up to this long for a first message, 0-20. @defaultValue 0 */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for these messages. */
  visibilityTimeoutSeconds?: number;
  /** Stops a long poll early. */
  signal?: AbortSignal;
}

export interface Queue {
  /** For logs and metrics. */
  readonly name: string;
  send(messages: readonly OutgoingMessage[]): Promise<SendResult>;
  receive(options?: ReceiveOptions): Promise<ReceivedMessage[]>;
  delete(receiptHandles: readonly string[]): Promise<void>;
  /** Makes a received message visible again after `seconds` (0: at once). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

/** SQS's limits, which the in-process queue enforces too so nothing works locally that would fail in AWS. */
export const QUEUE_LIMITS = Object.freeze({
  maxBatch: 10,
  maxDelaySeconds: 900,
  maxBodyBytes: 256 * 1024,
  maxWaitTimeSeconds: 20,
});

/** What a batch handler returns, as Lambda's SQS event source expects with ReportBatchItemFailures. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}
