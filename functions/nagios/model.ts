/**
 * What a Nagios configuration means, the way Nagios Core works it out at start-up: which hosts
 * each hostgroup holds (`members`, a host's `hostgroups`, nested `hostgroup_members`), which
 * hosts each service definition lands on (`host_name` and `hostgroup_name` lists with `!`
 * exclusions and `*`), which definition wins when two give a host the same service (one written
 * for the host beats one that came through a hostgroup; otherwise the first), what a service
 * takes from its host when it says nothing itself (check and notification periods, contacts),
 * and whether every name a definition mentions exists.
 *
 * The converter writes Vigil XML from this model, and the tests compare the checks it gives with
 * the checks Vigil's resolved model gives.
 */
import { type Diagnostics, type SourcePosition, suggestion } from '#core/config/diagnostics.ts';
import type { NagiosObjectType } from './directives.ts';
import { type NagiosObject, type Resolved, RANGE_PREFIX, checkRequired, describe, listOf, placeOf, readObjects, resolveInheritance, splitNames, valueOf } from './inherit.ts';
import type { NagiosFiles, Setting } from './parse.ts';

export interface HostInfo {
  name: string;
  resolved: Resolved;
  /** Hostgroups the host is directly in (its `hostgroups` and the groups listing it in `members`). */
  groups: Set<string>;
}

export interface HostgroupInfo {
  name: string;
  resolved: Resolved;
  /** Hosts listed directly (and hosts naming this group in their `hostgroups`). */
  direct: Set<string>;
  /** Groups named in `hostgroup_members`: their hosts are in this group too. */
  subgroups: string[];
  /** Every host in the group, nested groups included. */
  members: Set<string>;
}

export interface ServiceInfo {
  resolved: Resolved;
  description: string;
  /** Hosts the definition lands on, in host definition order. */
  hosts: string[];
  /** Hosts it reaches only through a hostgroup (or `*` in hostgroup_name). */
  viaHostgroup: Set<string>;
  /** The hostgroups it names (positively) in `hostgroup_name`; `*` names every hostgroup. */
  hostgroups: string[];
  /** The hosts it names (positively) in `host_name`; `*` is every host. */
  namedHosts: string[];
  allHosts: boolean;
  /** Servicegroups from its own `servicegroups` directive. */
  servicegroups: string[];
}

export interface CommandInfo {
  name: string;
  resolved: Resolved;
  line: string;
}

export interface TimeperiodInfo {
  name: string;
  resolved: Resolved;
  /** `monday 09:00-17:00`, `december 25 00:00-00:00`: the periods' lines, inheritance applied. */
  ranges: string[];
  excludes: string[];
}

export interface NamedGroupInfo {
  name: string;
  resolved: Resolved;
  /** Contacts of a contactgroup; `host\u0000service` pairs of a servicegroup. */
  members: Set<string>;
  subgroups: string[];
}

export interface ContactInfo {
  name: string;
  resolved: Resolved;
  groups: Set<string>;
}

/** A check Nagios schedules: a host's own check, or one service on one host. */
export interface NagiosCheck {
  host: string;
  /** Undefined for the host check. */
  service?: string;
  resolved: Resolved;
  /** The service definition and whether the host reached it through a hostgroup. */
  source?: ServiceInfo;
}

export interface NagiosModel {
  files: NagiosFiles;
  objects: NagiosObject[];
  resolved: Map<NagiosObject, Resolved>;
  intervalLengthS: number;
  resources: Map<string, Setting>;
  hosts: Map<string, HostInfo>;
  hostgroups: Map<string, HostgroupInfo>;
  services: ServiceInfo[];
  servicegroups: Map<string, NamedGroupInfo>;
  contacts: Map<string, ContactInfo>;
  contactgroups: Map<string, NamedGroupInfo>;
  commands: Map<string, CommandInfo>;
  timeperiods: Map<string, TimeperiodInfo>;
  /** Templates (`name`) by type, resolved. */
  templates: Map<NagiosObjectType, Map<string, Resolved>>;
  /** Per host, per service description: the definition Nagios keeps. */
  serviceOf: Map<string, Map<string, ServiceInfo>>;
  /** Registered objects that Nagios would refuse (missing required directives): left out of the model. */
  rejected: Set<NagiosObject>;
}

const SEP = '\u0000';

