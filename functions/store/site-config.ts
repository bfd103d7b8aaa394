import { refreshGroupRollup } from './group-rollup.ts';
import type { Database, Transaction } from './database.ts';
import type { CheckModel, HostModel, SiteModel } from '#core/config/model.ts';
import { statusRank } from '#core/status.ts';
import { parseDurationMs } from '#core/duration.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';

/**
 * Stores a resolved site configuration. One transaction per apply: either the whole new
 * configuration is in place or none of it is. Objects are matched by their natural identity
 * (kind and name, and for a service its host), so a check that is still configured keeps its id,
 * its state and its history; objects no longer configured are removed. Every statement is
 * set-based (rows travel as one JSON parameter), never one round trip per object.
 */
export interface ApplySummary {
  siteId: string;
  changeId: number;
  counts: Record<string, number>;
  removedChecks: number;
}

interface RunRow {
  location: string | null;
  parameters: Record<string, string>;
  secret_names: string[];
  timeout_ms: number;
}

interface CheckRow {
  kind: string;
  name: string;
  parent_key: string | null;
  host: string | null;
  summary: string | null;
  description: string | null;
  command: string | null;
  parameters: Record<string, string>;
  condition: string | null;
  enabled: boolean;
  every_s: number;
  changing_every_s: number;
  retry_every_s: number;
  time_period: string | null;
  failed_after: number;
  recovers_after: number;
  quorum: number;
  notify: unknown;
  groups: string[];
  locations: string[];
  /** How to run it from each location (one entry with location null when it has none); empty for checks no worker runs. */
  runs: RunRow[];
  initial_status: number;
  initial_output: string | null;
}

export async function applySiteConfiguration(db: Database, site: SiteModel, appliedBy: string): Promise<ApplySummary> {
  return db.begin(async (tx) => {
    const [siteRow] = await tx<{ id: string }[]>`
      insert into site (name, parameters) values (${site.name}, ${tx.json(site.parameters)})
      on conflict (name) do update set parameters = excluded.parameters
      returning id`;
    const siteId = siteRow!.id;
    // Serialises concurrent applies to one site; readers are not blocked.
    await tx`select pg_advisory_xact_lock(hashtext('vigil.apply:' || ${siteId}))`;

    await upsertLocations(tx, siteId, site);
    await upsertGroups(tx, siteId, site);
    await upsertNamed(tx, 'time_period', siteId, site.timePeriods.map((t) => ({
      name: t.name, summary: t.summary ?? null, time_zone: t.timeZone ?? null, ranges: t.ranges, excludes: t.excludes,
    })), ['summary', 'time_zone', 'ranges', 'excludes']);
    await upsertNamed(tx, 'command', siteId, site.commands.map((c) => ({
      name: c.name, engine: c.engine, executor: c.executor ?? null, summary: c.summary ?? null,
      description: c.description ?? null, parameters: c.parameters, script: c.script ?? null,
    })), ['engine', 'executor', 'summary', 'description', 'parameters', 'script']);
    await upsertNamed(tx, 'team', siteId, site.teams.map((t) => ({
      name: t.name, summary: t.summary ?? null, definition: { parents: t.parents, grants: t.grants, revokes: t.revokes },
    })), ['summary', 'definition']);
    await upsertNamed(tx, 'contact', siteId, site.contacts.map((c) => ({
      name: c.name, summary: c.summary ?? null, email: c.email ?? null, phone: c.phone ?? null,
      definition: { teams: c.teams, notifications: c.notifications ?? null },
    })), ['summary', 'email', 'phone', 'definition']);
    await upsertNamed(tx, 'credential', siteId, site.credentials.map((c) => ({
      name: c.name, summary: c.summary ?? null, username: c.username ?? null, password: c.password ?? null,
    })), ['summary', 'username', 'password']);
    await upsertNamed(tx, 'host', siteId, site.hosts.map((h) => ({
      name: h.name, address: h.address ?? null, location: h.location ?? null, resource_pool: h.resourcePool ?? null,
    })), ['address', 'location_id', 'resource_pool'], {
      location_id: `(select l.id from location l where l.site_id = ${'$SITE'} and l.name = r.location)`,
    });

    const rows = checkRows(site);
    const removedChecks = await upsertChecks(tx, siteId, rows);
    // Removed objects go last: checks first, as they refer to commands and hosts.
    const configured = [
      ['host', site.hosts],
      ['credential', site.credentials],
      ['contact', site.contacts],
      ['team', site.teams],
      ['command', site.commands],
      ['time_period', site.timePeriods],
      ['check_group', site.groups],
      ['location', site.locations],
    ] as const;
    for (const [table, objects] of configured) {
      await tx`delete from ${tx(table)} where site_id = ${siteId} and not (name = any(${objects.map((o) => o.name)}))${table === 'command' ? tx` and origin = 'config'` : tx``}`;
    }

    const counts = { locations: site.locations.length, groups: site.groups.length, hosts: site.hosts.length, checks: rows.length, commands: site.commands.length };
    const [change] = await tx<{ id: number }[]>`
      insert into config_change (site_id, applied_by, summary)
      values (${siteId}, ${appliedBy}, ${tx.json({ ...counts, removedChecks })})
      returning id`;
    return { siteId, changeId: change!.id, counts, removedChecks };
  }) as Promise<ApplySummary>;
}

