/**
 * Lambda: the result processor, fed by the results queue (event source mapping with
 * ReportBatchItemFailures). Environment: DATABASE_URL or DATABASE_SECRET_ARN, EVENT_BUS_NAME.
 * Changes are pushed through the WebSocket API once it exists (issue 5); until then they are
 * only counted in the log.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeBus } from '#adapters/aws/eventbridge-bus.ts';
import { jsonLogger } from '#ports/logger.ts';
import type { Push } from '#ports/push.ts';
import { processResultMessages } from '#results/result-processor.ts';
import { connect } from '#store/database.ts';
import { databaseUrl, required } from './environment.ts';
import { receivedMessages } from './sqs-records.ts';

const log = jsonLogger(undefined, 'info', { function: 'results' });
// One connection per Lambda instance: concurrency comes from instances, not from a pool.
const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-results' });
const bus = new EventBridgeBus({ client: new EventBridgeClient({}), eventBusName: required('EVENT_BUS_NAME') });
const push: Push = { publish: async (changes) => log.debug('changes not pushed: no WebSocket API yet', { checks: changes.checks.length }) };

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const outcome = await processResultMessages({ db, bus, push, log }, receivedMessages(event.Records));
  log.info('batch done', {
    results: event.Records.length, applied: outcome.applied, ignored: outcome.ignored,
    transitions: outcome.transitions, hardChanges: outcome.hardChanges, failed: outcome.batchItemFailures.length,
  });
  return { batchItemFailures: outcome.batchItemFailures };
}
