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
  kind: Exclude<NotificationKind, 'summary' | 'acknowledgement'>;
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

/** Marks pending notifications of these alerts as cancelled, with why. */
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
    -- Summarised: sent inside a summary (members are marked so only once the summary went out).
    where site_id = ${siteId} and alert_id = ${alertId} and status in ('sent', 'summarised')`;
}
