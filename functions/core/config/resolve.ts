import { ConditionError, parseCondition } from './condition.ts';
import { type Diagnostics, type SourcePosition, suggestion } from './diagnostics.ts';
import { type Body, type Definition, type Located, type SiteParameter, emptyBody, isInTemplate, parseYesNo, splitList } from './definitions.ts';
import type {
  CheckModel,
  ClusterModel,
  CommandModel,
  ContactModel,
  CredentialModel,
  GroupModel,
  HostModel,
  LocationModel,
  NamedObject,
  SiteModel,
  TeamModel,
  TimePeriodModel,
} from './model.ts';
import { OBJECT_KINDS, type CheckKind, type ObjectKind } from './schema.ts';
import type { XmlElement } from './xml-document.ts';
import { parseDurationMs } from '../duration.ts';
import { parseStatus } from '../status.ts';

/** Defaults for what no definition in the chain says; Bergamot's generic templates use the same. */
export const DEFAULT_SCHEDULE = { everyS: 300, changingEveryS: 60, retryEveryS: 60 } as const;
export const DEFAULT_STATE_POLICY = { failedAfter: 1, recoversAfter: 1 } as const;

/**
 * Resolves definitions into one model per site: merges every `extends` chain (parents applied
 * left to right, so a later parent overrides an earlier one, and the definition itself overrides
 * them all), expands templates (a host gets its templates' services and traps), applies group
 * additions and removals, and checks every reference. Problems go to `diagnostics`; the models are
 * returned even when there are errors, so one run can report everything.
 */
export function resolveSites(definitions: Definition[], siteParameters: SiteParameter[], diagnostics: Diagnostics): SiteModel[] {
  const sites = new Map<string, { definitions: Definition[]; parameters: SiteParameter[] }>();
  const siteOf = (name: string) => {
    let entry = sites.get(name);
    if (!entry) sites.set(name, (entry = { definitions: [], parameters: [] }));
    return entry;
  };
  for (const definition of definitions) siteOf(definition.site).definitions.push(definition);
  for (const parameter of siteParameters) siteOf(parameter.site).parameters.push(parameter);
  return [...sites].map(([name, { definitions: siteDefinitions, parameters }]) =>
    new SiteResolver(name, siteDefinitions, parameters, diagnostics).resolve(),
  );
}

type Registry = Map<ObjectKind, Map<string, Definition>>;

class SiteResolver {
  private readonly registry: Registry = new Map(OBJECT_KINDS.map((kind) => [kind, new Map()]));
  private readonly merged = new Map<Definition, Body>();
  private readonly resolving = new Set<Definition>();
  /** Diagnostics already raised, so an inherited problem is reported once, not per user. */
  private readonly reported = new Map<string, 'error' | 'warning'>();
  /**
   * A nested check resolves the same on every host that inherits it, so it is resolved once and
   * shared (models are read-only): 2,000 hosts of one class cost one set of service models.
   */
  private readonly nestedModels = new Map<Definition, CheckModel & { condition?: string }>();

  constructor(
    private readonly name: string,
    private readonly definitions: Definition[],
    private readonly parameters: SiteParameter[],
    private readonly diagnostics: Diagnostics,
  ) {}

