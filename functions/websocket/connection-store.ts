/**
 * The WebSocket tables (sql/008_websocket.sql): who is connected, and what each connection
 * watches. Subscriptions are always read and written with their site.
 */
import type { Principal } from '#api/deps.ts';
import type { Queryable } from '#store/database.ts';
import type { SubscriptionTarget } from './protocol.ts';

export interface NewConnection {
  connectionId: string;
  principal: Principal;
  connectedAtMs: number;
}

export async function saveConnection(db: Queryable, connection: NewConnection): Promise<void> {
  const { connectionId, principal, connectedAtMs } = connection;
  await db`
    insert into ws_connection (connection_id, user_id, principal, connected_at)
    values (${connectionId}, ${principal.userId}, ${db.json(principal as never)}, ${new Date(connectedAtMs)})
    on conflict (connection_id) do update
      set user_id = excluded.user_id, principal = excluded.principal, connected_at = excluded.connected_at`;
}

/** Deletes connections made before `beforeMs` (and their subscriptions); returns how many. */
export async function deleteConnectionsBefore(db: Queryable, beforeMs: number): Promise<number> {
  const rows = await db`delete from ws_connection where connected_at < ${new Date(beforeMs)} returning 1`;
  return rows.length;
}

/** Deletes connections and their subscriptions; returns how many existed. */
export async function deleteConnections(db: Queryable, connectionIds: readonly string[]): Promise<number> {
  if (connectionIds.length === 0) return 0;
  const rows = await db`delete from ws_connection where connection_id = any(${connectionIds as string[]}) returning 1`;
  return rows.length;
}

/** Who opened a connection, or null when it is not (or no longer) connected. */
export async function connectionPrincipal(db: Queryable, connectionId: string): Promise<Principal | null> {
  const [row] = await db<{ principal: Principal }[]>`
    select principal from ws_connection where connection_id = ${connectionId}`;
  return row?.principal ?? null;
}

/** Whether the target's group or check, when it names one, is one of its site's. */
export async function targetInSite(db: Queryable, target: SubscriptionTarget): Promise<boolean> {
  const { siteId, groupId, checkId } = target;
  if (groupId !== undefined) {
    return (await db`select from check_group where id = ${groupId} and site_id = ${siteId}`).length > 0;
  }
  if (checkId !== undefined) {
    return (await db`select from "check" where id = ${checkId} and site_id = ${siteId}`).length > 0;
  }
  return true;
}

/**
 * Adds a subscription (subscribing twice is one subscription). Returns false when the connection
 * is gone or the site, group or check was deleted meanwhile.
 */
export async function addSubscription(db: Queryable, connectionId: string, target: SubscriptionTarget): Promise<boolean> {
  try {
    await db`
      insert into ws_subscription (connection_id, site_id, group_id, check_id)
      values (${connectionId}, ${target.siteId}, ${target.groupId ?? null}, ${target.checkId ?? null})
      on conflict do nothing`;
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
    throw error;
  }
}

const FOREIGN_KEY_VIOLATION = '23503';

export async function removeSubscription(db: Queryable, connectionId: string, target: SubscriptionTarget): Promise<void> {
  await db`
    delete from ws_subscription
    where connection_id = ${connectionId} and site_id = ${target.siteId}
      and group_id is not distinct from ${target.groupId ?? null}::uuid
      and check_id is not distinct from ${target.checkId ?? null}::uuid`;
}

/** A connection that a change concerns, and which parts of the change it watches. */
export interface Subscriber {
  connectionId: string;
  /** Subscribed to the whole site: it gets every check and group of the change. */
  wholeSite: boolean;
  /** Changed checks it watches, itself or through a group they count towards. */
  checkIds: Set<string>;
  /** Changed groups it watches. */
  groupIds: Set<string>;
}

/**
 * The connections watching a site's change, in one statement: those subscribed to the site, to
 * one of the changed checks, to one of the changed groups, or to a group a changed check counts
 * towards (it is in the group or below it: the check's roll-up origin and bucket, see
 * functions/store/group-rollup.ts), so a browser showing a group sees its checks change.
 */
export async function subscribersOf(db: Queryable, siteId: string, checkIds: readonly string[], groupIds: readonly string[]): Promise<Subscriber[]> {
  const rows = await db<{ connectionId: string; checkId: string | null; groupId: string | null; wholeSite: boolean }[]>`
    with changed_check as (
      select unnest(${checkIds as string[]}::uuid[]) as check_id
    ),
    check_reach as (
      select c.check_id, reach.group_id
      from changed_check c
      join check_state s on s.check_id = c.check_id and s.site_id = ${siteId}
      join rollup_origin o on o.id = s.rollup_origin
      left join rollup_bucket b on b.id = o.bucket_id
      cross join lateral (select unnest(o.groups) union all select unnest(b.groups)) as reach(group_id)
    )
    select connection_id as "connectionId", null::uuid as "checkId", null::uuid as "groupId", true as "wholeSite"
    from ws_subscription
    where site_id = ${siteId} and group_id is null and check_id is null
    union all
    select connection_id, check_id, null, false
    from ws_subscription
    where site_id = ${siteId} and check_id in (select check_id from changed_check)
    union all
    select connection_id, null, group_id, false
    from ws_subscription
    where site_id = ${siteId} and check_id is null and group_id = any(${groupIds as string[]}::uuid[])
    union all
    select w.connection_id, r.check_id, null, false
    from ws_subscription w
    join check_reach r on r.group_id = w.group_id
    where w.site_id = ${siteId} and w.check_id is null`;

  const byConnection = new Map<string, Subscriber>();
  for (const row of rows) {
    let subscriber = byConnection.get(row.connectionId);
    if (!subscriber) {
      subscriber = { connectionId: row.connectionId, wholeSite: false, checkIds: new Set(), groupIds: new Set() };
      byConnection.set(row.connectionId, subscriber);
    }
    if (row.wholeSite) subscriber.wholeSite = true;
    if (row.checkId !== null) subscriber.checkIds.add(row.checkId);
    if (row.groupId !== null) subscriber.groupIds.add(row.groupId);
  }
  return [...byConnection.values()];
}