async function upsertLocations(tx: Transaction, siteId: string, site: SiteModel): Promise<void> {
  const rows = site.locations.map((l) => ({
    name: l.name, parent: l.parent ?? null, summary: l.summary ?? null, description: l.description ?? null,
    region: l.region ?? null, parameters: l.parameters,
  }));
  await tx`
    insert into location (site_id, name, summary, description, region, parameters)
    select ${siteId}, r.name, r.summary, r.description, r.region, coalesce(r.parameters, '{}')
    from jsonb_to_recordset(${tx.json(rows)}) as r(name text, summary text, description text, region text, parameters jsonb)
    on conflict (site_id, name) do update set
      summary = excluded.summary, description = excluded.description,
      region = excluded.region, parameters = excluded.parameters`;
  // Parents in a second statement: a parent may be defined after its child.
  await tx`
    update location l set parent_id = p.id
    from jsonb_to_recordset(${tx.json(rows)}) as r(name text, parent text)
    left join location p on p.site_id = ${siteId} and p.name = r.parent
    where l.site_id = ${siteId} and l.name = r.name and l.parent_id is distinct from p.id`;
}

async function upsertGroups(tx: Transaction, siteId: string, site: SiteModel): Promise<void> {
  const rows = site.groups.map((g) => ({ name: g.name, summary: g.summary ?? null, description: g.description ?? null, parameters: g.parameters }));
  await tx`
    insert into check_group (site_id, name, summary, description, parameters)
    select ${siteId}, r.name, r.summary, r.description, coalesce(r.parameters, '{}')
    from jsonb_to_recordset(${tx.json(rows)}) as r(name text, summary text, description text, parameters jsonb)
    on conflict (site_id, name) do update set
      summary = excluded.summary, description = excluded.description, parameters = excluded.parameters`;
  const edges = site.groups.flatMap((g) => g.parents.map((parent) => ({ child: g.name, parent })));
  await tx`delete from group_parent where site_id = ${siteId}`;
  await tx`
    insert into group_parent (site_id, group_id, parent_id)
    select ${siteId}, c.id, p.id
    from jsonb_to_recordset(${tx.json(edges)}) as e(child text, parent text)
    join check_group c on c.site_id = ${siteId} and c.name = e.child
    join check_group p on p.site_id = ${siteId} and p.name = e.parent`;
}

/**
 * Upserts rows of a simple named table from JSON. `computed` maps a column to an SQL expression
 * over the record `r` (with `$SITE` standing for the site id), for columns that are references.
 */
async function upsertNamed(
  tx: Transaction,
  table: 'time_period' | 'command' | 'team' | 'contact' | 'credential' | 'host',
  siteId: string,
  rows: Record<string, unknown>[],
  columns: string[],
  computed: Record<string, string> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const sample = rows[0]!;
  const recordColumns = Object.keys(sample).map((key) => `${key} ${columnType(sample[key], key)}`).join(', ');
  const select = columns.map((c) => (computed[c] ? computed[c]!.replaceAll('$SITE', '$1') : `r.${c}`)).join(', ');
  const updates = columns.map((c) => `${c} = excluded.${c}`).join(', ');
  await tx.unsafe(
    `insert into ${table} (site_id, name, ${columns.join(', ')})
     select $1, r.name, ${select}
     from jsonb_to_recordset($2::jsonb) as r(${recordColumns})
     on conflict (site_id, name) do update set ${updates}`,
    [siteId, rows as never],
  );
}