  resolve(): SiteModel {
    this.register();
    const concrete = (kind: ObjectKind) => [...this.registry.get(kind)!.values()].filter((d) => !d.template);
    // Resolve every chain, templates included, so a cycle among unused templates is still found.
    for (const definition of this.definitions) this.body(definition);
    for (const definition of this.definitions) this.checkTemplateReferences(definition);
    const site: SiteModel = {
      name: this.name,
      parameters: this.siteParameters(),
      securityDomains: concrete('security-domain').map((d) => this.named(d, this.body(d))),
      locations: concrete('location').map((d) => this.location(d)),
      groups: concrete('group').map((d) => this.group(d)),
      timePeriods: concrete('time-period').map((d) => this.timePeriod(d)),
      commands: concrete('command').map((d) => this.command(d)).filter((c): c is CommandModel => c !== undefined),
      credentials: concrete('credential').map((d) => this.credential(d)),
      teams: concrete('team').map((d) => this.team(d)),
      contacts: concrete('contact').map((d) => this.contact(d)),
      hosts: concrete('host').map((d) => this.host(d)),
      clusters: concrete('cluster').map((d) => this.cluster(d)),
      templateCounts: Object.fromEntries(
        OBJECT_KINDS.map((kind) => [kind, [...this.registry.get(kind)!.values()].filter((d) => d.template).length]).filter(([, n]) => n !== 0),
      ),
    };
    // Top-level services, traps and resources are templates for nesting; a concrete one has no
    // host to run on.
    for (const kind of ['service', 'trap', 'resource'] as const) {
      for (const definition of concrete(kind)) {
        const container = kind === 'resource' ? 'cluster' : 'host';
        this.diagnostics.error(definition.at, `${kind} '${definition.name}' is not inside a ${container} and is not a template`, `write it inside a <${container}>, or add template="yes" to make it a template`);
      }
    }
    this.checkTrees(site);
    this.checkConditions(site);
    return site;
  }

  private register(): void {
    for (const definition of this.definitions) {
      const byName = this.registry.get(definition.kind)!;
      const existing = byName.get(definition.name);
      if (existing) {
        this.diagnostics.error(definition.at, `duplicate ${definition.kind} '${definition.name}'`, `it is already defined at ${where(existing.at)}; names are unique per kind within a site`);
        continue;
      }
      byName.set(definition.name, definition);
    }
  }

  /** Looks up a definition, reporting an unknown name at the reference. */
  private lookup(kind: ObjectKind, reference: Located, severity: 'error' | 'warning', context: string): Definition | undefined {
    const found = this.registry.get(kind)!.get(reference.value);
    if (found) return found;
    const hint = suggestion(reference.value, this.registry.get(kind)!.keys());
    const message = `unknown ${kind} '${reference.value}'`;
    this.report(severity, reference.at, `${message}${context}`, hint ?? `define <${kind} name="${reference.value}"> or correct the name`, message);
    return undefined;
  }

  /**
   * Reports once per place and problem: a template's bad reference inherited by a hundred hosts
   * is one error, not a hundred. An error replaces an earlier warning about the same thing.
   */
  private report(severity: 'error' | 'warning', at: SourcePosition, message: string, hint?: string, key = message): void {
    const id = `${where(at)} ${key}`;
    const previous = this.reported.get(id);
    if (previous === 'error' || previous === severity) return;
    if (previous === 'warning') {
      const index = this.diagnostics.items.findIndex((d) => d.severity === 'warning' && where(d) === where(at) && d.message.startsWith(key));
      if (index >= 0) this.diagnostics.items.splice(index, 1);
    }
    this.reported.set(id, severity);
    this.diagnostics[severity](at, message, hint);
  }

  // ---- inheritance ----------------------------------------------------------------------------

  /** The definition's body merged over its whole `extends` chain. */
  private body(definition: Definition): Body {
    const cached = this.merged.get(definition);
    if (cached) return cached;
    if (this.resolving.has(definition)) return emptyBody(); // the cycle is reported by the caller
    this.resolving.add(definition);
    let body = emptyBody();
    for (const parentRef of definition.extends) {
      const parent = this.parentDefinition(definition, parentRef);
      if (parent) body = mergeBodies(body, this.body(parent));
    }
    body = mergeBodies(body, definition.body);
    this.resolving.delete(definition);
    this.merged.set(definition, body);
    return body;
  }

  private parentDefinition(definition: Definition, reference: Located): Definition | undefined {
    const severity = isInTemplate(definition) ? 'warning' : 'error';
    const parent = this.lookup(definition.kind, reference, severity, ` in extends of ${definition.kind} '${definition.name}'`);
    if (!parent) return undefined;
    if (parent === definition || this.resolving.has(parent)) {
      const resolving = [...this.resolving];
      const chain = resolving.slice(resolving.indexOf(parent)).map((d) => d.name);
      this.report('error', reference.at, `inheritance cycle: ${[...chain, parent.name].join(' -> ')}`, 'a template cannot extend itself, directly or through others; remove one of these extends');
      return undefined;
    }
    return parent;
  }

