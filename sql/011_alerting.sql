-- Alerting (functions/notify/): what configuration says about freshness and dependencies, the
-- alerts (problem episodes) and the notifications sent.

-- A passive check (a trap, a heartbeat) that must hear a result every freshness_s seconds, plus
-- freshness_grace_s, or the scheduler's tick gives it a CRITICAL result: a dead man's switch.
alter table "check"
  add column freshness_s integer check (freshness_s > 0),
  add column freshness_grace_s integer check (freshness_grace_s >= 0),
  -- Of a host: the names of the hosts it is reached through (`parents`). While one of them is
  -- down, this host's problems are suppressed rather than alerted.
  add column depends_on text[] not null default '{}';

-- One row per problem episode of a check: opened by a hard change to a problem status, closed
-- by the recovery. Re-notification, escalation and "tell them once it is no longer suppressed"
-- all read the open ones. At most one open alert per check.
create table alert (
  id                  bigint generated always as identity primary key,
  site_id             uuid not null references site (id) on delete cascade,
  check_id            uuid not null references "check" (id) on delete cascade,
  opened_at           timestamptz not null,
  -- The time of the newest state change applied to it: an event not newer is a redelivery.
  changed_at          timestamptz not null,
  -- The problem status it is about now (rank); a change from WARNING to CRITICAL updates it.
  status              smallint not null,
  output              text,
  closed_at           timestamptz,
  -- When someone was last told (null: nobody yet, e.g. it began in downtime).
  notified_at         timestamptz,
  -- Escalation steps already taken (0: none).
  escalations         smallint not null default 0,
  -- The acknowledgement the people told were told of: each is told once.
  acknowledgement_id  bigint
);
create unique index alert_open_idx on alert (check_id) where closed_at is null;
create index alert_site_open_idx on alert (site_id) where closed_at is null;

-- Every notification, from decision to delivery: the queue of what is to be sent (pending, with
-- next_attempt_at), what is on its way (sending, under a lease: one whose notifier died is
-- claimed again when the lease runs out), the record of what was sent, and the dead letters
-- (dead: retries ran out or the channel refused it for good), which the API lists. A summary
-- stands for the notifications it replaced (summary_id).
create table notification (
  id               bigint generated always as identity primary key,
  site_id          uuid not null references site (id) on delete cascade,
  alert_id         bigint references alert (id) on delete set null,
  check_id         uuid references "check" (id) on delete set null,
  contact          text not null,
  channel          text not null check (channel in ('email', 'webhook', 'slack', 'sms')),
  kind             text not null check (kind in ('problem', 'recovery', 'reminder', 'escalation', 'acknowledgement', 'summary')),
  -- What it says: status, previous status, output, when; rendered when it is sent.
  detail           jsonb not null,
  status           text not null default 'pending'
                   check (status in ('pending', 'sending', 'sent', 'dead', 'cancelled', 'summarised')),
  attempts         smallint not null default 0,
  next_attempt_at  timestamptz not null,
  last_error       text,
  created_at       timestamptz not null,
  sent_at          timestamptz,
  summary_id       bigint references notification (id) on delete set null
);
-- The delivery sweep: what is waiting or on its way, by when it is due.
create index notification_pending_idx on notification (next_attempt_at) where status in ('pending', 'sending');
create index notification_site_idx on notification (site_id, id desc);
create index notification_alert_idx on notification (alert_id);

-- What a check depends on that is down, or null: `its host web-1` for a service or trap whose
-- host is down, `its parent host core-1` for a host one of whose parents is. Problems are the
-- statuses above OK (rank 2). The one definition the result processor keeps
-- check_state.suppressed by (functions/results/dependency-suppression.ts) and alert_suppression
-- names in its reason.
create function down_dependency(target uuid) returns text
language sql stable as $$
  select coalesce(
    (select 'its host ' || h.name from "check" c
       join "check" h on h.id = c.parent_id and h.site_id = c.site_id and h.kind = 'host'
       join check_state hs on hs.check_id = h.id
     where c.id = target and hs.hard_status > 2),
    (select 'its parent host ' || p.name from "check" c
       join "check" p on p.site_id = c.site_id and p.kind = 'host' and p.parent_id is null and p.name = any(c.depends_on)
       join check_state ps on ps.check_id = p.id
     where c.id = target and c.kind = 'host' and ps.hard_status > 2
     order by p.name limit 1))
$$;

-- Why a check's problem should not be alerted now, or null: the one definition that delivery
-- (what to send) and follow-ups (what to send late) share. Acknowledged, in downtime, flapping;
-- a dependency down ("no cascade of alerts"); a dependency back up since the check's last
-- result (that result may be from while it was down: wait for a fresh one rather than send the
-- very cascade suppression stops); suppressed otherwise.
create function alert_suppression(target uuid) returns text
language sql stable as $$
  select case
    when s.in_downtime then 'in downtime'
    when s.acknowledged then 'acknowledged'
    when s.flapping then 'flapping: notifications wait until it settles'
    else coalesce(
      down_dependency(c.id) || ' is down',
      (select 'waiting for a result since ' || (case when h.id = c.parent_id then 'its host ' else 'its parent host ' end) || h.name || ' came back'
       from "check" h join check_state hs on hs.check_id = h.id
       where h.site_id = c.site_id and h.kind = 'host' and hs.last_hard_change_at > s.last_result_at
         and (h.id = c.parent_id or (c.kind = 'host' and h.parent_id is null and h.name = any(c.depends_on)))
       order by h.name limit 1),
      case when s.suppressed then 'suppressed' end)
  end
  from "check" c join check_state s on s.check_id = c.id
  where c.id = target
$$;
