/**
 * Nagios object inheritance: `name` makes a definition a template, `use` lists templates (the
 * first listed wins, each with its own templates before the next), `register 0` keeps a template
 * from being an object. A local value overrides an inherited one, except that a string value
 * starting with `+` is appended to the inherited one (`hostgroups +web`), and `null` cancels an
 * inherited value. Custom variables (`_SNMP_COMMUNITY`) inherit by name. `name`, `use` and
 * `register` are not inherited.
 *
 * This follows Nagios Core's `xodtemplate` resolution, including its quirk that a `+` value with
 * nothing to add to keeps its `+` while templates are resolved, so that a later template in the
 * `use` list can still supply the base.
 */
import { type Diagnostics, type SourcePosition, suggestion } from '#core/config/diagnostics.ts';
import { parseTimeRange } from '#core/time-period.ts';
import { TEMPLATE_DIRECTIVES, TYPE_SPECS, type NagiosObjectType, WEEKDAYS, isStringDirective } from './directives.ts';
import type { Directive, RawDefinition } from './parse.ts';

export interface Value {
  /** `null` when written as `null`: the inherited value is cancelled. */
  value: string | null;
  at: SourcePosition;
}

/** One definition with its directives read: aliases resolved, custom variables apart. */
export interface NagiosObject {
  type: NagiosObjectType;
  at: SourcePosition;
  /** The template name (`name`), if it is a template. */
  templateName?: string;
  use: { value: string; at: SourcePosition }[];
  register: boolean;
  own: Map<string, Value>;
  /** Custom variables by upper-case name without the underscore (`SNMP_COMMUNITY`). */
  custom: Map<string, Value>;
}

/** An object with everything it inherits in place. */
export interface Resolved {
  object: NagiosObject;
  values: Map<string, Value>;
  custom: Map<string, Value>;
}

/** Time range lines of a timeperiod are kept as directives named `range:<days>` (`range:monday`, `range:december 25`). */
export const RANGE_PREFIX = 'range:';

/** Reads raw definitions into objects, reporting unknown directives and bad time ranges. */
export function readObjects(definitions: readonly RawDefinition[], diagnostics: Diagnostics): NagiosObject[] {
  return definitions.map((definition) => readObject(definition, diagnostics));
}

function readObject(definition: RawDefinition, diagnostics: Diagnostics): NagiosObject {
  const spec = TYPE_SPECS[definition.type];
  const object: NagiosObject = { type: definition.type, at: definition.at, use: [], register: true, own: new Map(), custom: new Map() };
  const set = (name: string, directive: Directive) => {
    const previous = object.own.get(name);
    if (previous && (name === 'members' || name === 'hostgroup_members' || name === 'servicegroup_members' || name === 'contactgroup_members')) {
      // Nagios joins repeated member lists.
      object.own.set(name, { value: `${previous.value ?? ''},${directive.value}`, at: previous.at });
      return;
    }
    if (previous) diagnostics.warning(directive.at, `'${name}' is set again in this definition; this value counts`, `the first is at line ${previous.at.line}`);
    object.own.set(name, { value: directive.value === 'null' && isStringDirective(name) ? null : directive.value, at: directive.at });
  };
  for (const directive of definition.directives) {
    const { name, value, at } = directive;
    if (name === 'use') {
      object.use.push(...value.split(',').map((v) => v.trim()).filter((v) => v !== '').map((v) => ({ value: v, at })));
    } else if (name === 'name') {
      object.templateName = value;
    } else if (name === 'register') {
      if (!/^[01]$/.test(value)) diagnostics.error(at, `register must be 0 or 1, not '${value}'`);
      object.register = value !== '0';
    } else if (name.startsWith('_') && name.length > 1) {
      if (!spec.customVariables) {
        diagnostics.error(at, `custom variable '${name}' is not allowed on a ${definition.type}`, 'custom variables belong to hosts, services and contacts');
        continue;
      }
      object.custom.set(name.slice(1).toUpperCase(), { value, at });
    } else if (definition.type === 'timeperiod' && !spec.directives.has(name)) {
      readTimeRange(object, directive, diagnostics);
    } else {
      const meant = spec.aliases[name] ?? name;
      if (!spec.directives.has(meant)) {
        const hint = suggestion(name, [...spec.directives, ...TEMPLATE_DIRECTIVES]);
        diagnostics.error(at, `unknown ${definition.type} directive '${name}'`, hint ?? `see the ${definition.type} directives in Nagios's object definitions`);
        continue;
      }
      set(meant, directive);
    }
  }
  return object;
}

/** `monday 09:00-17:00`, `december 25 00:00-00:00`, `day 1 - 15 00:00-24:00`... */
const TIMES = /^(.*?)\s*((?:\d{1,2}:\d{2}-\d{1,2}:\d{2})(?:\s*,\s*\d{1,2}:\d{2}-\d{1,2}:\d{2})*)$/;

function readTimeRange(object: NagiosObject, directive: Directive, diagnostics: Diagnostics): void {
  const text = `${directive.name} ${directive.value}`.replace(/\s+/g, ' ').trim();
  const at = { ...directive.at, column: Math.max(1, directive.at.column - directive.name.length - 1) };
  const match = TIMES.exec(text);
  const days = match?.[1]?.trim() ?? '';
  if (!match || days === '') {
    const weekday = (WEEKDAYS as readonly string[]).includes(directive.name);
    diagnostics.error(at, weekday ? `bad time range '${text}': expected times such as 09:00-17:00` : `unknown timeperiod directive or bad time range '${text}'`, 'time ranges look like: monday 09:00-17:00, or december 25 00:00-24:00');
    return;
  }
  const parsed = parseTimeRange(`${days} ${match[2]!.replace(/\s+/g, '')}`);
  if (!parsed.ok) {
    diagnostics.error(at, `bad time range '${text}': ${parsed.error.message}`);
    return;
  }
  const key = `${RANGE_PREFIX}${days}`;
  if (object.own.has(key)) diagnostics.warning(at, `time range '${days}' is set again in this timeperiod; this one counts`);
  object.own.set(key, { value: match[2]!.replace(/\s+/g, ''), at });
}

