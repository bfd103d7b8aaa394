/**
 * Group roll-up: for every group of a site, the worst state and the number of checks in each
 * state, over the checks in the group and in all the groups below it. One `WITH RECURSIVE`
 * query, never a loop in application code (DESIGN.md, PostgreSQL rules).
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
 * Why the query has this shape. Measured with EXPLAIN ANALYZE on bench/group-rollup.bench.ts:
 * 10,000 groups six levels deep (5 % with a second parent), 100,000 checks, 11 % of them in
 * more than one group, on the 2-core development machine.
 * - Joining every (ancestor, check) pair and de-duplicating is simple and exact, but makes
 *   ~650,000 rows: about 1 s.
 * - Summing per-group counts over the group closure is fast but counts a check in two groups
 *   under one ancestor twice, and a group reached along two DAG paths twice.
 * - So checks are first counted per *origin*, in one pass: a check in exactly one group is
 *   counted for that group; a check in several groups for its set of groups (the checks of one
 *   host share a set, so 11,000 such checks make 2,300 sets). A set holding a group and that
 *   group's parent reaches what the child alone reaches, so the parent is dropped from it; many
 *   sets then become single groups.
 * - Origins, not checks, walk up the tree, with their counts: a recursive UNION (not UNION ALL)
 *   of (origin, ancestor) rows. An origin that reaches an ancestor along two paths, or a set whose
 *   groups meet at a common ancestor, makes the same row twice and UNION keeps one: that is what
 *   makes every count exact, without ever comparing checks.
 * - A leaf group with a single parent needs no walk of its own: its checks start at the parent,
 *   summed with the parent's own, plus one row for the leaf. 70 % of the groups are such leaves;
 *   with sets reduced, the walk is ~30,000 rows instead of ~60,000.
 * - Each check's set of groups comes from one pass over check_group_member in check order, read
 *   from the (site_id, check_id, group_id) index: no hash table over 100,000 checks.
 * - Only states other than OK are joined (16 % of checks); a check with no such row is counted
 *   as OK. Every check has a check_state row (site configuration writes it with the check), so
 *   no row other than OK means OK. This saves ~25 ms over joining every state.
 * The result is exact and about five times faster than the pair join, but at ~200 ms it misses
 * the 100 ms target on this machine: reading and grouping the 100,000 memberships and states
 * alone takes ~80 ms here, and walking the origins and summing ~100 ms. See the benchmark.
 *
 * `groupIds` keeps the same shape and reads only the memberships of the requested groups and
 * the groups below them. The groups above a batch's changed checks include the roots, so that
 * costs as much as the whole site; one branch of the tree takes a fraction.
 */
import type { Queryable } from './database.ts';

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

/**
 * Per-origin counts from rows of (status, handled, n): the same columns at every stage, so that
 * stages can be summed. Sums stay NULL where nothing matched (cheaper than COALESCE on every
 * row); the final select turns them into zeros.
 */
function countColumns(n: string): string {
  const perStatus = ['pending', 'info', 'ok', 'warning', 'critical', 'unknown', 'timeout', 'error', 'disconnected', 'action']
    .map((name, rank) => `sum(${n}) filter (where status = ${rank})::int as ${name}`)
    .join(',\n    ');
  return `sum(${n})::int as total,
    ${perStatus},
    sum(${n}) filter (where handled)::int as handled,
    sum(${n}) filter (where status > ${OK_RANK} and not handled)::int as unhandled,
    max(case when handled then ${OK_RANK} else status end) as worst`;
}

const COUNTS = ['total', 'pending', 'info', 'ok', 'warning', 'critical', 'unknown', 'timeout', 'error', 'disconnected', 'action', 'handled', 'unhandled'];

/**
 * `sum(x)::int as x` for each count, and the worst of the worst. The casts keep every stage in
 * int: a sum of bigints would be numeric, several times slower to add up.
 */
const SUM_COUNTS = `${COUNTS.map((c) => `sum(${c})::int as ${c}`).join(', ')}, max(worst) as worst`;

function listCounts(prefix = ''): string {
  return `${COUNTS.map((c) => prefix + c).join(', ')}, ${prefix}worst`;
}

/**
 * The roll-up query. `$1` is the site id; with `subset`, `$2` is the requested group ids and only
 * the checks below those groups are read.
 */
