/**
 * Delivery: sends the notifications that have come due.
 *
 * 1. Claim. A (contact, channel) is due when its burst of new notifications has been quiet for
 *    the flood window (or its first has waited the longest hold), or a retry is due; all its
 *    pending notifications are then claimed: 'sending', under a lease (`next_attempt_at` moves
 *    past the send, so a notifier that dies mid-send leaves them to be tried again). SKIP
 *    LOCKED lets several notifiers deliver side by side.
 * 2. Still worth sending? A problem, reminder or escalation is cancelled, with the reason, when
 *    the check is now acknowledged, in downtime, flapping or suppressed, when its host (or, for a
 *    host, a parent host) is down, or when it recovered meanwhile. Its alert then stays
 *    un-notified, and follow-ups.ts tells people once that is no longer so.
 * 3. Flood control. More than `floodThreshold` for one contact on one channel: one summary.
 * 4. Send, on every channel at once (a failing channel never holds up another), and record:
 *    sent; or tried again after a backoff when the failure may pass; or dead when the tries run
 *    out or the channel refuses for good (listed in the API, logged as an error).
 */
import { renderNotification } from '#core/alerting/messages.ts';
import type { ChannelKind, ContactInfo } from '#core/alerting/policy.ts';
import { mapConcurrently } from '#core/concurrently.ts';
import { groupBy } from '#core/group-by.ts';
import { ChannelError, type NotificationKind, type NotifiedCheck, type Recipient } from '#ports/notification-channel.ts';
import { settingsOf, wakeUpAfter, type NotifierDeps, type NotifierSettings } from './notifier-deps.ts';
import { loadSiteDirectory, type SiteDirectory } from './site-directory.ts';

interface Claimed {
  id: number;
  site_id: string;
  alert_id: number | null;
  check_id: string | null;
  contact: string;
  channel: ChannelKind;
  kind: Exclude<NotificationKind, 'summary'>;
  detail: NotifiedCheck;
  attempts: number;
}

/** One message to send: a notification, or a summary of several. */
interface Send {
  siteId: string;
  contact: string;
  channel: ChannelKind;
  members: Claimed[];
}

export interface DeliverySummary {
  sent: number;
  summaries: number;
  cancelled: number;
  retrying: number;
  dead: number;
}

/** Claimed per pass; a backlog larger than this is worked through by the next pass. */
const MAX_CLAIM = 5_000;

export async function deliverDue(deps: NotifierDeps): Promise<DeliverySummary> {
  const settings = settingsOf(deps);
  const nowMs = deps.clock.nowMs();
  const claimed = await claim(deps, settings, nowMs);
  const summary: DeliverySummary = { sent: 0, summaries: 0, cancelled: 0, retrying: 0, dead: 0 };
  if (claimed.length === 0) return summary;

  const reasons = await cancellations(deps, claimed);
  const cancelled = claimed.filter((n) => reasons.has(n.id));
  if (cancelled.length > 0) {
    await deps.db`
      update notification n set status = 'cancelled', last_error = r.reason
      from jsonb_to_recordset(${deps.db.json(cancelled.map((n) => ({ id: n.id, reason: reasons.get(n.id)! })) as never)}) as r(id bigint, reason text)
      where n.id = r.id`;
    summary.cancelled = cancelled.length;
  }

  const sends = group(claimed.filter((n) => !reasons.has(n.id)), settings.floodThreshold);
  const directories = new Map<string, Promise<SiteDirectory>>();
  const directoryOf = (siteId: string) => {
    if (!directories.has(siteId)) directories.set(siteId, loadSiteDirectory(deps.db, siteId));
    return directories.get(siteId)!;
  };
  const outcomes = await mapConcurrently(sends, settings.concurrency, async (send) => ({ send, error: await attempt(deps, settings, send, await directoryOf(send.siteId)) }));

  let nextRetryMs: number | undefined;
  for (const { send, error } of outcomes) {
    if (!error) {
      await recordSent(deps, send, nowMs);
      if (send.members.length > 1) summary.summaries++;
      summary.sent += send.members.length;
      continue;
    }
    const attempts = Math.max(...send.members.map((n) => n.attempts));
    if (error.retryable && attempts < settings.maxAttempts) {
      const backoffMs = Math.min(settings.maxRetryMs, settings.firstRetryMs * 2 ** (attempts - 1));
      await deps.db`
        update notification set status = 'pending', next_attempt_at = ${new Date(nowMs + backoffMs)}, last_error = ${error.message}
        where id = any(${send.members.map((n) => n.id)}::bigint[])`;
      deps.log.warn('notification not delivered; trying again later', { channel: send.channel, contact: send.contact, attempts, retryInMs: backoffMs, reason: error.message });
      summary.retrying += send.members.length;
      nextRetryMs = Math.min(nextRetryMs ?? backoffMs, backoffMs);
    } else {
      await deps.db`
        update notification set status = 'dead', last_error = ${error.message}
        where id = any(${send.members.map((n) => n.id)}::bigint[])`;
      deps.log.error('notification undeliverable: given up (listed as dead in the API)', { channel: send.channel, contact: send.contact, attempts, notifications: send.members.length, reason: error.message });
      summary.dead += send.members.length;
    }
  }
  if (nextRetryMs !== undefined) await wakeUpAfter(deps, nextRetryMs);
  return summary;
}