  /** Template names this definition inherits from, nearest first. */
  private ancestry(definition: Definition, seen = new Set<Definition>()): string[] {
    const names: string[] = [];
    for (const reference of [...definition.extends].reverse()) {
      const parent = this.registry.get(definition.kind)!.get(reference.value);
      if (!parent || seen.has(parent)) continue;
      seen.add(parent);
      names.push(parent.name, ...this.ancestry(parent, seen));
    }
    return names;
  }

  // ---- references -----------------------------------------------------------------------------

  /**
   * References written in templates are checked where they are written, as warnings: a template
   * nobody uses may name things this site does not define. A concrete object that inherits the
   * reference reports it as an error when it is resolved.
   */
  private checkTemplateReferences(definition: Definition): void {
    if (!isInTemplate(definition)) return;
    this.checkReferences(definition, definition.body, 'warning');
    for (const nested of definition.body.nested.values()) {
      for (const reference of nested.extends) this.lookup(nested.kind, reference, 'warning', ` in extends of ${nested.kind} '${nested.name}'`);
      this.checkTemplateReferences(nested);
    }
  }

  private checkReferences(definition: Definition, body: Body, severity: 'error' | 'warning'): void {
    const context = ` (used by ${definition.kind} '${definition.name}')`;
    const command = body.elements.get('check-command')?.attributes.get('command');
    if (command) {
      const found = this.lookup('command', command, severity, context);
      if (found?.template && severity === 'error') {
        this.report('warning', command.at, `command '${command.value}' is a template${context}`, 'templates are meant to be extended; check that this is the command you mean');
      }
    }
    const membershipKind: ObjectKind | undefined = definition.kind === 'team' || definition.kind === 'contact' ? 'team' : 'group';
    if (definition.kind !== 'location' && definition.kind !== 'command' && definition.kind !== 'time-period' && definition.kind !== 'credential') {
      for (const entry of body.memberships) {
        this.lookup(membershipKind, { value: entry.value.replace(/^-/, ''), at: entry.at }, severity, context);
      }
    }
    const location = body.attributes.get('location');
    if (location && definition.kind !== 'location') this.lookup('location', location, severity, context);
    const period = body.schedule.get('time-period');
    if (period) this.lookup('time-period', period, severity, context);
    const downtimePeriod = body.elements.get('downtime')?.attributes.get('time-period');
    if (downtimePeriod) this.lookup('time-period', downtimePeriod, severity, context);
    for (const teamsRef of this.notifyTeamReferences(body)) this.lookup('team', teamsRef, severity, context);
    this.checkNotificationReferences(body, severity, context);
    const runFrom = body.elements.get('run-from')?.attributes.get('locations');
    for (const entry of splitList(runFrom)) this.lookup('location', entry, severity, context);
    if (definition.kind === 'host') {
      for (const parent of splitList(body.attributes.get('parents'))) this.lookup('host', parent, severity, context);
    }
  }

  private notifyTeamReferences(body: Body): Located[] {
    const notify = body.elements.get('notify');
    return notify ? splitList(notify.attributes.get('teams')) : [];
  }

  /**
   * What `<notify contacts>` and `<notifications>` name (time periods of the policy, of each
   * engine and escalation; the teams and contacts escalations tell): each must exist.
   */
  private checkNotificationReferences(body: Body, severity: 'error' | 'warning', context: string): void {
    const notify = body.elements.get('notify');
    for (const contact of splitList(notify?.attributes.get('contacts'))) this.lookup('contact', contact, severity, context);
    const notifications = body.elements.get('notifications');
    if (!notifications) return;
    const periods = [notifications, ...notifications.children].map((element) => element.attributes.get('time-period'));
    for (const period of periods) if (period) this.lookup('time-period', period, severity, context);
    for (const target of notifications.children.filter((c) => c.name === 'escalate').flatMap((e) => e.children)) {
      for (const team of splitList(target.attributes.get('teams'))) this.lookup('team', team, severity, context);
      for (const contact of splitList(target.attributes.get('contacts'))) this.lookup('contact', contact, severity, context);
    }
  }

