import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STATUSES, statusOfRank, statusRank, type Status } from '#core/status.ts';
import type { Database } from '#store/database.ts';
import { groupRollup, refreshGroupRollup, type GroupRollup } from '#store/group-rollup.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { seededRandom } from '../helpers/random.ts';

const { sql } = await withTestDatabase();

/** A site written as data: each group with its parents, each check with its groups and state. */
interface SiteSpec {
  groups: Record<string, string[]>;
  checks: Record<string, CheckSpec>;
}

interface CheckSpec {
  groups: string[];
  status: Status;
  acknowledged?: boolean;
  inDowntime?: boolean;
  suppressed?: boolean;
}

type Counted = Exclude<keyof GroupRollup, 'groupId' | 'name' | 'worstStatus'>;

/** What a group should roll up to: its worst status and the counts that are not zero. */
type Expected = { worst: Status } & Partial<Record<Counted, number>>;

let sitesMade = 0;

/** Inserts a site exactly as the spec says, straight into the tables the roll-up reads. */
async function buildSite(database: Database, spec: SiteSpec): Promise<{ siteId: string; groupIds: Map<string, string> }> {
  const [site] = await database<{ id: string }[]>`insert into site (name) values (${`site ${++sitesMade}`}) returning id`;
  const siteId = site!.id;
  const groupIds = new Map<string, string>();
  for (const name of Object.keys(spec.groups)) {
    const [group] = await database<{ id: string }[]>`
      insert into check_group (site_id, name) values (${siteId}, ${name}) returning id`;
    groupIds.set(name, group!.id);
  }
  const idOf = (name: string): string => {
    const id = groupIds.get(name);
    if (!id) throw new Error(`the spec names group ${name} but does not declare it`);
    return id;
  };
  for (const [name, parents] of Object.entries(spec.groups)) {
    for (const parent of parents) {
      await database`insert into group_parent (site_id, group_id, parent_id) values (${siteId}, ${idOf(name)}, ${idOf(parent)})`;
    }
  }
  for (const [name, check] of Object.entries(spec.checks)) {
    const [row] = await database<{ id: string }[]>`
      insert into "check" (site_id, kind, name, every_s, changing_every_s, retry_every_s)
      values (${siteId}, 'service', ${name}, 60, 60, 60) returning id`;
    const checkId = row!.id;
    for (const group of check.groups) {
      await database`insert into check_group_member (site_id, check_id, group_id) values (${siteId}, ${checkId}, ${idOf(group)})`;
    }
    await database`
      insert into check_state (check_id, site_id, status, acknowledged, in_downtime, suppressed)
      values (${checkId}, ${siteId}, ${statusRank(check.status)}, ${check.acknowledged ?? false},
              ${check.inDowntime ?? false}, ${check.suppressed ?? false})`;
  }
  await database.begin((tx) => refreshGroupRollup(tx, siteId));
  return { siteId, groupIds };
}

/** The roll-up of a site as { group name: what it should be compared with }. */
function summarise(rows: readonly GroupRollup[]): Record<string, Expected> {
  const result: Record<string, Expected> = {};
  for (const row of rows) {
    const summary: Expected = { worst: statusOfRank(row.worstStatus) };
    for (const key of COUNTED) if (row[key] !== 0) summary[key] = row[key];
    result[row.name] = summary;
  }
  return result;
}

const COUNTED: Counted[] = [
  'total', 'pending', 'info', 'ok', 'warning', 'critical', 'unknown', 'timeout', 'error', 'disconnected', 'action', 'handled', 'unhandled',
];

interface Scenario {
  name: string;
  site: SiteSpec;
  expected: Record<string, Expected>;
}

