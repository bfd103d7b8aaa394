-- Vigil foundation: tenants, the object model, check state, history and readings.
--
-- Every row belongs to a site (tenant) and every table carries site_id, so that every query can
-- be scoped to its site by the column alone, without a join.

create table site (
  id          uuid primary key default gen_random_uuid(),
  name        text not null unique,
  summary     text,
  parameters  jsonb not null default '{}',
  created_at  timestamptz not null default now()
);

-- Statuses in Bergamot's order; the rank is the severity (higher is worse). Other tables store the
-- rank as a smallint: narrower rows and "worst" is max().
create table status (
  rank  smallint primary key,
  name  text not null unique
);
insert into status (rank, name) values
  (0, 'PENDING'), (1, 'INFO'), (2, 'OK'), (3, 'WARNING'), (4, 'CRITICAL'),
  (5, 'UNKNOWN'), (6, 'TIMEOUT'), (7, 'ERROR'), (8, 'DISCONNECTED'), (9, 'ACTION');

-- One row per applied configuration: who applied what and when (rollback reads it back).
create table config_change (
  id          bigint generated always as identity primary key,
  site_id     uuid not null references site (id) on delete cascade,
  applied_at  timestamptz not null default now(),
  applied_by  text not null,
  summary     jsonb not null default '{}',
  source      jsonb not null default '[]'
);
create index config_change_site_idx on config_change (site_id, applied_at desc);

create table location (
  site_id      uuid not null references site (id) on delete cascade,
  id           uuid not null default gen_random_uuid(),
  name         text not null,
  parent_id    uuid,
  summary      text,
  description  text,
  -- The AWS region whose workers run this location's checks; null means the home region.
  region       text,
  parameters   jsonb not null default '{}',
  primary key (id),
  unique (site_id, name)
);

create table check_group (
  site_id      uuid not null references site (id) on delete cascade,
  id           uuid not null default gen_random_uuid(),
  name         text not null,
  summary      text,
  description  text,
  parameters   jsonb not null default '{}',
  primary key (id),
  unique (site_id, name)
);

-- Groups form a tree (a group may sit under several parents, so strictly a DAG).
create table group_parent (
  site_id    uuid not null references site (id) on delete cascade,
  group_id   uuid not null references check_group (id) on delete cascade,
  parent_id  uuid not null references check_group (id) on delete cascade,
  primary key (group_id, parent_id)
);
create index group_parent_parent_idx on group_parent (parent_id);

create table time_period (
  site_id      uuid not null references site (id) on delete cascade,
  id           uuid not null default gen_random_uuid(),
  name         text not null,
  summary      text,
  time_zone    text,
  ranges       jsonb not null default '[]',
  excludes     text[] not null default '{}',
  primary key (id),
  unique (site_id, name)
);

create table command (
  site_id      uuid not null references site (id) on delete cascade,
  id           uuid not null default gen_random_uuid(),
  name         text not null,
  engine       text not null,
  executor     text,
  summary      text,
  description  text,
  -- Parameter name -> unresolved expression text; resolved at check time.
  parameters   jsonb not null default '{}',
  script       text,
  primary key (id),
  unique (site_id, name)
);

create table team (
  site_id     uuid not null references site (id) on delete cascade,
  id          uuid not null default gen_random_uuid(),
  name        text not null,
  summary     text,
  definition  jsonb not null default '{}',
  primary key (id),
  unique (site_id, name)
);

create table contact (
  site_id     uuid not null references site (id) on delete cascade,
  id          uuid not null default gen_random_uuid(),
  name        text not null,
  summary     text,
  email       text,
  phone       text,
  definition  jsonb not null default '{}',
  primary key (id),
  unique (site_id, name)
);

-- Credentials hold secrets: the API never returns `password`, and nothing logs this table's rows.
create table credential (
  site_id     uuid not null references site (id) on delete cascade,
  id          uuid not null default gen_random_uuid(),
  name        text not null,
  summary     text,
  username    text,
  password    text,
  primary key (id),
  unique (site_id, name)
);

create table host (
  site_id      uuid not null references site (id) on delete cascade,
  id           uuid not null default gen_random_uuid(),
  name         text not null,
  address      text,
  location_id  uuid references location (id) on delete set null,
  -- Clusters name their members by pool: `majority of hosts in pool 'x'`.
  resource_pool text,
  primary key (id),
  unique (site_id, name)
);

