import { createHash } from 'node:crypto';
import { refreshGroupRollup, rollupInputs } from './group-rollup.ts';
import type { Database, Transaction } from './database.ts';
import type { CheckModel, HostModel, SiteModel } from '#core/config/model.ts';
import type { ConfigFile } from '#core/config/load.ts';
import { statusRank } from '#core/status.ts';
import { parseDurationMs } from '#core/duration.ts';
import { checkResolutionInputs, hostResolutionInputs, resolveCheckParameters, siteResolutionInputs } from '#core/config/parameters.ts';

/**
 * Stores a resolved site configuration. One transaction per apply: either the whole new
 * configuration is in place or none of it is. Objects are matched by their natural identity
 * (kind and name, and for a service its host), so a check that is still configured keeps its id,
 * its state, its phase (so its schedule) and its history; objects no longer configured are
 * removed. Only what differs is written: a check whose digest (`config_hash`, everything stored
 * for it) is unchanged is not touched, and an unchanged row of any other kind is not rewritten,
 * so a one-service change to a large site is a small transaction. Every statement is set-based
 * (rows travel as one JSON parameter), never one round trip per object.
 */
export interface ApplySummary {
  siteId: string;
  changeId: number;
  counts: Record<string, number>;
  /** Checks written: those of the hosts and clusters that are new or changed. */
  writtenChecks: number;
  removedChecks: number;
}

export interface ApplyOptions {
  /** The files the configuration was read from, kept with the change so it can be rolled back to. */
  source?: readonly ConfigFile[];
  /** The change this one rolls back to. */
  rollbackOf?: number;
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
  freshness_s: number | null;
  freshness_grace_s: number | null;
  downtime_period: string | null;
  /** Of a host: the hosts it is reached through (its `parents`). */
  depends_on: string[];
}

export async function applySiteConfiguration(db: Database, site: SiteModel, appliedBy: string, options: ApplyOptions = {}): Promise<ApplySummary> {
  return db.begin(async (tx) => {
    const [siteRow] = await tx<{ id: string }[]>`
      insert into site (name, parameters) values (${site.name}, ${tx.json(site.parameters)})
      on conflict (name) do update set parameters = excluded.parameters
      returning id`;
    const siteId = siteRow!.id;
    // Serialises concurrent applies to one site; readers are not blocked.
    await tx`select pg_advisory_xact_lock(hashtext('vigil.apply:' || ${siteId}))`;
    const rollupBefore = await rollupInputs(tx, siteId);

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

    const containers = plannedContainers(site);
    const { removed: removedChecks, written: writtenChecks } = await upsertChecks(tx, siteId, site, containers);
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
      // An anti-join against the names (hashed), not `<> all(array)`: that compares every row with every name.
      await tx`
        delete from ${tx(table)} t where t.site_id = ${siteId}
          and not exists (select from unnest(${objects.map((o) => o.name)}::text[]) as configured(name) where configured.name = t.name)
          ${table === 'command' ? tx`and t.origin = 'config'` : tx``}`;
    }

    if ((await rollupInputs(tx, siteId)) !== rollupBefore) await refreshGroupRollup(tx, siteId);

    const counts = { locations: site.locations.length, groups: site.groups.length, hosts: site.hosts.length, checks: containers.reduce((n, container) => n + container.checks.length, 0), commands: site.commands.length };
    const [change] = await tx<{ id: number }[]>`
      insert into config_change (site_id, applied_by, summary, source, rollback_of)
      values (${siteId}, ${appliedBy}, ${tx.json({ ...counts, writtenChecks, removedChecks })},
        ${tx.json(await storeSourceFiles(tx, siteId, options.source ?? []))}, ${options.rollbackOf ?? null})
      returning id`;
    return { siteId, changeId: change!.id, counts, writtenChecks, removedChecks };
  }) as Promise<ApplySummary>;
}

/**
 * Keeps the text of each file not kept already (by digest), and returns the change's file list.
 * Only digests travel for the files already kept: a one-line edit to one file of a large site
 * sends that file alone.
 */
