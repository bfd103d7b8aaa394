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

export function resolveCheckParameters(context: CheckContext): ResolvedParameters {
  return new ParameterResolver(context).resolveAll();
}

class ParameterResolver {
  private readonly command: CommandModel | undefined;
  private readonly locations: LocationModel[];
  /** Most specific first. */
  private readonly layers: Record<string, string>[];
  private readonly cache = new Map<string, { value: string; secret: boolean }>();
  private readonly templates = new Map<string, Template | null>();
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
    let template = this.templates.get(raw);
    if (template === undefined) {
      try {
        template = parseTemplate(raw);
      } catch {
        template = null; // validation reported it; at check time a bad expression renders empty
      }
      this.templates.set(raw, template);
    }
    return template ? renderTemplate(template, this.scope) : '';
  }

  private readonly scope: ExpressionScope = {
    name: (name) => this.name(name),
    credentials: (name) => this.credentials(name),
    onSecret: () => {
      this.secretTouched = true;
    },
  };

  private name(name: string): ExpressionValue | undefined {
    const { site, check, host } = this.context;
    switch (name) {
      case 'host':
        return host ? hostObject(host, site, this.locationsOf(host)) : null;
      case 'site':
      case 'global':
        return siteObject(site);
      case 'location':
        return this.locations[0] ? locationObject(this.locations) : null;
      case 'check':
      case 'service':
      case 'trap':
      case 'resource':
      case 'cluster':
        return checkObject(check);
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

  private credentials(name: string): ExpressionValue {
    const { credentials } = this.context.site;
    const credential = credentials.find((c) => c.name === name) ?? credentials.find((c) => c.name === `default_${name}`);
    return credential ? credentialObject(credential, () => (this.secretTouched = true)) : null;
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

function object(properties: (name: string) => ExpressionValue, methods: Record<string, (args: ExpressionValue[]) => ExpressionValue> = {}, text = ''): ExpressionObject {
  return {
    isExpressionObject: true,
    get: (property) => properties(property),
    call: (method, args) => methods[method]?.(args) ?? null,
    toString: () => text,
  } as ExpressionObject;
}

function parameterGetter(...layers: Record<string, string>[]) {
  return (args: ExpressionValue[]): ExpressionValue => {
    const name = toText(args[0] ?? null);
    const layer = layers.find((l) => Object.hasOwn(l, name));
    return layer ? (layer[name] ?? null) : null;
  };
}

function hostObject(host: HostModel, site: SiteModel, locations: LocationModel[]): ExpressionObject {
  return object(
    (property) => {
      switch (property) {
        case 'name':
          return host.name;
        case 'address':
          return host.address ?? null;
        case 'id':
          return host.name;
        case 'summary':
          return host.summary ?? null;
        case 'location':
          return locations[0] ? locationObject(locations) : null;
        case 'site':
          return siteObject(site);
        default:
          return host.parameters[property] ?? null;
      }
    },
    { getParameter: parameterGetter(host.parameters) },
    host.name,
  );
}

function locationObject(chain: LocationModel[]): ExpressionObject {
  const [nearest] = chain;
  return object(
    (property) => (property === 'name' ? nearest!.name : property === 'region' ? (nearest!.region ?? null) : (parameterGetter(...chain.map((l) => l.parameters))([property]))),
    { getParameter: parameterGetter(...chain.map((l) => l.parameters)) },
    nearest!.name,
  );
}

function siteObject(site: SiteModel): ExpressionObject {
  return object(
    (property) => (property === 'name' ? site.name : (site.parameters[property] ?? null)),
    { getParameter: parameterGetter(site.parameters) },
    site.name,
  );
}

function checkObject(check: CheckModel): ExpressionObject {
  return object(
    (property) => (property === 'name' ? check.name : property === 'summary' ? (check.summary ?? null) : (check.parameters[property] ?? null)),
    { getParameter: parameterGetter(check.parameters) },
    check.name,
  );
}

function credentialObject(credential: CredentialModel, onSecret: () => void): ExpressionObject {
  return object((property) => {
    switch (property) {
      case 'username':
        return credential.username ?? null;
      case 'password':
        onSecret();
        return credential.password ?? null;
      case 'keyId':
        return credential.keyId ?? null;
      case 'keySecret':
        onSecret();
        return credential.keySecret ?? null;
      default:
        return null;
    }
  });
}
