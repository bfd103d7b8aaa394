import {
  type ExpressionObject,
  type ExpressionScope,
  type ExpressionValue,
  type Template,
  hasExpression,
  parseTemplate,
  renderTemplate,
  toText,
} from './expression.ts';
import type { CheckModel, CommandModel, CredentialModel, HostModel, LocationModel, SiteModel } from './model.ts';

/**
 * Check-time parameter resolution. A parameter may be defined on the command (its default), the
 * site, the location (and its parents), the host, the check itself and the check's
 * `<check-command>` arguments; the most specific definition wins, in that order from least to
 * most specific. Values are templates evaluated against the check's world, and a `#{name}` that
 * is not an object (`host`, `site`...) is looked up as a parameter along the same chain.
 */
export interface CheckContext {
  site: SiteModel;
  check: CheckModel;
  /** The host a service or trap is on (the check itself for a host check). */
  host?: HostModel;
  /** Where the check runs from; defaults to the host's location. */
  location?: string;
}

export interface ResolvedParameters {
  values: Record<string, string>;
  /** Names of parameters whose value came from a secret (a credential's password). */
  secretNames: string[];
}

/** Parameter names that are secret whatever their value's origin. */
const SECRET_NAME = /pass(word)?|secret|token|community|private[-_]?key/i;
/** Deep enough for any real chain of parameters that refer to parameters; stops cycles. */
const MAX_REFERENCE_DEPTH = 16;

/**
 * Parsed templates by text, shared by every resolution: a site's 50,000 checks use a few hundred
 * distinct parameter texts, and parsing each once instead of once per check is most of what
 * resolving them costs. Bounded, as texts come from whatever configuration a process reads.
 */
const parsedTemplates = new Map<string, Template | null>();
const MAX_PARSED_TEMPLATES = 10_000;

function parsedTemplate(raw: string): Template | null {
  let template = parsedTemplates.get(raw);
  if (template === undefined) {
    try {
      template = parseTemplate(raw);
    } catch {
      template = null; // validation reported it; at check time a bad expression renders empty
    }
    if (parsedTemplates.size >= MAX_PARSED_TEMPLATES) parsedTemplates.clear();
    parsedTemplates.set(raw, template);
  }
  return template;
}

export function resolveCheckParameters(context: CheckContext): ResolvedParameters {
  return new ParameterResolver(context).resolveAll();
}

/**
 * What resolving a check's parameters reads, split by owner: the site's part (as text, `at` left
 * out: where an object is written is not what it means), the host's and the check's (as values
 * to serialise with others). Equal inputs, equal resolution; so an apply resolves again only the
 * checks whose inputs changed, and a caller resolving many checks serialises the site once.
 * Whatever the resolver comes to read must be added here, or an apply would keep stale
 * parameters: test/store/site-config.test.ts changes each input and looks at the stored runs.
 */
export function siteResolutionInputs(site: SiteModel): string {
  return JSON.stringify([site.name, site.parameters, site.locations, site.credentials, site.commands], withoutPositions);
}

export function hostResolutionInputs(host: HostModel): unknown[] {
  return [host.name, host.address ?? null, host.summary ?? null, host.location ?? null, host.parameters];
}

export function checkResolutionInputs(check: CheckModel): unknown[] {
  return [check.name, check.summary ?? null, check.parameters, check.command ?? null];
}

function withoutPositions(key: string, value: unknown): unknown {
  return key === 'at' ? undefined : value;
}

/** Resolves one check's parameters; it is also the scope its templates are evaluated in. */
class ParameterResolver implements ExpressionScope {
  private readonly command: CommandModel | undefined;
  private readonly locations: LocationModel[];
  /** Most specific first. */
  private readonly layers: Record<string, string>[];
  private readonly cache = new Map<string, { value: string; secret: boolean }>();
  private depth = 0;
  private secretTouched = false;