  // ---- objects --------------------------------------------------------------------------------

  private siteParameters(): Record<string, string> {
    const parameters: Record<string, string> = {};
    const seen = new Map<string, SiteParameter>();
    for (const parameter of this.parameters) {
      const previous = seen.get(parameter.name);
      if (previous) this.diagnostics.warning(parameter.at, `site parameter '${parameter.name}' is set again; this value wins`, `the first is at ${where(previous.at)}`);
      seen.set(parameter.name, parameter);
      parameters[parameter.name] = parameter.value;
    }
    return parameters;
  }

  private named(definition: Definition, body: Body): NamedObject {
    const summary = body.elements.get('summary')?.text;
    const description = body.elements.get('description')?.text;
    return {
      name: definition.name,
      ...(summary ? { summary } : {}),
      ...(description ? { description } : {}),
      at: definition.at,
    };
  }

  private location(definition: Definition): LocationModel {
    const body = this.body(definition);
    this.checkReferences(definition, body, 'error');
    const parent = body.attributes.get('location');
    if (parent) this.lookup('location', parent, 'error', ` (parent of location '${definition.name}')`);
    const region = body.attributes.get('region')?.value;
    return {
      ...this.named(definition, body),
      ...(parent ? { parent: parent.value } : {}),
      ...(region ? { region } : {}),
      parameters: parameterValues(body),
    };
  }

  private group(definition: Definition): GroupModel {
    const body = this.body(definition);
    this.checkReferences(definition, body, 'error');
    return { ...this.named(definition, body), parents: applyMemberships(body.memberships), parameters: parameterValues(body) };
  }

  private timePeriod(definition: Definition): TimePeriodModel {
    const body = this.body(definition);
    const excludes = splitList(body.attributes.get('excludes'));
    for (const exclude of excludes) this.lookup('time-period', exclude, 'error', ` (excluded by time-period '${definition.name}')`);
    const timeZone = body.attributes.get('time-zone')?.value;
    return {
      ...this.named(definition, body),
      ...(timeZone ? { timeZone } : {}),
      ranges: (body.lists.get('time-range') ?? []).map((r) => r.text),
      excludes: excludes.map((e) => e.value),
    };
  }

  private command(definition: Definition): CommandModel | undefined {
    const body = this.body(definition);
    const engine = body.attributes.get('engine')?.value;
    if (!engine) {
      this.diagnostics.error(definition.at, `command '${definition.name}' has no engine`, 'set engine="nagios" (or http, nrpe, snmp, script...) on it or on a template it extends');
      return undefined;
    }
    const executor = body.attributes.get('executor')?.value;
    const script = body.elements.get('script')?.text;
    return {
      ...this.named(definition, body),
      engine,
      ...(executor ? { executor } : {}),
      parameters: parameterValues(body),
      ...(script !== undefined && script.trim() !== '' ? { script } : {}),
    };
  }

  private credential(definition: Definition): CredentialModel {
    const body = this.body(definition);
    const text = (name: string) => body.elements.get(name)?.text;
    const fields = { username: text('username'), password: text('password'), keyId: text('key-id'), keySecret: text('key-secret') };
    return {
      ...this.named(definition, body),
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')),
    };
  }

  private team(definition: Definition): TeamModel {
    const body = this.body(definition);
    this.checkReferences(definition, body, 'error');
    return {
      ...this.named(definition, body),
      parents: applyMemberships(body.memberships),
      grants: splitList(body.attributes.get('grants')).map((g) => g.value),
      revokes: splitList(body.attributes.get('revokes')).map((g) => g.value),
    };
  }

