-- Events waiting to be published (CheckStateChanged...), written in the same transaction as the
-- state change they describe. The result processor publishes them after commit and deletes what
-- the bus took; whatever a crash or a bus outage leaves behind is published by a later run. So a
-- committed hard state change always reaches the notifier, at least once.
create table event_outbox (
  id           bigint generated always as identity primary key,
  site_id      uuid not null references site (id) on delete cascade,
  detail_type  text not null,
  detail       jsonb not null,
  created_at   timestamptz not null default now()
);