/** Builds the model; every problem goes to `diagnostics`. */
export function buildModel(files: NagiosFiles, diagnostics: Diagnostics): NagiosModel {
  const objects = readObjects(files.definitions, diagnostics);
  const resolved = resolveInheritance(objects, diagnostics);
  const reported = new Set<string>();
  /** Errors about inherited values are reported once, where the value is written. */
  const error = (at: SourcePosition, message: string, hint?: string) => {
    const id = `${at.file}:${at.line}:${at.column} ${message}`;
    if (reported.has(id)) return;
    reported.add(id);
    diagnostics.error(at, message, hint);
  };

  const intervalLength = files.settings.get('interval_length');
  const intervalLengthS = intervalLength ? Number(intervalLength.value) : 60;
  if (intervalLength && !(intervalLengthS > 0)) diagnostics.error(intervalLength.at, `interval_length must be a number of seconds, not '${intervalLength.value}'`);
  const regexp = files.settings.get('use_regexp_matching');
  if (regexp && regexp.value.trim() === '1') diagnostics.warning(regexp.at, 'use_regexp_matching=1: object names are read literally, not as regular expressions');

  const model: NagiosModel = {
    files,
    objects,
    resolved,
    intervalLengthS: intervalLengthS > 0 ? intervalLengthS : 60,
    resources: files.resources,
    hosts: new Map(),
    hostgroups: new Map(),
    services: [],
    servicegroups: new Map(),
    contacts: new Map(),
    contactgroups: new Map(),
    commands: new Map(),
    timeperiods: new Map(),
    templates: new Map(),
    serviceOf: new Map(),
    rejected: new Set(),
  };

  // Templates by type, and registered objects by name (duplicates are errors).
  const registered = objects.filter((o) => o.register);
  for (const object of objects) {
    if (object.templateName === undefined) continue;
    let byName = model.templates.get(object.type);
    if (!byName) model.templates.set(object.type, (byName = new Map()));
    if (!byName.has(object.templateName)) byName.set(object.templateName, resolved.get(object)!);
  }
  const named = <T>(type: NagiosObjectType, directive: string, into: Map<string, T>, make: (name: string, r: Resolved) => T) => {
    for (const object of registered.filter((o) => o.type === type)) {
      const r = resolved.get(object)!;
      if (!checkRequired(r, diagnostics)) {
        model.rejected.add(object);
        continue;
      }
      const name = valueOf(r, directive)!;
      const existing = into.get(name) as { resolved: Resolved } | undefined;
      if (existing) {
        error(placeOf(r, directive), `duplicate ${type} '${name}'`, `it is already defined at ${existing.resolved.object.at.file}:${existing.resolved.object.at.line}`);
        model.rejected.add(object);
        continue;
      }
      into.set(name, make(name, r));
    }
  };
  named('command', 'command_name', model.commands, (name, r) => ({ name, resolved: r, line: valueOf(r, 'command_line')! }));
  named('timeperiod', 'timeperiod_name', model.timeperiods, (name, r) => ({
    name,
    resolved: r,
    ranges: [...r.values].filter(([k, v]) => k.startsWith(RANGE_PREFIX) && v.value !== null).map(([k, v]) => `${k.slice(RANGE_PREFIX.length)} ${v.value}`),
    excludes: listOf(r, 'exclude'),
  }));
  named('host', 'host_name', model.hosts, (name, r) => ({ name, resolved: r, groups: new Set() }));
  named('hostgroup', 'hostgroup_name', model.hostgroups, (name, r) => ({ name, resolved: r, direct: new Set(), subgroups: listOf(r, 'hostgroup_members'), members: new Set() }));
  named('servicegroup', 'servicegroup_name', model.servicegroups, (name, r) => ({ name, resolved: r, members: new Set(), subgroups: listOf(r, 'servicegroup_members') }));
  named('contact', 'contact_name', model.contacts, (name, r) => ({ name, resolved: r, groups: new Set() }));
  named('contactgroup', 'contactgroup_name', model.contactgroups, (name, r) => ({ name, resolved: r, members: new Set(), subgroups: listOf(r, 'contactgroup_members') }));
  for (const object of registered.filter((o) => !['command', 'timeperiod', 'host', 'hostgroup', 'servicegroup', 'contact', 'contactgroup', 'service'].includes(o.type))) {
    if (!checkRequired(resolved.get(object)!, diagnostics)) model.rejected.add(object);
  }

  const unknown = (kind: string, name: string, known: Iterable<string>, at: SourcePosition, context: string) =>
    error(at, `unknown ${kind} '${name}'${context}`, suggestion(name, known) ?? `define the ${kind}, or correct the name`);

  // ---- time periods: excludes must exist and must not loop
  for (const period of model.timeperiods.values()) {
    for (const exclude of period.excludes) {
      if (!model.timeperiods.has(exclude)) unknown('timeperiod', exclude, model.timeperiods.keys(), placeOf(period.resolved, 'exclude'), ` in exclude of timeperiod '${period.name}'`);
    }
  }
  checkCycles('timeperiod exclusion', [...model.timeperiods.values()].map((p) => ({ name: p.name, next: p.excludes, at: placeOf(p.resolved, 'exclude') })), error);

  // ---- hostgroups: members, hosts' hostgroups, nested groups
  const hostNames = [...model.hosts.keys()];
  for (const group of model.hostgroups.values()) {
    const { include, exclude } = splitSigned(listOf(group.resolved, 'members'));
    for (const name of include) {
      if (name === '*') hostNames.forEach((h) => group.direct.add(h));
      else if (model.hosts.has(name)) group.direct.add(name);
      else unknown('host', name, hostNames, placeOf(group.resolved, 'members'), ` in members of hostgroup '${group.name}'`);
    }
    for (const name of exclude) group.direct.delete(name);
    for (const sub of group.subgroups) {
      if (!model.hostgroups.has(sub)) unknown('hostgroup', sub, model.hostgroups.keys(), placeOf(group.resolved, 'hostgroup_members'), ` in hostgroup_members of hostgroup '${group.name}'`);
    }
  }
  for (const host of model.hosts.values()) {
    for (const name of listOf(host.resolved, 'hostgroups')) {
      const group = model.hostgroups.get(name);
      if (group) group.direct.add(host.name);
      else unknown('hostgroup', name, model.hostgroups.keys(), placeOf(host.resolved, 'hostgroups'), ` in hostgroups of host '${host.name}'`);
    }
    for (const parent of listOf(host.resolved, 'parents')) {
      if (!model.hosts.has(parent)) unknown('host', parent, hostNames, placeOf(host.resolved, 'parents'), ` in parents of host '${host.name}'`);
    }
  }
  for (const group of model.hostgroups.values()) for (const host of group.direct) model.hosts.get(host)?.groups.add(group.name);
  checkCycles('hostgroup_members', [...model.hostgroups.values()].map((g) => ({ name: g.name, next: g.subgroups, at: placeOf(g.resolved, 'hostgroup_members') })), error);
  const hostOrder = new Map(hostNames.map((h, i) => [h, i]));
  const collect = (group: HostgroupInfo, seen: Set<string>): Set<string> => {
    if (seen.has(group.name)) return new Set();
    seen.add(group.name);
    const members = new Set(group.direct);
    for (const sub of group.subgroups) {
      const inner = model.hostgroups.get(sub);
      if (inner) for (const h of collect(inner, seen)) members.add(h);
    }
    return members;
  };
  for (const group of model.hostgroups.values()) group.members = new Set([...collect(group, new Set())].sort((a, b) => hostOrder.get(a)! - hostOrder.get(b)!));

  // ---- contacts and contactgroups
  for (const group of model.contactgroups.values()) {
    for (const name of listOf(group.resolved, 'members')) {
      if (model.contacts.has(name)) group.members.add(name);
      else unknown('contact', name, model.contacts.keys(), placeOf(group.resolved, 'members'), ` in members of contactgroup '${group.name}'`);
    }
    for (const sub of group.subgroups) {
      if (!model.contactgroups.has(sub)) unknown('contactgroup', sub, model.contactgroups.keys(), placeOf(group.resolved, 'contactgroup_members'), ` in contactgroup_members of contactgroup '${group.name}'`);
    }
  }
  for (const contact of model.contacts.values()) {
    for (const name of listOf(contact.resolved, 'contactgroups')) {
      const group = model.contactgroups.get(name);
      if (group) group.members.add(contact.name);
      else unknown('contactgroup', name, model.contactgroups.keys(), placeOf(contact.resolved, 'contactgroups'), ` in contactgroups of contact '${contact.name}'`);
    }
    for (const directive of ['host_notification_period', 'service_notification_period']) checkPeriod(contact.resolved, directive);
    for (const directive of ['host_notification_commands', 'service_notification_commands']) {
      for (const name of listOf(contact.resolved, directive)) {
        const command = commandName(name);
        if (!model.commands.has(command)) unknown('command', command, model.commands.keys(), placeOf(contact.resolved, directive), ` in ${directive} of contact '${contact.name}'`);
      }
    }
  }
  for (const group of model.contactgroups.values()) for (const contact of group.members) model.contacts.get(contact)?.groups.add(group.name);
  checkCycles('contactgroup_members', [...model.contactgroups.values()].map((g) => ({ name: g.name, next: g.subgroups, at: placeOf(g.resolved, 'contactgroup_members') })), error);

  function checkPeriod(r: Resolved, directive: string): void {
    const name = valueOf(r, directive);
    if (name !== undefined && !model.timeperiods.has(name)) unknown('timeperiod', name, model.timeperiods.keys(), placeOf(r, directive), ` (${directive} of ${describe(r)})`);
  }
  function checkCommand(r: Resolved, directive: string): void {
    const value = valueOf(r, directive);
    if (value === undefined) return;
    const name = commandName(value);
    if (!model.commands.has(name)) unknown('command', name, model.commands.keys(), placeOf(r, directive), ` (${directive} of ${describe(r)})`);
  }
  function checkNotify(r: Resolved): void {
    for (const name of listOf(r, 'contacts')) if (!model.contacts.has(name)) unknown('contact', name, model.contacts.keys(), placeOf(r, 'contacts'), ` (contacts of ${describe(r)})`);
    for (const name of listOf(r, 'contact_groups')) if (!model.contactgroups.has(name)) unknown('contactgroup', name, model.contactgroups.keys(), placeOf(r, 'contact_groups'), ` (contact_groups of ${describe(r)})`);
  }
  for (const host of model.hosts.values()) {
    checkPeriod(host.resolved, 'check_period');
    checkPeriod(host.resolved, 'notification_period');
    checkCommand(host.resolved, 'check_command');
    checkCommand(host.resolved, 'event_handler');
    checkNotify(host.resolved);
    checkAttempts(host.resolved, error);
  }

  // ---- services: expand to hosts, then keep one definition per host and description
  const expandHosts = (r: Resolved, hostDirective: string, groupDirective: string, context: string) => {
    const hosts = new Set<string>();
    const viaGroup = new Set<string>();
    const excluded = new Set<string>();
    const named = splitSigned(listOf(r, hostDirective));
    const groups = splitSigned(listOf(r, groupDirective));
    const membersOf = (name: string, at: SourcePosition): string[] => {
      if (name === '*') return [...model.hostgroups.values()].flatMap((g) => [...g.members]);
      const group = model.hostgroups.get(name);
      if (group) return [...group.members];
      unknown('hostgroup', name, model.hostgroups.keys(), at, context);
      return [];
    };
    for (const name of groups.include) for (const h of membersOf(name, placeOf(r, groupDirective))) {
      hosts.add(h);
      viaGroup.add(h);
    }
    for (const name of named.include) {
      if (name === '*') hostNames.forEach((h) => hosts.add(h));
      else if (model.hosts.has(name)) hosts.add(name);
      else {
        unknown('host', name, hostNames, placeOf(r, hostDirective), context);
        continue;
      }
      if (name === '*') hostNames.forEach((h) => viaGroup.delete(h));
      else viaGroup.delete(name);
    }
    for (const name of groups.exclude) for (const h of membersOf(name, placeOf(r, groupDirective))) excluded.add(h);
    for (const name of named.exclude) {
      if (!model.hosts.has(name)) unknown('host', name, hostNames, placeOf(r, hostDirective), context);
      excluded.add(name);
    }
    const list = [...hosts].filter((h) => !excluded.has(h)).sort((a, b) => hostOrder.get(a)! - hostOrder.get(b)!);
    return { hosts: list, viaGroup, groups: groups.include, named: named.include };
  };
  const allowEmpty = files.settings.get('allow_empty_hostgroup_assignment')?.value.trim() === '1';
  for (const object of registered.filter((o) => o.type === 'service')) {
    const r = resolved.get(object)!;
    if (!checkRequired(r, diagnostics)) {
      model.rejected.add(object);
      continue;
    }
    const description = valueOf(r, 'service_description')!;
    const context = ` (in service '${description}')`;
    const { hosts, viaGroup, groups, named: namedHosts } = expandHosts(r, 'host_name', 'hostgroup_name', context);
    if (hosts.length === 0 && !(allowEmpty && groups.length > 0)) {
      error(object.at, `service '${description}' applies to no host`, groups.length > 0 ? 'its hostgroups have no members (set allow_empty_hostgroup_assignment=1 in nagios.cfg to allow this)' : 'its host_name list names no host');
    }
    checkPeriod(r, 'check_period');
    checkPeriod(r, 'notification_period');
    checkCommand(r, 'check_command');
    checkCommand(r, 'event_handler');
    checkNotify(r);
    checkAttempts(r, error);
    const servicegroups = listOf(r, 'servicegroups');
    for (const name of servicegroups) if (!model.servicegroups.has(name)) unknown('servicegroup', name, model.servicegroups.keys(), placeOf(r, 'servicegroups'), context);
    const info: ServiceInfo = {
      resolved: r,
      description,
      hosts,
      viaHostgroup: viaGroup,
      hostgroups: groups.includes('*') ? [...model.hostgroups.keys()] : groups.filter((g) => model.hostgroups.has(g)),
      namedHosts: namedHosts.filter((h) => h === '*' || model.hosts.has(h)),
      allHosts: namedHosts.includes('*'),
      servicegroups,
    };
    model.services.push(info);
    for (const host of hosts) {
      let byDescription = model.serviceOf.get(host);
      if (!byDescription) model.serviceOf.set(host, (byDescription = new Map()));
      const existing = byDescription.get(description);
      if (!existing) {
        byDescription.set(description, info);
        continue;
      }
      const existingViaGroup = existing.viaHostgroup.has(host);
      const thisViaGroup = viaGroup.has(host);
      if (existingViaGroup && !thisViaGroup) byDescription.set(description, info);
      else if (existingViaGroup === thisViaGroup) {
        diagnostics.warning(object.at, `duplicate service '${description}' on host '${host}': Nagios keeps the first definition`, `the first is at ${existing.resolved.object.at.file}:${existing.resolved.object.at.line}`);
      }
    }
  }

  // ---- servicegroups: members are host,service pairs
  for (const group of model.servicegroups.values()) {
    const items = listOf(group.resolved, 'members');
    if (items.length % 2 !== 0) error(placeOf(group.resolved, 'members'), `members of servicegroup '${group.name}' must be host,service pairs; '${items.at(-1)}' has no service`);
    for (let i = 0; i + 1 < items.length; i += 2) {
      const [host, service] = [items[i]!, items[i + 1]!];
      if (!model.serviceOf.get(host)?.has(service)) {
        error(placeOf(group.resolved, 'members'), `unknown service '${service}' on host '${host}' in members of servicegroup '${group.name}'`);
        continue;
      }
      group.members.add(`${host}${SEP}${service}`);
    }
    for (const sub of group.subgroups) {
      if (!model.servicegroups.has(sub)) unknown('servicegroup', sub, model.servicegroups.keys(), placeOf(group.resolved, 'servicegroup_members'), ` in servicegroup_members of servicegroup '${group.name}'`);
    }
  }
  for (const service of model.services) {
    for (const name of service.servicegroups) {
      const group = model.servicegroups.get(name);
      if (group) for (const host of service.hosts) if (model.serviceOf.get(host)?.get(service.description) === service) group.members.add(`${host}${SEP}${service.description}`);
    }
  }
  checkCycles('servicegroup_members', [...model.servicegroups.values()].map((g) => ({ name: g.name, next: g.subgroups, at: placeOf(g.resolved, 'servicegroup_members') })), error);

  // ---- dependencies and escalations: the names they mention must exist
  for (const object of registered.filter((o) => /dependency|escalation/.test(o.type) && !model.rejected.has(o))) {
    const r = resolved.get(object)!;
    const context = ` (in ${object.type})`;
    for (const [hostDirective, groupDirective] of [['host_name', 'hostgroup_name'], ['dependent_host_name', 'dependent_hostgroup_name']] as const) {
      if (r.values.has(hostDirective) || r.values.has(groupDirective)) expandHosts(r, hostDirective, groupDirective, context);
    }
    for (const directive of ['servicegroup_name', 'dependent_servicegroup_name']) {
      for (const name of listOf(r, directive)) if (!model.servicegroups.has(name)) unknown('servicegroup', name, model.servicegroups.keys(), placeOf(r, directive), context);
    }
    checkPeriod(r, 'dependency_period');
    checkPeriod(r, 'escalation_period');
    checkNotify(r);
  }
  return model;
}

