/**
 * The messages on Vigil's WebSocket, both ways. Browsers send JSON with an `action` (API
 * Gateway's route selection expression is `$request.body.action`); the server sends JSON with a
 * `type`. Every server message is one frame under API Gateway's 32 KB (frames.ts).
 *
 * client -> server
 *   {"action":"subscribe","siteId":"...","groupId"?:"...","checkId"?:"..."}   at least viewer in the site
 *   {"action":"unsubscribe", same fields}
 *   {"action":"ping"}   keeps an idle connection open (API Gateway closes it after 10 idle minutes)
 * server -> client
 *   {"type":"subscribed"|"unsubscribed","siteId",...}   the reply to the above
 *   {"type":"error","message"}                          a refused or malformed request
 *   {"type":"pong"}
 *   {"type":"checks","siteId","checks":[CheckChange...]}
 *   {"type":"groups","siteId","groups":[GroupChange...]}
 */
import type { Status } from '#core/status.ts';
import type { CheckChange } from '#ports/push.ts';
import type { GroupRollup } from '#store/group-rollup.ts';

/** What a subscription watches: a whole site, one group of it (and everything below), or one check. */
export interface SubscriptionTarget {
  siteId: string;
  groupId?: string;
  checkId?: string;
}

export type ClientMessage =
  | ({ action: 'subscribe' | 'unsubscribe' } & SubscriptionTarget)
  | { action: 'ping' };

/** A group's roll-up as browsers get it: the worst status by name. */
export type GroupChange = Omit<GroupRollup, 'worstStatus'> & { worstStatus: Status };

export type ServerMessage =
  | { type: 'checks'; siteId: string; checks: CheckChange[] }
  | { type: 'groups'; siteId: string; groups: GroupChange[] }
  | ({ type: 'subscribed' | 'unsubscribed' } & SubscriptionTarget)
  | { type: 'error'; message: string }
  | { type: 'pong' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a message from a browser; a message that is not one Vigil knows is an error to send back. */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'a message is a JSON object with an "action": subscribe, unsubscribe or ping' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'a message is a JSON object with an "action": subscribe, unsubscribe or ping' };
  }
  const message = value as Record<string, unknown>;
  const { action } = message;
  if (action === 'ping') return { action };
  if (action !== 'subscribe' && action !== 'unsubscribe') {
    return { error: `unknown action ${JSON.stringify(action ?? null)}: send subscribe, unsubscribe or ping` };
  }
  const problems: string[] = [];
  for (const field of ['siteId', 'groupId', 'checkId'] as const) {
    const id = message[field];
    if (id === undefined && field !== 'siteId') continue;
    if (typeof id !== 'string' || !UUID.test(id)) problems.push(`"${field}" must be an id (a UUID)`);
  }
  if (message.groupId !== undefined && message.checkId !== undefined) problems.push('give "groupId" or "checkId", not both');
  if (problems.length > 0) return { error: `${action}: ${problems.join('; ')}` };
  return {
    action,
    siteId: (message.siteId as string).toLowerCase(),
    ...(message.groupId !== undefined ? { groupId: (message.groupId as string).toLowerCase() } : {}),
    ...(message.checkId !== undefined ? { checkId: (message.checkId as string).toLowerCase() } : {}),
  };
}