  private contact(definition: Definition): ContactModel {
    const body = this.body(definition);
    this.checkReferences(definition, body, 'error');
    const email = body.elements.get('email')?.text ?? body.attributes.get('email')?.value;
    const phone = body.elements.get('phone')?.text ?? body.elements.get('mobile')?.text ?? body.attributes.get('phone')?.value;
    const notifications = body.elements.get('notifications');
    return {
      ...this.named(definition, body),
      teams: applyMemberships(body.memberships),
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(notifications ? { notifications: elementToJson(notifications) } : {}),
    };
  }

  private host(definition: Definition): HostModel {
    const body = this.body(definition);
    const check = this.check(definition, body, 'host');
    const location = body.attributes.get('location')?.value;
    const address = body.attributes.get('address')?.value ?? body.elements.get('address')?.text;
    const resourcePool = body.attributes.get('resource-pool')?.value;
    const nested = this.nestedChecks(definition, body);
    return {
      ...check,
      kind: 'host',
      parents: splitList(body.attributes.get('parents')).map((parent) => parent.value),
      ...(address ? { address } : {}),
      ...(location ? { location } : {}),
      ...(resourcePool ? { resourcePool } : {}),
      services: nested.filter((c) => c.kind === 'service'),
      traps: nested.filter((c) => c.kind === 'trap'),
    };
  }

  private cluster(definition: Definition): ClusterModel {
    const body = this.body(definition);
    const condition = body.elements.get('condition')?.text;
    return {
      ...this.check(definition, body, 'cluster'),
      kind: 'cluster',
      ...(condition ? { condition } : {}),
      resources: this.nestedChecks(definition, body).map((resource) => resource),
    };
  }

  /**
   * The services and traps (or resources) a concrete container gets: its own and its templates',
   * a nearer definition of the same name replacing a farther one. Nested templates are skipped:
   * they exist to be extended, not run.
   */
  private nestedChecks(container: Definition, containerBody: Body): (CheckModel & { condition?: string })[] {
    const checks: (CheckModel & { condition?: string })[] = [];
    for (const nested of containerBody.nested.values()) {
      if (nested.template) continue;
      let model = this.nestedModels.get(nested);
      if (!model) {
        const body = this.body(nested);
        const check = this.check(nested, body, nested.kind as CheckKind, container);
        const condition = body.elements.get('condition')?.text;
        model = condition ? { ...check, condition } : check;
        this.nestedModels.set(nested, model);
      }
      checks.push(model);
    }
    return checks;
  }

  private check(definition: Definition, body: Body, kind: CheckKind, container?: Definition): CheckModel {
    this.checkRequiredParts(definition, body, kind, container);
    this.checkReferences(container && definition.container !== container ? { ...definition, name: `${container.name}/${definition.name}` } : definition, body, 'error');
    const checkCommand = body.elements.get('check-command');
    const notify = body.elements.get('notify');
    const notifications = body.elements.get('notifications');
    const initially = body.elements.get('initially');
    const initialStatus = initially ? parseStatus(initially.attributes.get('status')?.value ?? '') : undefined;
    const runFrom = body.elements.get('run-from');
    const freshness = body.elements.get('freshness');
    const downtimePeriod = body.elements.get('downtime')?.attributes.get('time-period')?.value;
    const enabled = parseYesNo(body.attributes.get('enabled')?.value ?? 'yes') ?? true;
    return {
      ...this.named(definition, body),
      kind,
      enabled,
      groups: applyMemberships(body.memberships),
      parameters: parameterValues(body),
      ...(checkCommand
        ? {
            command: {
              name: checkCommand.attributes.get('command')?.value ?? '',
              arguments: Object.fromEntries(checkCommand.children.filter((c) => c.name === 'parameter').map((p) => [p.attributes.get('name')?.value ?? '', p.text])),
            },
          }
        : {}),
      schedule: scheduleOf(body),
      state: {
        failedAfter: Number(body.state.get('failed-after')?.value ?? DEFAULT_STATE_POLICY.failedAfter),
        recoversAfter: Number(body.state.get('recovers-after')?.value ?? DEFAULT_STATE_POLICY.recoversAfter),
      },
      notify: {
        teams: splitList(notify?.attributes.get('teams')).map((t) => t.value),
        contacts: splitList(notify?.attributes.get('contacts')).map((t) => t.value),
      },
      ...(notifications ? { notifications: elementToJson(notifications) } : {}),
      ...(initialStatus
        ? { initially: { status: initialStatus, ...(initially?.attributes.get('output') ? { output: initially.attributes.get('output')!.value } : {}) } }
        : {}),
      ...(runFrom
        ? {
            runFrom: {
              locations: splitList(runFrom.attributes.get('locations')).map((l) => l.value),
              quorum: Number(runFrom.attributes.get('quorum')?.value ?? 1),
            },
          }
        : {}),
      ...(freshness ? { freshness: freshnessOf(freshness) } : {}),
      ...(downtimePeriod ? { downtimePeriod } : {}),
      templates: this.ancestry(definition),
    };
  }

