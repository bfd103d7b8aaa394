/**
 * Lambda: the worker of one region, fed by that region's check queue (event source mapping with
 * ReportBatchItemFailures). Environment: RESULTS_QUEUE_URL (the home region's results queue),
 * AWS_REGION (set by Lambda; recorded on results), CHECK_CONCURRENCY (default 50).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { createEngineRegistry } from '#engines/all-engines.ts';
import { scriptEngine } from '#engines/script/script-engine.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import { runCheckJobs } from '#worker/run-jobs.ts';
import { optionalInteger, regionOfQueueUrl, required, sqsClient } from './environment.ts';
import { receivedMessages } from './sqs-records.ts';

const resultsQueueUrl = required('RESULTS_QUEUE_URL');
const region = required('AWS_REGION');
const log = jsonLogger(undefined, 'info', { function: 'worker', region });
// The results queue is in the home region, whatever region this worker runs in.
const results = new SqsQueue({ client: sqsClient(regionOfQueueUrl(resultsQueueUrl) ?? region), queueUrl: resultsQueueUrl });
const deps = { engines: createEngineRegistry(), results, clock: systemClock, log, producer: region, concurrency: optionalInteger('CHECK_CONCURRENCY', 50) };
// Loading the script sandbox during the init phase keeps it off the first check's time.
await scriptEngine.start();

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const outcome = await runCheckJobs(deps, receivedMessages(event.Records));
  log.info('batch done', { jobs: event.Records.length, ran: outcome.ran, late: outcome.late, malformed: outcome.malformed, failed: outcome.batchItemFailures.length });
  return { batchItemFailures: outcome.batchItemFailures };
}
