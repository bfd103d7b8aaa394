-- Recurring downtime (functions/actions/downtimes.ts): `<downtime time-period="..."/>` on a check
-- puts it in downtime whenever that time period is open (a weekly maintenance window, in the
-- period's own zone), beside the one-off windows of the downtime table.
alter table "check" add column downtime_period_id uuid references time_period (id) on delete set null;