/**
 * Resolves every object's inheritance. Unknown templates, cycles and duplicate template names
 * are reported at the `use` or `name` that causes them; the objects are returned regardless.
 */
export function resolveInheritance(objects: readonly NagiosObject[], diagnostics: Diagnostics): Map<NagiosObject, Resolved> {
  const templates = new Map<string, NagiosObject>();
  const key = (type: string, name: string) => `${type}\u0000${name}`;
  for (const object of objects) {
    if (object.templateName === undefined) continue;
    const existing = templates.get(key(object.type, object.templateName));
    if (existing) {
      diagnostics.error(object.at, `duplicate ${object.type} template '${object.templateName}'`, `it is already defined at ${existing.at.file}:${existing.at.line}; template names are unique per object type`);
      continue;
    }
    templates.set(key(object.type, object.templateName), object);
  }
  const resolved = new Map<NagiosObject, Resolved>();
  const visiting: NagiosObject[] = [];
  const reportedCycles = new Set<string>();

  const resolve = (object: NagiosObject): Resolved => {
    const done = resolved.get(object);
    if (done) return done;
    visiting.push(object);
    const values = new Map(object.own);
    const custom = new Map(object.custom);
    for (const reference of object.use) {
      const template = templates.get(key(object.type, reference.value));
      if (!template) {
        const names = objects.filter((o) => o.type === object.type && o.templateName !== undefined).map((o) => o.templateName!);
        diagnostics.error(reference.at, `unknown ${object.type} template '${reference.value}' in use`, suggestion(reference.value, names) ?? `define a ${object.type} with 'name ${reference.value}', or correct the name`);
        continue;
      }
      if (visiting.includes(template)) {
        const cycle = [...visiting.slice(visiting.indexOf(template)), template].map((o) => o.templateName ?? '?');
        const id = [...cycle].sort().join(',');
        if (!reportedCycles.has(id)) {
          reportedCycles.add(id);
          diagnostics.error(reference.at, `inheritance cycle: ${cycle.join(' -> ')}`, 'a template cannot use itself, directly or through others; remove one of these use entries');
        }
        continue;
      }
      const parent = resolve(template);
      for (const [name, inherited] of parent.values) {
        const local = values.get(name);
        if (!local) values.set(name, inherited);
        else if (local.value !== null && local.value.startsWith('+') && inherited.value !== null && isStringDirective(name)) {
          values.set(name, { value: `${inherited.value},${local.value.slice(1)}`, at: local.at });
        }
      }
      for (const [name, inherited] of parent.custom) if (!custom.has(name)) custom.set(name, inherited);
    }
    visiting.pop();
    const result = { object, values, custom };
    resolved.set(object, result);
    return result;
  };
  for (const object of objects) resolve(object);
  return resolved;
}

/** A directive's final value: `null` and absence are undefined; a leftover `+` is dropped. */
export function valueOf(resolved: Resolved, name: string): string | undefined {
  const value = resolved.values.get(name)?.value;
  if (value === null || value === undefined) return undefined;
  return value.startsWith('+') && isStringDirective(name) ? value.slice(1) : value;
}

/** Where a directive's final value was written, or the object itself. */
export function placeOf(resolved: Resolved, name: string): SourcePosition {
  return resolved.values.get(name)?.at ?? resolved.object.at;
}

/** A comma-separated directive as a list (`a, b,c` -> [a, b, c]). */
export function listOf(resolved: Resolved, name: string): string[] {
  return splitNames(valueOf(resolved, name));
}

export function splitNames(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/** Reports registered objects that lack a directive they cannot do without. */
export function checkRequired(resolved: Resolved, diagnostics: Diagnostics): boolean {
  const spec = TYPE_SPECS[resolved.object.type];
  let ok = true;
  for (const requirement of spec.required) {
    const options = typeof requirement === 'string' ? [requirement] : requirement;
    if (options.some((name) => valueOf(resolved, name) !== undefined)) continue;
    ok = false;
    const what = options.length === 1 ? `'${options[0]}'` : options.map((o) => `'${o}'`).join(' or ');
    const label = describe(resolved);
    diagnostics.error(resolved.object.at, `${label} has no ${what}`, resolved.object.use.length > 0 ? `set it here or in a template it uses (${resolved.object.use.map((u) => u.value).join(', ')})` : `set ${options[0]} here or in a template (use ...)`);
  }
  return ok;
}

/** "host 'web-1'", "service 'HTTP' (hosts web-1)", "command 'check_ping'" for messages. */
export function describe(resolved: Resolved): string {
  const { type } = resolved.object;
  const nameDirective = TYPE_SPECS[type].nameDirective;
  if (nameDirective) {
    const name = valueOf(resolved, nameDirective) ?? resolved.object.templateName;
    return name === undefined ? `${type} definition` : `${type} '${name}'`;
  }
  if (type === 'service') {
    const description = valueOf(resolved, 'service_description');
    return description === undefined ? 'service definition' : `service '${description}'`;
  }
  return `${type} definition`;
}