function checkAttempts(r: Resolved, error: (at: SourcePosition, message: string, hint?: string) => void): void {
  for (const [directive, minimum] of [['max_check_attempts', 1], ['check_interval', 0], ['retry_interval', 0]] as const) {
    const value = valueOf(r, directive);
    if (value === undefined) continue;
    const number = Number(value);
    if (!Number.isFinite(number) || number < minimum) {
      error(placeOf(r, directive), `${directive} must be a number${minimum > 0 ? ' of at least 1' : ' (0 or more)'}, not '${value}' (${describe(r)})`);
    }
  }
}

function splitSigned(names: string[]): { include: string[]; exclude: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const name of names) {
    if (name.startsWith('!')) exclude.push(name.slice(1).trim());
    else include.push(name);
  }
  return { include, exclude };
}

function checkCycles(kind: string, nodes: { name: string; next: string[]; at: SourcePosition }[], error: (at: SourcePosition, message: string, hint?: string) => void): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const node = byName.get(name);
    if (!node || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      error(node.at, `${kind} cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`, 'remove one of these entries');
      return;
    }
    state.set(name, 'visiting');
    for (const next of node.next) visit(next, [...path, name]);
    state.set(name, 'done');
  };
  for (const node of nodes) visit(node.name, []);
}

/** `check_ping!100.0,20%!500.0,60%` -> `check_ping`. */
export function commandName(checkCommand: string): string {
  return splitCheckCommand(checkCommand).name;
}

