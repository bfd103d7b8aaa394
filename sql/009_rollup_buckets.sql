-- The group roll-up's reach, factored (functions/store/group-rollup.ts).
--
-- Every group a check counts towards is one of its origin's own groups, or a group above them.
-- The groups above are the same for many origins (all the leaf groups under one parent share
-- them), so they are stored once per distinct set, as a bucket, instead of once per origin:
-- the roll-up adds the counts of an origin's bucket-mates together first and spreads them over
-- the bucket's groups once. On the benchmark's 10,000 groups this stores 16,000 (bucket, group)
-- pairs instead of 48,000 (origin, group) pairs, and halves the rows the roll-up adds up.
create table rollup_bucket (
  id      integer generated always as identity primary key,
  site_id uuid not null references site (id) on delete cascade,
  -- Sorted; the groups above an origin's own groups, each once.
  groups  uuid[] not null,
  unique (site_id, groups)
);

-- Null for an origin with no group above it (its groups are roots).
alter table rollup_origin add column bucket_id integer references rollup_bucket (id);

drop table rollup_reach;
