/**
 * Group roll-up: for every group of a site, the worst state and the number of checks in each
 * state, over the checks in the group and in all the groups below it. Never a loop in
 * application code (DESIGN.md, PostgreSQL rules): one `WITH RECURSIVE` statement walks the group
 * tree, one query counts.
 *
 * What it counts:
 * - A check counts once for a group however many of that group's descendants it is in: a
 *   service in `web` and in `linux`, both under `all`, is one check of `all`.
 * - Groups form a DAG (a group may have several parents); a group reached along two paths is
 *   still counted once.
 * - An acknowledged, in-downtime or suppressed check with a problem status is "handled": it is
 *   counted under its status and in `handled`, and it does not make the group worse than OK.
 *   Problems are the statuses other than PENDING, INFO and OK.
 * - A group with no checks below it is PENDING with every count zero.
 *
 * How. Memberships and the group tree change only when configuration is applied; results change
 * only states. So the work splits in two (sql/002_group_rollup.sql and 009_rollup_buckets.sql):
 * - On apply, `refreshGroupRollup` gives each check an *origin*: the set of groups it is in,
 *   without any group that is above another one in it. The checks of a host share an origin, so
 *   there are far fewer origins than checks, and origins partition the checks. One recursive
 *   statement then walks every origin up the tree, and UNION keeps each group above it once
 *   however many paths lead there: that is what makes every count exact. The groups above are
 *   stored once per distinct set (a *bucket*: all the leaves under one parent share one), and
 *   the number of checks below each group is stored with the group.
 * - The roll-up reads only the states that are not OK and counts them per origin and status.
 *   It spreads those counts over each origin's own groups, and, added up per bucket first, over
 *   each bucket's groups; OK is the rest of each group's checks.
 *
 * Why, measured on bench/group-rollup.bench.ts (10,000 groups six levels deep, 5 % with a second
 * parent; 100,000 checks, 11 % in more than one group; 16 % not OK; the 2-core machine):
 * - joining every (ancestor, check) pair and de-duplicating: ~1 s;
 * - one recursive query doing it all on every call, walking origins computed on the fly: 250 ms,
 *   of which grouping the memberships per check was ~200 ms and the walk ~35 ms;
 * - origins and their (origin, group) pairs kept from apply: ~95 ms in psql, adding up 87,000
 *   rows; with buckets, 51,000 rows: ~80 ms. Reading the 16,000 states that are not OK is ~20 ms
 *   of it, and postgres.js reading the 10,000 result rows adds ~10 ms. See the README's figures.
 * Every check has a check_state row (applying configuration writes it with the check), so a
 * check with no state other than OK is OK.
 */
import type { Queryable, Transaction } from './database.ts';

/** Counts and worst state of one group, over its checks and the checks of every group below it. */
export interface GroupRollup {
  groupId: string;
  name: string;
  /** Rank of the worst status that is not a handled problem (see `statusOfRank`); PENDING (0) when the group has no checks. */
  worstStatus: number;
  /** Distinct checks in the group and below it. */
  total: number;
  pending: number;
  info: number;
  ok: number;
  warning: number;
  critical: number;
  unknown: number;
  timeout: number;
  error: number;
  disconnected: number;
  action: number;
  /** Problems (statuses other than PENDING, INFO, OK) that are acknowledged, in downtime or suppressed. */
  handled: number;
  /** Problems that are none of those. */
  unhandled: number;
}

export interface GroupRollupOptions {
  /**
   * Only these groups (for example the groups above the checks a batch of results changed).
   * Ids that are not groups of the site are ignored.
   * @defaultValue every group of the site
   */
  groupIds?: readonly string[];
}

/** Status ranks as stored in check_state.status (functions/core/status.ts). */
const OK_RANK = 2;

const PER_STATUS = ['pending', 'info', 'ok', 'warning', 'critical', 'unknown', 'timeout', 'error', 'disconnected', 'action'];
const COUNTS = ['total', ...PER_STATUS, 'handled', 'unhandled'];

/**
 * The roll-up query. `$1` is the site id; with `subset`, `$2` is the requested group ids and only
 * the states that count towards them are added up.
 */
