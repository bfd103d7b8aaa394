/**
 * The worker: runs a batch of check jobs from its region's queue and sends their results to the
 * home results queue. Deployed per region, it consumes only its region's queue (infra/).
 *
 * - Jobs in a batch run concurrently (up to `concurrency`), each with its own deadline; a check
 *   that hangs is a TIMEOUT result, not a stuck batch (runCheck holds the deadline).
 * - A job received after its `startByMs` is dropped, counted and logged, not run late: the next
 *   scheduled run is near, and a late result would only confuse the state.
 * - Only messages that truly failed are reported in `batchItemFailures` (Lambda's partial batch
 *   response), so one bad message never makes the others run again:
 *   - a malformed job can never run: reported, so SQS moves it to the DLQ after its receives;
 *   - a result that could not be sent: reported, so the check runs again on redelivery.
 * - A crashing worker (killed mid-batch) reports nothing: every message of the batch comes back
 *   after the visibility timeout, and after `maxReceiveCount` goes to the DLQ, whose consumer
 *   (dead-letters.ts) records an ERROR result saying why. No check is lost silently.
 */
import { mapConcurrently } from '#core/concurrently.ts';
import { parseCheckJob, type CheckJob, type ResultMessage } from '#core/messages.ts';
import type { EngineCheck } from '#engines/engine.ts';
import type { EngineRegistry } from '#engines/registry.ts';
import { runCheck } from '#engines/run-check.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { BatchResponse, Queue, ReceivedMessage } from '#ports/queue.ts';

export interface WorkerDeps {
  engines: EngineRegistry;
  results: Queue;
  clock: Clock;
  log: Logger;
  /** Where this worker runs (region name, or `local`), recorded on every result. */
  producer: string;
  /** Checks run at once. @defaultValue 50 */
  concurrency?: number;
}

export interface WorkerBatchOutcome extends BatchResponse {
  ran: number;
  /** Jobs received after their start-by time, not run. */
  late: number;
  malformed: number;
}

export async function runCheckJobs(deps: WorkerDeps, messages: readonly ReceivedMessage[]): Promise<WorkerBatchOutcome> {
  const failures: string[] = [];
  const runnable: { message: ReceivedMessage; job: CheckJob }[] = [];
  let late = 0;
  for (const message of messages) {
    let job: CheckJob;
    try {
      job = parseCheckJob(message.body);
    } catch (error) {
      deps.log.error('check job is malformed; it will go to the dead-letter queue', { messageId: message.messageId, reason: (error as Error).message });
      failures.push(message.messageId);
      continue;
    }
    if (deps.clock.nowMs() > job.startByMs) {
      late++;
      deps.log.warn('check job received after its start-by time; dropped, the next run is near', {
        siteId: job.siteId, checkId: job.checkId, dueAtMs: job.dueAtMs, lateByMs: deps.clock.nowMs() - job.startByMs,
      });
      continue;
    }
    runnable.push({ message, job });
  }

  const results = await mapConcurrently(runnable, deps.concurrency ?? 50, ({ job }) => runJob(deps, job));
  const { failed } = await deps.results.send(results.map((result) => ({ body: JSON.stringify(result) })));
  for (const failure of failed) {
    const { message, job } = runnable[failure.index]!;
    deps.log.error('result could not be sent; the job will run again', { checkId: job.checkId, reason: failure.reason });
    failures.push(message.messageId);
  }
  return {
    batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    ran: runnable.length,
    late,
    malformed: messages.length - runnable.length - late,
  };
}

/** Runs one job; always returns a result (an unknown engine is an ERROR result). */
export async function runJob(deps: Pick<WorkerDeps, 'engines' | 'clock' | 'producer'>, job: CheckJob): Promise<ResultMessage> {
  const base = { v: 1 as const, siteId: job.siteId, checkId: job.checkId, locationId: job.locationId, dueAtMs: job.dueAtMs, source: 'worker' as const, producer: deps.producer };
  const engine = deps.engines.forCommand(job.check.command);
  if (!engine) {
    const startedAtMs = deps.clock.nowMs();
    return {
      ...base, status: 'ERROR', readings: [], startedAtMs, durationMs: 0,
      output: `No check engine named '${job.check.command.engine}' (command ${job.check.command.name}); this worker has: ${deps.engines.names().join(', ')}`,
    };
  }
  const check: EngineCheck = {
    checkId: job.checkId,
    siteId: job.siteId,
    name: job.check.name,
    ...(job.check.host ? { host: job.check.host } : {}),
    command: job.check.command,
    network: { allowMetadataAddresses: job.check.allowMetadataAddresses },
  };
  const result = await runCheck(engine, check, job.check.parameters, job.check.secretNames, {
    timeoutMs: job.timeoutMs,
    now: () => deps.clock.nowMs(),
  });
  return { ...base, ...result };
}
