-- Alerting (functions/notify/): what configuration says about freshness and dependencies, and
-- the notifications sent.

-- A passive check (a trap, a heartbeat) that must hear a result every freshness_s seconds, plus
-- freshness_grace_s, or housekeeping gives it a CRITICAL result: a dead man's switch.
alter table "check"
  add column freshness_s integer check (freshness_s > 0),
  add column freshness_grace_s integer check (freshness_grace_s >= 0),
  -- Of a host: the names of the hosts it is reached through (`parents`). While one of them is
  -- down, this host's problems are suppressed rather than alerted.
  add column depends_on text[] not null default '{}';
