/**
 * The notifier's tables (sql/011_alerting.sql): alerts (problem episodes) and notifications
 * (what is to be sent, what was, and what could not be). Every statement is scoped to a site
 * and set-based.
 */
import type { NotificationKind, NotifiedCheck } from '#ports/notification-channel.ts';
import type { ChannelKind } from '#core/alerting/policy.ts';
import type { Queryable } from '#store/database.ts';

export interface NewNotification {
  siteId: string;
  alertId: number | null;
  checkId: string | null;
  contact: string;
  channel: ChannelKind;
  kind: Exclude<NotificationKind, 'summary'>;
  detail: NotifiedCheck;
  dueAtMs: number;
  createdAtMs: number;
}

/** Adds notifications to be sent from their due time on. */
export async function insertNotifications(sql: Queryable, rows: readonly NewNotification[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await sql`
    insert into notification (site_id, alert_id, check_id, contact, channel, kind, detail, next_attempt_at, created_at)
    select n.site_id, n.alert_id, n.check_id, n.contact, n.channel, n.kind, n.detail,
           to_timestamp(n.due_at_ms / 1000.0), to_timestamp(n.created_at_ms / 1000.0)
    from jsonb_to_recordset(${sql.json(rows.map((row) => ({
      site_id: row.siteId, alert_id: row.alertId, check_id: row.checkId, contact: row.contact, channel: row.channel,
      kind: row.kind, detail: row.detail, due_at_ms: row.dueAtMs, created_at_ms: row.createdAtMs,
    })) as never)}) as n(site_id uuid, alert_id bigint, check_id uuid, contact text, channel text, kind text,
                         detail jsonb, due_at_ms bigint, created_at_ms bigint)`;
  return inserted.count;
}

/** Marks pending notifications of these alerts as cancelled, with why (not those being sent: too late). */
export async function cancelPending(sql: Queryable, siteId: string, alertIds: readonly number[], reason: string): Promise<number> {
  if (alertIds.length === 0) return 0;
  const cancelled = await sql`
    update notification set status = 'cancelled', last_error = ${reason}
    where site_id = ${siteId} and alert_id = any(${alertIds as number[]}::bigint[]) and status = 'pending'`;
  return cancelled.count;
}

/** The (contact, channel) pairs an alert was actually sent to: who hears about its recovery. */
export async function notifiedRecipients(sql: Queryable, siteId: string, alertId: number): Promise<{ contact: string; channel: ChannelKind }[]> {
  return sql<{ contact: string; channel: ChannelKind }[]>`
    select distinct contact, channel from notification
    -- Summarised: sent inside a summary (members are marked so only once the summary went out);
    -- sending: on its way now, so as good as told.
    where site_id = ${siteId} and alert_id = ${alertId} and status in ('sent', 'summarised', 'sending')`;
}

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'dead' | 'cancelled' | 'summarised';

/** A notification as the API lists it: no addresses or channel secrets, only the contact's name. */
export interface NotificationRecord {
  id: number;
  alertId: number | null;
  checkId: string | null;
  contact: string;
  channel: ChannelKind;
  kind: NotificationKind;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAtMs: number;
  sentAtMs: number | null;
  nextAttemptAtMs: number | null;
  summaryId: number | null;
  detail: Record<string, unknown>;
}

interface NotificationRow {
  id: number;
  alert_id: number | null;
  check_id: string | null;
  contact: string;
  channel: ChannelKind;
  kind: NotificationKind;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  next_attempt_at: Date;
  summary_id: number | null;
  detail: Record<string, unknown>;
}

function recordOf(row: NotificationRow): NotificationRecord {
  return {
    id: row.id, alertId: row.alert_id, checkId: row.check_id, contact: row.contact, channel: row.channel, kind: row.kind,
    status: row.status, attempts: row.attempts, lastError: row.last_error, createdAtMs: row.created_at.getTime(),
    sentAtMs: row.sent_at?.getTime() ?? null, nextAttemptAtMs: row.status === 'pending' || row.status === 'sending' ? row.next_attempt_at.getTime() : null,
    summaryId: row.summary_id, detail: row.detail,
  };
}

/** A site's notifications, newest first; `before` is the id the previous page ended at. */
export async function listNotifications(
  sql: Queryable,
  siteId: string,
  options: { limit: number; before?: number | undefined; status?: NotificationStatus | undefined; checkId?: string | undefined },
): Promise<NotificationRecord[]> {
  const rows = await sql<NotificationRow[]>`
    select id, alert_id, check_id, contact, channel, kind, status, attempts, last_error, created_at, sent_at, next_attempt_at, summary_id, detail
    from notification
    where site_id = ${siteId}
      ${options.before !== undefined ? sql`and id < ${options.before}` : sql``}
      ${options.status ? sql`and status = ${options.status}` : sql``}
      ${options.checkId ? sql`and check_id = ${options.checkId}` : sql``}
    order by id desc
    limit ${options.limit}`;
  return rows.map(recordOf);
}

/**
 * Sends a dead notification again: pending now, with its tries counted afresh. Undefined when the
 * site has no dead notification with that id.
 */
export async function retryNotification(sql: Queryable, siteId: string, id: number, nowMs: number): Promise<NotificationRecord | undefined> {
  const [row] = await sql<NotificationRow[]>`
    update notification set status = 'pending', attempts = 0, next_attempt_at = ${new Date(nowMs)}, last_error = null
    where site_id = ${siteId} and id = ${id} and status = 'dead'
    returning id, alert_id, check_id, contact, channel, kind, status, attempts, last_error, created_at, sent_at, next_attempt_at, summary_id, detail`;
  return row ? recordOf(row) : undefined;
}
