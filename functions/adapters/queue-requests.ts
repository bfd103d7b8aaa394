/**
 * What both Queue adapters check before they act, so that a message SQS would refuse is refused
 * by the in-process queue too, with the same reason, and nothing works locally that fails in AWS.
 */
import { QUEUE_LIMITS, type OutgoingMessage, type ReceiveOptions } from '#ports/queue.ts';

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_S = 43_200;

/** SQS's ApproximateNumberOfMessages, ...NotVisible and ...Delayed. */
export interface QueueCounts {
  /** Can be received now. */
  visible: number;
  /** Received, neither deleted nor visible again yet. */
  inFlight: number;
  /** Sent with a delay that has not passed yet. */
  delayed: number;
}

/**
 * SQS takes these characters only (the XML 1.0 character set); anything else, a lone surrogate
 * included, fails the message with InvalidMessageContents.
 */
const NOT_ALLOWED_IN_BODY = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Why SQS would refuse this message, or undefined when it would take it. */
export function outgoingMessageProblem(message: OutgoingMessage): string | undefined {
  const bytes = Buffer.byteLength(message.body, 'utf8');
  if (bytes === 0) return 'the body is empty; SQS needs at least one character';
  if (bytes > QUEUE_LIMITS.maxBodyBytes) {
    return `the body is ${bytes} bytes, over SQS's ${QUEUE_LIMITS.maxBodyBytes} (256 KiB): send a smaller message, or store the payload elsewhere and send a reference`;
  }
  if (NOT_ALLOWED_IN_BODY.test(message.body)) return 'the body holds characters SQS refuses (control characters other than tab, CR, LF, or lone surrogates)';
  const delay = message.delaySeconds ?? 0;
  if (!Number.isInteger(delay) || delay < 0 || delay > QUEUE_LIMITS.maxDelaySeconds) {
    return `delaySeconds ${delay} is not a whole number of seconds from 0 to ${QUEUE_LIMITS.maxDelaySeconds}`;
  }
  return undefined;
}

/** Throws a RangeError naming the option when a receive asks for what SQS would refuse. */
export function checkReceiveOptions(options: ReceiveOptions): void {
  checkWhole('maxMessages', options.maxMessages, 1, QUEUE_LIMITS.maxBatch);
  checkWhole('waitTimeSeconds', options.waitTimeSeconds, 0, QUEUE_LIMITS.maxWaitTimeSeconds);
  checkWhole('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds, 0, MAX_VISIBILITY_TIMEOUT_S);
}

/** Throws a RangeError unless `seconds` is a visibility timeout SQS takes. */
export function checkVisibilityTimeout(seconds: number): void {
  checkWhole('visibility timeout', seconds, 0, MAX_VISIBILITY_TIMEOUT_S);
}

function checkWhole(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} is ${value}; give a whole number from ${min} to ${max}`);
}

/**
 * SQS's MessageNotInflight: the receipt handle does not name a message that is in flight (it was
 * deleted, its visibility timeout passed, or it was received again since, with a newer handle).
 */
export class MessageNotInflightError extends Error {
  constructor(queueName: string, options?: ErrorOptions) {
    super(`the message is not in flight on queue ${queueName} (deleted, visible again, or received again with a newer receipt handle): receive it again to act on it`, options);
    this.name = 'MessageNotInflightError';
  }
}
