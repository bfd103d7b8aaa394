/**
 * What applying a configuration would do to a site: the objects it adds, changes and removes,
 * and for each changed one which of its fields change. The dry run of an upload
 * (`POST /sites/{id}/configuration?mode=diff`), and what an apply reports.
 *
 * Objects are matched as applySiteConfiguration matches them: checks by kind, container (the host
 * of a service or trap, the cluster of a resource) and name; every other object by kind and name.
 * Each side is projected onto the same fields: the new configuration as apply would store it
 * (`checkRows`, the same flattening apply uses, with its parameters resolved per location), the
 * stored one read back. Only field names are reported, never values: parameters and credentials
 * may hold secrets. Objects that configuration does not own (uptime checks) are left out.
 */
import type { SiteModel } from '#core/config/model.ts';
import type { Queryable } from './database.ts';
import { checkRows } from './site-config.ts';

/** One object: its kind (`host`, `service`, `command`, `time-period`...) and name, and its container for contained checks. */
export interface ObjectRef {
  kind: string;
  name: string;
  /** The host of a service or trap. */
  host?: string;
  /** The cluster of a resource. */
  cluster?: string;
}

export interface ChangedObject extends ObjectRef {
  /** What changes: `schedule`, `command`, `parameters.port`, `run` (the resolved parameters a worker gets)... */
  fields: string[];
}

export interface ConfigDiff {
  added: ObjectRef[];
  changed: ChangedObject[];
  removed: ObjectRef[];
}

/** Fields of one object, by name; compared as canonical JSON. */
type Projection = Record<string, unknown>;

/** Objects of one kind: identity key -> reference and projection. */
type Side = Map<string, { ref: ObjectRef; fields: Projection }>;

/** Kinds in the order a diff lists them: what others refer to first. */
const KIND_ORDER = ['site', 'location', 'group', 'time-period', 'command', 'team', 'contact', 'credential', 'host', 'service', 'trap', 'cluster', 'resource'];

/** Field-by-field difference for these: which parameter changed, not only that one did. */
const KEYED_FIELDS = new Set(['parameters']);

/**
 * Compares a resolved site configuration with what is stored for the site of the same name
 * (nothing stored: everything is added).
 */
export async function diffSiteConfiguration(sql: Queryable, site: SiteModel): Promise<ConfigDiff> {
  const [stored] = await sql<{ id: string; parameters: Record<string, string> }[]>`select id, parameters from site where name = ${site.name}`;
  const proposed = proposedObjects(site);
  const current = stored ? await storedObjects(sql, stored.id, site.name, stored.parameters) : new Map<string, { ref: ObjectRef; fields: Projection }>();
  const diff: ConfigDiff = { added: [], changed: [], removed: [] };
  for (const [key, next] of proposed) {
    const before = current.get(key);
    if (!before) {
      diff.added.push(next.ref);
      continue;
    }
    const fields = changedFields(before.fields, next.fields);
    if (fields.length > 0) diff.changed.push({ ...next.ref, fields });
  }
  for (const [key, before] of current) if (!proposed.has(key)) diff.removed.push(before.ref);
  for (const list of [diff.added, diff.changed, diff.removed]) list.sort(compareRefs);
  return diff;
}

function changedFields(before: Projection, after: Projection): string[] {
  const fields: string[] = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [a, b] = [before[field], after[field]];
    if (KEYED_FIELDS.has(field) && isRecord(a) && isRecord(b)) {
      for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (canonical(a[name]) !== canonical(b[name])) fields.push(`${field}.${name}`);
      }
    } else if (canonical(a) !== canonical(b)) {
      fields.push(field);
    }
  }
  return fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys and without undefined, so that a value reads the same from the model and from jsonb. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, item: unknown) =>
    isRecord(item) ? Object.fromEntries(Object.keys(item).sort().map((k) => [k, item[k]])) : item);
}

function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)
    || (a.host ?? a.cluster ?? '').localeCompare(b.host ?? b.cluster ?? '')
    || a.name.localeCompare(b.name);
}

const keyOf = (kind: string, name: string, container = '') => `${kind}\u0000${container}\u0000${name}`;
const sorted = (names: readonly string[]) => [...new Set(names)].sort();
const orNull = <T>(value: T | undefined) => value ?? null;

function add(side: Side, ref: ObjectRef, fields: Projection, container?: string): void {
  side.set(keyOf(ref.kind, ref.name, container), { ref, fields });
}

/** A contained check's reference from apply's parent key (`host/web-1`, `cluster/web`). */
function checkRef(kind: string, name: string, parentKey: string | null): ObjectRef {
  if (parentKey === null) return { kind, name };
  const slash = parentKey.indexOf('/');
  const container = parentKey.slice(slash + 1);
  return parentKey.slice(0, slash) === 'cluster' ? { kind, name, cluster: container } : { kind, name, host: container };
}

