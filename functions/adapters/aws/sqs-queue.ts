/**
 * The Queue port on Amazon SQS (AWS SDK v3). Sends and deletes go in batches of 10; a send
 * reports each message SQS refused (and each one it never saw because its batch call failed), so
 * the caller knows exactly what to retry. Messages SQS would refuse for their size, characters
 * or delay are refused here before any call, with the same reasons as the in-process queue.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  MessageNotInflight,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QUEUE_LIMITS, type OutgoingMessage, type Queue, type ReceiveOptions, type ReceivedMessage, type SendResult } from '#ports/queue.ts';
import { chunks, sizedChunks } from '../chunks.ts';
import { checkReceiveOptions, checkVisibilityTimeout, MessageNotInflightError, outgoingMessageProblem, type QueueCounts } from '../queue-requests.ts';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** For logs and metrics. @defaultValue the queue name at the end of `queueUrl` */
  name?: string;
}

export class SqsQueue implements Queue {
  readonly name: string;
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.name = options.name ?? options.queueUrl.slice(options.queueUrl.lastIndexOf('/') + 1);
  }

  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    const failed: SendResult['failed'] = [];
    const valid: { index: number; message: OutgoingMessage }[] = [];
    messages.forEach((message, index) => {
      const problem = outgoingMessageProblem(message);
      if (problem === undefined) valid.push({ index, message });
      else failed.push({ index, reason: problem });
    });
    // SendMessageBatch limits entries (10) and their bodies together: 256 KiB before 2025, 1 MiB
    // since. Staying under the older limit costs an extra call only for large messages, and works
    // everywhere.
    const batches = sizedChunks(valid, QUEUE_LIMITS.maxBatch, QUEUE_LIMITS.maxBodyBytes, ({ message }) => Buffer.byteLength(message.body, 'utf8'));
    for (const batch of batches) {
      try {
        const response = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map(({ index, message }) => ({
              Id: String(index),
              MessageBody: message.body,
              ...(message.delaySeconds !== undefined ? { DelaySeconds: message.delaySeconds } : {}),
            })),
          }),
        );
        for (const entry of response.Failed ?? []) failed.push({ index: Number(entry.Id), reason: `${entry.Code}: ${entry.Message ?? 'no message'}` });
      } catch (error) {
        // The whole call failed (after the SDK's own retries): report its messages and go on, so
        // the caller learns which messages of a long list were sent and which were not.
        const reason = describe(error);
        for (const { index } of batch) failed.push({ index, reason });
      }
    }
    return { failed: failed.sort((a, b) => a.index - b.index) };
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    checkReceiveOptions(options);
    if (options.signal?.aborted) return [];
    try {
      const response = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: options.maxMessages ?? QUEUE_LIMITS.maxBatch,
          WaitTimeSeconds: options.waitTimeSeconds ?? 0,
          ...(options.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: options.visibilityTimeoutSeconds } : {}),
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        { abortSignal: options.signal },
      );
      return (response.Messages ?? []).map((message) => this.received(message));
    } catch (error) {
      // An aborted long poll ends empty, as the in-process queue's does; any message SQS had
      // already handed out comes back after its visibility timeout.
      if (options.signal?.aborted) return [];
      throw new Error(`receive from queue ${this.name} failed: ${describe(error)}`, { cause: error });
    }
  }

  async delete(receiptHandles: readonly string[]): Promise<void> {
    let failedCount = 0;
    const reasons = new Set<string>();
    for (const batch of chunks(receiptHandles, QUEUE_LIMITS.maxBatch)) {
      try {
        const response = await this.client.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })) }),
        );
        for (const entry of response.Failed ?? []) reasons.add(`${entry.Code}: ${entry.Message ?? 'no message'}`);
        failedCount += response.Failed?.length ?? 0;
      } catch (error) {
        reasons.add(describe(error));
        failedCount += batch.length;
      }
    }
    if (failedCount > 0) {
      throw new Error(`could not delete ${failedCount} of ${receiptHandles.length} messages from queue ${this.name} (they will be received again): ${[...reasons].join('; ')}`);
    }
  }

  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    checkVisibilityTimeout(seconds);
    try {
      await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
    } catch (error) {
      if (error instanceof MessageNotInflight || error instanceof ReceiptHandleIsInvalid) throw new MessageNotInflightError(this.name, { cause: error });
      throw new Error(`changing a message's visibility on queue ${this.name} failed: ${describe(error)}`, { cause: error });
    }
  }

  /** SQS's ApproximateNumberOfMessages, ...NotVisible and ...Delayed. */
  async approximateCounts(): Promise<QueueCounts> {
    const response = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const count = (name: QueueAttributeName) => Number(response.Attributes?.[name] ?? 0);
    return {
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
    };
  }

  private received(message: Message): ReceivedMessage {
    const { MessageId, ReceiptHandle, Body, Attributes } = message;
    const receiveCount = Number(Attributes?.ApproximateReceiveCount);
    const sentAtMs = Number(Attributes?.SentTimestamp);
    if (MessageId === undefined || ReceiptHandle === undefined || Body === undefined || !Number.isInteger(receiveCount) || !Number.isInteger(sentAtMs)) {
      throw new Error(`queue ${this.name} returned a message without its id, receipt handle, body, ApproximateReceiveCount or SentTimestamp`);
    }
    return { messageId: MessageId, receiptHandle: ReceiptHandle, body: Body, receiveCount, sentAtMs };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