const scenarios: Scenario[] = [
  {
    name: 'the worst state propagates to every ancestor',
    site: {
      groups: { all: [], web: ['all'], 'web-eu': ['web'], db: ['all'] },
      checks: {
        'eu-http': { groups: ['web-eu'], status: 'CRITICAL' },
        'web-ping': { groups: ['web'], status: 'OK' },
        'db-ping': { groups: ['db'], status: 'WARNING' },
      },
    },
    expected: {
      'web-eu': { worst: 'CRITICAL', total: 1, critical: 1, unhandled: 1 },
      web: { worst: 'CRITICAL', total: 2, ok: 1, critical: 1, unhandled: 1 },
      db: { worst: 'WARNING', total: 1, warning: 1, unhandled: 1 },
      all: { worst: 'CRITICAL', total: 3, ok: 1, warning: 1, critical: 1, unhandled: 2 },
    },
  },
  {
    name: 'a check in two sibling groups counts once for their parent',
    site: {
      groups: { all: [], web: ['all'], linux: ['all'] },
      checks: {
        'shared-disk': { groups: ['web', 'linux'], status: 'WARNING' },
        'web-ping': { groups: ['web'], status: 'OK' },
      },
    },
    expected: {
      web: { worst: 'WARNING', total: 2, ok: 1, warning: 1, unhandled: 1 },
      linux: { worst: 'WARNING', total: 1, warning: 1, unhandled: 1 },
      all: { worst: 'WARNING', total: 2, ok: 1, warning: 1, unhandled: 1 },
    },
  },
  {
    name: 'a check in a group and in its parent counts once',
    site: {
      groups: { services: [], 'linux-services': ['services'], top: [] },
      checks: {
        load: { groups: ['linux-services', 'services'], status: 'CRITICAL' },
        'top-check': { groups: ['top', 'services'], status: 'OK' },
      },
    },
    expected: {
      'linux-services': { worst: 'CRITICAL', total: 1, critical: 1, unhandled: 1 },
      services: { worst: 'CRITICAL', total: 2, ok: 1, critical: 1, unhandled: 1 },
      top: { worst: 'OK', total: 1, ok: 1 },
    },
  },
  {
    name: 'checks in two leaves of different branches count once where the branches meet',
    site: {
      groups: { root: [], a: ['root'], b: ['root'], 'a-leaf': ['a'], 'b-leaf': ['b'], 'a-other': ['a'] },
      checks: {
        both: { groups: ['a-leaf', 'b-leaf'], status: 'UNKNOWN' },
        alone: { groups: ['a-other'], status: 'OK' },
      },
    },
    expected: {
      'a-leaf': { worst: 'UNKNOWN', total: 1, unknown: 1, unhandled: 1 },
      'b-leaf': { worst: 'UNKNOWN', total: 1, unknown: 1, unhandled: 1 },
      'a-other': { worst: 'OK', total: 1, ok: 1 },
      a: { worst: 'UNKNOWN', total: 2, ok: 1, unknown: 1, unhandled: 1 },
      b: { worst: 'UNKNOWN', total: 1, unknown: 1, unhandled: 1 },
      root: { worst: 'UNKNOWN', total: 2, ok: 1, unknown: 1, unhandled: 1 },
    },
  },
  {
    name: 'handled problems count as handled and do not make the group worse than OK',
    site: {
      groups: { all: [], ops: ['all'], quiet: ['all'] },
      checks: {
        acked: { groups: ['ops'], status: 'CRITICAL', acknowledged: true },
        'in-downtime': { groups: ['ops'], status: 'ERROR', inDowntime: true },
        suppressed: { groups: ['ops'], status: 'DISCONNECTED', suppressed: true },
        fine: { groups: ['ops'], status: 'OK' },
        open: { groups: ['quiet'], status: 'WARNING' },
      },
    },
    expected: {
      ops: { worst: 'OK', total: 4, ok: 1, critical: 1, error: 1, disconnected: 1, handled: 3 },
      quiet: { worst: 'WARNING', total: 1, warning: 1, unhandled: 1 },
      all: { worst: 'WARNING', total: 5, ok: 1, warning: 1, critical: 1, error: 1, disconnected: 1, handled: 3, unhandled: 1 },
    },
  },
  {
    name: 'a group whose only checks are handled problems is OK',
    site: {
      groups: { maintenance: [] },
      checks: { 'planned-outage': { groups: ['maintenance'], status: 'TIMEOUT', inDowntime: true } },
    },
    expected: { maintenance: { worst: 'OK', total: 1, timeout: 1, handled: 1 } },
  },
  {
    name: 'PENDING and INFO are counted but are not problems',
    site: {
      groups: { all: [], fresh: ['all'], notes: ['all'] },
      checks: {
        'not-run-yet': { groups: ['fresh'], status: 'PENDING', acknowledged: true },
        changelog: { groups: ['notes'], status: 'INFO' },
      },
    },
    expected: {
      fresh: { worst: 'PENDING', total: 1, pending: 1 },
      notes: { worst: 'INFO', total: 1, info: 1 },
      all: { worst: 'INFO', total: 2, pending: 1, info: 1 },
    },
  },
  {
    name: 'a group under two parents counts in both, and once where they meet (DAG)',
    site: {
      groups: { root: [], london: ['root'], web: ['root'], 'london-web': ['london', 'web'] },
      checks: { 'lon-http': { groups: ['london-web'], status: 'ACTION' } },
    },
    expected: {
      'london-web': { worst: 'ACTION', total: 1, action: 1, unhandled: 1 },
      london: { worst: 'ACTION', total: 1, action: 1, unhandled: 1 },
      web: { worst: 'ACTION', total: 1, action: 1, unhandled: 1 },
      root: { worst: 'ACTION', total: 1, action: 1, unhandled: 1 },
    },
  },
  {
    name: 'empty groups are PENDING with every count zero',
    site: {
      groups: { all: [], empty: ['all'], 'empty-child': ['empty'], busy: ['all'] },
      checks: { ping: { groups: ['busy'], status: 'OK' } },
    },
    expected: {
      empty: { worst: 'PENDING' },
      'empty-child': { worst: 'PENDING' },
      busy: { worst: 'OK', total: 1, ok: 1 },
      all: { worst: 'OK', total: 1, ok: 1 },
    },
  },
  {
    name: 'a chain six groups deep carries a check to the top',
    site: {
      groups: { g1: [], g2: ['g1'], g3: ['g2'], g4: ['g3'], g5: ['g4'], g6: ['g5'] },
      checks: { deep: { groups: ['g6'], status: 'TIMEOUT' } },
    },
    expected: Object.fromEntries(
      ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((g) => [g, { worst: 'TIMEOUT', total: 1, timeout: 1, unhandled: 1 }]),
    ),
  },
];

