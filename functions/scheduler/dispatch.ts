/**
 * Sending planned jobs: each to the check queue of its region, delayed until it is due, so SQS
 * spreads a minute's jobs over the minute. A region with no check queue has no worker: its jobs
 * cannot run, and that must show on the checks rather than vanish, so each becomes an ERROR
 * result saying so, delayed like the job would have been (it lands when the run was due).
 *
 * Those results carry source `dead-letter`: like a job the dead-letter queue gives back, it is a
 * job that could not be delivered to a worker (`overdue` is for silence, and is a TIMEOUT).
 */
import type { ResultMessage } from '#core/messages.ts';
import type { Logger } from '#ports/logger.ts';
import type { OutgoingMessage, Queue } from '#ports/queue.ts';
import type { PlannedJob } from './check-runs.ts';
import { delaySecondsUntil } from './timing.ts';

/** `producer` of the results the scheduler makes itself. */
export const SCHEDULER_PRODUCER = 'scheduler';

export interface DispatchTargets {
  /** Check queue per region. */
  checkQueues: ReadonlyMap<string, Queue>;
  results: Queue;
  log: Logger;
}

export interface DispatchSummary {
  /** Jobs handed to each region's check queue. */
  sentByRegion: Record<string, number>;
  /** Jobs per region that has no check queue; each became an ERROR result. */
  unservedByRegion: Record<string, number>;
  /** Messages (jobs or results) the queues refused; logged with why. */
  failedToSend: number;
}

/** Sends `jobs` as of `nowMs`; regions are sent to concurrently. */
export async function dispatchJobs(jobs: readonly PlannedJob[], nowMs: number, targets: DispatchTargets): Promise<DispatchSummary> {
  const byRegion = new Map<string, PlannedJob[]>();
  for (const planned of jobs) {
    const list = byRegion.get(planned.region) ?? [];
    list.push(planned);
    byRegion.set(planned.region, list);
  }
  const summary: DispatchSummary = { sentByRegion: {}, unservedByRegion: {}, failedToSend: 0 };
  const unservedResults: OutgoingMessage[] = [];
  const sends: Promise<void>[] = [];
  for (const [region, planned] of byRegion) {
    const queue = targets.checkQueues.get(region);
    if (queue) {
      const messages = planned.map(({ job }) => ({ body: JSON.stringify(job), delaySeconds: delaySecondsUntil(job.dueAtMs, nowMs) }));
      sends.push(sendAll(queue, messages, targets.log, { region }).then((failed) => {
        summary.sentByRegion[region] = planned.length - failed;
        summary.failedToSend += failed;
      }));
    } else {
      summary.unservedByRegion[region] = planned.length;
      targets.log.error('no worker serves this region: its checks get an ERROR result instead of running', {
        region,
        jobs: planned.length,
        checkIds: [...new Set(planned.map(({ job }) => job.checkId))].slice(0, 10),
      });
      for (const { job, locationName } of planned) {
        unservedResults.push({ body: JSON.stringify(unservedResult(job, region, locationName)), delaySeconds: delaySecondsUntil(job.dueAtMs, nowMs) });
      }
    }
  }
  if (unservedResults.length > 0) {
    sends.push(sendAll(targets.results, unservedResults, targets.log, { purpose: 'unserved-region results' }).then((failed) => {
      summary.failedToSend += failed;
    }));
  }
  await Promise.all(sends);
  return summary;
}

function unservedResult(job: PlannedJob['job'], region: string, locationName: string | null): ResultMessage {
  const where = locationName === null ? `the home region ${region}` : `location '${locationName}' (region ${region})`;
  return {
    v: 1,
    siteId: job.siteId,
    checkId: job.checkId,
    locationId: job.locationId,
    dueAtMs: job.dueAtMs,
    status: 'ERROR',
    output: `no worker serves region ${region}: this check runs from ${where}, which has no check queue; deploy a worker there or move the location to a served region`,
    readings: [],
    // The run this stands for was due then: the result is ordered (and shown) as of that time.
    startedAtMs: job.dueAtMs,
    durationMs: 0,
    source: 'dead-letter',
    producer: SCHEDULER_PRODUCER,
  };
}

/** Sends messages, logs what a queue refused, returns how many it refused. */
export async function sendAll(queue: Queue, messages: readonly OutgoingMessage[], log: Logger, fields: Record<string, string>): Promise<number> {
  if (messages.length === 0) return 0;
  const { failed } = await queue.send(messages);
  if (failed.length > 0) {
    log.error('queue refused messages; they are not retried by the scheduler', {
      queue: queue.name,
      ...fields,
      failed: failed.length,
      reasons: [...new Set(failed.map((failure) => failure.reason))].slice(0, 5),
    });
  }
  return failed.length;
}