async function claim(deps: NotifierDeps, settings: NotifierSettings, nowMs: number): Promise<Claimed[]> {
  const now = new Date(nowMs);
  // New notifications (no attempt yet) are due at created + floodWindow: a contact's batch of
  // them goes once the newest is due (the burst has been quiet for the window), or once the
  // oldest has waited floodMaxHold. A retry goes at its own time, taking the new ones along.
  const heldSince = new Date(nowMs - (settings.floodMaxHoldMs - settings.floodWindowMs));
  return deps.db<Claimed[]>`
    with due as (
      select site_id, contact, channel from notification
      where status in ('pending', 'sending')
      group by site_id, contact, channel
      having bool_or(attempts > 0 and next_attempt_at <= ${now})
          or max(next_attempt_at) filter (where attempts = 0) <= ${now}
          or min(next_attempt_at) filter (where attempts = 0) <= ${heldSince}
    ),
    claimed as (
      -- Pending ones, and 'sending' ones whose lease ran out (their notifier died mid-send).
      select n.id from notification n
      join due d on d.site_id = n.site_id and d.contact = n.contact and d.channel = n.channel
      where (n.status = 'pending' and (n.next_attempt_at <= ${now} or n.attempts = 0))
         or (n.status = 'sending' and n.next_attempt_at <= ${now})
      order by n.id
      limit ${MAX_CLAIM}
      for update of n skip locked
    )
    update notification n set status = 'sending', attempts = n.attempts + 1, next_attempt_at = ${new Date(nowMs + settings.leaseMs)}
    from claimed c where n.id = c.id
    returning n.id, n.site_id, n.alert_id, n.check_id, n.contact, n.channel, n.kind, n.detail, n.attempts`;
}

/** Why each claimed problem-like notification should not go out now, by id. */
async function cancellations(deps: NotifierDeps, claimed: readonly Claimed[]): Promise<Map<number, string>> {
  // Recoveries and acknowledgements are news whatever the check's state now.
  const ids = claimed.filter((n) => n.kind !== 'recovery' && n.kind !== 'acknowledgement' && n.check_id !== null).map((n) => n.id);
  if (ids.length === 0) return new Map();
  const rows = await deps.db<{ id: number; reason: string | null }[]>`
    select n.id,
      case
        when a.closed_at is not null then 'recovered before it was sent'
        else alert_suppression(n.check_id)
      end as reason
    from notification n left join alert a on a.id = n.alert_id
    where n.id = any(${ids}::bigint[])`;
  return new Map(rows.filter((row) => row.reason !== null).map((row) => [row.id, row.reason!]));
}

