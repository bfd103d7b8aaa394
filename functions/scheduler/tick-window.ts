/**
 * Which window a tick plans, remembered in `scheduler_tick` (sql/004) so that ticks are safe to
 * repeat and to be late:
 *
 * - A tick plans [planned_to, now + TICK_MS + PLAN_AHEAD_MS): it continues exactly where the
 *   previous tick stopped, so no due time is planned twice, and none is skipped when a tick is
 *   late; the window is simply longer.
 * - A tick more than MAX_START_SLACK_MS late starts at `now - MAX_START_SLACK_MS` instead: runs due
 *   before then would be past their start-by time anyway. That gap is recorded by moving
 *   `planning_since` to now, so overdue detection does not blame workers for runs never sent.
 * - A tick within DUPLICATE_TICK_MS of the previous one (a repeated invocation) plans nothing.
 * - The row is locked for the whole tick (the caller's transaction), so two concurrent ticks run
 *   one after the other, and the second sees the first's window.
 */
import type { Queryable, Transaction } from '#store/database.ts';
import { DUPLICATE_TICK_MS, MAX_START_SLACK_MS, PLAN_AHEAD_MS, TICK_MS } from './timing.ts';

/** The one scheduler today; the key leaves room for sharding sites over several. */
const SCHEDULER_NAME = 'main';

export interface TickWindow {
  fromMs: number;
  toMs: number;
  /** Start of the unbroken run of planned windows this one continues (or starts). */
  planningSinceMs: number;
}

interface TickRow {
  planned_to: Date;
  planning_since: Date;
  ticked_at: Date;
}

/**
 * Locks the scheduler's row and returns the window this tick plans, or null for a duplicate tick.
 * Call {@link recordTickWindow} in the same transaction once the window is planned and sent.
 */
export async function claimTickWindow(tx: Transaction, nowMs: number): Promise<TickWindow | null> {
  // The first tick ever creates the row as "planned up to now, never ticked"; a concurrent first
  // tick waits on the insert, then finds the row.
  await tx`
    insert into scheduler_tick (scheduler, planned_to, planning_since, ticked_at)
    values (${SCHEDULER_NAME}, ${new Date(nowMs)}, ${new Date(nowMs)}, to_timestamp(0))
    on conflict (scheduler) do nothing`;
  const [row] = await tx<TickRow[]>`
    select planned_to, planning_since, ticked_at from scheduler_tick
    where scheduler = ${SCHEDULER_NAME}
    for update`;
  return windowAfter(row!, nowMs);
}

function windowAfter(row: TickRow, nowMs: number): TickWindow | null {
  if (nowMs - row.ticked_at.getTime() < DUPLICATE_TICK_MS) return null;
  const plannedToMs = row.planned_to.getTime();
  const fromMs = Math.max(plannedToMs, nowMs - MAX_START_SLACK_MS);
  const toMs = Math.max(fromMs, nowMs + TICK_MS + PLAN_AHEAD_MS);
  return { fromMs, toMs, planningSinceMs: plannedToMs < fromMs ? nowMs : row.planning_since.getTime() };
}

/** Records that `window` was planned at `nowMs`. */
export async function recordTickWindow(tx: Transaction, window: TickWindow, nowMs: number): Promise<void> {
  await tx`
    update scheduler_tick set
      planned_to = ${new Date(window.toMs)}, planning_since = ${new Date(window.planningSinceMs)}, ticked_at = ${new Date(nowMs)}
    where scheduler = ${SCHEDULER_NAME}`;
}

/**
 * Forgets that runs after `nowMs` were planned, so the next tick plans them again. For a local
 * runtime that stops: its in-process queue, with the jobs waiting for their due time, goes with
 * it (SQS keeps them, so the deployed scheduler never needs this).
 */
export async function forgetPlannedAfter(sql: Queryable, nowMs: number): Promise<void> {
  await sql`
    update scheduler_tick set planned_to = ${new Date(nowMs)}, ticked_at = to_timestamp(0)
    where scheduler = ${SCHEDULER_NAME} and planned_to > ${new Date(nowMs)}`;
}