-- Every checkable object in one table: hosts, services, traps, clusters and resources are all
-- checks with a state. A service or trap belongs to a host, a resource to a cluster (parent_id).
create table "check" (
  site_id           uuid not null references site (id) on delete cascade,
  id                uuid not null default gen_random_uuid(),
  kind              text not null check (kind in ('host', 'service', 'trap', 'cluster', 'resource')),
  name              text not null,
  parent_id         uuid references "check" (id) on delete cascade,
  host_id           uuid references host (id) on delete cascade,
  summary           text,
  description       text,
  command_id        uuid references command (id) on delete restrict,
  -- Parameters set on the check itself (arguments to its command); most specific wins.
  parameters        jsonb not null default '{}',
  -- Virtual checks (clusters, resources): e.g. majority of hosts in pool 'x'.
  condition         text,
  enabled           boolean not null default true,
  every_s           integer not null check (every_s > 0),
  changing_every_s  integer not null check (changing_every_s > 0),
  retry_every_s     integer not null check (retry_every_s > 0),
  time_period_id    uuid references time_period (id) on delete set null,
  failed_after      smallint not null default 1 check (failed_after >= 1),
  recovers_after    smallint not null default 1 check (recovers_after >= 1),
  -- Offset of this check's due times within its interval, so checks spread out over the minute.
  phase_ms          integer not null default 0,
  -- Several locations' results combine into one state: at least `quorum` must fail.
  quorum            smallint not null default 1 check (quorum >= 1),
  notify            jsonb not null default '{}',
  primary key (id),
  unique nulls not distinct (site_id, kind, parent_id, name)
);
create index check_host_idx on "check" (host_id);
create index check_site_kind_idx on "check" (site_id, kind);

create table check_location (
  site_id      uuid not null references site (id) on delete cascade,
  check_id     uuid not null references "check" (id) on delete cascade,
  location_id  uuid not null references location (id) on delete cascade,
  primary key (check_id, location_id)
);

create table check_group_member (
  site_id   uuid not null references site (id) on delete cascade,
  check_id  uuid not null references "check" (id) on delete cascade,
  group_id  uuid not null references check_group (id) on delete cascade,
  primary key (check_id, group_id)
);
create index check_group_member_group_idx on check_group_member (group_id);
-- A site's memberships in check order: the group roll-up streams them from this index and sees
-- which checks are in more than one group without hashing every check of the site.
create index check_group_member_site_check_idx on check_group_member (site_id, check_id, group_id);

-- The hot table: one row per check, rewritten by every result. Kept narrow, with free space on
-- each page (fillfactor) and no index on any column a result changes, so that updates are HOT:
-- the new row version goes on the same page and no index is touched. The only index is the
-- primary key, which a result never changes.
create table check_state (
  check_id          uuid primary key references "check" (id) on delete cascade,
  site_id           uuid not null,
  status            smallint not null default 0,
  hard              boolean not null default true,
  attempt           smallint not null default 0,
  hard_status       smallint not null default 0,
  -- Bit i is set when result i (0 = newest) differed in status from the one before it: the
  -- history that flap detection reads, 21 results deep as in Nagios.
  change_bits       integer not null default 0,
  flapping          boolean not null default false,
  acknowledged      boolean not null default false,
  in_downtime       boolean not null default false,
  suppressed        boolean not null default false,
  -- Time of the newest applied result: a result not newer than this changes nothing.
  last_result_at    timestamptz,
  last_change_at    timestamptz,
  last_hard_change_at timestamptz,
  output            text
) with (fillfactor = 70);

-- Latest result from each location, combined into check_state by the quorum rule. Also hot.
create table check_location_state (
  check_id        uuid not null references "check" (id) on delete cascade,
  location_id     uuid not null references location (id) on delete cascade,
  site_id         uuid not null,
  status          smallint not null default 0,
  last_result_at  timestamptz,
  output          text,
  primary key (check_id, location_id)
) with (fillfactor = 70);

-- History of state changes: append-only, read by time range. BRIN on time is tiny and fits
-- append order; the (check_id, at) index serves one check's timeline.
create table check_transition (
  site_id      uuid not null,
  check_id     uuid not null references "check" (id) on delete cascade,
  at           timestamptz not null,
  from_status  smallint not null,
  to_status    smallint not null,
  from_hard    boolean not null,
  to_hard      boolean not null,
  attempt      smallint not null,
  flapping     boolean not null default false,
  location_id  uuid,
  output       text
);
create index check_transition_at_brin on check_transition using brin (at);
create index check_transition_check_idx on check_transition (check_id, at desc);

-- Metrics, partitioned by month so old data is dropped a partition at a time. The default
-- partition catches anything outside the prepared months, so no reading is ever refused.
create table reading (
  site_id   uuid not null,
  check_id  uuid not null,
  at        timestamptz not null,
  name      text not null,
  value     double precision not null,
  unit      text,
  warning   double precision,
  critical  double precision,
  min       double precision,
  max       double precision
) partition by range (at);
create table reading_default partition of reading default;
create index reading_check_idx on reading (check_id, name, at);
create index reading_at_brin on reading using brin (at);

-- Creates the monthly partitions from `from_month` for `months` months; safe to call repeatedly.
create function ensure_reading_partitions(from_month date, months integer) returns void
language plpgsql as $$
declare
  start_month date := date_trunc('month', from_month)::date;
  part_start date;
  part_name text;
begin
  for i in 0 .. months - 1 loop
    part_start := (start_month + make_interval(months => i))::date;
    part_name := format('reading_%s', to_char(part_start, 'YYYY_MM'));
    if to_regclass(part_name) is null then
      execute format(
        'create table %I partition of reading for values from (%L) to (%L)',
        part_name, part_start, (part_start + interval '1 month')::date);
    end if;
  end loop;
end;
$$;

select ensure_reading_partitions(current_date - 31, 4);
