-- WebSocket connections (API Gateway's, or the local gateway's in `npm start`) and what each one
-- watches. $connect writes a connection, subscribe and unsubscribe its subscriptions, $disconnect
-- deletes it; a push deletes a connection that API Gateway says is gone (410).

-- A connection is not a site's: one browser may watch several sites, so this table has no
-- site_id; its subscriptions do.
create table ws_connection (
  -- API Gateway's connection id (`L0SM9cOFvHcCIhw=`), not a UUID.
  connection_id  text primary key,
  -- The account (user_account.id). No foreign key: a deleted account's connections end with their
  -- $disconnect, or within two hours, and its subscriptions stop at its role, not here.
  user_id        uuid not null,
  -- Who connected (functions/api/deps.ts Principal: email, session or API token, a token's site
  -- scope), so that subscribe, a later invocation that sees only the connection id, can ask for
  -- the caller's role in a site. Never the token itself.
  principal      jsonb not null,
  connected_at   timestamptz not null
);
-- API Gateway ends every connection within two hours and sends $disconnect only on a best-effort
-- basis; $connect deletes connections older than that by this index.
create index ws_connection_connected_at_idx on ws_connection (connected_at);

-- Watching a whole site (group_id and check_id null), a group of it, or a check of it. Deleting
-- the connection, site, group or check deletes the subscription.
create table ws_subscription (
  connection_id  text not null references ws_connection (connection_id) on delete cascade,
  site_id        uuid not null references site (id) on delete cascade,
  group_id       uuid references check_group (id) on delete cascade,
  check_id       uuid references "check" (id) on delete cascade,
  check (group_id is null or check_id is null),
  unique nulls not distinct (connection_id, site_id, group_id, check_id)
);
-- A push asks, for one site, who watches the site, its changed checks or its changed groups.
create index ws_subscription_site_group_idx on ws_subscription (site_id, group_id) where check_id is null;
create index ws_subscription_site_check_idx on ws_subscription (site_id, check_id) where check_id is not null;
