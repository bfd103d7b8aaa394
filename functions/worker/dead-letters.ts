/**
 * The dead-letter consumer: a check job that exhausted its receives on a region's queue (its
 * worker crashed, timed out or could not send the result every time) becomes an ERROR result
 * that says so, on the check itself, where people look. The check is not silently skipped.
 */
import { parseCheckJob, type ResultMessage } from '#core/messages.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { BatchResponse, Queue, ReceivedMessage } from '#ports/queue.ts';

export interface DeadLetterDeps {
  results: Queue;
  clock: Clock;
  log: Logger;
  /** The queue the dead letters came from, for the message. */
  sourceQueue: string;
  /** Its redrive policy's maxReceiveCount: how often each job was received before it came here. */
  sourceMaxReceives: number;
}

export async function handleDeadLetters(deps: DeadLetterDeps, messages: readonly ReceivedMessage[]): Promise<BatchResponse> {
  const results: { message: ReceivedMessage; result: ResultMessage }[] = [];
  for (const message of messages) {
    try {
      const job = parseCheckJob(message.body);
      const nowMs = deps.clock.nowMs();
      results.push({
        message,
        result: {
          v: 1, siteId: job.siteId, checkId: job.checkId, locationId: job.locationId, dueAtMs: job.dueAtMs,
          status: 'ERROR',
          // The receive count goes on counting here (SQS keeps it), so it is not the number of tries.
          output: `Check could not be run: its job on ${deps.sourceQueue} was received ${deps.sourceMaxReceives} times without a result ` +
            '(the worker crashed, ran out of time, or could not send the result). See the worker logs.',
          readings: [], startedAtMs: nowMs, durationMs: 0, source: 'dead-letter', producer: deps.sourceQueue,
        },
      });
    } catch (error) {
      // Nothing to attach an ERROR to: log it loudly and let it go, or it would circle forever.
      deps.log.error('dead-lettered message is not a check job; discarded', { messageId: message.messageId, queue: deps.sourceQueue, reason: (error as Error).message });
    }
  }
  const { failed } = await deps.results.send(results.map(({ result }) => ({ body: JSON.stringify(result) })));
  for (const failure of failed) deps.log.error('dead-letter result could not be sent; will retry', { reason: failure.reason });
  return { batchItemFailures: failed.map((failure) => ({ itemIdentifier: results[failure.index]!.message.messageId })) };
}