function rollupSql(subset: boolean): string {
  const count = (status: string) => `coalesce(sum(n) filter (where ${status}), 0)::int`;
  return `
-- States other than OK, counted per origin; a check with none of these is OK.
with not_ok as (
  select rollup_origin as origin_id, status,
         status > ${OK_RANK} and (acknowledged or in_downtime or suppressed) as handled,
         count(*)::int as n
  from check_state
  where site_id = $1 and status <> ${OK_RANK} and rollup_origin is not null
  group by 1, 2, 3
),
-- ...spread over each origin's own groups, and, added up per bucket first, over each bucket's
-- groups (the groups above).
counted as (
  select own.group_id, s.status, s.handled, s.n
  from not_ok s
  join rollup_origin o on o.id = s.origin_id
  cross join lateral unnest(o.groups) as own(group_id)
  union all
  select above.group_id, b.status, b.handled, b.n
  from (
    select o.bucket_id, s.status, s.handled, sum(s.n)::int as n
    from not_ok s
    join rollup_origin o on o.id = s.origin_id
    where o.bucket_id is not null
    group by 1, 2, 3
  ) b
  join rollup_bucket k on k.id = b.bucket_id
  cross join lateral unnest(k.groups) as above(group_id)
),
per_group as (
  select group_id, status, handled, sum(n)::int as n
  from counted${subset ? '\n  -- A hashed semi-join: `= any($2)` would compare every row with every requested id.\n  where group_id in (select unnest($2::uuid[]))' : ''}
  group by 1, 2, 3
),
not_ok_per_group as (
  select group_id, ${count('true')} as not_ok,
    ${PER_STATUS.filter((_, rank) => rank !== OK_RANK)
      .map((name) => `${count(`status = ${PER_STATUS.indexOf(name)}`)} as ${name}`)
      .join(',\n    ')},
    ${count('handled')} as handled,
    ${count(`status > ${OK_RANK} and not handled`)} as unhandled,
    -- A handled problem makes its groups no worse than OK.
    max(case when handled then ${OK_RANK} else status end) as worst
  from per_group
  group by group_id
)
select g.id as "groupId", g.name,
  coalesce(greatest(p.worst, case when t.checks > coalesce(p.not_ok, 0) then ${OK_RANK} end), 0) as "worstStatus",
  coalesce(t.checks, 0) as total,
  ${PER_STATUS.map((name) =>
    name === 'ok' ? `coalesce(t.checks, 0) - coalesce(p.not_ok, 0) as ok` : `coalesce(p.${name}, 0) as ${name}`).join(',\n  ')},
  coalesce(p.handled, 0) as handled, coalesce(p.unhandled, 0) as unhandled
from check_group g
left join rollup_group t on t.group_id = g.id
left join not_ok_per_group p on p.group_id = g.id
where g.site_id = $1${subset ? ' and g.id = any($2::uuid[])' : ''}`;
}

const SITE_ROLLUP_SQL = rollupSql(false);
const SUBSET_ROLLUP_SQL = rollupSql(true);

/**
 * Rolls the state of a site's checks up its group tree: one row per group of the site (or per
 * requested group), in no particular order.
 *
 * @example
 * for (const group of await groupRollup(sql, siteId)) {
 *   console.log(group.name, statusOfRank(group.worstStatus), group.unhandled);
 * }
 * // After a batch of results: only the groups above the changed checks.
 * await groupRollup(sql, siteId, { groupIds: affectedGroupIds });
 */
export async function groupRollup(
  sql: Queryable,
  siteId: string,
  options: GroupRollupOptions = {},
): Promise<GroupRollup[]> {
  const { groupIds } = options;
  if (groupIds !== undefined) {
    if (groupIds.length === 0) return [];
    return sql.unsafe<GroupRollup[]>(SUBSET_ROLLUP_SQL, [siteId, groupIds as string[]], { prepare: true });
  }
  return sql.unsafe<GroupRollup[]>(SITE_ROLLUP_SQL, [siteId], { prepare: true });
}

/**
 * Works out each check's origin, where every origin counts and how many checks count towards
 * each group, from the site's memberships and group tree (see the top of this file). Whatever
 * changes either calls this in the same transaction; applying configuration does. It works in a
 * temporary table, hence the transaction. Origins still in use keep their ids and only checks
 * whose origin changed are written, so re-applying an unchanged configuration rewrites no
 * check_state row.
 */
/**
 * What {@link refreshGroupRollup} computes from (the site's groups, their tree and memberships),
 * as one value: equal before and after an apply, a refresh would change nothing, and an apply
 * that only touches checks outside groups skips it. A sum of 64-bit hashes per table: cheap
 * next to the refresh, and unequal for any real change.
 */
export async function rollupInputs(sql: Queryable, siteId: string): Promise<string> {
  const [row] = await sql<{ inputs: string }[]>`
    select concat_ws(' ',
      (select count(*) || ':' || coalesce(sum(hashtextextended(check_id::text || group_id::text, 0)), 0)
         from check_group_member where site_id = ${siteId}),
      (select count(*) || ':' || coalesce(sum(hashtextextended(group_id::text || parent_id::text, 0)), 0)
         from group_parent where site_id = ${siteId}),
      (select count(*) || ':' || coalesce(sum(hashtextextended(id::text, 0)), 0)
         from check_group where site_id = ${siteId})) as inputs`;
  return row!.inputs;
}