  constructor(private readonly context: CheckContext) {
    const { site, check, host } = context;
    this.command = check.command ? site.commands.find((c) => c.name === check.command!.name) : undefined;
    this.locations = locationChain(site, context.location ?? host?.location);
    this.layers = [
      check.command?.arguments ?? {},
      check.parameters,
      ...(host && host !== check ? [host.parameters] : []),
      ...this.locations.map((l) => l.parameters),
      site.parameters,
      this.command?.parameters ?? {},
    ];
  }

  resolveAll(): ResolvedParameters {
    // What the command declares, and whatever the check itself sets (a script may read any of
    // them); parameters of hosts, locations and the site only feed expressions.
    const names = new Set([
      ...Object.keys(this.command?.parameters ?? {}),
      ...Object.keys(this.context.check.parameters),
      ...Object.keys(this.context.check.command?.arguments ?? {}),
    ]);
    const values: Record<string, string> = {};
    const secretNames: string[] = [];
    for (const name of names) {
      const resolved = this.parameter(name);
      if (!resolved) continue;
      values[name] = resolved.value;
      if (resolved.secret || SECRET_NAME.test(name)) secretNames.push(name);
    }
    return { values, secretNames };
  }

  /**
   * The most specific definition of a parameter at or below layer `fromLayer`, evaluated. A
   * definition that refers to its own name (`<parameter name="community">#{community}</parameter>`
   * on a service) means the less specific definition: the location's, the site's.
   */
  private parameter(name: string, fromLayer = 0): { value: string; secret: boolean } | undefined {
    const cached = fromLayer === 0 ? this.cache.get(name) : undefined;
    if (cached) return cached;
    const layer = this.layers.findIndex((candidate, index) => index >= fromLayer && Object.hasOwn(candidate, name));
    if (layer < 0) return undefined;
    const raw = this.layers[layer]![name]!;
    if (this.depth >= MAX_REFERENCE_DEPTH) return { value: '', secret: false };
    const outerSecret = this.secretTouched;
    this.secretTouched = false;
    this.depth++;
    const outerLayer = this.evaluating.get(name);
    this.evaluating.set(name, layer);
    const value = this.render(raw);
    if (outerLayer === undefined) this.evaluating.delete(name);
    else this.evaluating.set(name, outerLayer);
    this.depth--;
    const resolved = { value, secret: this.secretTouched };
    this.secretTouched = outerSecret || this.secretTouched;
    if (fromLayer === 0) this.cache.set(name, resolved);
    return resolved;
  }

  /** Parameters being evaluated, and the layer their definition came from. */
  private readonly evaluating = new Map<string, number>();

  private render(raw: string): string {
    if (!hasExpression(raw)) return raw;
    const template = parsedTemplate(raw);
    return template ? renderTemplate(template, this) : '';
  }

  onSecret(): void {
    this.secretTouched = true;
  }

  name(name: string): ExpressionValue | undefined {
    const { site, check, host } = this.context;
    switch (name) {
      case 'host':
        return host ? new HostObject(host, site, this.locationsOf(host)) : null;
      case 'site':
      case 'global':
        return new SiteObject(site);
      case 'location':
        return this.locations[0] ? new LocationObject(this.locations) : null;
      case 'check':
      case 'service':
      case 'trap':
      case 'resource':
      case 'cluster':
        return new CheckObject(check);
      default: {
        const inside = this.evaluating.get(name);
        const resolved = this.parameter(name, inside === undefined ? 0 : inside + 1);
        if (resolved?.secret) this.secretTouched = true;
        return resolved?.value;
      }
    }
  }

  private locationsOf(host: HostModel): LocationModel[] {
    return host.location === (this.context.location ?? host.location) ? this.locations : locationChain(this.context.site, host.location);
  }

  credentials(name: string): ExpressionValue {
    const { credentials } = this.context.site;
    const credential = credentials.find((c) => c.name === name) ?? credentials.find((c) => c.name === `default_${name}`);
    return credential ? new CredentialObject(credential, this) : null;
  }
}

