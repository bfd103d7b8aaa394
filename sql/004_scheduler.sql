-- The scheduler (functions/scheduler/): the state -> interval rule in SQL, when each check's
-- schedule started, and how far ahead the ticks have planned.
--
-- Scheduling writes nothing per check: due times are arithmetic (phase_ms + k x interval), so
-- the only row a tick writes is its own in scheduler_tick.

-- The interval a check runs at in its current state: nextIntervalS in
-- functions/core/state/interval.ts, written again here so that the planning query can compute
-- due times for every check in one statement (test/scheduler/ checks that both agree on every
-- status). Statuses are ranks (sql/001): 0 PENDING, 1 INFO, 2 OK, higher ranks are problems.
-- A plain immutable SQL function, so the planner inlines it.
create function check_interval_s(
  status smallint, hard boolean, every_s integer, changing_every_s integer, retry_every_s integer
) returns integer
language sql immutable parallel safe
as $$
  select case
    when status = 0 then every_s
    when status in (1, 2) then case when hard then every_s else changing_every_s end
    else case when hard then retry_every_s else changing_every_s end
  end
$$;

-- When the check's current schedule began: set on insert, and again whenever a change to the
-- check alters when it runs (enabled, intervals, phase, command). Overdue detection counts from
-- here for a check that has no result since, so a new, re-enabled or rescheduled check is not
-- declared overdue for silence that came before it was due to run. `check` is a configuration
-- table (not check_state), so the trigger costs nothing on the result path.
alter table "check" add column scheduled_since timestamptz not null default now();

create function check_schedule_changed() returns trigger
language plpgsql as $$
begin
  new.scheduled_since := now();
  return new;
end;
$$;

create trigger check_schedule_changed
  before update on "check"
  for each row
  when (old.enabled is distinct from new.enabled
     or old.every_s is distinct from new.every_s
     or old.changing_every_s is distinct from new.changing_every_s
     or old.retry_every_s is distinct from new.retry_every_s
     or old.phase_ms is distinct from new.phase_ms
     or old.command_id is distinct from new.command_id)
  execute function check_schedule_changed();

-- How far ahead the scheduler has planned. One row per scheduler (today one, 'main'); a tick locks
-- it, plans from planned_to onwards and moves planned_to, so two ticks never plan the same due
-- time. planning_since is when the current unbroken run of planned windows began (it moves to
-- the tick's time after a gap): a check is only declared overdue for runs that were planned.
create table scheduler_tick (
  scheduler       text primary key,
  planned_to      timestamptz not null,
  planning_since  timestamptz not null,
  ticked_at       timestamptz not null
);
