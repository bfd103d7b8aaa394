-- Online configuration changes (functions/store/site-config.ts).
--
-- On a host or cluster: a digest of it and of everything it contains, as an apply stores them
-- (fields, groups, locations, and everything their runs are resolved from). An apply compares
-- digests and rewrites only the hosts and clusters whose digest changed, so adding one service
-- to a site of 50,000 touches one host's checks instead of rewriting them all. Null (stored
-- before this, and on what a container contains) counts as changed.
alter table "check" add column config_digest text;

-- What a host or cluster contains, found when it changes or goes (and by the cascade that
-- deletes it with its container).
create index check_parent_idx on "check" (parent_id);

-- The text of every configuration file a change was applied from, once per distinct text: a
-- change usually edits one file of many, and the others are already here. config_change.source
-- lists a change's files as [{ "path", "digest" }]; rolling back applies them again.
create table config_file (
  site_id  uuid not null references site (id) on delete cascade,
  -- sha1 of the text, base64.
  digest   text not null,
  text     text not null,
  primary key (site_id, digest)
);

-- A change made by rolling back to an earlier one names it.
alter table config_change add column rollback_of bigint references config_change (id) on delete set null;
