/**
 * Nagios macros (`$HOSTADDRESS$`, `$ARG1$`, `$USER1$`, `$_HOSTSNMP_COMMUNITY$`...) in two
 * directions: expanded the way Nagios expands them before running a command, and rewritten into
 * Vigil's `#{...}` expressions, which Vigil evaluates at check time to the same text.
 *
 * | Nagios                  | Vigil                                          |
 * |-------------------------|------------------------------------------------|
 * | `$HOSTADDRESS$`         | `#{host.address}` (the converter always writes an address) |
 * | `$HOSTNAME$`            | `#{host.name}`                                 |
 * | `$HOSTALIAS$`           | `#{coalesce(host.summary, host.name)}`         |
 * | `$SERVICEDESC$`         | `#{check.name}`                                |
 * | `$ARGn$`                | `#{argn}` (a `<check-command>` parameter)      |
 * | `$USER1$`               | `#{global.nagios_path}` (the plugin directory) |
 * | `$USERn$`               | `#{global.nagios_usern}` (a site parameter)    |
 * | `$_HOSTX$`, `$_SERVICEX$` | `#{host.getParameter('_X')}`, `#{check.getParameter('_X')}` |
 * | `$$`                    | `$`                                            |
 *
 * Macros that only exist at run time in Nagios (`$HOSTSTATE$`, `$LONGDATETIME$`,
 * `$CONTACTEMAIL$`...) have no equivalent: they become empty text and are reported. Anything
 * between dollars that is not a macro name stays as written, as Nagios leaves it.
 */

export interface MacroContext {
  hostName: string;
  hostAddress?: string;
  hostAlias?: string;
  serviceDescription?: string;
  args: readonly string[];
  /** `USER1` -> value. */
  user: ReadonlyMap<string, string>;
  hostCustom: ReadonlyMap<string, string>;
  serviceCustom: ReadonlyMap<string, string>;
}

type Macro =
  | { kind: 'dollar' }
  | { kind: 'host-address' | 'host-name' | 'host-alias' | 'service-description' }
  | { kind: 'arg'; n: number }
  | { kind: 'user'; n: number }
  | { kind: 'host-custom' | 'service-custom'; name: string }
  | { kind: 'runtime'; name: string };

/** Macros whose value is run-time state, or that need an object Vigil does not have. */
const RUNTIME = /^(?:LONG|SHORT|LAST|MAX|TOTAL|ADMIN|NOTIFICATION|CONTACT|EVENT|PROCESS|DATE|TIME|TIMET|ISVALIDTIME|NEXTVALIDTIME|HOSTGROUP|SERVICEGROUP|HOST|SERVICE|_CONTACT)|:/;

function classify(name: string): Macro | undefined {
  if (name === '') return { kind: 'dollar' };
  switch (name) {
    case 'HOSTADDRESS':
      return { kind: 'host-address' };
    case 'HOSTNAME':
      return { kind: 'host-name' };
    case 'HOSTALIAS':
      return { kind: 'host-alias' };
    case 'SERVICEDESC':
      return { kind: 'service-description' };
  }
  let match = /^ARG([1-9][0-9]?)$/.exec(name);
  if (match) return { kind: 'arg', n: Number(match[1]) };
  match = /^USER([1-9][0-9]{0,2})$/.exec(name);
  if (match) return { kind: 'user', n: Number(match[1]) };
  match = /^_(HOST|SERVICE)(.+)$/.exec(name);
  if (match) return { kind: match[1] === 'HOST' ? 'host-custom' : 'service-custom', name: match[2]!.toUpperCase() };
  if (/^[A-Z_][A-Z0-9_]*(?::.*)?$/.test(name) && RUNTIME.test(name)) return { kind: 'runtime', name };
  return undefined;
}

/** Calls `render` for each macro; text between macros, and unknown `$...$`, is passed to `literal`. */
function rewrite(text: string, render: (macro: Macro) => string, literal: (text: string) => string): string {
  let out = '';
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('$', position);
    if (open < 0) break;
    const close = text.indexOf('$', open + 1);
    if (close < 0) break;
    const macro = classify(text.slice(open + 1, close));
    if (!macro) {
      // Not a macro: keep the first '$' and look again from the second.
      out += literal(text.slice(position, close));
      position = close;
      continue;
    }
    out += literal(text.slice(position, open)) + render(macro);
    position = close + 1;
  }
  return out + literal(text.slice(position));
}

/** The command line Nagios runs: macros in the arguments are expanded first, then the line's. */
export function expandNagios(line: string, context: MacroContext): string {
  const value = (macro: Macro, args: readonly string[]): string => {
    switch (macro.kind) {
      case 'dollar':
        return '$';
      case 'host-address':
        return context.hostAddress ?? context.hostName;
      case 'host-name':
        return context.hostName;
      case 'host-alias':
        return context.hostAlias ?? context.hostName;
      case 'service-description':
        return context.serviceDescription ?? '';
      case 'arg':
        return args[macro.n - 1] ?? '';
      case 'user':
        return context.user.get(`USER${macro.n}`) ?? '';
      case 'host-custom':
        return context.hostCustom.get(macro.name) ?? '';
      case 'service-custom':
        return context.serviceCustom.get(macro.name) ?? '';
      case 'runtime':
        return '';
    }
  };
  const args = context.args.map((arg) => rewrite(arg, (m) => (m.kind === 'arg' ? '' : value(m, [])), (t) => t));
  return rewrite(line, (m) => value(m, args), (t) => t);
}

export interface VigilTextOptions {
  /** The resource macro that holds the plugin directory (`USER1`). */
  pluginMacro: string;
}

/** Vigil template text for a Nagios value, and the run-time macros that could not be carried over. */
export function toVigilText(text: string, options: VigilTextOptions, unsupported?: Set<string>): string {
  return rewrite(
    text,
    (macro) => {
      switch (macro.kind) {
        case 'dollar':
          return '$';
        case 'host-address':
          return '#{host.address}';
        case 'host-name':
          return '#{host.name}';
        case 'host-alias':
          return '#{coalesce(host.summary, host.name)}';
        case 'service-description':
          return '#{check.name}';
        case 'arg':
          return `#{arg${macro.n}}`;
        case 'user':
          return `USER${macro.n}` === options.pluginMacro ? '#{global.nagios_path}' : `#{global.${userParameter(macro.n)}}`;
        case 'host-custom':
          return `#{host.getParameter('_${macro.name}')}`;
        case 'service-custom':
          return `#{check.getParameter('_${macro.name}')}`;
        case 'runtime':
          unsupported?.add(`$${macro.name}$`);
          return '';
      }
    },
    escapeExpressions,
  );
}

/** The site parameter a `$USERn$` macro becomes. */
export function userParameter(n: number): string {
  return `nagios_user${n}`;
}

/** Literal text that Vigil would otherwise read as an expression: `#{` is written `#{'#{'}`. */
export function escapeExpressions(text: string): string {
  return text.replaceAll('#{', "#{'#{'}");
}

/** The macros a text uses, by kind, for deciding what a native engine can take. */
export function usesMacros(text: string): { args: Set<number>; runtime: boolean } {
  const args = new Set<number>();
  let runtime = false;
  rewrite(
    text,
    (macro) => {
      if (macro.kind === 'arg') args.add(macro.n);
      if (macro.kind === 'runtime') runtime = true;
      return '';
    },
    (t) => t,
  );
  return { args, runtime };
}