interface RunProjection {
  location: string | null;
  parameters: Record<string, string>;
  secret_names: string[];
  timeout_ms: number;
}

const sortRuns = (runs: RunProjection[]) =>
  [...runs].sort((a, b) => (a.location ?? '').localeCompare(b.location ?? '')).map((run) => ({ ...run, secret_names: sorted(run.secret_names) }));

/** The fields of a check, from whichever side, in one shape. */
function checkFields(row: {
  summary: string | null; description: string | null; command: string | null; parameters: Record<string, string>;
  condition: string | null; enabled: boolean; every_s: number; changing_every_s: number; retry_every_s: number;
  time_period: string | null; failed_after: number; recovers_after: number; quorum: number; notify: unknown;
  groups: string[]; locations: string[]; runs: RunProjection[];
  freshness_s: number | null; freshness_grace_s: number | null; depends_on: string[]; downtime_period: string | null;
}): Projection {
  return {
    summary: row.summary,
    description: row.description,
    command: row.command,
    parameters: row.parameters,
    condition: row.condition,
    enabled: row.enabled,
    schedule: { every_s: row.every_s, changing_every_s: row.changing_every_s, retry_every_s: row.retry_every_s },
    timePeriod: row.time_period,
    state: { failed_after: row.failed_after, recovers_after: row.recovers_after },
    quorum: row.quorum,
    notify: row.notify,
    groups: sorted(row.groups),
    locations: sorted(row.locations),
    run: sortRuns(row.runs),
    freshness: row.freshness_s === null ? null : { every_s: row.freshness_s, grace_s: row.freshness_grace_s },
    dependsOn: sorted(row.depends_on),
    downtimePeriod: row.downtime_period,
  };
}

function proposedObjects(site: SiteModel): Side {
  const side: Side = new Map();
  add(side, { kind: 'site', name: site.name }, { parameters: site.parameters });
  for (const l of site.locations) {
    add(side, { kind: 'location', name: l.name }, {
      parent: orNull(l.parent), summary: orNull(l.summary), description: orNull(l.description), region: orNull(l.region), parameters: l.parameters,
    });
  }
  for (const g of site.groups) {
    add(side, { kind: 'group', name: g.name }, { parents: sorted(g.parents), summary: orNull(g.summary), description: orNull(g.description), parameters: g.parameters });
  }
  for (const t of site.timePeriods) {
    add(side, { kind: 'time-period', name: t.name }, { summary: orNull(t.summary), timeZone: orNull(t.timeZone), ranges: t.ranges, excludes: t.excludes });
  }
  for (const c of site.commands) {
    add(side, { kind: 'command', name: c.name }, {
      engine: c.engine, executor: orNull(c.executor), summary: orNull(c.summary), description: orNull(c.description),
      parameters: c.parameters, script: orNull(c.script),
    });
  }
  for (const t of site.teams) {
    add(side, { kind: 'team', name: t.name }, { summary: orNull(t.summary), parents: t.parents, grants: t.grants, revokes: t.revokes });
  }
  for (const c of site.contacts) {
    add(side, { kind: 'contact', name: c.name }, {
      summary: orNull(c.summary), email: orNull(c.email), phone: orNull(c.phone), teams: c.teams, notifications: orNull(c.notifications),
    });
  }
  for (const c of site.credentials) {
    add(side, { kind: 'credential', name: c.name }, { summary: orNull(c.summary), username: orNull(c.username), password: orNull(c.password) });
  }
  const hosts = new Map(site.hosts.map((h) => [h.name, h]));
  for (const row of checkRows(site)) {
    const fields = checkFields(row);
    const host = row.kind === 'host' ? hosts.get(row.name) : undefined;
    if (host) Object.assign(fields, { address: orNull(host.address), location: orNull(host.location), resourcePool: orNull(host.resourcePool) });
    add(side, checkRef(row.kind, row.name, row.parent_key), fields, row.parent_key ?? '');
  }
  return side;
}