/** Per (site, contact, channel): each on its own, or above the threshold one summary of them all. */
function group(notifications: readonly Claimed[], threshold: number): Send[] {
  const groups = groupBy(notifications, (n) => `${n.site_id}\u0000${n.contact}\u0000${n.channel}`);
  return [...groups.values()].flatMap((members) => {
    const { site_id: siteId, contact, channel } = members[0]!;
    return members.length > threshold
      ? [{ siteId, contact, channel, members }]
      : members.map((member) => ({ siteId, contact, channel, members: [member] }));
  });
}

/** Sends one message; undefined when it went, else the failure. */
async function attempt(deps: NotifierDeps, settings: NotifierSettings, send: Send, directory: SiteDirectory): Promise<ChannelError | undefined> {
  const contact = directory.contacts.get(send.contact);
  if (!contact) return new ChannelError(`contact '${send.contact}' is no longer configured`, false);
  const channel = deps.channels.get(send.channel);
  if (!channel) return new ChannelError(`no ${send.channel} channel is configured here (see the README: Alerting)`, false);
  const recipient = recipientOf(contact, send.channel);
  if (!recipient) return new ChannelError(`contact '${send.contact}' has no ${send.channel} address any more`, false);
  const [first] = send.members;
  const kind: NotificationKind = send.members.length > 1 ? 'summary' : first!.kind;
  const message = renderNotification(kind, { id: send.siteId, name: directory.siteName }, send.members.map((n) => n.detail), deps.clock.nowMs(),
    `vigil-${send.members.map((n) => n.id).join('-').slice(0, 200)}`);
  try {
    // Wall-clock time, not deps.clock: the channel counts down on real sockets.
    await channel.send(message, recipient, Date.now() + settings.sendTimeoutMs);
    return undefined;
  } catch (error) {
    return error instanceof ChannelError ? error : new ChannelError(String((error as Error).message ?? error), true, { cause: error });
  }
}

/** Where a contact is reached on a channel: its address, number, or the channel's URL and secret. */
function recipientOf(contact: ContactInfo, kind: ChannelKind): Recipient | undefined {
  const configured = contact.policy.channels.find((channel) => channel.kind === kind);
  switch (kind) {
    case 'email':
      return contact.email ? { contact: contact.name, email: contact.email } : undefined;
    case 'sms':
      return contact.phone ? { contact: contact.name, phone: contact.phone } : undefined;
    case 'webhook':
    case 'slack': {
      const url = configured?.parameters.url;
      const secret = configured?.parameters.secret;
      return url ? { contact: contact.name, url, ...(secret ? { secret } : {}) } : undefined;
    }
  }
}

async function recordSent(deps: NotifierDeps, send: Send, nowMs: number): Promise<void> {
  const ids = send.members.map((n) => n.id);
  const alertIds = [...new Set(send.members.filter((n) => n.kind !== 'recovery' && n.kind !== 'acknowledgement' && n.alert_id !== null).map((n) => n.alert_id!))];
  await deps.db.begin(async (tx) => {
    // The alerts first, then the notifications: the order the notifier's event handling locks
    // them in (state-changes.ts), so the two never wait for each other in a circle.
    if (alertIds.length > 0) await tx`update alert set notified_at = ${new Date(nowMs)} where id = any(${alertIds.sort((a, b) => a - b)}::bigint[])`;
    if (send.members.length === 1) {
      await tx`update notification set status = 'sent', sent_at = ${new Date(nowMs)}, last_error = null where id = ${ids[0]!}`;
    } else {
      const [summary] = await tx<{ id: number }[]>`
        insert into notification (site_id, contact, channel, kind, detail, status, attempts, next_attempt_at, created_at, sent_at)
        values (${send.siteId}, ${send.contact}, ${send.channel}, 'summary', ${tx.json({ notifications: ids.length })},
                'sent', 1, ${new Date(nowMs)}, ${new Date(nowMs)}, ${new Date(nowMs)})
        returning id`;
      await tx`
        update notification set status = 'summarised', summary_id = ${summary!.id}, sent_at = ${new Date(nowMs)}, last_error = null
        where id = any(${ids}::bigint[])`;
    }
  });
}
