import { type Diagnostics, type SourcePosition, suggestion } from './diagnostics.ts';
import { ConditionError, parseCondition } from './condition.ts';
import { ExpressionError, hasExpression, parseTemplate } from './expression.ts';
import { ELEMENTS, NESTED_KINDS, OBJECT_KINDS, type ObjectKind } from './schema.ts';
import type { XmlElement } from './xml-document.ts';
import { parseDurationMs, type DurationUnit } from '../duration.ts';
import { parseStatus } from '../status.ts';
import { parseTimeRange, validateTimeZone } from '../time-period.ts';

/**
 * Definitions are objects as written, before inheritance: a template or a concrete object with
 * its `extends` list and an inheritable body. Reading checks everything that can be checked in
 * one element on its own (schema, durations, numbers, expressions); references between objects
 * are checked later, when all files are read.
 */
export interface Located<T = string> {
  value: T;
  at: SourcePosition;
}

export interface ParameterDefinition {
  name: string;
  value: string;
  at: SourcePosition;
}

/** The inheritable part of a definition; merging two bodies is how `extends` works. */
export interface Body {
  /** Plain attributes that inherit by overriding (location, address, engine, executor...). */
  attributes: Map<string, Located>;
  /** `groups` / `teams` entries as written, in order; `-name` removes an inherited one. */
  memberships: Located[];
  parameters: Map<string, ParameterDefinition>;
  /** Child elements inherited whole: the nearest definition wins (summary, check-command...). */
  elements: Map<string, XmlElement>;
  /** Attribute-wise inherited children: `<schedule>` and `<state>`. */
  schedule: Map<string, Located>;
  state: Map<string, Located>;
  /** Repeated children inherited as a list (time ranges, access controls). */
  lists: Map<string, XmlElement[]>;
  /** Nested definitions (a host's services and traps, a cluster's resources), keyed `kind:name`. */
  nested: Map<string, Definition>;
}

export interface Definition {
  kind: ObjectKind;
  name: string;
  site: string;
  template: boolean;
  extends: Located[];
  body: Body;
  at: SourcePosition;
  /** For nested definitions: the host or cluster it was written in. */
  container?: Definition;
}

export interface SiteParameter extends ParameterDefinition {
  site: string;
}

export interface ReadResult {
  /** The site the file names (`<bergamot site="...">`); undefined when its root is not `<bergamot>`. */
  site: string | undefined;
  definitions: Definition[];
  siteParameters: SiteParameter[];
}

/** Attributes that are about the definition itself and are never inherited. */
const OWN_ATTRIBUTES = new Set(['name', 'template', 'extends']);
/** Attributes that list memberships and merge by adding and removing. */
const MEMBERSHIP_ATTRIBUTES = new Set(['groups', 'teams']);
const LIST_ELEMENTS = new Set(['time-range', 'access-control']);
/** Bergamot writes `every="5"` meaning minutes; `retry-every="150s"` carries its own unit. */
const SCHEDULE_DEFAULT_UNIT: DurationUnit = 'm';

/** Reads the definitions of one parsed file. */
export function readDefinitions(root: XmlElement, diagnostics: Diagnostics): ReadResult {
  if (root.name !== 'bergamot') {
    diagnostics.error(root.at, `the root element must be <bergamot site="...">, found <${root.name}>`);
    return { site: undefined, definitions: [], siteParameters: [] };
  }
  checkElement(root, diagnostics);
  const site = root.attributes.get('site')?.value ?? '';
  const result: ReadResult = { site, definitions: [], siteParameters: [] };
  for (const child of root.children) {
    if (child.name === 'parameter') {
      const parameter = readParameter(child, diagnostics);
      if (parameter) result.siteParameters.push({ ...parameter, site });
    } else if ((OBJECT_KINDS as readonly string[]).includes(child.name)) {
      const definition = readDefinition(child, site, diagnostics, undefined);
      if (definition) result.definitions.push(definition);
    }
  }
  return result;
}

