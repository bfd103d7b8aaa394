/**
 * The inheritable settings of a Vigil object as a flat map, and Vigil's inheritance over it, so
 * that the converter can write on each object only what its templates do not already give it.
 *
 * Keys: `a:<attribute>`, `t:<child element with text>`, `s:<schedule attribute>`,
 * `st:<state attribute>`, `p:<parameter name>`, `x:<child element>` (value: the element as JSON).
 * Each key inherits the way Vigil inherits it: the nearest definition wins, `<schedule>` and
 * `<state>` attribute by attribute, parameters by name, other elements whole.
 */
import type { XmlChild, XmlNode } from './xml.ts';

export type Settings = Map<string, string>;

/** What Vigil assumes when nothing in the chain says otherwise. */
export const VIGIL_DEFAULTS: Readonly<Record<string, string>> = { 'a:enabled': 'yes', 'st:failed-after': '1' };

export interface VigilObject {
  kind: 'host' | 'service' | 'contact';
  name: string;
  template: boolean;
  /** Parents in Vigil order: later ones win. */
  extends: string[];
  settings: Settings;
  nested: VigilObject[];
  comment?: string;
}

/** Vigil inheritance over settings: effective settings of a top-level object or a nested one. */
export class Chains {
  private readonly byName = new Map<string, VigilObject>();
  private readonly memo = new Map<VigilObject, Settings>();

  add(object: VigilObject): void {
    this.byName.set(`${object.kind}:${object.name}`, object);
  }

  get(kind: VigilObject['kind'], name: string): VigilObject | undefined {
    return this.byName.get(`${kind}:${name}`);
  }

  /** Settings merged over the parents, left to right. */
  inherited(kind: VigilObject['kind'], parents: readonly string[]): Settings {
    const merged: Settings = new Map();
    for (const name of parents) {
      const parent = this.get(kind, name);
      if (parent) for (const [k, v] of this.effective(parent)) merged.set(k, v);
    }
    return merged;
  }

  effective(object: VigilObject): Settings {
    const cached = this.memo.get(object);
    if (cached) return cached;
    const merged = this.inherited(object.kind, object.extends);
    for (const [k, v] of object.settings) merged.set(k, v);
    this.memo.set(object, merged);
    return merged;
  }
}

/**
 * What to write on an object so that, over `inherited`, it ends up with `desired`; undefined
 * when that is impossible (an inherited value the object must not have, which Vigil cannot
 * cancel). Concrete objects take Vigil's defaults for keys they do not set.
 */
export function difference(desired: Settings, inherited: Settings, concrete: boolean): Settings | undefined {
  const full = new Map(desired);
  if (concrete) for (const [k, v] of Object.entries(VIGIL_DEFAULTS)) if (!full.has(k)) full.set(k, v);
  const own: Settings = new Map();
  for (const [k, v] of full) if ((inherited.get(k) ?? VIGIL_DEFAULTS[k]) !== v) own.set(k, v);
  for (const [k, v] of inherited) if (!full.has(k) && v !== VIGIL_DEFAULTS[k]) return undefined;
  return own;
}

/**
 * The parents an object can keep, and what it writes over them: parents that bring a value the
 * object must not have (Nagios's `null`, which Vigil cannot express) are left out, the others kept.
 */
export function fit(chains: Chains, kind: VigilObject['kind'], desired: Settings, parents: readonly string[], concrete: boolean): { parents: string[]; own: Settings } {
  let current = parents.filter((p) => chains.get(kind, p) !== undefined);
  for (;;) {
    const inherited = chains.inherited(kind, current);
    const own = difference(desired, inherited, concrete);
    if (own) return { parents: current, own };
    const full = new Map(desired);
    if (concrete) for (const [k, v] of Object.entries(VIGIL_DEFAULTS)) if (!full.has(k)) full.set(k, v);
    const conflicts = [...inherited].filter(([k, v]) => !full.has(k) && v !== VIGIL_DEFAULTS[k]).map(([k]) => k);
    current = current.filter((p) => !conflicts.some((k) => chains.effective(chains.get(kind, p)!).has(k)));
  }
}

export function sameSettings(desired: Settings, effective: Settings): boolean {
  const own = difference(desired, effective, true);
  return own !== undefined && own.size === 0;
}

const keys = new WeakMap<Settings, string>();

/** A canonical string for a settings map, to group objects that would be written the same. */
export function settingsKey(settings: Settings): string {
  let key = keys.get(settings);
  if (key === undefined) keys.set(settings, (key = JSON.stringify([...settings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
  return key;
}

const ATTRIBUTE_ORDER = ['address', 'groups', 'teams', 'enabled'];
const TEXT_ORDER = ['summary', 'description', 'full-name', 'email', 'pager'];
const ELEMENT_ORDER = ['check-command', 'notify', 'notifications'];

/** The element for an object, settings rendered in a stable, readable order. */
export function renderObject(object: VigilObject): XmlChild[] {
  const { settings } = object;
  const attributes: [string, string][] = [['name', object.name]];
  if (object.template) attributes.push(['template', 'yes']);
  if (object.extends.length > 0) attributes.push(['extends', object.extends.join(', ')]);
  const byPrefix = (prefix: string) => [...settings].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v] as [string, string]);
  const ordered = (entries: [string, string][], order: string[]) =>
    entries.sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : a > b ? 1 : 0));
  attributes.push(...ordered(byPrefix('a:'), ATTRIBUTE_ORDER));
  const children: XmlChild[] = [];
  for (const [name, text] of ordered(byPrefix('t:'), TEXT_ORDER)) children.push({ name, text });
  for (const [name, value] of byPrefix('p:')) children.push({ name: 'parameter', attributes: [['name', name]], text: value });
  const elements = ordered(byPrefix('x:'), ELEMENT_ORDER);
  const checkCommand = elements.find(([n]) => n === 'check-command');
  if (checkCommand) children.push(JSON.parse(checkCommand[1]) as XmlNode);
  const schedule = ordered(byPrefix('s:'), ['every', 'changing-every', 'retry-every', 'time-period']);
  if (schedule.length > 0) children.push({ name: 'schedule', attributes: schedule });
  const state = byPrefix('st:');
  if (state.length > 0) children.push({ name: 'state', attributes: state });
  for (const [name, value] of elements) if (name !== 'check-command') children.push(JSON.parse(value) as XmlNode);
  for (const nested of object.nested) children.push(...renderObject(nested));
  const node: XmlNode = { name: object.kind, attributes, children };
  return object.comment ? [{ comment: object.comment }, node] : [node];
}
