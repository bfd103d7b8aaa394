/**
 * Native engines for the Nagios plugins Vigil can replace: a `check_http` command line becomes
 * the parameters of Vigil's `http` engine, and so on. Only options whose meaning the engine
 * reproduces are taken; anything else (an option with no equivalent, free-form arguments, a
 * shell construct) leaves the check on the `nagios` engine, with the reason.
 *
 * | plugin                   | engine        | options taken                                                                 |
 * |--------------------------|---------------|-------------------------------------------------------------------------------|
 * | check_http, check_curl   | `http`        | -H -I -p -S -u -e (status codes) -s -r -R -a -j -P -k -T -A -f follow/ok -m MIN -w -c |
 * | check_http -C            | `certificate` | -H -I -p -C warn[,crit]                                                        |
 * | check_tcp                | `tcp`         | -H -p -s -e (once) -E -S -w -c                                                 |
 * | check_nrpe               | `nrpe`        | -H -p -c -a -n                                                                 |
 * | check_dns                | `dns`         | -H -s -q -a (one address) -w -c                                               |
 * | check_ssl_cert           | `certificate` | -H -p -w -c -n/--cn --sni                                                     |
 *
 * `-t` (timeout), `-4`, `-6`, `-v` and similar options that change nothing in the result are
 * dropped. TLS in check_http and check_tcp does not verify certificates, so converted checks set
 * `permit_invalid_certs`; check_http -C does not verify the chain either (`verify_chain=no`).
 */
import { basename } from 'node:path';
import { CommandLineError, splitCommandLine } from '#engines/nagios/command-line.ts';
import { type VigilTextOptions, toVigilText } from './macros.ts';

export type NativeEngine = 'http' | 'tcp' | 'nrpe' | 'dns' | 'certificate';

export type NativeResult =
  | { ok: true; engine: NativeEngine; parameters: [string, string][] }
  | { ok: false; reason: string };

interface OptionSpec {
  name: string;
  /** 'yes': takes a value; 'optional': only attached (`-S1.2`, `--ssl=1.2`). */
  argument: 'no' | 'yes' | 'optional';
}

type Options = { short: Record<string, OptionSpec>; long: Record<string, OptionSpec> };

function options(list: [short: string | undefined, long: string | undefined, name: string, argument: OptionSpec['argument']][]): Options {
  const result: Options = { short: {}, long: {} };
  for (const [short, long, name, argument] of list) {
    if (short) result.short[short] = { name, argument };
    if (long) result.long[long] = { name, argument };
  }
  return result;
}

const IGNORED = 'ignored';

const HTTP = options([
  ['H', 'hostname', 'H', 'yes'], ['I', 'IP-address', 'I', 'yes'], ['p', 'port', 'p', 'yes'], ['S', 'ssl', 'S', 'optional'],
  [undefined, 'sni', IGNORED, 'no'], ['C', 'certificate', 'C', 'yes'], [undefined, 'continue-after-certificate', 'continue', 'no'],
  ['J', 'client-cert', 'J', 'yes'], ['K', 'private-key', 'K', 'yes'], ['e', 'expect', 'e', 'yes'], ['d', 'header-string', 'd', 'yes'],
  ['s', 'string', 's', 'yes'], ['u', 'url', 'u', 'yes'], ['P', 'post', 'P', 'yes'], ['j', 'method', 'j', 'yes'], ['N', 'no-body', IGNORED, 'no'],
  ['M', 'max-age', 'M', 'yes'], ['T', 'content-type', 'T', 'yes'], ['l', 'linespan', 'l', 'no'], ['r', 'regex', 'r', 'yes'],
  [undefined, 'ereg', 'r', 'yes'], ['R', 'eregi', 'R', 'yes'], [undefined, 'invert-regex', 'invert', 'no'], [undefined, 'state-regex', 'state-regex', 'yes'],
  ['a', 'authorization', 'a', 'yes'], ['b', 'proxy-authorization', 'b', 'yes'], ['A', 'useragent', 'A', 'yes'], ['k', 'header', 'k', 'yes'],
  ['E', 'extended-perfdata', IGNORED, 'no'], ['L', 'link', IGNORED, 'no'], ['f', 'onredirect', 'f', 'yes'], ['m', 'pagesize', 'm', 'yes'],
  ['w', 'warning', 'w', 'yes'], ['c', 'critical', 'c', 'yes'], ['t', 'timeout', IGNORED, 'yes'], ['v', 'verbose', IGNORED, 'no'],
  ['4', 'use-ipv4', IGNORED, 'no'], ['6', 'use-ipv6', IGNORED, 'no'], ['D', 'verify-cert', 'verify', 'no'],
]);

