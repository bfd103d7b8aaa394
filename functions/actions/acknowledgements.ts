/**
 * Acknowledging a problem: someone says "I'm on it". The check keeps its status, but counts as
 * handled (group roll-ups, problems lists) until its confirmed state changes, when the result
 * processor clears the flag: an acknowledgement is of one problem, not of the check for ever.
 *
 * check_state.acknowledged is the flag (flipping it is a HOT update, as no index covers it); the
 * `acknowledgement` table keeps who acknowledged which problem, when and why, and who took it back.
 */
import { isProblem, statusOfRank, type Status } from '#core/status.ts';
import { CheckNotFoundError } from '#scheduler/run-now.ts';
import type { Database, Queryable } from '#store/database.ts';

/** The check has no problem to acknowledge (it is OK, INFO or PENDING). */
export class NothingToAcknowledgeError extends Error {
  constructor(readonly status: Status) {
    super(`nothing to acknowledge: the check is ${status}`);
    this.name = 'NothingToAcknowledgeError';
  }
}

export interface Acknowledgement {
  id: number;
  checkId: string;
  /** The confirmed status that was acknowledged. */
  hardStatus: Status;
  comment: string;
  acknowledgedBy: string;
  acknowledgedAtMs: number;
  removedBy: string | null;
  removedAtMs: number | null;
}

export interface AcknowledgeRequest {
  siteId: string;
  checkId: string;
  comment: string;
  /** Who: the principal's email. */
  by: string;
  atMs: number;
}

/**
 * Acknowledges the check's current problem. Acknowledging again replaces nothing: the flag stays
 * set and the new comment is added to the history.
 * @throws CheckNotFoundError when the check is not in the site; NothingToAcknowledgeError when it has no problem.
 */
export async function acknowledgeCheck(db: Database, request: AcknowledgeRequest): Promise<Acknowledgement> {
  const { siteId, checkId } = request;
  return db.begin(async (tx) => {
    const [state] = await tx<{ status: number; hard_status: number }[]>`
      select status, hard_status from check_state
      where site_id = ${siteId} and check_id = ${checkId}
      for update`;
    if (!state) throw new CheckNotFoundError(siteId, checkId);
    const status = statusOfRank(state.status);
    if (!isProblem(status)) throw new NothingToAcknowledgeError(status);
    await tx`
      update check_state set acknowledged = true
      where site_id = ${siteId} and check_id = ${checkId} and not acknowledged`;
    const [row] = await tx<AcknowledgementRow[]>`
      insert into acknowledgement (site_id, check_id, hard_status, comment, acknowledged_by, acknowledged_at)
      values (${siteId}, ${checkId}, ${state.hard_status}, ${request.comment}, ${request.by}, ${new Date(request.atMs)})
      returning ${ACKNOWLEDGEMENT_COLUMNS(tx)}`;
    return acknowledgementOf(row!);
  }) as Promise<Acknowledgement>;
}

/**
 * Takes an acknowledgement back: the problem counts as unhandled again. Idempotent: a check that
 * is not acknowledged stays so, and nothing is recorded.
 * @returns whether the check was acknowledged.
 * @throws CheckNotFoundError when the check is not in the site.
 */
export async function removeAcknowledgement(db: Database, request: Omit<AcknowledgeRequest, 'comment'>): Promise<boolean> {
  const { siteId, checkId } = request;
  return db.begin(async (tx) => {
    const [state] = await tx<{ acknowledged: boolean }[]>`
      select acknowledged from check_state where site_id = ${siteId} and check_id = ${checkId} for update`;
    if (!state) throw new CheckNotFoundError(siteId, checkId);
    if (!state.acknowledged) return false;
    await tx`update check_state set acknowledged = false where site_id = ${siteId} and check_id = ${checkId}`;
    await tx`
      update acknowledgement set removed_by = ${request.by}, removed_at = ${new Date(request.atMs)}
      where id = (select id from acknowledgement
                  where site_id = ${siteId} and check_id = ${checkId} and removed_at is null
                  order by id desc limit 1)`;
    return true;
  }) as Promise<boolean>;
}

/**
 * A check's acknowledgements, newest first: `limit` of them with ids below `before`.
 * @throws CheckNotFoundError when the check is not in the site.
 */
export async function listAcknowledgements(
  sql: Queryable,
  siteId: string,
  checkId: string,
  options: { limit: number; before?: number | undefined },
): Promise<Acknowledgement[]> {
  const [check] = await sql`select 1 from "check" where site_id = ${siteId} and id = ${checkId}`;
  if (!check) throw new CheckNotFoundError(siteId, checkId);
  const rows = await sql<AcknowledgementRow[]>`
    select ${ACKNOWLEDGEMENT_COLUMNS(sql)} from acknowledgement
    where site_id = ${siteId} and check_id = ${checkId}
      ${options.before !== undefined ? sql`and id < ${options.before}` : sql``}
    order by id desc
    limit ${options.limit}`;
  return rows.map(acknowledgementOf);
}

interface AcknowledgementRow {
  id: number;
  check_id: string;
  hard_status: number;
  comment: string;
  acknowledged_by: string;
  acknowledged_at: Date;
  removed_by: string | null;
  removed_at: Date | null;
}

const ACKNOWLEDGEMENT_COLUMNS = (sql: Queryable) =>
  sql`id, check_id, hard_status, comment, acknowledged_by, acknowledged_at, removed_by, removed_at`;

function acknowledgementOf(row: AcknowledgementRow): Acknowledgement {
  return {
    id: row.id,
    checkId: row.check_id,
    hardStatus: statusOfRank(row.hard_status),
    comment: row.comment,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAtMs: row.acknowledged_at.getTime(),
    removedBy: row.removed_by,
    removedAtMs: row.removed_at?.getTime() ?? null,
  };
}
