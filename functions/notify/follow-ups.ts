/**
 * What open alerts still need, looked at on every scheduler tick:
 * - a first notice, when nobody was told yet because the problem began in downtime, while
 *   flapping, behind a down host... and that is no longer so;
 * - reminders, every `renotify-every` (the contact's, else the check's) while it stays unhandled;
 * - escalations: each `<escalate after="1h">` step (the check's, and those of the contacts it
 *   notifies) tells its teams and contacts once the problem has been open that long, unhandled.
 * "Unhandled" is `alert_suppression` (sql/011) saying nothing: acknowledged, in downtime,
 * flapping or suppressed alerts get none of these. An alert with notifications still pending
 * is left to delivery.
 * - And once a problem people were told of is acknowledged, they are told who took it and why
 *   (`acknowledge="no"` on a contact or channel opts out), once per acknowledgement.
 */
import { groupBy } from '#core/group-by.ts';
import { notificationPolicy, type EscalationPolicy } from '#core/alerting/policy.ts';
import { deliveriesFor, namedContacts, type Delivery } from '#core/alerting/recipients.ts';
import { statusOfRank } from '#core/status.ts';
import type { NotifiedCheck } from '#ports/notification-channel.ts';
import type { Queryable } from '#store/database.ts';
import { wakeUpAfter, type NotifierDeps } from './notifier-deps.ts';
import { insertNotifications, type NewNotification } from './notification-store.ts';
import { loadSiteDirectory, type SiteDirectory } from './site-directory.ts';
import { loadChecks, notifiedCheck, problemDeliveries, type CheckInfo } from './state-changes.ts';

interface OpenAlert {
  id: number;
  site_id: string;
  check_id: string;
  opened_at: Date;
  changed_at: Date;
  status: number;
  output: string | null;
  notified_at: Date | null;
  escalations: number;
  /** Per contact: when it was last sent something about this alert, and on which channels. */
  told: { contact: string; channel: string; sent_at: string }[] | null;
}

/** An alert's columns (`a`), with who was told of it: per contact and channel, when last. */
const alertColumns = (sql: Queryable) => sql`
  a.id, a.site_id, a.check_id, a.opened_at, a.changed_at, a.status, a.output, a.notified_at, a.escalations,
  (select jsonb_agg(jsonb_build_object('contact', t.contact, 'channel', t.channel, 'sent_at', t.sent_at))
   from (select contact, channel, max(sent_at) as sent_at from notification
         where alert_id = a.id and status in ('sent', 'summarised') group by contact, channel) t) as told`;

/** What a follow-up says about the alert's check: its problem, since the alert opened. */
function alertDetail(check: CheckInfo, alert: OpenAlert): NotifiedCheck {
  return notifiedCheck(check, { toStatus: statusOfRank(alert.status), fromStatus: 'OK', output: alert.output ?? '', atMs: alert.opened_at.getTime() });
}

export async function queueFollowUps(deps: NotifierDeps): Promise<number> {
  const queued = (await queueUnhandledFollowUps(deps)) + (await queueAcknowledgementNotices(deps));
  if (queued > 0) await wakeUpAfter(deps, 0);
  return queued;
}

async function queueUnhandledFollowUps(deps: NotifierDeps): Promise<number> {
  const nowMs = deps.clock.nowMs();
  const alerts = await deps.db<OpenAlert[]>`
    select ${alertColumns(deps.db)}
    from alert a
    where a.closed_at is null
      and alert_suppression(a.check_id) is null
      and not exists (select from notification n where n.alert_id = a.id and n.status in ('pending', 'sending'))`;
  if (alerts.length === 0) return 0;
  let queued = 0;
  for (const [siteId, siteAlerts] of groupBy(alerts, (alert) => alert.site_id)) {
    queued += await deps.db.begin(async (tx) => {
      const directory = await loadSiteDirectory(tx, siteId);
      const checks = await loadChecks(tx, siteId, siteAlerts.map((alert) => alert.check_id));
      const notifications: NewNotification[] = [];
      for (const alert of siteAlerts) {
        const check = checks.get(alert.check_id);
        if (!check) continue;
        const followUp = followUpsOf(directory, check, alert, nowMs);
        notifications.push(...followUp.notifications);
        if (followUp.escalations > alert.escalations) await tx`update alert set escalations = ${followUp.escalations} where id = ${alert.id}`;
      }
      await insertNotifications(tx, notifications);
      return notifications.length;
    }) as number;
  }
  return queued;
}

interface AcknowledgedAlert extends OpenAlert {
  acknowledgement_id: number;
  acknowledged_by: string;
  comment: string;
}