const TCP = options([
  ['H', 'hostname', 'H', 'yes'], ['p', 'port', 'p', 'yes'], ['E', 'escape', 'E', 'no'], ['s', 'send', 's', 'yes'], ['e', 'expect', 'e', 'yes'],
  ['A', 'all', 'A', 'no'], ['m', 'maxbytes', 'm', 'yes'], ['q', 'quit', 'q', 'yes'], ['d', 'delay', 'd', 'yes'], ['r', 'refuse', 'r', 'yes'],
  ['M', 'mismatch', 'M', 'yes'], ['j', 'jail', 'j', 'no'], ['D', 'certificate', 'D', 'yes'], ['S', 'ssl', 'S', 'no'], [undefined, 'sni', 'sni', 'yes'],
  ['w', 'warning', 'w', 'yes'], ['c', 'critical', 'c', 'yes'], ['t', 'timeout', IGNORED, 'yes'], ['v', 'verbose', IGNORED, 'no'],
  ['4', 'use-ipv4', IGNORED, 'no'], ['6', 'use-ipv6', IGNORED, 'no'],
]);

const NRPE = options([
  ['H', 'host', 'H', 'yes'], ['p', 'port', 'p', 'yes'], ['c', 'command', 'c', 'yes'], ['a', 'args', 'a', 'no'], ['n', 'no-ssl', 'n', 'no'],
  ['t', 'timeout', IGNORED, 'yes'], ['u', 'unknown-timeout', IGNORED, 'no'], ['2', 'v2-packets-only', IGNORED, 'no'],
  ['4', 'ipv4', IGNORED, 'no'], ['6', 'ipv6', IGNORED, 'no'], ['A', 'ca-cert-file', 'A', 'yes'], ['C', 'client-cert', 'C', 'yes'],
  ['K', 'key-file', 'K', 'yes'], ['S', 'ssl-version', 'S', 'yes'], ['L', 'cipher-list', 'L', 'yes'], ['d', 'use-adh', 'd', 'yes'],
  ['P', 'payload-size', 'P', 'yes'], ['D', 'disable-syslog', IGNORED, 'no'], ['b', 'bind', 'b', 'yes'], ['f', 'config-file', 'f', 'yes'],
  ['s', 'ssl-logging', 's', 'yes'],
]);

const DNS = options([
  ['H', 'hostname', 'H', 'yes'], ['s', 'server', 's', 'yes'], ['q', 'querytype', 'q', 'yes'], ['a', 'expected-address', 'a', 'yes'],
  ['A', 'expect-authority', 'A', 'no'], ['n', 'accept-cname', 'n', 'no'], ['L', 'all', 'L', 'no'], ['w', 'warning', 'w', 'yes'],
  ['c', 'critical', 'c', 'yes'], ['t', 'timeout', IGNORED, 'yes'], ['v', 'verbose', IGNORED, 'no'],
]);

const SSL_CERT = options([
  ['H', 'host', 'H', 'yes'], ['p', 'port', 'p', 'yes'], ['w', 'warning', 'w', 'yes'], ['c', 'critical', 'c', 'yes'],
  ['n', 'cn', 'n', 'yes'], [undefined, 'sni', 'sni', 'yes'], ['t', 'timeout', IGNORED, 'yes'], ['v', 'verbose', IGNORED, 'no'],
  ['4', undefined, IGNORED, 'no'], ['6', undefined, IGNORED, 'no'],
]);

/** The plugins that have a native engine, by program name. */
export const NATIVE_PLUGINS: Readonly<Record<string, NativeEngine>> = {
  check_http: 'http',
  check_curl: 'http',
  check_tcp: 'tcp',
  check_nrpe: 'nrpe',
  check_dns: 'dns',
  check_ssl_cert: 'certificate',
};

/** The plugin program a Nagios command line runs (`$USER1$/check_http ...` -> `check_http`). */
export function pluginOf(commandLine: string): string | undefined {
  const first = commandLine.trim().split(/\s+/)[0];
  return first ? basename(first.replace(/^\$USER\d+\$/, '')) : undefined;
}

class Unsupported extends Error {}

/**
 * Converts one use of a plugin: the Nagios command line with `$ARGn$` already replaced by the
 * check's arguments. Macros that remain (`$HOSTADDRESS$`...) become expressions.
 */