function readDefinition(element: XmlElement, site: string, diagnostics: Diagnostics, container: Definition | undefined): Definition | undefined {
  const name = element.attributes.get('name')?.value.trim();
  if (!name) return undefined; // reported by checkElement as a missing required attribute
  const template = readYesNo(element, 'template', diagnostics) ?? false;
  const definition: Definition = {
    kind: element.name as ObjectKind,
    name,
    site,
    template,
    extends: splitList(element.attributes.get('extends')),
    body: emptyBody(),
    at: element.at,
    ...(container ? { container } : {}),
  };
  readBody(definition, element, diagnostics);
  return definition;
}

export function isInTemplate(definition: Definition): boolean {
  return definition.template || (definition.container !== undefined && isInTemplate(definition.container));
}

export function emptyBody(): Body {
  return {
    attributes: new Map(),
    memberships: [],
    parameters: new Map(),
    elements: new Map(),
    schedule: new Map(),
    state: new Map(),
    lists: new Map(),
    nested: new Map(),
  };
}

function readBody(definition: Definition, element: XmlElement, diagnostics: Diagnostics): void {
  const { body } = definition;
  const spec = ELEMENTS[element.name]!;
  for (const [attribute, located] of element.attributes) {
    const meant = spec.aliases?.[attribute] ?? attribute;
    const known = spec.attributes.includes(meant);
    if (OWN_ATTRIBUTES.has(meant) || !known) continue; // unknown ones are reported by checkElement
    if (MEMBERSHIP_ATTRIBUTES.has(meant)) body.memberships.push(...splitList(located));
    else body.attributes.set(meant, located);
  }
  const timeZone = body.attributes.get('time-zone');
  if (timeZone) {
    const zone = validateTimeZone(timeZone.value);
    if (!zone.ok) diagnostics.error(timeZone.at, zone.error.message);
  }
  const nestedKinds = NESTED_KINDS[definition.kind] ?? [];
  for (const child of element.children) {
    if (!spec.children?.includes(child.name)) continue; // reported by checkElement
    if ((nestedKinds as readonly string[]).includes(child.name)) {
      const nested = readDefinition(child, definition.site, diagnostics, definition);
      if (!nested) continue;
      const key = `${nested.kind}:${nested.name}`;
      if (body.nested.has(key)) {
        diagnostics.error(child.at, `${nested.kind} '${nested.name}' is defined twice in ${definition.kind} '${definition.name}'`, `the first is at line ${body.nested.get(key)!.at.line}; rename or remove one`);
      }
      body.nested.set(key, nested);
    } else if (child.name === 'parameter') {
      const parameter = readParameter(child, diagnostics);
      if (parameter) body.parameters.set(parameter.name, parameter);
    } else if (child.name === 'schedule') {
      readSchedule(child, body.schedule, diagnostics);
    } else if (child.name === 'state') {
      readStatePolicy(child, body.state, diagnostics);
    } else if (LIST_ELEMENTS.has(child.name)) {
      if (child.name === 'time-range') checkTimeRange(child, diagnostics);
      const list = body.lists.get(child.name) ?? [];
      list.push(child);
      body.lists.set(child.name, list);
    } else {
      checkChildValues(child, diagnostics);
      body.elements.set(child.name, child);
    }
  }
}

/** Engines Vigil sends on, and Bergamot's `web` (the dashboard itself: nothing to send). */
const NOTIFICATION_ENGINES = ['email', 'webhook', 'slack', 'sms', 'web'];

function checkNotificationEngine(engine: XmlElement, diagnostics: Diagnostics): void {
  const name = engine.attributes.get('engine');
  if (!name) return;
  // A webhook or Slack engine without a `url` is allowed (Bergamot's templates list engines
  // that sites then configure); it is just not a channel that contact is reached on.
  if (!NOTIFICATION_ENGINES.includes(name.value.toLowerCase())) {
    diagnostics.error(name.at, `unknown notification engine '${name.value}'`, `use one of ${NOTIFICATION_ENGINES.join(', ')}`);
  }
}

