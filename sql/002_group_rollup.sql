-- What the group roll-up needs to know about the group tree, worked out when configuration is
-- applied (functions/store/group-rollup.ts, refreshGroupRollup).
--
-- The roll-up counts every check once in every group at or above the groups it is in. Which
-- groups those are depends only on memberships and on the group tree, and both change only when
-- configuration is applied; results change only states. So the walk up the tree (one WITH
-- RECURSIVE statement) runs on apply, and the roll-up itself only counts states. Measured on
-- bench/group-rollup.bench.ts (10,000 groups, 100,000 checks): grouping memberships per check
-- took ~200 ms and walking the tree ~35 ms of every roll-up before this.

-- An origin is a distinct set of groups that checks are in, reduced so that no group in it is
-- above another one in it (a group's checks count towards every group above it anyway). The
-- checks of one host usually share an origin; a check in a single group has that group as its
-- origin. Origins partition a site's checks, which is what lets the roll-up add them up.
create table rollup_origin (
  id      integer generated always as identity primary key,
  site_id uuid not null references site (id) on delete cascade,
  -- Sorted, so that one set has one spelling.
  groups  uuid[] not null,
  unique (site_id, groups)
);

-- Every group each origin counts towards: its groups and every group above them, once each
-- however many paths lead there.
create table rollup_reach (
  site_id   uuid not null references site (id) on delete cascade,
  group_id  uuid not null references check_group (id) on delete cascade,
  origin_id integer not null references rollup_origin (id) on delete cascade,
  primary key (site_id, group_id, origin_id)
);
create index rollup_reach_origin_idx on rollup_reach (origin_id);

-- How many checks count towards each group: with it, the roll-up reads only the states that
-- are not OK and works out the OK count.
create table rollup_group (
  group_id uuid primary key references check_group (id) on delete cascade,
  site_id  uuid not null references site (id) on delete cascade,
  checks   integer not null
);

-- A check's origin; null when it is in no group. Written on apply only and never indexed, so the
-- updates results make stay HOT. Not a foreign key: apply keeps it consistent in the same
-- transaction that rewrites rollup_origin, and a foreign key would make every origin deletion
-- scan check_state.
alter table check_state add column rollup_origin integer;