export function nativeCheck(line: string, text: VigilTextOptions): NativeResult {
  const program = pluginOf(line);
  const engine = program ? NATIVE_PLUGINS[program] : undefined;
  if (!program || !engine) return { ok: false, reason: `${program ?? 'the command'} has no native engine` };
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch (error) {
    if (error instanceof CommandLineError) return { ok: false, reason: error.message };
    throw error;
  }
  try {
    const spec = program === 'check_tcp' ? TCP : program === 'check_nrpe' ? NRPE : program === 'check_dns' ? DNS : program === 'check_ssl_cert' ? SSL_CERT : HTTP;
    const parsed = getopt(words.slice(1), spec, program === 'check_nrpe' ? 'a' : undefined);
    const convert = (value: string) => toVigilText(value, text);
    switch (program) {
      case 'check_tcp':
        return tcp(parsed, convert);
      case 'check_nrpe':
        return nrpe(parsed, convert);
      case 'check_dns':
        return dns(parsed, convert);
      case 'check_ssl_cert':
        return sslCert(parsed, convert);
      default:
        return http(parsed, convert);
    }
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message };
    throw error;
  }
}

type Parsed = { options: [string, string | undefined][]; rest: string[] };

/** POSIX-style option parsing as the plugins' getopt_long does it; `restAfter` collects everything after that option. */
function getopt(words: string[], spec: Options, restAfter?: string): Parsed {
  const parsed: Parsed = { options: [], rest: [] };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('--') && word.length > 2) {
      const [name = '', attached] = splitOnce(word.slice(2), '=');
      const option = spec.long[name];
      if (!option) throw new Unsupported(`option --${name} has no equivalent`);
      if (option.argument === 'no') parsed.options.push([option.name, undefined]);
      else if (attached !== undefined) parsed.options.push([option.name, attached]);
      else if (option.argument === 'optional') parsed.options.push([option.name, undefined]);
      else {
        if (i + 1 >= words.length) throw new Unsupported(`option --${name} has no value`);
        parsed.options.push([option.name, words[++i]!]);
      }
      if (option.name === restAfter) {
        parsed.rest.push(...words.slice(i + 1));
        return parsed;
      }
    } else if (word.startsWith('-') && word.length > 1) {
      for (let j = 1; j < word.length; j++) {
        const letter = word[j]!;
        const option = spec.short[letter];
        if (!option) throw new Unsupported(`option -${letter} has no equivalent`);
        if (option.argument === 'no') {
          parsed.options.push([option.name, undefined]);
          if (option.name === restAfter) {
            parsed.rest.push(...words.slice(i + 1));
            return parsed;
          }
          continue;
        }
        const attached = word.slice(j + 1);
        if (attached !== '') parsed.options.push([option.name, attached]);
        else if (option.argument === 'optional') parsed.options.push([option.name, undefined]);
        else {
          if (i + 1 >= words.length) throw new Unsupported(`option -${letter} has no value`);
          parsed.options.push([option.name, words[++i]!]);
        }
        break;
      }
    } else {
      throw new Unsupported(`argument '${word}' is not an option the engine knows`);
    }
  }
  return parsed;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

function only(parsed: Parsed, name: string): string | undefined {
  const values = parsed.options.filter(([n]) => n === name);
  if (values.length > 1) throw new Unsupported(`option ${name.length === 1 ? '-' : '--'}${name} is given ${values.length} times`);
  return values[0]?.[1];
}

function has(parsed: Parsed, name: string): boolean {
  return parsed.options.some(([n]) => n === name);
}

function refuse(parsed: Parsed, names: string[]): void {
  for (const name of names) if (has(parsed, name)) throw new Unsupported(`option ${name.length === 1 ? '-' : '--'}${name} has no equivalent`);
}

