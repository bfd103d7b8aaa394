/**
 * Lambda: the notifier. Two triggers:
 * - the notifier queue (event source mapping with ReportBatchItemFailures), where EventBridge
 *   routes every `CheckStateChanged` and where the notifier leaves itself delayed wake-ups;
 * - EventBridge's `rate(1 minute)`: the sweep (follow-ups, and whatever came due unwoken).
 * Environment: DATABASE_URL or DATABASE_SECRET_ARN, NOTIFIER_QUEUE_URL (its own queue, for
 * wake-ups), and the channel settings of functions/adapters/notify/channels.ts (VIGIL_EMAIL,
 * VIGIL_MAIL_FROM, VIGIL_SMS...).
 */
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { channelsFromEnvironment } from '#adapters/notify/channels.ts';
import { systemClock } from '#ports/clock.ts';
import { jsonLogger } from '#ports/logger.ts';
import { processNotifierMessages, runNotifierSweep } from '#notify/notifier.ts';
import type { NotifierDeps } from '#notify/notifier-deps.ts';
import { connect } from '#store/database.ts';
import { databaseUrl, required, sqsClient } from './environment.ts';
import { receivedMessages } from './sqs-records.ts';

const log = jsonLogger(undefined, 'info', { function: 'notifier' });
const deps: NotifierDeps = {
  db: connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-notifier' }),
  clock: systemClock,
  log,
  channels: channelsFromEnvironment(process.env, log),
  wakeUps: new SqsQueue({ client: sqsClient(), queueUrl: required('NOTIFIER_QUEUE_URL') }),
};

export async function handler(event: SQSEvent | ScheduledEvent): Promise<SQSBatchResponse | object> {
  if ('Records' in event) {
    const outcome = await processNotifierMessages(deps, receivedMessages(event.Records));
    log.info('batch done', { messages: event.Records.length, notifications: outcome.notifications, ...outcome.delivered, failed: outcome.batchItemFailures.length });
    return { batchItemFailures: outcome.batchItemFailures };
  }
  const sweep = await runNotifierSweep(deps);
  log.info('sweep done', { followUps: sweep.followUps, ...sweep.delivered });
  return sweep;
}
