/**
 * Lambda: turns check jobs that exhausted their receives on a region's check queue into ERROR
 * results. Fed by that queue's DLQ. Environment: RESULTS_QUEUE_URL, SOURCE_QUEUE_NAME,
 * SOURCE_MAX_RECEIVES (the check queue's redrive maxReceiveCount).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import { handleDeadLetters } from '#worker/dead-letters.ts';
import { optionalInteger, regionOfQueueUrl, required, sqsClient } from './environment.ts';
import { receivedMessages } from './sqs-records.ts';

const log = jsonLogger(undefined, 'info', { function: 'dead-letters' });
const resultsQueueUrl = required('RESULTS_QUEUE_URL');
const deps = {
  // The results queue is in the home region, whatever region this DLQ is in.
  results: new SqsQueue({ client: sqsClient(regionOfQueueUrl(resultsQueueUrl)), queueUrl: resultsQueueUrl }),
  clock: systemClock,
  log,
  sourceQueue: required('SOURCE_QUEUE_NAME'),
  sourceMaxReceives: optionalInteger('SOURCE_MAX_RECEIVES', 3),
};

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return handleDeadLetters(deps, receivedMessages(event.Records));
}
