/**
 * Lambda: the result processor, fed by the results queue (event source mapping with
 * ReportBatchItemFailures). Environment: DATABASE_URL or DATABASE_SECRET_ARN, EVENT_BUS_NAME,
 * WEBSOCKET_MANAGEMENT_ENDPOINT (the WebSocket API stage's `https://{id}.execute-api.{region}.amazonaws.com/{stage}`):
 * changes are pushed to the browsers subscribed to them.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeBus } from '#adapters/aws/eventbridge-bus.ts';
import { jsonLogger } from '#ports/logger.ts';
import { processResultMessages } from '#results/result-processor.ts';
import { connect } from '#store/database.ts';
import { WebSocketPush } from '../websocket/websocket-push.ts';
import { databaseUrl, required } from './environment.ts';
import { receivedMessages } from './sqs-records.ts';

const log = jsonLogger(undefined, 'info', { function: 'results' });
// One connection per Lambda instance: concurrency comes from instances, not from a pool.
const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-results' });
const bus = new EventBridgeBus({ client: new EventBridgeClient({}), eventBusName: required('EVENT_BUS_NAME') });
const push = new WebSocketPush({ db, log, endpoint: required('WEBSOCKET_MANAGEMENT_ENDPOINT') });

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const outcome = await processResultMessages({ db, bus, push, log }, receivedMessages(event.Records));
  log.info('batch done', {
    results: event.Records.length, applied: outcome.applied, ignored: outcome.ignored,
    transitions: outcome.transitions, hardChanges: outcome.hardChanges, failed: outcome.batchItemFailures.length,
  });
  return { batchItemFailures: outcome.batchItemFailures };
}