function columnType(value: unknown, key: string): string {
  if (key === 'excludes') return 'text[]';
  if (typeof value === 'object' && value !== null) return 'jsonb';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'integer';
  return 'text';
}

/** Flattens hosts (with their services and traps) and clusters (with resources) into rows. */
export function checkRows(site: SiteModel): CheckRow[] {
  const rows: CheckRow[] = [];
  for (const host of site.hosts) {
    const hostLocations = host.location ? [host.location] : [];
    rows.push(checkRow(site, host, null, host, hostLocations));
    for (const service of host.services) rows.push(checkRow(site, service, `host/${host.name}`, host, hostLocations));
    // Traps are passive: results come to them, no worker runs them.
    for (const trap of host.traps) rows.push(checkRow(site, trap, `host/${host.name}`, undefined, hostLocations, host.name));
  }
  // Clusters and resources are worked out from other checks' states, not run.
  for (const cluster of site.clusters) {
    rows.push(checkRow(site, cluster, null, undefined, []));
    for (const resource of cluster.resources) rows.push(checkRow(site, resource, `cluster/${cluster.name}`, undefined, []));
  }
  return rows;
}

/** A check may run for this long unless its `timeout` parameter says otherwise, and never longer than its interval. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * One check as a row. `runOn` is the host a worker runs it against (undefined for checks no
 * worker runs); `hostName` the host it belongs to.
 */
function checkRow(
  site: SiteModel,
  check: CheckModel | HostModel,
  parentKey: string | null,
  runOn: HostModel | undefined,
  defaultLocations: string[],
  hostName: string | null = runOn?.name ?? null,
): CheckRow {
  const locations = check.runFrom?.locations ?? defaultLocations;
  const runs: RunRow[] = runOn && check.command
    ? (locations.length > 0 ? locations : [null]).map((location) => {
        const { values, secretNames } = resolveCheckParameters({ site, check, host: runOn, ...(location ? { location } : {}) });
        const timeoutMs = (values.timeout && parseDurationMs(values.timeout, 's')) || DEFAULT_TIMEOUT_MS;
        return { location, parameters: values, secret_names: secretNames, timeout_ms: Math.min(timeoutMs, check.schedule.everyS * 1_000) };
      })
    : [];
  return {
    kind: check.kind,
    name: check.name,
    parent_key: parentKey,
    host: hostName,
    summary: check.summary ?? null,
    description: check.description ?? null,
    command: check.command?.name ?? null,
    parameters: { ...check.parameters, ...(check.command?.arguments ?? {}) },
    condition: 'condition' in check ? ((check as { condition?: string }).condition ?? null) : null,
    enabled: check.enabled,
    every_s: check.schedule.everyS,
    changing_every_s: check.schedule.changingEveryS,
    retry_every_s: check.schedule.retryEveryS,
    time_period: check.schedule.timePeriod ?? null,
    failed_after: check.state.failedAfter,
    recovers_after: check.state.recoversAfter,
    quorum: Math.min(check.runFrom?.quorum ?? 1, Math.max(1, locations.length)),
    notify: { ...check.notify, notifications: check.notifications ?? null },
    groups: check.groups,
    locations,
    runs,
    initial_status: statusRank(check.initially?.status ?? 'PENDING'),
    initial_output: check.initially?.output ?? null,
  };
}

const CHECK_RECORD = `r(kind text, name text, parent_key text, host text, summary text, description text,
  command text, parameters jsonb, condition text, enabled boolean, every_s integer,
  changing_every_s integer, retry_every_s integer, time_period text, failed_after smallint,
  recovers_after smallint, quorum smallint, notify jsonb, groups text[], locations text[],
  runs jsonb, initial_status smallint, initial_output text)`;

/**
 * Upserts all checks: containers first (hosts, clusters), then what they contain, whose
 * parent_id needs the container's id. Returns how many checks were removed.
 */