/** Notices of acknowledgements not told yet, to whoever was told of the problem. */
async function queueAcknowledgementNotices(deps: NotifierDeps): Promise<number> {
  const nowMs = deps.clock.nowMs();
  const alerts = await deps.db<AcknowledgedAlert[]>`
    select ${alertColumns(deps.db)}, k.id as acknowledgement_id, k.acknowledged_by, k.comment
    from alert a
    join check_state s on s.check_id = a.check_id and s.acknowledged
    cross join lateral (
      select id, acknowledged_by, comment from acknowledgement
      where site_id = a.site_id and check_id = a.check_id and removed_at is null
      order by id desc limit 1
    ) k
    where a.closed_at is null and a.notified_at is not null and a.acknowledgement_id is distinct from k.id`;
  let queued = 0;
  for (const [siteId, siteAlerts] of groupBy(alerts, (alert) => alert.site_id)) {
    queued += await deps.db.begin(async (tx) => {
      const directory = await loadSiteDirectory(tx, siteId);
      const checks = await loadChecks(tx, siteId, siteAlerts.map((alert) => alert.check_id));
      const isOpen = directory.isOpenAt(nowMs);
      const notifications: NewNotification[] = [];
      for (const alert of siteAlerts) {
        const check = checks.get(alert.check_id);
        await tx`update alert set acknowledgement_id = ${alert.acknowledgement_id} where id = ${alert.id}`;
        if (!check) continue;
        const status = statusOfRank(alert.status);
        const detail = { ...alertDetail(check, alert), acknowledgement: { by: alert.acknowledged_by, comment: alert.comment } };
        const told = new Set((alert.told ?? []).map((t) => `${t.contact}\u0000${t.channel}`));
        const contacts = [...new Set((alert.told ?? []).map((t) => t.contact))]
          .flatMap((name) => directory.contacts.get(name) ?? [])
          .filter((contact) => contact.policy.acknowledge);
        const wanted = deliveriesFor(contacts, notificationPolicy(check.notify.notifications), status, false, isOpen)
          .filter((d) => told.has(`${d.contact}\u0000${d.channel}`))
          .filter((d) => directory.contacts.get(d.contact)!.policy.channels.find((c) => c.kind === d.channel)?.acknowledge !== false);
        notifications.push(...wanted.map((d): NewNotification => ({
          siteId, alertId: alert.id, checkId: check.id, contact: d.contact, channel: d.channel, kind: 'acknowledgement', detail, dueAtMs: nowMs, createdAtMs: nowMs,
        })));
      }
      await insertNotifications(tx, notifications);
      return notifications.length;
    }) as number;
  }
  return queued;
}

interface FollowUp {
  notifications: NewNotification[];
  /** Escalation steps taken after this one. */
  escalations: number;
}

function followUpsOf(directory: SiteDirectory, check: CheckInfo, alert: OpenAlert, nowMs: number): FollowUp {
  const status = statusOfRank(alert.status);
  const detail = alertDetail(check, alert);
  const make = (kind: NewNotification['kind']) => (d: Delivery): NewNotification => ({
    siteId: alert.site_id, alertId: alert.id, checkId: check.id, contact: d.contact, channel: d.channel, kind, detail, dueAtMs: nowMs, createdAtMs: nowMs,
  });
  if (alert.notified_at === null) {
    return { notifications: problemDeliveries(directory, check, status, nowMs).map(make('problem')), escalations: alert.escalations };
  }

  const checkPolicy = notificationPolicy(check.notify.notifications);
  const isOpen = directory.isOpenAt(nowMs);
  const told = alert.told ?? [];
  const toldContacts = [...new Set(told.map((t) => t.contact))].flatMap((name) => directory.contacts.get(name) ?? []);
  const notifications: NewNotification[] = [];
  for (const contact of toldContacts) {
    const everyMs = contact.policy.renotifyEveryMs ?? checkPolicy.renotifyEveryMs;
    const lastMs = Math.max(...told.filter((t) => t.contact === contact.name).map((t) => Date.parse(t.sent_at)));
    if (everyMs !== undefined && nowMs - lastMs >= everyMs) notifications.push(...deliveriesFor([contact], checkPolicy, status, false, isOpen).map(make('reminder')));
  }

  const steps = escalationSteps(directory, check);
  const openForMs = nowMs - alert.opened_at.getTime();
  let escalations = alert.escalations;
  for (; escalations < steps.length; escalations++) {
    const step = steps[escalations]!;
    // Not yet, or outside its hours: this step and the later ones wait.
    if (openForMs < step.afterMs || (step.timePeriod !== undefined && !isOpen(step.timePeriod))) break;
    if (step.ignore.includes(status)) continue;
    const reminded = new Set(notifications.map((n) => n.contact));
    const targets = [...namedContacts(directory, step), ...(step.renotify ? toldContacts.filter((c) => !reminded.has(c.name)) : [])];
    notifications.push(...deliveriesFor(targets, checkPolicy, status, false, isOpen).map(make('escalation')));
  }
  return { notifications, escalations };
}

/** The check's own escalation steps and those of the contacts it notifies, by when they apply. */
export function escalationSteps(directory: SiteDirectory, check: CheckInfo): EscalationPolicy[] {
  const own = notificationPolicy(check.notify.notifications).escalations;
  const ofContacts = namedContacts(directory, { teams: check.notify.teams ?? [], contacts: check.notify.contacts ?? [] })
    .flatMap((contact) => contact.policy.escalations);
  const unique = new Map([...own, ...ofContacts].map((step) => [JSON.stringify(step), step]));
  return [...unique.values()].sort((a, b) => a.afterMs - b.afterMs);
}