function rollupSql(subset: boolean): string {
  return `
with recursive
${
  subset
    ? `-- The requested groups and everything below them: only their checks can count.
requested_below (group_id) as (
  select id from check_group where site_id = $1 and id = any($2::uuid[])
  union
  select gp.group_id from requested_below r
  join group_parent gp on gp.parent_id = r.group_id and gp.site_id = $1
),`
    : ''
}
-- The set of groups each check is in, in check order from check_group_member_site_check_idx.
check_groups as (
  select check_id, array_agg(group_id) as groups
  from check_group_member
  where site_id = $1${subset ? ' and (group_id in (select group_id from requested_below)) is true' : ''}
  group by check_id
),
-- States other than OK; a check without one here is OK.
not_ok as (
  select check_id, status,
         status > ${OK_RANK} and (acknowledged or in_downtime or suppressed) as handled
  from check_state
  where site_id = $1 and status <> ${OK_RANK}
),
-- Checks counted per origin: a group for checks in one group, the set of groups otherwise.
by_origin as (
  select case when cardinality(c.groups) = 1 then c.groups[1] end as group_id,
         case when cardinality(c.groups) > 1 then c.groups end as group_set,
         coalesce(s.status, ${OK_RANK}) as status,
         coalesce(s.handled, false) as handled,
         count(*)::int as n
  from check_groups c
  left join not_ok s on s.check_id = c.check_id
  group by 1, 2, 3, 4
),
-- A set that holds a group and that group's parent reaches exactly the groups the child alone
-- reaches, so the parent is dropped from it: a service in \`linux-services\` and in its parent
-- \`services\` is then simply a check of \`linux-services\`.
set_member as (
  select s.group_set, member.group_id
  from (select distinct group_set from by_origin where group_set is not null) s
  cross join lateral unnest(s.group_set) as member(group_id)
),
reduced_set as (
  select m.group_set, array_agg(m.group_id) as groups
  from set_member m
  where not exists (
    select from set_member child
    join group_parent gp on gp.group_id = child.group_id and gp.site_id = $1
    where child.group_set = m.group_set and gp.parent_id = m.group_id)
  group by m.group_set
),
origin_count as (
  select coalesce(b.group_id, case when cardinality(r.groups) = 1 then r.groups[1] end) as group_id,
         case when b.group_set is not null and cardinality(coalesce(r.groups, b.group_set)) > 1
              then coalesce(r.groups, b.group_set) end as group_set,
         b.status, b.handled, b.n
  from by_origin b
  left join reduced_set r on r.group_set = b.group_set
),
single_group as (
  select group_id, ${countColumns('n')}
  from origin_count
  where group_id is not null
  group by group_id
),
-- Leaves with exactly one parent: their checks can start walking at that parent, together with
-- the parent's own checks.
lifted_leaf as (
  select gp.group_id, any_value(gp.parent_id) as parent_id
  from group_parent gp
  where gp.site_id = $1
    and not exists (select from group_parent child where child.parent_id = gp.group_id and child.site_id = $1)
  group by gp.group_id
  having count(*) = 1
),
-- Every origin's counts, numbered: the walk below carries only the number.
origin as (
  select row_number() over ()::int as origin_id, o.*
  from (
    select array[coalesce(l.parent_id, s.group_id)] as start_groups, ${SUM_COUNTS}
    from single_group s
    left join lifted_leaf l on l.group_id = s.group_id
    group by coalesce(l.parent_id, s.group_id)
    union all
    select group_set, ${countColumns('n')}
    from origin_count
    where group_set is not null
    group by group_set
  ) o
),
-- Each origin at each group above it; UNION keeps one row per (origin, group), however many
-- paths lead there, so every check counts once per group.
reached (origin_id, ancestor_id) as (
  select origin_id, unnest(start_groups) from origin
  union
  select r.origin_id, gp.parent_id
  from reached r
  join group_parent gp on gp.group_id = r.ancestor_id and gp.site_id = $1
),
rolled as (
  select ancestor_id, ${SUM_COUNTS}
  from (
    select r.ancestor_id, ${listCounts('o.')}
    from reached r
    join origin o on o.origin_id = r.origin_id
    union all
    -- The lifted leaves themselves, which their walk starts above.
    select s.group_id, ${listCounts('s.')}
    from single_group s
    join lifted_leaf l on l.group_id = s.group_id
  ) contribution
  group by ancestor_id
)
select g.id as "groupId", g.name, coalesce(r.worst, 0) as "worstStatus",
  ${COUNTS.map((c) => `coalesce(r.${c}, 0)::int as "${c}"`).join(', ')}
from check_group g
left join rolled r on r.ancestor_id = g.id
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

/** The query text, for EXPLAIN in the benchmark. */
export const GROUP_ROLLUP_SQL = { site: SITE_ROLLUP_SQL, subset: SUBSET_ROLLUP_SQL } as const;