async function upsertChecks(tx: Transaction, siteId: string, rows: CheckRow[]): Promise<number> {
  const containers = rows.filter((r) => r.parent_key === null);
  const contained = rows.filter((r) => r.parent_key !== null);
  for (const batch of [containers, contained]) {
    await tx.unsafe(
      `insert into "check" (site_id, kind, name, parent_id, host_id, summary, description, command_id,
         parameters, condition, enabled, every_s, changing_every_s, retry_every_s, time_period_id,
         failed_after, recovers_after, quorum, notify, phase_ms)
       select $1, r.kind, r.name, parent.id, h.id, r.summary, r.description, c.id,
         coalesce(r.parameters, '{}'), r.condition, r.enabled, r.every_s, r.changing_every_s, r.retry_every_s, tp.id,
         r.failed_after, r.recovers_after, r.quorum, coalesce(r.notify, '{}'),
         -- A stable spread of due times over the interval: the same check keeps its phase.
         (hashtext($1::text || r.kind || coalesce(r.parent_key, '') || r.name) & 2147483647) % (r.every_s * 1000)
       from jsonb_to_recordset($2::jsonb) as ${CHECK_RECORD}
       left join "check" parent on parent.site_id = $1 and parent.parent_id is null
         and parent.kind || '/' || parent.name = r.parent_key
       left join host h on h.site_id = $1 and h.name = r.host
       left join command c on c.site_id = $1 and c.name = r.command
       left join time_period tp on tp.site_id = $1 and tp.name = r.time_period
       on conflict (site_id, kind, parent_id, name) do update set
         host_id = excluded.host_id, summary = excluded.summary, description = excluded.description,
         command_id = excluded.command_id, parameters = excluded.parameters, condition = excluded.condition,
         enabled = excluded.enabled, every_s = excluded.every_s, changing_every_s = excluded.changing_every_s,
         retry_every_s = excluded.retry_every_s, time_period_id = excluded.time_period_id,
         failed_after = excluded.failed_after, recovers_after = excluded.recovers_after,
         quorum = excluded.quorum, notify = excluded.notify, phase_ms = excluded.phase_ms`,
      [siteId, batch as never],
    );
  }
  // The ids of every configured check, matched back by identity.
  await tx.unsafe(
    // Joined on plain equalities (a missing parent as the nil uuid), so every join hashes: a
    // per-row lookup of the parent made this quadratic, minutes for 100,000 checks.
    `create temporary table applied_check on commit drop as
     with parent as (
       select id, kind || '/' || name as key from "check" where site_id = $1 and parent_id is null
     )
     select ch.id, r.groups, r.locations, r.runs, r.initial_status, r.initial_output
     from jsonb_to_recordset($2::jsonb) as ${CHECK_RECORD}
     left join parent p on p.key = r.parent_key
     join "check" ch on ch.site_id = $1 and ch.kind = r.kind and ch.name = r.name
       and coalesce(ch.parent_id, '00000000-0000-0000-0000-000000000000') = coalesce(p.id, '00000000-0000-0000-0000-000000000000')`,
    [siteId, rows as never],
  );
  const removed = await tx`
    delete from "check" ch where ch.site_id = ${siteId} and ch.origin = 'config'
      and not exists (select 1 from applied_check a where a.id = ch.id)`;
  await tx`delete from check_group_member where site_id = ${siteId}`;
  await tx`
    insert into check_group_member (site_id, check_id, group_id)
    select ${siteId}, a.id, g.id from applied_check a
    cross join lateral unnest(a.groups) as member(name)
    join check_group g on g.site_id = ${siteId} and g.name = member.name
    on conflict do nothing`;
  await tx`delete from check_location where site_id = ${siteId}`;
  await tx`
    insert into check_location (site_id, check_id, location_id)
    select ${siteId}, a.id, l.id from applied_check a
    cross join lateral unnest(a.locations) as at(name)
    join location l on l.site_id = ${siteId} and l.name = at.name
    on conflict do nothing`;
  await tx`delete from check_run r using "check" c where r.site_id = ${siteId} and c.id = r.check_id and c.origin = 'config'`;
  await tx`
    insert into check_run (site_id, check_id, location_id, parameters, secret_names, timeout_ms)
    select ${siteId}, a.id, l.id, run.parameters, run.secret_names, run.timeout_ms
    from applied_check a
    cross join lateral jsonb_to_recordset(a.runs)
      as run(location text, parameters jsonb, secret_names text[], timeout_ms integer)
    left join location l on l.site_id = ${siteId} and l.name = run.location`;
  // New checks start in their initial state; existing ones keep theirs.
  await tx`
    insert into check_state (check_id, site_id, status, hard_status, output)
    select a.id, ${siteId}, a.initial_status, a.initial_status, a.initial_output from applied_check a
    on conflict (check_id) do nothing`;
  await refreshGroupRollup(tx, siteId);
  return removed.count;
}