function checkTimeRange(element: XmlElement, diagnostics: Diagnostics): void {
  const parsed = parseTimeRange(element.text);
  if (!parsed.ok) {
    diagnostics.error(offsetPosition(element.textAt, element.text, parsed.error.column - 1), `bad time range '${element.text}': ${parsed.error.message}`);
  }
}

function readParameter(element: XmlElement, diagnostics: Diagnostics): ParameterDefinition | undefined {
  const name = element.attributes.get('name')?.value.trim();
  if (!name) return undefined;
  checkTemplateText(element.text, element.textAt, diagnostics);
  return { name, value: element.text, at: element.textAt };
}

/** Parses `#{...}` expressions in a value, reporting a bad one at its exact place. */
export function checkTemplateText(text: string, at: SourcePosition, diagnostics: Diagnostics): void {
  if (!hasExpression(text)) return;
  try {
    parseTemplate(text);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    diagnostics.error(offsetPosition(at, text, error.offset), `bad expression: ${error.message}`, 'expressions look like #{host.address} or #{coalesce(host.address, host.name)}');
  }
}

/** The position of `offset` within `text`, which starts at `at`. */
export function offsetPosition(at: SourcePosition, text: string, offset: number): SourcePosition {
  let { line, column } = at;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { file: at.file, line, column };
}

function readSchedule(element: XmlElement, into: Map<string, Located>, diagnostics: Diagnostics): void {
  for (const attribute of ['every', 'changing-every', 'retry-every'] as const) {
    const located = element.attributes.get(attribute);
    if (!located) continue;
    const ms = parseDurationMs(located.value, SCHEDULE_DEFAULT_UNIT);
    if (ms === undefined || ms < 1000) {
      diagnostics.error(located.at, `bad duration '${located.value}' for ${attribute}`, 'write a number of minutes (5) or a number with a unit: 30s, 5m, 1h; at least 1s');
      continue;
    }
    into.set(attribute, located);
  }
  const period = element.attributes.get('time-period');
  if (period) into.set('time-period', period);
}

function readStatePolicy(element: XmlElement, into: Map<string, Located>, diagnostics: Diagnostics): void {
  for (const attribute of ['failed-after', 'recovers-after'] as const) {
    const located = element.attributes.get(attribute);
    if (!located) continue;
    if (!/^\s*[1-9][0-9]{0,3}\s*$/.test(located.value)) {
      diagnostics.error(located.at, `${attribute} must be a whole number of results from 1 to 9999, not '${located.value}'`);
      continue;
    }
    into.set(attribute, located);
  }
}