/** Seconds as Nagios plugins take them (`5`, `0.5`) -> a Vigil duration (`5s`, `500ms`). */
function seconds(value: string, option: string): string {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Unsupported(`-${option} '${value}' is not a number of seconds`);
  const ms = Math.round(Number(value) * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** `$HOSTADDRESS$` as the target is the engines' default: no parameter needed. */
function target(value: string | undefined, convert: (v: string) => string): string | undefined {
  if (value === undefined || value === '$HOSTADDRESS$') return undefined;
  return convert(value);
}

function http(parsed: Parsed, convert: (v: string) => string): NativeResult {
  refuse(parsed, ['J', 'K', 'd', 'M', 'l', 'invert', 'state-regex', 'b', 'continue']);
  const parameters: [string, string][] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) parameters.push([name, value]);
  };
  const hostname = only(parsed, 'H');
  const address = only(parsed, 'I');
  if (address !== undefined) {
    add('host', target(address, convert));
    if (hostname !== undefined) add('virtual_host', convert(hostname));
  } else add('host', target(hostname, convert));
  add('port', only(parsed, 'p') === undefined ? undefined : convert(only(parsed, 'p')!));
  const certificate = only(parsed, 'C');
  if (certificate !== undefined) {
    const [warning = '', critical = '0'] = certificate.split(',');
    if (!/^\d+$/.test(warning) || !/^\d+$/.test(critical)) throw new Unsupported(`-C '${certificate}' is not a number of days`);
    const other = parsed.options.filter(([n]) => !['H', 'I', 'p', 'C', 'S', IGNORED].includes(n));
    if (other.length > 0) throw new Unsupported(`-C with -${other[0]![0]}: check_http checks only the certificate`);
    return { ok: true, engine: 'certificate', parameters: [...parameters, ['warning_days', warning], ['critical_days', critical], ['verify_chain', 'no']] };
  }
  if (has(parsed, 'S')) {
    add('ssl', 'yes');
    if (!has(parsed, 'verify')) add('permit_invalid_certs', 'yes');
  }
  const url = only(parsed, 'u');
  if (url !== undefined) add(/^https?:\/\//i.test(url) ? 'url' : 'path', convert(url));
  const method = only(parsed, 'j');
  const post = only(parsed, 'P');
  if (method !== undefined) add('method', convert(method).toUpperCase());
  else if (post !== undefined) add('method', 'POST');
  if (post !== undefined) add('body', convert(post));
  const expect = only(parsed, 'e');
  if (expect !== undefined) {
    const codes = expect.split(',').map((c) => c.trim().replace(/^HTTP\/\d(\.\d)?\s+/i, ''));
    if (!codes.every((c) => /^\d{3}$/.test(c))) throw new Unsupported(`-e '${expect}' is not a list of status codes`);
    add('status', codes.join(','));
  }
  add('contains', only(parsed, 's') === undefined ? undefined : convert(only(parsed, 's')!));
  const regex = only(parsed, 'r');
  const regexI = only(parsed, 'R');
  if (regex !== undefined && regexI !== undefined) throw new Unsupported('both -r and -R');
  if (regex !== undefined) add('body_regex', convert(regex));
  if (regexI !== undefined) add('body_regex', `/${convert(regexI)}/i`);
  const authorization = only(parsed, 'a');
  if (authorization !== undefined) {
    const [username = '', password = ''] = splitOnce(authorization, ':');
    add('username', convert(username));
    add('password', convert(password));
  }
  for (const [name, value] of parsed.options) {
    if (name === 'k') {
      const [header = '', headerValue] = splitOnce(value ?? '', ':');
      if (headerValue === undefined || header.trim() === '') throw new Unsupported(`-k '${value}' is not 'Name: value'`);
      add(`header:${header.trim()}`, convert(headerValue.trim()));
    }
  }
  if (only(parsed, 'T') !== undefined) add('header:Content-Type', convert(only(parsed, 'T')!));
  if (only(parsed, 'A') !== undefined) add('header:User-Agent', convert(only(parsed, 'A')!));
  const redirect = only(parsed, 'f');
  if (redirect !== undefined) {
    if (redirect === 'follow') add('follow_redirects', 'yes');
    else if (redirect !== 'ok') throw new Unsupported(`-f ${redirect} has no equivalent (only follow and ok)`);
  }
  const size = only(parsed, 'm');
  if (size !== undefined) {
    if (!/^\d+$/.test(size)) throw new Unsupported(`-m '${size}': only a minimum size converts`);
    add('length', size);
  }
  if (only(parsed, 'w') !== undefined) add('warning_response_time', seconds(only(parsed, 'w')!, 'w'));
  if (only(parsed, 'c') !== undefined) add('critical_response_time', seconds(only(parsed, 'c')!, 'c'));
  return { ok: true, engine: 'http', parameters };
}

function tcp(parsed: Parsed, convert: (v: string) => string): NativeResult {
  refuse(parsed, ['A', 'm', 'd', 'r', 'M', 'j', 'D', 'sni']);
  const parameters: [string, string][] = [];
  const host = target(only(parsed, 'H'), convert);
  if (host !== undefined) parameters.push(['host', host]);
  const port = only(parsed, 'p');
  if (port === undefined) throw new Unsupported('check_tcp without -p');
  parameters.push(['port', convert(port)]);
  const escapes = has(parsed, 'E');
  for (const [option, name] of [['s', 'send'], ['e', 'expect']] as const) {
    const value = only(parsed, option);
    if (value === undefined) continue;
    if (!escapes && value.includes('\\')) throw new Unsupported(`-${option} has a backslash but no -E: check_tcp sends it as written, the tcp engine reads escapes`);
    parameters.push([name, convert(value)]);
  }
  if (has(parsed, 'S')) parameters.push(['ssl', 'yes'], ['permit_invalid_certs', 'yes']);
  if (only(parsed, 'w') !== undefined) parameters.push(['warning_connect_time', seconds(only(parsed, 'w')!, 'w')]);
  if (only(parsed, 'c') !== undefined) parameters.push(['critical_connect_time', seconds(only(parsed, 'c')!, 'c')]);
  return { ok: true, engine: 'tcp', parameters };
}

function nrpe(parsed: Parsed, convert: (v: string) => string): NativeResult {
  refuse(parsed, ['A', 'C', 'K', 'S', 'L', 'd', 'P', 'b', 'f', 's']);
  const command = only(parsed, 'c');
  if (command === undefined) throw new Unsupported('check_nrpe without -c only asks the daemon for its version');
  const parameters: [string, string][] = [];
  const host = target(only(parsed, 'H'), convert);
  if (host !== undefined) parameters.push(['host', host]);
  if (only(parsed, 'p') !== undefined) parameters.push(['port', convert(only(parsed, 'p')!)]);
  parameters.push(['command', convert(command)]);
  if (has(parsed, 'n')) parameters.push(['ssl', 'no']);
  parsed.rest.forEach((arg, index) => parameters.push([`nrpe-arg${index + 1}`, convert(arg)]));
  return { ok: true, engine: 'nrpe', parameters };
}

const DNS_TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS']);

function dns(parsed: Parsed, convert: (v: string) => string): NativeResult {
  refuse(parsed, ['A', 'n', 'L']);
  const name = only(parsed, 'H');
  if (name === undefined) throw new Unsupported('check_dns without -H');
  const parameters: [string, string][] = [['name', convert(name)]];
  if (only(parsed, 's') !== undefined) parameters.push(['server', convert(only(parsed, 's')!)]);
  const type = only(parsed, 'q');
  if (type !== undefined) {
    if (!DNS_TYPES.has(type.toUpperCase())) throw new Unsupported(`-q ${type}: the dns engine asks for ${[...DNS_TYPES].join(', ')}`);
    parameters.push(['type', type.toUpperCase()]);
  }
  const expected = only(parsed, 'a');
  if (expected !== undefined) {
    if (expected.includes(',') || expected.includes('/')) throw new Unsupported(`-a '${expected}': only one address (no lists or CIDR) converts`);
    parameters.push(['expect', convert(expected)]);
  }
  if (only(parsed, 'w') !== undefined) parameters.push(['warning_response_time', seconds(only(parsed, 'w')!, 'w')]);
  if (only(parsed, 'c') !== undefined) parameters.push(['critical_response_time', seconds(only(parsed, 'c')!, 'c')]);
  return { ok: true, engine: 'dns', parameters };
}

function sslCert(parsed: Parsed, convert: (v: string) => string): NativeResult {
  const parameters: [string, string][] = [];
  const host = target(only(parsed, 'H'), convert);
  if (host !== undefined) parameters.push(['host', host]);
  if (only(parsed, 'p') !== undefined) parameters.push(['port', convert(only(parsed, 'p')!)]);
  const name = only(parsed, 'sni') ?? only(parsed, 'n');
  if (name !== undefined) parameters.push(['virtual_host', convert(name)]);
  // check_ssl_cert's defaults: warning 20 days, critical 15.
  const warning = only(parsed, 'w') ?? '20';
  const critical = only(parsed, 'c') ?? '15';
  if (!/^\d+$/.test(warning) || !/^\d+$/.test(critical)) throw new Unsupported('-w and -c must be whole numbers of days');
  parameters.push(['warning_days', warning], ['critical_days', critical]);
  return { ok: true, engine: 'certificate', parameters };
}
