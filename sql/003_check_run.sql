-- How to run each check from each of its locations, worked out when configuration is applied.
--
-- Parameters are templates (`#{host.address}`, location and site parameters...) whose inputs are
-- all configuration, so they are resolved once, on apply, per (check, location): a location's
-- parameters may differ from another's. The scheduler copies a row into each job it sends, so
-- workers in other regions never read the database.
create table check_run (
  site_id       uuid not null references site (id) on delete cascade,
  check_id      uuid not null references "check" (id) on delete cascade,
  -- Null: the check has no location and runs in the home region.
  location_id   uuid references location (id) on delete cascade,
  -- Resolved parameter values, name -> text.
  parameters    jsonb not null default '{}',
  -- Names of the parameters whose values are secrets: never logged, redacted from outputs.
  secret_names  text[] not null default '{}',
  timeout_ms    integer not null check (timeout_ms > 0),
  unique nulls not distinct (check_id, location_id)
);
create index check_run_site_idx on check_run (site_id);
