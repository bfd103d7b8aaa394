-- Agents pushing metrics (functions/store/agent-metrics.ts, functions/api/routes/metrics.ts), and
-- the freshness sweep (functions/scheduler/freshness.ts).
--
-- An agent (one per server) posts its metrics every second to its check's passive URL. Only the
-- latest value of each metric is kept, as Distil kept one Redis hash per server: one row per
-- (check, metric name), rewritten in place by every push. The table never grows with time, only
-- with the number of sources and names, and aggregating a location reads its sources' rows only.

-- The hot table of the push path, like check_state (sql/001): every push rewrites its rows, so
-- they are kept HOT. Free space on each page (fillfactor 70) lets the new row version stay on
-- the same page, and the only index is the primary key, whose columns a push never changes;
-- `value`, `unit` and `at`, which every push changes, have no index. "When was this source
-- last heard" is max(at) over its rows, read through the primary key (a few rows per source).
-- No foreign key on site_id either (the check's cascade removes the rows): a push changes
-- nothing a foreign key would have to check.
create table agent_metric (
  check_id  uuid not null references "check" (id) on delete cascade,
  name      text not null,
  site_id   uuid not null,
  value     double precision not null,
  unit      text,
  -- When the push that wrote this value arrived.
  at        timestamptz not null,
  primary key (check_id, name)
) with (fillfactor = 70);

-- The freshness sweep runs every tick over the checks that have a freshness period: a handful
-- among many. "check" is configuration (written on apply, never by results), so an index on it
-- costs nothing on the result path.
create index check_freshness_idx on "check" (site_id) where freshness_s is not null and enabled;