describe('groupRollup', () => {
  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const { siteId } = await buildSite(sql, scenario.site);
      assert.deepEqual(summarise(await groupRollup(sql, siteId)), scenario.expected);
    });
  }

  test('only the site asked for: another site with the same group names never appears', async () => {
    const spec = (status: Status): SiteSpec => ({
      groups: { all: [], web: ['all'] },
      checks: { http: { groups: ['web'], status } },
    });
    const mine = await buildSite(sql, spec('OK'));
    const theirs = await buildSite(sql, spec('CRITICAL'));
    // A membership row of the other site pointing at this site's group must not count either.
    const [theirCheck] = await sql<{ id: string }[]>`select id from "check" where site_id = ${theirs.siteId}`;
    await sql`insert into check_group_member (site_id, check_id, group_id)
              values (${theirs.siteId}, ${theirCheck!.id}, ${mine.groupIds.get('all')!})`;
    await sql.begin((tx) => refreshGroupRollup(tx, theirs.siteId));

    const rows = await groupRollup(sql, mine.siteId);
    assert.deepEqual(new Set(rows.map((row) => row.groupId)), new Set(mine.groupIds.values()));
    assert.deepEqual(summarise(rows), {
      all: { worst: 'OK', total: 1, ok: 1 },
      web: { worst: 'OK', total: 1, ok: 1 },
    });
    assert.deepEqual(summarise(await groupRollup(sql, theirs.siteId)), {
      all: { worst: 'CRITICAL', total: 1, critical: 1, unhandled: 1 },
      web: { worst: 'CRITICAL', total: 1, critical: 1, unhandled: 1 },
    });
  });

  test('groupIds limits the result to those groups, with the same figures', async () => {
    const scenario = scenarios.find((s) => s.name.startsWith('checks in two leaves'))!;
    const { siteId, groupIds } = await buildSite(sql, scenario.site);
    const other = await buildSite(sql, scenarios[0]!.site);
    const asked = [groupIds.get('a')!, groupIds.get('b-leaf')!, other.groupIds.get('all')!];

    const rows = await groupRollup(sql, siteId, { groupIds: asked });
    assert.deepEqual(summarise(rows), { a: scenario.expected.a, 'b-leaf': scenario.expected['b-leaf'] });
    assert.deepEqual(await groupRollup(sql, siteId, { groupIds: [] }), []);
  });

  test('refreshGroupRollup follows membership changes, and an unchanged refresh writes no state row', async () => {
    const { siteId, groupIds } = await buildSite(sql, {
      groups: { all: [], web: ['all'], db: ['all'] },
      checks: { http: { groups: ['web'], status: 'CRITICAL' }, query: { groups: ['db'], status: 'OK' } },
    });
    const stateVersions = () => sql<{ check_id: string; xmin: string }[]>`
      select check_id, xmin::text from check_state where site_id = ${siteId} order by check_id`;
    const before = await stateVersions();
    await sql.begin((tx) => refreshGroupRollup(tx, siteId));
    assert.deepEqual(await stateVersions(), before, 'no check_state row rewritten');

    // Move the failing check from web to db, and hang db under web.
    await sql`update check_group_member set group_id = ${groupIds.get('db')!}
              where site_id = ${siteId} and group_id = ${groupIds.get('web')!}`;
    await sql`insert into group_parent (site_id, group_id, parent_id)
              values (${siteId}, ${groupIds.get('db')!}, ${groupIds.get('web')!})`;
    await sql.begin((tx) => refreshGroupRollup(tx, siteId));
    assert.deepEqual(summarise(await groupRollup(sql, siteId)), {
      all: { worst: 'CRITICAL', total: 2, ok: 1, critical: 1, unhandled: 1 },
      web: { worst: 'CRITICAL', total: 2, ok: 1, critical: 1, unhandled: 1 },
      db: { worst: 'CRITICAL', total: 2, ok: 1, critical: 1, unhandled: 1 },
    });
    const [origins] = await sql<{ n: number }[]>`select count(*)::int as n from rollup_origin where site_id = ${siteId}`;
    assert.equal(origins!.n, 1, 'both checks now share one origin; the unused one is gone');
  });

  test('matches counting every (group, check) pair directly, on random DAGs', async () => {
    const random = seededRandom(20_240_601);
    for (let round = 0; round < 5; round++) {
      const spec = randomSite(random, 40, 120);
      const { siteId } = await buildSite(sql, spec);
      assert.deepEqual(summarise(await groupRollup(sql, siteId)), referenceRollup(spec), `round ${round}`);
    }
  });
});