  /**
   * A concrete cluster's condition must name groups that exist; a pool no host is in is likely a
   * typo (pools are declared by hosts' resource-pool), so it is a warning.
   */
  private checkConditions(site: SiteModel): void {
    const pools = new Set(site.hosts.map((h) => h.resourcePool).filter((p): p is string => p !== undefined));
    for (const definition of [...this.registry.get('cluster')!.values()].filter((d) => !d.template)) {
      const body = this.body(definition);
      const conditions = [body.elements.get('condition'), ...[...body.nested.values()].filter((n) => !n.template).map((n) => this.body(n).elements.get('condition'))];
      for (const element of conditions) {
        if (!element) continue;
        let condition;
        try {
          condition = parseCondition(element.text);
        } catch (error) {
          if (error instanceof ConditionError) continue; // reported where it is written
          throw error;
        }
        const context = ` (in the condition of cluster '${definition.name}')`;
        if (condition.hosts.kind === 'group') this.lookup('group', { value: condition.hosts.name, at: element.textAt }, 'error', context);
        if (condition.hosts.kind === 'hosts') for (const name of condition.hosts.names) this.lookup('host', { value: name, at: element.textAt }, 'error', context);
        if (condition.hosts.kind === 'pool' && !pools.has(condition.hosts.name)) {
          this.report('warning', element.textAt, `no host is in pool '${condition.hosts.name}'${context}`, `add resource-pool="${condition.hosts.name}" to the hosts that make up the cluster`);
        }
      }
    }
  }

  /** What a check of each kind cannot run without. Traps are passive and need no command. */
  private checkRequiredParts(definition: Definition, body: Body, kind: CheckKind, container?: Definition): void {
    const owner = container ? ` on ${container.kind} '${container.name}'` : '';
    if (kind === 'service' && !body.elements.has('check-command')) {
      this.report('error', definition.at, `service '${definition.name}'${owner} has no <check-command>`, 'add <check-command command="..."/> to it or to a template it extends');
    }
    if ((kind === 'cluster' || kind === 'resource') && !body.elements.has('condition')) {
      this.report('error', definition.at, `${kind} '${definition.name}'${owner} has no <condition>`, "add e.g. <condition>majority of hosts in pool 'name'</condition>");
    }
  }

  // ---- trees ----------------------------------------------------------------------------------

  /** Location, group and team trees must be trees: a cycle would make roll-ups loop. */
  private checkTrees(site: SiteModel): void {
    this.checkAcyclic('location', site.locations.map((l) => ({ name: l.name, parents: l.parent ? [l.parent] : [], at: l.at })));
    this.checkAcyclic('group', site.groups.map((g) => ({ name: g.name, parents: g.parents, at: g.at })));
    this.checkAcyclic('team', site.teams.map((t) => ({ name: t.name, parents: t.parents, at: t.at })));
    this.checkAcyclic('time-period exclusion', site.timePeriods.map((t) => ({ name: t.name, parents: t.excludes, at: t.at })));
    this.checkAcyclic('host parent', site.hosts.map((h) => ({ name: h.name, parents: h.parents, at: h.at })));
  }