export async function refreshGroupRollup(tx: Transaction, siteId: string): Promise<void> {
  // Fresh statistics first: on a site's first apply these tables were filled moments ago in this
  // very transaction, and with stale ones the planner loops where it should hash (measured: 40 s
  // instead of 2 s for 100,000 checks).
  await tx`analyze check_group_member, group_parent, check_group, check_state`;
  await tx`drop table if exists pg_temp.check_origin`;
  await tx`
    create temporary table check_origin on commit drop as
    with recursive
    -- Only the site's own groups, whatever a stray row says: sites never count in each other.
    member_set as (
      select m.check_id, array_agg(m.group_id order by m.group_id) as groups
      from check_group_member m
      join check_group g on g.id = m.group_id and g.site_id = ${siteId}
      where m.site_id = ${siteId}
      group by m.check_id
    ),
    multi as (
      select distinct groups from member_set where cardinality(groups) > 1
    ),
    -- Every group above each member of each set.
    above (groups, ancestor_id) as (
      select m.groups, gp.parent_id
      from multi m
      cross join lateral unnest(m.groups) as member(group_id)
      join group_parent gp on gp.group_id = member.group_id and gp.site_id = ${siteId}
      union
      select a.groups, gp.parent_id
      from above a
      join group_parent gp on gp.group_id = a.ancestor_id and gp.site_id = ${siteId}
    ),
    -- A member that is above another member adds nothing: drop it.
    reduced as (
      select m.groups, array_agg(member.group_id order by member.group_id) as origin_groups
      from multi m
      cross join lateral unnest(m.groups) as member(group_id)
      where not exists (select from above a where a.groups = m.groups and a.ancestor_id = member.group_id)
      group by m.groups
    )
    select s.check_id, coalesce(r.origin_groups, s.groups) as groups
    from member_set s
    left join reduced r on r.groups = s.groups`;
  await tx`analyze check_origin`;
  await tx`
    insert into rollup_origin (site_id, groups)
    select distinct ${siteId}::uuid, groups from check_origin
    on conflict (site_id, groups) do nothing`;
  await tx`
    delete from rollup_origin o
    where o.site_id = ${siteId} and not exists (select from check_origin c where c.groups = o.groups)`;
  await tx`
    update check_state s set rollup_origin = o.id
    from check_origin c
    join rollup_origin o on o.site_id = ${siteId} and o.groups = c.groups
    where s.check_id = c.check_id and s.rollup_origin is distinct from o.id`;
  await tx`
    update check_state s set rollup_origin = null
    where s.site_id = ${siteId} and s.rollup_origin is not null
      and not exists (select from check_origin c where c.check_id = s.check_id)`;

  // Each origin's bucket: the groups above its own groups, each once however many paths lead
  // there (UNION). Members of a reduced origin are never above one another, so no own group
  // is among them.
  await tx`drop table if exists pg_temp.origin_above`;
  await tx`
    create temporary table origin_above on commit drop as
    with recursive above (origin_id, group_id) as (
      select o.id, gp.parent_id
      from rollup_origin o
      cross join lateral unnest(o.groups) as member(group_id)
      join group_parent gp on gp.group_id = member.group_id and gp.site_id = ${siteId}
      where o.site_id = ${siteId}
      union
      select a.origin_id, gp.parent_id
      from above a
      join group_parent gp on gp.group_id = a.group_id and gp.site_id = ${siteId}
    )
    select origin_id, array_agg(group_id order by group_id) as groups from above group by origin_id`;
  await tx`analyze origin_above`;
  await tx`
    insert into rollup_bucket (site_id, groups)
    select distinct ${siteId}::uuid, groups from origin_above
    on conflict (site_id, groups) do nothing`;
  await tx`
    update rollup_origin o set bucket_id = b.id
    from origin_above a
    join rollup_bucket b on b.site_id = ${siteId} and b.groups = a.groups
    where o.id = a.origin_id and o.bucket_id is distinct from b.id`;
  await tx`
    update rollup_origin o set bucket_id = null
    where o.site_id = ${siteId} and o.bucket_id is not null
      and not exists (select from origin_above a where a.origin_id = o.id)`;
  await tx`
    delete from rollup_bucket b
    where b.site_id = ${siteId} and not exists (select from rollup_origin o where o.bucket_id = b.id)`;

  await tx`delete from rollup_group where site_id = ${siteId}`;
  await tx`
    insert into rollup_group (group_id, site_id, checks)
    select reach.group_id, ${siteId}, sum(o.checks)
    from (select rollup_origin as origin_id, count(*)::int as checks from check_state
          where site_id = ${siteId} and rollup_origin is not null group by 1) o
    join rollup_origin ro on ro.id = o.origin_id
    left join rollup_bucket b on b.id = ro.bucket_id
    cross join lateral (select unnest(ro.groups) union all select unnest(b.groups)) as reach(group_id)
    group by reach.group_id`;
}

/**
 * The groups a set of checks counts towards (their origins' own groups and buckets): the groups
 * whose roll-up a change of those checks can move.
 */
export async function groupsAboveChecks(sql: Queryable, siteId: string, checkIds: readonly string[]): Promise<string[]> {
  if (checkIds.length === 0) return [];
  const rows = await sql<{ group_id: string }[]>`
    select distinct reach.group_id
    from check_state s
    join rollup_origin o on o.id = s.rollup_origin
    left join rollup_bucket b on b.id = o.bucket_id
    cross join lateral (select unnest(o.groups) union all select unnest(b.groups)) as reach(group_id)
    where s.site_id = ${siteId} and s.check_id = any(${checkIds as string[]}::uuid[])`;
  return rows.map((row) => row.group_id);
}

/** The query text, for EXPLAIN in the benchmark. */
export const GROUP_ROLLUP_SQL = { site: SITE_ROLLUP_SQL, subset: SUBSET_ROLLUP_SQL } as const;