/** The roll-up computed the slow, obvious way: every check of every descendant, as a set. */
function referenceRollup(spec: SiteSpec): Record<string, Expected> {
  const children = new Map<string, string[]>();
  for (const [group, parents] of Object.entries(spec.groups)) {
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), group]);
  }
  const below = (group: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(group)) return seen;
    seen.add(group);
    for (const child of children.get(group) ?? []) below(child, seen);
    return seen;
  };
  const result: Record<string, Expected> = {};
  for (const group of Object.keys(spec.groups)) {
    const groups = below(group);
    const checks = Object.values(spec.checks).filter((check) => check.groups.some((g) => groups.has(g)));
    let worst = 0;
    const summary: Expected = { worst: 'PENDING' };
    const add = (key: Counted): void => {
      summary[key] = (summary[key] ?? 0) + 1;
    };
    for (const check of checks) {
      const rank = statusRank(check.status);
      const problem = rank > statusRank('OK');
      const handled = problem && Boolean(check.acknowledged || check.inDowntime || check.suppressed);
      add('total');
      add(check.status.toLowerCase() as Counted);
      if (handled) add('handled');
      else if (problem) add('unhandled');
      worst = Math.max(worst, handled ? statusRank('OK') : rank);
    }
    summary.worst = statusOfRank(worst);
    result[group] = summary;
  }
  return result;
}

/** A random DAG (each group's parents come from earlier groups) with random memberships and states. */
function randomSite(random: () => number, groupCount: number, checkCount: number): SiteSpec {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const names = Array.from({ length: groupCount }, (_, i) => `g${i}`);
  const groups: Record<string, string[]> = {};
  names.forEach((name, i) => {
    const earlier = names.slice(0, i);
    const parents = new Set<string>();
    if (earlier.length > 0 && random() < 0.85) parents.add(pick(earlier));
    if (earlier.length > 0 && random() < 0.2) parents.add(pick(earlier));
    groups[name] = [...parents];
  });
  const checks: Record<string, CheckSpec> = {};
  for (let i = 0; i < checkCount; i++) {
    const memberOf = new Set([pick(names)]);
    if (random() < 0.3) memberOf.add(pick(names));
    if (random() < 0.1) memberOf.add(pick(names));
    checks[`c${i}`] = {
      groups: [...memberOf],
      status: pick(STATUSES),
      acknowledged: random() < 0.2,
      inDowntime: random() < 0.1,
      suppressed: random() < 0.1,
    };
  }
  return { groups, checks };
}