async function storeSourceFiles(tx: Transaction, siteId: string, files: readonly ConfigFile[]): Promise<{ path: string; digest: string }[]> {
  const listed = files.map((file) => ({ path: file.path, digest: createHash('sha1').update(file.text).digest('base64'), text: file.text }));
  if (listed.length === 0) return [];
  const kept = await tx<{ digest: string }[]>`
    select digest from config_file where site_id = ${siteId} and digest = any(${listed.map((file) => file.digest)})`;
  const keptDigests = new Set(kept.map((file) => file.digest));
  const missing = [...new Map(listed.filter((file) => !keptDigests.has(file.digest)).map((file) => [file.digest, file.text]))];
  if (missing.length > 0) {
    await tx`
      insert into config_file (site_id, digest, text)
      select ${siteId}, f.digest, f.text from jsonb_to_recordset(${tx.json(missing.map(([digest, text]) => ({ digest, text })))}) as f(digest text, text text)`;
  }
  return listed.map(({ path, digest }) => ({ path, digest }));
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
      region = excluded.region, parameters = excluded.parameters
    where (location.summary, location.description, location.region, location.parameters)
      is distinct from (excluded.summary, excluded.description, excluded.region, excluded.parameters)`;
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
      summary = excluded.summary, description = excluded.description, parameters = excluded.parameters
    where (check_group.summary, check_group.description, check_group.parameters)
      is distinct from (excluded.summary, excluded.description, excluded.parameters)`;
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
  const current = columns.map((c) => `${table}.${c}`).join(', ');
  const proposed = columns.map((c) => `excluded.${c}`).join(', ');
  await tx.unsafe(
    `insert into ${table} (site_id, name, ${columns.join(', ')})
     select $1, r.name, ${select}
     from jsonb_to_recordset($2::jsonb) as r(${recordColumns})
     on conflict (site_id, name) do update set ${updates}
     where (${current}) is distinct from (${proposed})`,
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

/** Flattens hosts (with their services and traps) and clusters (with resources) into rows, runs resolved. */
export function checkRows(site: SiteModel): CheckRow[] {
  return plannedContainers(site).flatMap((container) => container.checks.map((check) => ({ ...check.fields, runs: resolvedRuns(site, check) })));
}

/**
 * A host or cluster with everything it contains (services and traps, resources): the unit an
 * apply compares and writes. Comparing containers instead of checks keeps an unchanged apply to
 * one digest per host and one stored row per host read back; a changed service costs rewriting
 * its host's few checks, which keep their ids, states and phases as any upsert does.
 */
interface PlannedContainer {
  /** `host/web-1`: kind and name, as a contained check's `parent_key`. */
  key: string;
  /** The container first, then what it contains. */
  checks: PlannedCheck[];
  /** Of every check's fields and of everything their runs are resolved from: equal digests, nothing to write. */
  digest: string;
}

/** A check as apply stores it, and what its runs are resolved from: an apply resolves them only for what changed. */
interface PlannedCheck {
  fields: Omit<CheckRow, 'runs'>;
  check: CheckModel;
  /** The host a worker runs it against; undefined for checks no worker runs. */
  runOn: HostModel | undefined;
}

function plannedContainers(site: SiteModel): PlannedContainer[] {
  // Hashed once, not once per host: it holds every command and location of the site.
  const siteInputs = createHash('sha1').update(siteResolutionInputs(site)).digest('base64');
  const containers: PlannedContainer[] = [];
  for (const host of site.hosts) {
    const key = `host/${host.name}`;
    const hostLocations = host.location ? [host.location] : [];
    const checks = [
      plannedCheck(host, null, host, hostLocations, host.name),
      ...host.services.map((service) => plannedCheck(service, key, host, hostLocations, host.name)),
      // Traps are passive: results come to them, no worker runs them.
      ...host.traps.map((trap) => plannedCheck(trap, key, undefined, hostLocations, host.name)),
    ];
    const inputs = [hostResolutionInputs(host), checks.map((c) => [c.fields, c.runOn && c.check.command ? checkResolutionInputs(c.check) : null])];
    containers.push({ key, checks, digest: createHash('sha1').update(siteInputs).update(JSON.stringify(inputs)).digest('base64') });
  }
  // Clusters and resources are worked out from other checks' states, not run.
  for (const cluster of site.clusters) {
    const key = `cluster/${cluster.name}`;
    const checks = [
      plannedCheck(cluster, null, undefined, [], null),
      ...cluster.resources.map((resource) => plannedCheck(resource, key, undefined, [], null)),
    ];
    containers.push({ key, checks, digest: createHash('sha1').update(JSON.stringify(checks.map((c) => c.fields))).digest('base64') });
  }
  return containers;
}

/** A check may run for this long unless its `timeout` parameter says otherwise, and never longer than its interval. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** One check; `hostName` is the host it belongs to. */
function plannedCheck(
  check: CheckModel,
  parentKey: string | null,
  runOn: HostModel | undefined,
  defaultLocations: string[],
  hostName: string | null,
): PlannedCheck {
  const locations = check.runFrom?.locations ?? defaultLocations;
  const fields: Omit<CheckRow, 'runs'> = {
    kind: check.kind,
    name: check.name,
    parent_key: parentKey,
    host: hostName,
    summary: check.summary ?? null,
    description: check.description ?? null,
    command: check.command?.name ?? null,
    parameters: check.command ? { ...check.parameters, ...check.command.arguments } : check.parameters,
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
    initial_status: statusRank(check.initially?.status ?? 'PENDING'),
    initial_output: check.initially?.output ?? null,
    freshness_s: check.freshness?.everyS ?? null,
    freshness_grace_s: check.freshness?.graceS ?? null,
    downtime_period: check.downtimePeriod ?? null,
    depends_on: 'parents' in check ? (check as HostModel).parents : [],
  };
  return { fields, check, runOn };
}

/** How a worker runs the check from each of its locations (one run, location null, when it has none). */
function resolvedRuns(site: SiteModel, { check, runOn, fields }: PlannedCheck): RunRow[] {
  if (!runOn || !check.command) return [];
  return (fields.locations.length > 0 ? fields.locations : [null]).map((location) => {
    const { values, secretNames } = resolveCheckParameters({ site, check, host: runOn, ...(location ? { location } : {}) });
    const timeoutMs = (values.timeout && parseDurationMs(values.timeout, 's')) || DEFAULT_TIMEOUT_MS;
    return { location, parameters: values, secret_names: secretNames, timeout_ms: Math.min(timeoutMs, check.schedule.everyS * 1_000) };
  });
}

const CHECK_RECORD = `r(kind text, name text, parent_key text, parent_id uuid, host text, summary text, description text,
  command text, parameters jsonb, condition text, enabled boolean, every_s integer,
  changing_every_s integer, retry_every_s integer, time_period text, failed_after smallint,
  recovers_after smallint, quorum smallint, notify jsonb, freshness_s integer, freshness_grace_s integer,
  downtime_period text, depends_on text[], config_digest text)`;

/**
 * Brings the site's checks in line with the configured containers, writing only the containers
 * whose digest changed (or that are new), each with everything it contains: upserted (containers
 * first, as contained checks need their id), with their memberships, locations and runs; checks
 * of those containers no longer configured, and containers no longer configured, are deleted.
 */
async function upsertChecks(tx: Transaction, siteId: string, site: SiteModel, containers: PlannedContainer[]): Promise<{ removed: number; written: number }> {
  const stored = await tx<{ id: string; key: string; config_digest: string | null }[]>`
    select id, kind || '/' || name as key, config_digest from "check"
    where site_id = ${siteId} and parent_id is null and origin = 'config'`;
  const storedByKey = new Map(stored.map((container) => [container.key, container]));
  const configured = new Set(containers.map((container) => container.key));
  const changed = containers.filter((container) => storedByKey.get(container.key)?.config_digest !== container.digest);

  const removedIds = stored.filter((container) => !configured.has(container.key)).map((container) => container.id);
  const removedChecks = removedIds.length === 0 ? { count: 0 } : await tx`
    delete from "check" where site_id = ${siteId} and (id = any(${removedIds}::uuid[]) or parent_id = any(${removedIds}::uuid[]))`;
  let removed = removedChecks.count;
  if (changed.length === 0) return { removed, written: 0 };

  const containerIds = new Map<string, string>();
  const written = new Map<string, string>();
  const digests = new Map(changed.map((container) => [container.key, container.digest]));
  const rows = changed.flatMap((container) => container.checks.map((check) => ({ ...check.fields, runs: resolvedRuns(site, check) })));
  for (const batch of [rows.filter((row) => row.parent_key === null), rows.filter((row) => row.parent_key !== null)]) {
    const records = batch.map(({ runs: _runs, groups: _groups, locations: _locations, ...fields }) => ({
      ...fields,
      parent_id: fields.parent_key === null ? null : containerIds.get(fields.parent_key),
      config_digest: fields.parent_key === null ? digests.get(`${fields.kind}/${fields.name}`) : null,
    }));
    const upserted = await tx.unsafe<{ id: string; kind: string; name: string; parent_id: string | null }[]>(
      `insert into "check" (site_id, kind, name, parent_id, host_id, summary, description, command_id,
         parameters, condition, enabled, every_s, changing_every_s, retry_every_s, time_period_id,
         failed_after, recovers_after, quorum, notify, phase_ms, freshness_s, freshness_grace_s, downtime_period_id, depends_on, config_digest)
       select $1, r.kind, r.name, r.parent_id, h.id, r.summary, r.description, c.id,
         coalesce(r.parameters, '{}'), r.condition, r.enabled, r.every_s, r.changing_every_s, r.retry_every_s, tp.id,
         r.failed_after, r.recovers_after, r.quorum, coalesce(r.notify, '{}'),
         -- A stable spread of due times over the interval: the same check keeps its phase.
         (hashtext($1::text || r.kind || coalesce(r.parent_key, '') || r.name) & 2147483647) % (r.every_s * 1000),
         r.freshness_s, r.freshness_grace_s, dp.id, coalesce(r.depends_on, '{}'), r.config_digest
       from jsonb_to_recordset($2::jsonb) as ${CHECK_RECORD}
       left join host h on h.site_id = $1 and h.name = r.host
       left join command c on c.site_id = $1 and c.name = r.command
       left join time_period tp on tp.site_id = $1 and tp.name = r.time_period
       left join time_period dp on dp.site_id = $1 and dp.name = r.downtime_period
       on conflict (site_id, kind, parent_id, name) do update set
         host_id = excluded.host_id, summary = excluded.summary, description = excluded.description,
         command_id = excluded.command_id, parameters = excluded.parameters, condition = excluded.condition,
         enabled = excluded.enabled, every_s = excluded.every_s, changing_every_s = excluded.changing_every_s,
         retry_every_s = excluded.retry_every_s, time_period_id = excluded.time_period_id,
         failed_after = excluded.failed_after, recovers_after = excluded.recovers_after,
         quorum = excluded.quorum, notify = excluded.notify, phase_ms = excluded.phase_ms,
         freshness_s = excluded.freshness_s, freshness_grace_s = excluded.freshness_grace_s,
         downtime_period_id = excluded.downtime_period_id,
         depends_on = excluded.depends_on, config_digest = excluded.config_digest
       returning id, kind, name, parent_id`,
      [siteId, records as never],
    );
    const keyOf = new Map([...containerIds].map(([key, id]) => [id, key]));
    for (const check of upserted) {
      const key = `${check.kind}/${check.name}`;
      if (check.parent_id === null) containerIds.set(key, check.id);
      written.set(`${check.parent_id === null ? '' : keyOf.get(check.parent_id)} ${key}`, check.id);
    }
  }

  // What hangs off each written check is written again whole: memberships, locations, runs.
  await tx.unsafe(
    `create temporary table applied_check on commit drop as
     select * from jsonb_to_recordset($1::jsonb)
       as a(id uuid, groups text[], locations text[], runs jsonb, initial_status smallint, initial_output text)`,
    [rows.map((row) => ({
      id: written.get(`${row.parent_key ?? ''} ${row.kind}/${row.name}`), groups: row.groups, locations: row.locations,
      runs: row.runs, initial_status: row.initial_status, initial_output: row.initial_output,
    })) as never],
  );
  // Checks the changed containers no longer contain.
  const dropped = await tx`
    delete from "check" c where c.site_id = ${siteId} and c.parent_id = any(${[...containerIds.values()]}::uuid[])
      and not exists (select from applied_check a where a.id = c.id)`;
  removed += dropped.count;
  const ids = tx`select id from applied_check`;
  await tx`delete from check_group_member where site_id = ${siteId} and check_id in (${ids})`;
  await tx`
    insert into check_group_member (site_id, check_id, group_id)
    select ${siteId}, a.id, g.id from applied_check a
    cross join lateral unnest(a.groups) as member(name)
    join check_group g on g.site_id = ${siteId} and g.name = member.name
    on conflict do nothing`;
  await tx`delete from check_location where site_id = ${siteId} and check_id in (${ids})`;
  await tx`
    insert into check_location (site_id, check_id, location_id)
    select ${siteId}, a.id, l.id from applied_check a
    cross join lateral unnest(a.locations) as at(name)
    join location l on l.site_id = ${siteId} and l.name = at.name
    on conflict do nothing`;
  await tx`delete from check_run where site_id = ${siteId} and check_id in (${ids})`;
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
  return { removed, written: rows.length };
}
