-- What people and programs do to checks through the API (functions/actions/): acknowledge a
-- problem, schedule downtime, send passive results, register URLs for uptime monitoring.
--
-- None of it adds an index to check_state: acknowledging and downtime only flip its existing
-- `acknowledged` and `in_downtime` columns, so those updates stay HOT like the result path's.

-- Where a check (and the command it runs) came from. Applying configuration adds, changes and
-- removes only what configuration made ('config'); URLs registered through the uptime API
-- ('uptime') live on across applies until they are deleted through that API.
alter table "check" add column origin text not null default 'config' check (origin in ('config', 'uptime'));
alter table command add column origin text not null default 'config' check (origin in ('config', 'uptime'));

-- Every acknowledgement, as history: who acknowledged which problem, when and why, and who took
-- it back. Whether a check is acknowledged now is check_state.acknowledged (the result processor
-- clears it when the confirmed state changes); these rows only tell the story.
create table acknowledgement (
  id               bigint generated always as identity primary key,
  site_id          uuid not null references site (id) on delete cascade,
  check_id         uuid not null references "check" (id) on delete cascade,
  -- The confirmed (hard) status that was acknowledged, as a rank (sql/001).
  hard_status      smallint not null,
  comment          text not null,
  acknowledged_by  text not null,
  acknowledged_at  timestamptz not null,
  removed_by       text,
  removed_at       timestamptz
);
create index acknowledgement_check_idx on acknowledgement (check_id, id desc);

-- One-off downtime of a check. `phase` says what check_state already reflects, so that each
-- scheduler tick (applyDowntimes) reads only downtimes that are due to start or to end, however
-- many past ones the table keeps: 'scheduled' (not started yet), 'active', 'ended'.
create table downtime (
  id          uuid primary key default gen_random_uuid(),
  site_id     uuid not null references site (id) on delete cascade,
  check_id    uuid not null references "check" (id) on delete cascade,
  starts_at   timestamptz not null,
  ends_at     timestamptz not null,
  comment     text not null,
  created_by  text not null,
  created_at  timestamptz not null default now(),
  phase       text not null default 'scheduled' check (phase in ('scheduled', 'active', 'ended')),
  check (ends_at > starts_at)
);
create index downtime_site_idx on downtime (site_id, starts_at, id);
create index downtime_check_idx on downtime (check_id);
create index downtime_starting_idx on downtime (starts_at) where phase = 'scheduled';
create index downtime_ending_idx on downtime (ends_at) where phase = 'active';

-- The secret of each check's passive-result URL, as its SHA-256: the token itself is shown once,
-- when it is made, and never stored. One per check; making a new one replaces the old.
create table passive_token (
  check_id    uuid primary key references "check" (id) on delete cascade,
  site_id     uuid not null references site (id) on delete cascade,
  token_hash  bytea not null unique,
  created_by  text not null,
  created_at  timestamptz not null
);

-- URLs registered through the uptime API. Each is an http check (origin 'uptime') that the
-- scheduler runs every minute; the URL's id is its check's id.
create table uptime_url (
  check_id    uuid primary key references "check" (id) on delete cascade,
  site_id     uuid not null references site (id) on delete cascade,
  url         text not null,
  -- Alert when more 5xx responses than this arrive within five minutes.
  threshold   integer not null check (threshold >= 0),
  created_by  text not null,
  created_at  timestamptz not null,
  unique (site_id, url)
);

-- One row per alert episode: opened when a URL's 5xx responses in the last five minutes exceed
-- its threshold, closed when they fall back to it or below (evaluateUptimeAlerts).
create table uptime_alert (
  id             bigint generated always as identity primary key,
  site_id        uuid not null references site (id) on delete cascade,
  check_id       uuid not null references uptime_url (check_id) on delete cascade,
  threshold      integer not null,
  opened_at      timestamptz not null,
  -- 5xx responses in the five minutes before opening, and the most seen while it was open.
  failures       integer not null,
  peak_failures  integer not null,
  closed_at      timestamptz
);
create index uptime_alert_check_idx on uptime_alert (check_id, id desc);
-- At most one open alert per URL.
create unique index uptime_alert_open_idx on uptime_alert (check_id) where closed_at is null;
