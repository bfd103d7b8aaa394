/**
 * From `CheckStateChanged` events to alerts and notifications. A hard change to a problem status
 * opens the check's alert (or moves it, WARNING to CRITICAL) and queues a notification for each
 * contact and channel the policies admit now; a recovery closes the alert, cancels what was not
 * sent yet, and tells the people who were told about the problem. Nothing is sent here: the
 * notifications come due after the flood window, and delivery (delivery.ts) decides then
 * whether they are still worth sending (the host may have turned out to be down).
 *
 * Delivery is at least once, so this is idempotent: an event not newer than the alert's last
 * change is a redelivery and changes nothing.
 */
import { namedContacts, deliveriesFor } from '#core/alerting/recipients.ts';
import { groupBy } from '#core/group-by.ts';
import { notificationPolicy } from '#core/alerting/policy.ts';
import type { CheckStateChanged } from '#core/messages.ts';
import { isProblem, statusRank } from '#core/status.ts';
import type { NotifiedCheck } from '#ports/notification-channel.ts';
import type { Transaction } from '#store/database.ts';
import { settingsOf, wakeUpAfter, type NotifierDeps } from './notifier-deps.ts';
import { cancelPending, insertNotifications, notifiedRecipients, type NewNotification } from './notification-store.ts';
import { loadSiteDirectory, type SiteDirectory } from './site-directory.ts';

/** What the notifier reads of a check. */
export interface CheckInfo {
  id: string;
  kind: string;
  name: string;
  host_name: string | null;
  notify: { teams?: string[]; contacts?: string[]; notifications?: unknown };
}

export async function loadChecks(tx: Transaction, siteId: string, checkIds: readonly string[]): Promise<Map<string, CheckInfo>> {
  const rows = await tx<CheckInfo[]>`
    select c.id, c.kind, c.name, coalesce(h.name, case when c.kind = 'host' then c.name end) as host_name, c.notify
    from "check" c left join "check" h on h.id = c.parent_id and h.site_id = c.site_id
    where c.site_id = ${siteId} and c.id = any(${checkIds as string[]}::uuid[])`;
  return new Map(rows.map((row) => [row.id, row]));
}

/** The problem notifications a check in `status` gets now: (contact, channel) per the policies. */
export function problemDeliveries(directory: SiteDirectory, check: CheckInfo, status: CheckStateChanged['toStatus'], atMs: number) {
  const contacts = namedContacts(directory, { teams: check.notify.teams ?? [], contacts: check.notify.contacts ?? [] });
  return deliveriesFor(contacts, notificationPolicy(check.notify.notifications), status, false, directory.isOpenAt(atMs));
}

export function notifiedCheck(check: CheckInfo, event: Pick<CheckStateChanged, 'toStatus' | 'fromStatus' | 'output' | 'atMs'>): NotifiedCheck {
  return {
    checkId: check.id, kind: check.kind, name: check.name, ...(check.host_name ? { host: check.host_name } : {}),
    status: event.toStatus, previousStatus: event.fromStatus, output: event.output, sinceMs: event.atMs,
  };
}

export interface StateChangeOutcome {
  notifications: number;
  ignored: number;
}

/** Handles a batch of events, one transaction per site. */
export async function handleStateChanges(deps: NotifierDeps, events: readonly CheckStateChanged[]): Promise<StateChangeOutcome> {
  const outcome: StateChangeOutcome = { notifications: 0, ignored: 0 };
  for (const [siteId, siteEvents] of groupBy(events, (event) => event.siteId)) {
    const { notifications, ignored } = await retryOnConflict(deps, () => deps.db.begin((tx) => handleSiteEvents(deps, tx, siteId, siteEvents)) as Promise<StateChangeOutcome>);
    outcome.notifications += notifications;
    outcome.ignored += ignored;
  }
  if (outcome.notifications > 0) await wakeUpAfter(deps, settingsOf(deps).floodWindowMs);
  return outcome;
}

/** PostgreSQL's deadlock and serialization failures: the transaction did nothing, and may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);
const CONFLICT_ATTEMPTS = 3;

/**
 * Runs a transaction again when PostgreSQL aborted it for a deadlock: delivery and follow-ups
 * lock alerts and notifications too, and failing the batch would hold its events back a whole
 * visibility timeout.
 */