  private checkAcyclic(kind: string, nodes: { name: string; parents: string[]; at: SourcePosition }[]): void {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      const node = byName.get(name);
      if (!node || state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(name)), name];
        this.report('error', node.at, `${kind} cycle: ${cycle.join(' -> ')}`, `a ${kind} cannot be inside itself; remove one of these parents`);
        return;
      }
      state.set(name, 'visiting');
      for (const parent of node.parents) visit(parent, [...path, name]);
      state.set(name, 'done');
    };
    for (const node of nodes) visit(node.name, []);
  }
}

/**
 * Merges a child body over a parent body. Attributes, whole elements and parameters: the child's
 * win. Schedule and state: attribute by attribute. Memberships: the parent's entries, then the
 * child's (so a child's `-name` removes an inherited group). Nested checks: by name, the child's
 * replacing the parent's.
 */
export function mergeBodies(parent: Body, child: Body): Body {
  return {
    attributes: new Map([...parent.attributes, ...child.attributes]),
    memberships: [...parent.memberships, ...child.memberships],
    parameters: new Map([...parent.parameters, ...child.parameters]),
    elements: new Map([...parent.elements, ...child.elements]),
    schedule: new Map([...parent.schedule, ...child.schedule]),
    state: new Map([...parent.state, ...child.state]),
    lists: new Map([...parent.lists, ...child.lists]),
    nested: new Map([...parent.nested, ...child.nested]),
  };
}

/** Applies `a, b, -c` entries in order: add, or remove with a leading minus. */
export function applyMemberships(entries: Located[]): string[] {
  const result: string[] = [];
  for (const { value } of entries) {
    if (value.startsWith('-')) {
      const name = value.slice(1).trim();
      const index = result.indexOf(name);
      if (index >= 0) result.splice(index, 1);
    } else if (!result.includes(value)) result.push(value);
  }
  return result;
}

function parameterValues(body: Body): Record<string, string> {
  return Object.fromEntries([...body.parameters.values()].map((p) => [p.name, p.value]));
}

function scheduleOf(body: Body): CheckModel['schedule'] {
  const seconds = (attribute: string): number | undefined => {
    const located = body.schedule.get(attribute);
    const ms = located ? parseDurationMs(located.value, 'm') : undefined;
    return ms === undefined ? undefined : Math.max(1, Math.round(ms / 1000));
  };
  const everyS = seconds('every') ?? DEFAULT_SCHEDULE.everyS;
  const timePeriod = body.schedule.get('time-period')?.value;
  return {
    everyS,
    changingEveryS: seconds('changing-every') ?? Math.min(everyS, DEFAULT_SCHEDULE.changingEveryS),
    retryEveryS: seconds('retry-every') ?? Math.min(everyS, DEFAULT_SCHEDULE.retryEveryS),
    ...(timePeriod ? { timePeriod } : {}),
  };
}

/** A freshness period not written with a grace gets this much (a ping a little late is not a death). */
export const DEFAULT_FRESHNESS_GRACE_S = 60;

function freshnessOf(element: XmlElement): { everyS: number; graceS: number } {
  // Durations were checked when the file was read; a bad one never gets here.
  const seconds = (name: string, fallback: number) => {
    const value = element.attributes.get(name)?.value;
    return value === undefined ? fallback : Math.round((parseDurationMs(value, 'm') ?? fallback * 1000) / 1000);
  };
  return { everyS: seconds('every', 0), graceS: seconds('grace', DEFAULT_FRESHNESS_GRACE_S) };
}

/** Keeps settings that later features read (notifications, escalations) as plain JSON. */
export function elementToJson(element: XmlElement): unknown {
  const json: Record<string, unknown> = Object.fromEntries([...element.attributes].map(([k, v]) => [k, v.value]));
  if (element.text) json.text = element.text;
  for (const child of element.children) {
    const list = (json[child.name] as unknown[] | undefined) ?? [];
    list.push(elementToJson(child));
    json[child.name] = list;
  }
  return json;
}

function where(at: SourcePosition): string {
  return `${at.file}:${at.line}:${at.column}`;
}