/** Splits `name!arg1!arg2` at unescaped `!`; `\!` is a literal `!` in an argument. */
export function splitCheckCommand(checkCommand: string): { name: string; args: string[] } {
  const parts: string[] = [''];
  for (let i = 0; i < checkCommand.length; i++) {
    const c = checkCommand[i]!;
    if (c === '\\' && checkCommand[i + 1] === '!') {
      parts[parts.length - 1] += '!';
      i++;
    } else if (c === '!') parts.push('');
    else parts[parts.length - 1] += c;
  }
  const [name = '', ...args] = parts;
  return { name: name.trim(), args };
}

/** Every check Nagios schedules, host checks first for each host, in definition order. */
export function nagiosChecks(model: NagiosModel): NagiosCheck[] {
  const checks: NagiosCheck[] = [];
  for (const host of model.hosts.values()) {
    checks.push({ host: host.name, resolved: host.resolved });
    for (const [description, service] of model.serviceOf.get(host.name) ?? []) {
      checks.push({ host: host.name, service: description, resolved: service.resolved, source: service });
    }
  }
  return checks;
}

/**
 * A service's directive as Nagios uses it on one host: its own (or inherited) value, else what
 * it takes from the host (implied inheritance): check and notification periods, notification
 * interval, and contacts and contact groups (both only when it sets neither).
 */
