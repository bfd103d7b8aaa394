/**
 * Lambda: the scheduler, invoked by EventBridge's `rate(1 minute)` rule. Environment:
 * DATABASE_URL or DATABASE_SECRET_ARN, CHECK_QUEUE_URLS (JSON: region -> check queue URL, one per
 * worker region), HOME_REGION (where checks without a location run; default AWS_REGION),
 * RESULTS_QUEUE_URL, and WEBSOCKET_MANAGEMENT_ENDPOINT when downtimes starting and ending should
 * reach browsers at once (otherwise they show at the next result).
 */
import type { ScheduledEvent } from 'aws-lambda';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import type { Push } from '#ports/push.ts';
import type { Queue } from '#ports/queue.ts';
import { runTick, type TickSummary } from '#scheduler/scheduler.ts';
import { connect } from '#store/database.ts';
import { runHousekeeping, type HousekeepingSummary } from '#actions/housekeeping.ts';
import { WebSocketPush } from '#websocket/websocket-push.ts';
import { databaseUrl, queueUrlsByRegion, required, sqsClient } from './environment.ts';

const log = jsonLogger(undefined, 'info', { function: 'scheduler' });
const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-scheduler' });
const checkQueues = new Map<string, Queue>(
  [...queueUrlsByRegion('CHECK_QUEUE_URLS')].map(([region, queueUrl]) => [region, new SqsQueue({ client: sqsClient(region), queueUrl })]),
);
const deps = {
  db, clock: systemClock, log, checkQueues,
  homeRegion: process.env.HOME_REGION || required('AWS_REGION'),
  results: new SqsQueue({ client: sqsClient(), queueUrl: required('RESULTS_QUEUE_URL') }),
};

const endpoint = process.env.WEBSOCKET_MANAGEMENT_ENDPOINT;
const push: Push = endpoint ? new WebSocketPush({ db, log, endpoint }) : { publish: async () => {} };

export async function handler(_event: ScheduledEvent): Promise<TickSummary & { housekeeping: HousekeepingSummary }> {
  const summary = await runTick(deps);
  return { ...summary, housekeeping: await runHousekeeping({ db, push, log, clock: systemClock }) };
}