/** A location and its parents, nearest first. */
export function locationChain(site: SiteModel, name: string | undefined): LocationModel[] {
  const chain: LocationModel[] = [];
  let current = name ? site.locations.find((l) => l.name === name) : undefined;
  while (current && !chain.includes(current)) {
    chain.push(current);
    const parent: string | undefined = current.parent;
    current = parent ? site.locations.find((l) => l.name === parent) : undefined;
  }
  return chain;
}

/**
 * The objects templates see (`host`, `site`, `location`, the check, a credential). Classes, not
 * closures: a large site evaluates them hundreds of thousands of times on every apply.
 */
abstract class ScopeObject implements ExpressionObject {
  readonly isExpressionObject = true as const;
  abstract get(property: string): ExpressionValue;
  /** Parameters `getParameter('x')` looks in, most specific first. */
  protected abstract parameterLayers(): Record<string, string>[];
  protected abstract text(): string;

  call(method: string, args: ExpressionValue[]): ExpressionValue {
    if (method !== 'getParameter') return null;
    return parameterIn(this.parameterLayers(), toText(args[0] ?? null));
  }

  toString(): string {
    return this.text();
  }
}

function parameterIn(layers: Record<string, string>[], name: string): ExpressionValue {
  const layer = layers.find((l) => Object.hasOwn(l, name));
  return layer ? (layer[name] ?? null) : null;
}

class HostObject extends ScopeObject {
  constructor(private readonly host: HostModel, private readonly site: SiteModel, private readonly locations: LocationModel[]) {
    super();
  }

  get(property: string): ExpressionValue {
    const { host } = this;
    switch (property) {
      case 'name':
      case 'id':
        return host.name;
      case 'address':
        return host.address ?? null;
      case 'summary':
        return host.summary ?? null;
      case 'location':
        return this.locations[0] ? new LocationObject(this.locations) : null;
      case 'site':
        return new SiteObject(this.site);
      default:
        return host.parameters[property] ?? null;
    }
  }

  protected parameterLayers() {
    return [this.host.parameters];
  }

  protected text() {
    return this.host.name;
  }
}

class LocationObject extends ScopeObject {
  /** `chain`: the location and its parents, nearest first; never empty. */
  constructor(private readonly chain: LocationModel[]) {
    super();
  }

  get(property: string): ExpressionValue {
    const nearest = this.chain[0]!;
    if (property === 'name') return nearest.name;
    if (property === 'region') return nearest.region ?? null;
    return parameterIn(this.parameterLayers(), property);
  }

  protected parameterLayers() {
    return this.chain.map((l) => l.parameters);
  }

  protected text() {
    return this.chain[0]!.name;
  }
}

class SiteObject extends ScopeObject {
  constructor(private readonly site: SiteModel) {
    super();
  }

  get(property: string): ExpressionValue {
    return property === 'name' ? this.site.name : (this.site.parameters[property] ?? null);
  }

  protected parameterLayers() {
    return [this.site.parameters];
  }

  protected text() {
    return this.site.name;
  }
}

class CheckObject extends ScopeObject {
  constructor(private readonly check: CheckModel) {
    super();
  }

  get(property: string): ExpressionValue {
    const { check } = this;
    return property === 'name' ? check.name : property === 'summary' ? (check.summary ?? null) : (check.parameters[property] ?? null);
  }

  protected parameterLayers() {
    return [this.check.parameters];
  }

  protected text() {
    return this.check.name;
  }
}

/** A credential: reading its password or key secret marks the value being built as secret. */
class CredentialObject extends ScopeObject {
  constructor(private readonly credential: CredentialModel, private readonly scope: ExpressionScope) {
    super();
  }

  get(property: string): ExpressionValue {
    const { credential } = this;
    switch (property) {
      case 'username':
        return credential.username ?? null;
      case 'password':
        this.scope.onSecret?.();
        return credential.password ?? null;
      case 'keyId':
        return credential.keyId ?? null;
      case 'keySecret':
        this.scope.onSecret?.();
        return credential.keySecret ?? null;
      default:
        return null;
    }
  }

  protected parameterLayers() {
    return [];
  }

  protected text() {
    return '';
  }
}
