/**
 * The notifier: the function behind the notifier queue, where EventBridge routes every
 * `CheckStateChanged` and where the notifier leaves itself delayed wake-ups; and the sweep the
 * scheduler's tick runs every minute (follow-ups, and whatever came due without a wake-up).
 *
 *   CheckStateChanged -> alerts + pending notifications (state-changes.ts)
 *   wake-up / sweep   -> delivery: cancel what is no longer worth it, summarise floods, send,
 *                        retry with backoff, give up as dead (delivery.ts)
 *   sweep             -> late first notices, reminders, escalations (follow-ups.ts)
 */
import { MessageError, parseNotifierMessage, type CheckStateChanged } from '#core/messages.ts';
import type { BatchResponse, ReceivedMessage } from '#ports/queue.ts';
import { deliverDue, type DeliverySummary } from './delivery.ts';
import { queueFollowUps } from './follow-ups.ts';
import type { NotifierDeps } from './notifier-deps.ts';
import { handleStateChanges } from './state-changes.ts';

export interface NotifierBatch extends BatchResponse {
  notifications: number;
  delivered?: DeliverySummary;
}

export async function processNotifierMessages(deps: NotifierDeps, messages: readonly ReceivedMessage[]): Promise<NotifierBatch> {
  const failures: string[] = [];
  const events: { event: CheckStateChanged; messageId: string }[] = [];
  let wakeUps = 0;
  for (const message of messages) {
    try {
      const parsed = parseNotifierMessage(message.body);
      if (parsed.type === 'deliver') wakeUps++;
      else events.push({ event: parsed.event, messageId: message.messageId });
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      deps.log.error('notifier message is malformed; it will go to the dead-letter queue', { messageId: message.messageId, reason: error.message });
      failures.push(message.messageId);
    }
  }
  let notifications = 0;
  try {
    notifications = (await handleStateChanges(deps, events.map((e) => e.event))).notifications;
  } catch (error) {
    deps.log.error('state changes could not be turned into notifications; the events will be redelivered', { events: events.length, reason: (error as Error).message });
    failures.push(...events.map((e) => e.messageId));
  }
  const delivered = wakeUps > 0 ? await deliverDue(deps) : undefined;
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })), notifications, ...(delivered ? { delivered } : {}) };
}

export interface SweepSummary {
  delivered: DeliverySummary;
  followUps: number;
}

/** Every minute: deliver what is due, queue follow-ups, and deliver those. */
export async function runNotifierSweep(deps: NotifierDeps): Promise<SweepSummary> {
  const first = await deliverDue(deps);
  const followUps = await queueFollowUps(deps);
  const second = followUps > 0 ? await deliverDue(deps) : undefined;
  const delivered = second
    ? { sent: first.sent + second.sent, summaries: first.summaries + second.summaries, cancelled: first.cancelled + second.cancelled, retrying: first.retrying + second.retrying, dead: first.dead + second.dead }
    : first;
  return { delivered, followUps };
}