async function retryOnConflict<T>(deps: NotifierDeps, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= CONFLICT_ATTEMPTS || !code || !RETRYABLE_SQLSTATES.has(code)) throw error;
      deps.log.warn('notifier transaction hit a lock conflict; running it again', { attempt, code });
    }
  }
}

async function handleSiteEvents(deps: NotifierDeps, tx: Transaction, siteId: string, events: CheckStateChanged[]): Promise<StateChangeOutcome> {
  const directory = await loadSiteDirectory(tx, siteId);
  const checks = await loadChecks(tx, siteId, events.map((event) => event.checkId));
  const nowMs = deps.clock.nowMs();
  const dueAtMs = nowMs + settingsOf(deps).floodWindowMs;
  const queued: NewNotification[] = [];
  let ignored = 0;
  for (const event of [...events].sort((a, b) => a.atMs - b.atMs)) {
    const check = checks.get(event.checkId);
    // Removed by a configuration change since: nobody to tell about it.
    if (!check) {
      ignored++;
      continue;
    }
    // Serialises the events of one check across notifiers (at-least-once delivery, batches in parallel).
    await tx`select pg_advisory_xact_lock(hashtext('vigil.alert:' || ${check.id}))`;
    // The check's open alert, and whether any of its alerts already saw this event or a later one.
    const [seen] = await tx<{ open_id: number | null; redelivered: boolean }[]>`
      select max(id) filter (where closed_at is null) as open_id,
             coalesce(bool_or(greatest(changed_at, closed_at) >= ${new Date(event.atMs)}), false) as redelivered
      from alert where site_id = ${siteId} and check_id = ${check.id}`;
    if (seen!.redelivered) {
      ignored++;
      continue;
    }
    const openId = seen!.open_id;
    if (isProblem(event.toStatus)) {
      const [alert] = await tx<{ id: number }[]>`
        insert into alert (site_id, check_id, opened_at, changed_at, status, output)
        values (${siteId}, ${check.id}, ${new Date(event.atMs)}, ${new Date(event.atMs)}, ${statusRank(event.toStatus)}, ${event.output})
        on conflict (check_id) where closed_at is null do update set
          changed_at = excluded.changed_at, status = excluded.status, output = excluded.output
        returning id`;
      for (const delivery of problemDeliveries(directory, check, event.toStatus, event.atMs)) {
        queued.push({
          siteId, alertId: alert!.id, checkId: check.id, contact: delivery.contact, channel: delivery.channel,
          kind: 'problem', detail: notifiedCheck(check, event), dueAtMs, createdAtMs: nowMs,
        });
      }
    } else if (openId !== null) {
      await tx`update alert set closed_at = ${new Date(event.atMs)}, changed_at = ${new Date(event.atMs)} where id = ${openId}`;
      // Over before anyone heard of it: no news is the news. What is being sent right now goes,
      // so its recipients hear of the recovery too.
      await cancelPending(tx, siteId, [openId], `recovered (${event.toStatus}) before it was sent`);
      if (event.recovery) queued.push(...await recoveryNotifications(tx, directory, check, event, openId, { siteId, dueAtMs, nowMs }));
    }
  }
  await insertNotifications(tx, queued);
  return { notifications: queued.length, ignored };
}

/** Recovery notifications for whoever was told about the problem, on the channels that want recoveries. */
async function recoveryNotifications(
  tx: Transaction,
  directory: SiteDirectory,
  check: CheckInfo,
  event: CheckStateChanged,
  alertId: number,
  at: { siteId: string; dueAtMs: number; nowMs: number },
): Promise<NewNotification[]> {
  const told = await notifiedRecipients(tx, at.siteId, alertId);
  const contacts = [...new Set(told.map((r) => r.contact))].flatMap((name) => {
    const contact = directory.contacts.get(name);
    return contact ? [contact] : [];
  });
  const allowed = new Set(deliveriesFor(contacts, notificationPolicy(check.notify.notifications), event.toStatus, true, directory.isOpenAt(event.atMs))
    .map((d) => `${d.contact}\u0000${d.channel}`));
  return told.filter((r) => allowed.has(`${r.contact}\u0000${r.channel}`)).map((r) => ({
    siteId: at.siteId, alertId, checkId: check.id, contact: r.contact, channel: r.channel, kind: 'recovery' as const,
    detail: notifiedCheck(check, event), dueAtMs: at.dueAtMs, createdAtMs: at.nowMs,
  }));
}