async function storedObjects(sql: Queryable, siteId: string, siteName: string, siteParameters: Record<string, string>): Promise<Side> {
  const side: Side = new Map();
  add(side, { kind: 'site', name: siteName }, { parameters: siteParameters });
  const [locations, groups, timePeriods, commands, teams, contacts, credentials, hosts, checks] = await Promise.all([
    sql<{ name: string; parent: string | null; summary: string | null; description: string | null; region: string | null; parameters: Record<string, string> }[]>`
      select l.name, p.name as parent, l.summary, l.description, l.region, l.parameters
      from location l left join location p on p.id = l.parent_id
      where l.site_id = ${siteId}`,
    sql<{ name: string; parents: string[]; summary: string | null; description: string | null; parameters: Record<string, string> }[]>`
      select g.name, g.summary, g.description, g.parameters,
             array(select p.name from group_parent gp join check_group p on p.id = gp.parent_id
                   where gp.site_id = ${siteId} and gp.group_id = g.id) as parents
      from check_group g where g.site_id = ${siteId}`,
    sql<{ name: string; summary: string | null; time_zone: string | null; ranges: string[]; excludes: string[] }[]>`
      select name, summary, time_zone, ranges, excludes from time_period where site_id = ${siteId}`,
    sql<{ name: string; engine: string; executor: string | null; summary: string | null; description: string | null; parameters: Record<string, string>; script: string | null }[]>`
      select name, engine, executor, summary, description, parameters, script from command
      where site_id = ${siteId} and origin = 'config'`,
    sql<{ name: string; summary: string | null; definition: { parents: string[]; grants: string[]; revokes: string[] } }[]>`
      select name, summary, definition from team where site_id = ${siteId}`,
    sql<{ name: string; summary: string | null; email: string | null; phone: string | null; definition: { teams: string[]; notifications: unknown } }[]>`
      select name, summary, email, phone, definition from contact where site_id = ${siteId}`,
    sql<{ name: string; summary: string | null; username: string | null; password: string | null }[]>`
      select name, summary, username, password from credential where site_id = ${siteId}`,
    sql<{ name: string; address: string | null; location: string | null; resource_pool: string | null }[]>`
      select h.name, h.address, l.name as location, h.resource_pool
      from host h left join location l on l.id = h.location_id
      where h.site_id = ${siteId}`,
    sql<(Parameters<typeof checkFields>[0] & { kind: string; name: string; parent_key: string | null })[]>`
      select c.kind, c.name, p.kind || '/' || p.name as parent_key, c.summary, c.description, cmd.name as command,
             c.parameters, c.condition, c.enabled, c.every_s, c.changing_every_s, c.retry_every_s, tp.name as time_period,
             c.failed_after, c.recovers_after, c.quorum, c.notify, c.freshness_s, c.freshness_grace_s, c.depends_on,
             dtp.name as downtime_period,
             array(select g.name from check_group_member m join check_group g on g.id = m.group_id
                   where m.site_id = ${siteId} and m.check_id = c.id) as groups,
             array(select l.name from check_location cl join location l on l.id = cl.location_id
                   where cl.site_id = ${siteId} and cl.check_id = c.id) as locations,
             coalesce((select jsonb_agg(jsonb_build_object('location', l.name, 'parameters', r.parameters,
                                                           'secret_names', to_jsonb(r.secret_names), 'timeout_ms', r.timeout_ms))
                       from check_run r left join location l on l.id = r.location_id
                       where r.site_id = ${siteId} and r.check_id = c.id), '[]') as runs
      from "check" c
      left join "check" p on p.id = c.parent_id
      left join command cmd on cmd.id = c.command_id
      left join time_period tp on tp.id = c.time_period_id
      left join time_period dtp on dtp.id = c.downtime_period_id
      where c.site_id = ${siteId} and c.origin = 'config'`,
  ]);
  for (const l of locations) {
    add(side, { kind: 'location', name: l.name }, { parent: l.parent, summary: l.summary, description: l.description, region: l.region, parameters: l.parameters });
  }
  for (const g of groups) {
    add(side, { kind: 'group', name: g.name }, { parents: sorted(g.parents), summary: g.summary, description: g.description, parameters: g.parameters });
  }
  for (const t of timePeriods) {
    add(side, { kind: 'time-period', name: t.name }, { summary: t.summary, timeZone: t.time_zone, ranges: t.ranges, excludes: t.excludes });
  }
  for (const c of commands) {
    add(side, { kind: 'command', name: c.name }, {
      engine: c.engine, executor: c.executor, summary: c.summary, description: c.description, parameters: c.parameters, script: c.script,
    });
  }
  for (const t of teams) {
    add(side, { kind: 'team', name: t.name }, { summary: t.summary, parents: t.definition.parents, grants: t.definition.grants, revokes: t.definition.revokes });
  }
  for (const c of contacts) {
    add(side, { kind: 'contact', name: c.name }, {
      summary: c.summary, email: c.email, phone: c.phone, teams: c.definition.teams, notifications: c.definition.notifications ?? null,
    });
  }
  for (const c of credentials) add(side, { kind: 'credential', name: c.name }, { summary: c.summary, username: c.username, password: c.password });
  const hostRows = new Map(hosts.map((h) => [h.name, h]));
  for (const row of checks) {
    const fields = checkFields(row);
    const host = row.kind === 'host' ? hostRows.get(row.name) : undefined;
    if (host) Object.assign(fields, { address: host.address, location: host.location, resourcePool: host.resource_pool });
    add(side, checkRef(row.kind, row.name, row.parent_key), fields, row.parent_key ?? '');
  }
  return side;
}
