/** Lambda's SQS event records as the Queue port's received messages. */
import type { SQSRecord } from 'aws-lambda';
import type { ReceivedMessage } from '#ports/queue.ts';

export function receivedMessages(records: readonly SQSRecord[]): ReceivedMessage[] {
  return records.map((record) => ({
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    body: record.body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
    sentAtMs: Number(record.attributes.SentTimestamp ?? 0),
  }));
}
