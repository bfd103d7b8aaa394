/**
 * Pushing what an action changed: acknowledging a problem or starting a downtime moves a check
 * from "unhandled" to "handled" without any new result, so the browsers watching the check and
 * the groups above it are told at once, the same way the result processor tells them of results.
 */
import { groupBy } from '#core/group-by.ts';
import { statusOfRank } from '#core/status.ts';
import type { Logger } from '#ports/logger.ts';
import type { CheckChange, Push } from '#ports/push.ts';
import type { Queryable } from '#store/database.ts';
import { groupRollup, groupsAboveChecks } from '#store/group-rollup.ts';

/** A CheckChange that also says whether the problem is handled, which is what actions change. */
export interface HandledCheckChange extends CheckChange {
  acknowledged: boolean;
  inDowntime: boolean;
  suppressed: boolean;
}

export interface PublishDeps {
  db: Queryable;
  push: Push;
  log: Logger;
}

interface StateRow {
  check_id: string;
  status: number;
  hard: boolean;
  hard_status: number;
  attempt: number;
  flapping: boolean;
  acknowledged: boolean;
  in_downtime: boolean;
  suppressed: boolean;
  output: string | null;
  last_result_at: Date | null;
  last_change_at: Date | null;
}

/** The current state of some checks of a site, as pushed to browsers. */
export async function handledCheckChanges(sql: Queryable, siteId: string, checkIds: readonly string[]): Promise<HandledCheckChange[]> {
  if (checkIds.length === 0) return [];
  const rows = await sql<StateRow[]>`
    select check_id, status, hard, hard_status, attempt, flapping, acknowledged, in_downtime, suppressed,
           output, last_result_at, last_change_at
    from check_state
    where site_id = ${siteId} and check_id = any(${checkIds as string[]}::uuid[])`;
  return rows.map((row) => ({
    checkId: row.check_id,
    status: statusOfRank(row.status),
    hard: row.hard,
    hardStatus: statusOfRank(row.hard_status),
    attempt: row.attempt,
    flapping: row.flapping,
    output: row.output ?? '',
    lastResultAtMs: row.last_result_at?.getTime() ?? 0,
    lastChangeAtMs: row.last_change_at?.getTime() ?? null,
    acknowledged: row.acknowledged,
    inDowntime: row.in_downtime,
    suppressed: row.suppressed,
  }));
}

/**
 * Pushes the current state of `checkIds` and the roll-up of every group above them. Called after
 * the change is committed; a push that fails is logged and not retried (the action stands, and a
 * browser that missed it catches up when it reconnects), so this never throws.
 */
export async function publishCheckChanges(deps: PublishDeps, siteId: string, checkIds: readonly string[]): Promise<void> {
  if (checkIds.length === 0) return;
  try {
    const checks = await handledCheckChanges(deps.db, siteId, checkIds);
    const groupIds = await groupsAboveChecks(deps.db, siteId, checkIds);
    await deps.push.publish({ siteId, checks, groups: await groupRollup(deps.db, siteId, { groupIds }) });
  } catch (error) {
    deps.log.warn('pushing an action\'s changes failed', { siteId, checks: checkIds.length, reason: (error as Error).message });
  }
}

/** {@link publishCheckChanges} for changes across sites (a tick's downtimes): one push per site. */
export async function publishChangesBySite(deps: PublishDeps, changes: readonly { siteId: string; checkId: string }[]): Promise<void> {
  for (const [siteId, siteChanges] of groupBy(changes, (change) => change.siteId)) {
    await publishCheckChanges(deps, siteId, siteChanges.map((change) => change.checkId));
  }
}