/** Value checks for children inherited whole (durations in escalations, statuses...). */
function checkChildValues(element: XmlElement, diagnostics: Diagnostics): void {
  switch (element.name) {
    case 'check-command':
      for (const parameter of element.children) if (parameter.name === 'parameter') readParameter(parameter, diagnostics);
      break;
    case 'notifications': {
      const renotify = element.attributes.get('renotify-every');
      if (renotify && parseDurationMs(renotify.value, 'm') === undefined) {
        diagnostics.error(renotify.at, `bad duration '${renotify.value}' for renotify-every`, 'write a duration such as 30m or 2h');
      }
      for (const escalate of element.children.filter((c) => c.name === 'escalate')) {
        const after = escalate.attributes.get('after');
        if (after && parseDurationMs(after.value, 'm') === undefined) {
          diagnostics.error(after.at, `bad duration '${after.value}' for after`, 'write a duration such as 30m, 1h or 6h');
        }
      }
      for (const part of [element, ...element.children]) {
        for (const status of splitList(part.attributes.get('ignore'))) {
          if (!parseStatus(status.value)) diagnostics.error(status.at, `unknown status '${status.value}' in ignore`, 'use pending, info, ok, warning, critical, unknown, timeout, error, disconnected, action');
        }
      }
      for (const engine of element.children.filter((c) => c.name === 'notification-engine')) checkNotificationEngine(engine, diagnostics);
      break;
    }
    case 'freshness':
      for (const name of ['every', 'grace']) {
        const value = element.attributes.get(name);
        const ms = value && parseDurationMs(value.value, 'm');
        if (value && (ms === undefined || ms <= 0)) {
          diagnostics.error(value.at, `bad duration '${value.value}' for ${name}`, 'write a duration such as 90s, 5m or 1d');
        }
      }
      break;
    case 'initially': {
      const status = element.attributes.get('status');
      if (status && !parseStatus(status.value)) {
        diagnostics.error(status.at, `unknown status '${status.value}'`, 'use one of pending, info, ok, warning, critical, unknown, timeout, error, disconnected, action');
      }
      break;
    }
    case 'condition':
      try {
        parseCondition(element.text);
      } catch (error) {
        if (!(error instanceof ConditionError)) throw error;
        diagnostics.error(offsetPosition(element.textAt, element.text, error.offset), `bad condition: ${error.message}`);
      }
      break;
    case 'run-from': {
      const quorum = element.attributes.get('quorum');
      if (quorum && !/^\s*[1-9][0-9]*\s*$/.test(quorum.value)) {
        diagnostics.error(quorum.at, `quorum must be a whole number of locations (1 or more), not '${quorum.value}'`);
      }
      break;
    }
  }
}

function readYesNo(element: XmlElement, attribute: string, diagnostics: Diagnostics): boolean | undefined {
  const located = element.attributes.get(attribute);
  if (!located) return undefined;
  const value = parseYesNo(located.value);
  if (value === undefined) diagnostics.error(located.at, `${attribute} must be yes or no, not '${located.value}'`);
  return value;
}

export function parseYesNo(value: string): boolean | undefined {
  const lower = value.trim().toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false') return false;
  return undefined;
}

/** Splits `a, b,c` into located entries (positions are the attribute's). */
export function splitList(located: Located | undefined): Located[] {
  if (!located) return [];
  return located.value
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
    .map((value) => ({ value, at: located.at }));
}

/**
 * Checks one element and everything below it against the schema: unknown elements and
 * attributes (with a suggestion), missing required attributes, accepted misspellings.
 */
function checkElement(element: XmlElement, diagnostics: Diagnostics): void {
  const spec = ELEMENTS[element.name];
  if (!spec) return;
  for (const [attribute, located] of element.attributes) {
    if (spec.attributes.includes(attribute)) continue;
    const meant = spec.aliases?.[attribute];
    if (meant) {
      diagnostics.warning(located.at, `attribute '${attribute}' on <${element.name}> is read as '${meant}'`, `write ${meant}="..."; Bergamot ignores '${attribute}'`);
      continue;
    }
    const hint = suggestion(attribute, spec.attributes);
    diagnostics.error(located.at, `unknown attribute '${attribute}' on <${element.name}>`, hint ?? `allowed: ${spec.attributes.join(', ') || 'none'}`);
  }
  for (const required of spec.required ?? []) {
    const located = element.attributes.get(required);
    if (!located || located.value.trim() === '') {
      diagnostics.error(element.at, `<${element.name}> needs a ${required} attribute`);
    }
  }
  for (const child of element.children) {
    if (!spec.children?.includes(child.name)) {
      const allowed = spec.children ?? [];
      const hint = suggestion(child.name, allowed);
      diagnostics.error(child.at, `unknown element <${child.name}> in <${element.name}>`, hint ?? (allowed.length ? `allowed: ${allowed.join(', ')}` : `<${element.name}> has no child elements`));
      continue;
    }
    checkElement(child, diagnostics);
  }
}
