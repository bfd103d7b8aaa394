/**
 * "Run now": one run of a check from each of its locations, at once, outside its schedule (no
 * delay, no time period; a disabled check runs too, as someone asked for it). The jobs are marked
 * `runNow` and due now; the scheduled runs carry on as before.
 */
import type { Queryable } from '#store/database.ts';
import { checkJob, checkRunColumns, checkRunSource, type CheckRunRow } from './check-runs.ts';
import { dispatchJobs } from './dispatch.ts';
import type { SchedulerDeps } from './scheduler.ts';

/** The check does not exist in this site (whether it exists in another is not told). */
export class CheckNotFoundError extends Error {
  constructor(
    readonly siteId: string,
    readonly checkId: string,
  ) {
    super(`no check ${checkId} in site ${siteId}: look the check up in this site (its id may have changed if it was removed and added again)`);
    this.name = 'CheckNotFoundError';
  }
}

/** The check exists but no worker runs it (a trap, a cluster or resource, or a check without a command). */
export class CheckNotRunnableError extends Error {
  constructor(
    readonly checkId: string,
    readonly kind: string,
    readonly checkName: string,
  ) {
    super(
      `${kind} '${checkName}' is not run by workers, so it cannot be run now: ` +
        (kind === 'trap' ? 'traps receive their results' : kind === 'host' || kind === 'service' ? 'it has no check command' : 'its state is worked out from other checks'),
    );
    this.name = 'CheckNotRunnableError';
  }
}

export interface RunNowSummary {
  /** Jobs handed to check queues: one per location whose region has a worker. */
  sent: number;
  /** Jobs for regions without a worker, reported on the check as ERROR results instead. */
  unserved: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sends one job per location of the check, due now, with no delay.
 * @throws CheckNotFoundError when the check is not in `siteId`; CheckNotRunnableError when no worker runs it.
 */
export async function runNow(
  sql: Queryable,
  siteId: string,
  checkId: string,
  deps: Pick<SchedulerDeps, 'clock' | 'log' | 'checkQueues' | 'homeRegion' | 'results'>,
): Promise<RunNowSummary> {
  if (!UUID.test(siteId) || !UUID.test(checkId)) throw new CheckNotFoundError(siteId, checkId);
  const rows = await sql<CheckRunRow[]>`
    select ${checkRunColumns(sql)} from ${checkRunSource(sql)}
    where r.site_id = ${siteId} and r.check_id = ${checkId}`;
  if (rows.length === 0) {
    const [check] = await sql<{ kind: string; name: string }[]>`
      select kind, name from "check" where site_id = ${siteId} and id = ${checkId}`;
    if (!check) throw new CheckNotFoundError(siteId, checkId);
    throw new CheckNotRunnableError(checkId, check.kind, check.name);
  }
  const nowMs = deps.clock.nowMs();
  const jobs = rows.map((row) => checkJob(row, nowMs, deps.homeRegion, true));
  const dispatched = await dispatchJobs(jobs, nowMs, deps);
  deps.log.info('run now', { siteId, checkId, locations: jobs.length, failedToSend: dispatched.failedToSend });
  return {
    sent: Object.values(dispatched.sentByRegion).reduce((sum, n) => sum + n, 0),
    unserved: Object.values(dispatched.unservedByRegion).reduce((sum, n) => sum + n, 0),
  };
}