export function serviceValue(service: Resolved, host: Resolved, directive: string): string | undefined {
  const own = valueOf(service, directive);
  if (own !== undefined || service.values.has(directive)) return own;
  switch (directive) {
    case 'check_period':
    case 'notification_period':
    case 'notification_interval':
      return valueOf(host, directive);
    case 'contacts':
    case 'contact_groups':
      return service.values.has('contacts') || service.values.has('contact_groups') ? undefined : valueOf(host, directive);
    default:
      return undefined;
  }
}

/** Nagios 4's defaults for what a host or service does not say. */
export const NAGIOS_DEFAULTS = { checkInterval: 5, retryInterval: 1 } as const;

/** The timing Nagios uses for a check, in seconds; a check interval of 0 means "never scheduled". */
export function checkTiming(model: NagiosModel, value: (directive: string) => string | undefined): { everyS: number; retryS: number; attempts: number; period?: string; active: boolean } {
  const number = (directive: string, fallback: number) => {
    const text = value(directive);
    const n = text === undefined ? NaN : Number(text);
    return Number.isFinite(n) ? n : fallback;
  };
  const everyS = number('check_interval', NAGIOS_DEFAULTS.checkInterval) * model.intervalLengthS;
  const retryS = number('retry_interval', NAGIOS_DEFAULTS.retryInterval) * model.intervalLengthS;
  const period = value('check_period');
  const active = value('active_checks_enabled') !== '0' && everyS > 0;
  return { everyS, retryS, attempts: Math.max(1, Math.round(number('max_check_attempts', 1))), ...(period ? { period } : {}), active };
}

export { splitNames, SEP as PAIR_SEPARATOR };
