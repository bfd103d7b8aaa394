/**
 * The `dns` engine: ask a DNS server for one name and record type, and optionally check that the
 * answer holds what is expected. It asks the server directly (node:dns `Resolver`, c-ares), not
 * the operating system's lookup, so /etc/hosts and caches do not hide what the server says.
 *
 * `expect` is a comma-separated list; every item must be among the answers, in any order, and
 * other answers are allowed (a round-robin pool may grow without the check failing). Names compare
 * without case or trailing dot, IPv6 addresses in canonical form, an MX item matches either
 * `exchange` or `priority exchange`, and a TXT item must appear within one record (so `v=spf1`
 * matches an SPF record).
 */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { hostPort } from './connection.ts';
import { resultOf, type Engine, type EngineResult, type ParameterSpec } from './engine.ts';
import { findingsResult, type Finding } from './findings.ts';
import { ParameterError, type CheckParameters } from './parameters.ts';
import { formatSeconds, readTimeThresholds, timeFinding, timeReading, timeThresholdSpecs } from './time-thresholds.ts';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
type RecordType = (typeof RECORD_TYPES)[number];
const DNS_PORT = 53;
/** How much of a long answer (a TXT record) an output shows. */
const MAX_SHOWN_ANSWER_CHARS = 100;

const PARAMETERS: ParameterSpec[] = [
  { name: 'name', type: 'string', required: true, description: 'The name to look up, e.g. www.example.com' },
  { name: 'type', type: 'string', default: 'A', description: `Record type: ${RECORD_TYPES.join(', ')}` },
  { name: 'server', type: 'string', description: 'DNS server as address[:port] or name[:port] ([v6]:port); defaults to the system resolvers (/etc/resolv.conf)' },
  { name: 'expect', type: 'list', description: 'Answers that must all be present, in any order, e.g. 192.0.2.1, 192.0.2.2' },
  ...timeThresholdSpecs('response'),
];

export const dnsEngine: Engine = {
  name: 'dns',
  parameters: PARAMETERS,
  async run(_check, parameters, deadline) {
    const name = parameters.string('name');
    const type = readType(parameters);
    const expected = parameters.list('expect');
    const thresholds = readTimeThresholds(parameters, 'response');
    const server = await readServer(parameters);
    const question = `${name} ${type}`;
    const from = server === undefined ? '' : ` from ${server}`;

    // Two tries (c-ares doubles the timeout for the second) that together fit the deadline.
    const resolver = new Resolver({ timeout: Math.max(100, Math.floor(deadline.remainingMs() / 3)), tries: 2 });
    if (server !== undefined) resolver.setServers([server]);
    const cancel = () => resolver.cancel();
    deadline.signal.addEventListener('abort', cancel, { once: true });
    const startedAt = performance.now();
    let answers: string[];
    try {
      answers = await query(resolver, name, type);
    } catch (error) {
      return queryFailure(error, `DNS ${question}${from}`, deadline.signal);
    } finally {
      deadline.signal.removeEventListener('abort', cancel);
    }
    const elapsedMs = performance.now() - startedAt;

    const findings: Finding[] = [];
    const missing = expected.filter((item) => !answers.some((answer) => answerMatches(type, answer, item)));
    if (missing.length > 0) findings.push({ status: 'CRITICAL', text: `missing ${missing.join(', ')}` });
    const slow = timeFinding(elapsedMs, thresholds, 'response');
    if (slow) findings.push(slow);
    const shown = answers.map((answer) => (answer.length <= MAX_SHOWN_ANSWER_CHARS ? answer : `${answer.slice(0, MAX_SHOWN_ANSWER_CHARS - 1)}…`));
    return findingsResult(`DNS ${question}: ${shown.join(', ')}${from} in ${formatSeconds(elapsedMs)}`, findings, [timeReading(elapsedMs, thresholds)]);
  },
};

function readType(parameters: CheckParameters): RecordType {
  const type = parameters.string('type').trim().toUpperCase();
  if (!(RECORD_TYPES as readonly string[]).includes(type)) throw new ParameterError('type', `expected one of ${RECORD_TYPES.join(', ')}, got '${type}'`);
  return type as RecordType;
}

/**
 * The `server` parameter as c-ares takes it (`192.0.2.53:5353`, `[2001:db8::53]:53`), a name
 * resolved first. Not checked against the network policy: a DNS query cannot read the metadata
 * service, and in AWS the VPC resolver itself is link-local (169.254.169.253).
 */
async function readServer(parameters: CheckParameters): Promise<string | undefined> {
  const text = parameters.optional('server')?.trim();
  if (text === undefined) return undefined;
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? (isIPv6(text) ? [text, text] : /^([^:]+)(?::(\d+))?$/.exec(text));
  if (!match) throw new ParameterError('server', `expected address[:port], name[:port] or [v6 address]:port, got '${text}'`);
  const host = match[1]!;
  const port = match[2] === undefined ? DNS_PORT : Number(match[2]);
  if (port < 1 || port > 65_535) throw new ParameterError('server', `port ${port} is not from 1 to 65535`);
  const address = isIP(host) !== 0 ? host : (await lookup(host)).address;
  return hostPort(address, port);
}

/** The answers as text: addresses and names as given, MX as `priority exchange`, TXT records joined. */
async function query(resolver: Resolver, name: string, type: RecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return resolver.resolve6(name);
    case 'CNAME':
      return resolver.resolveCname(name);
    case 'NS':
      return resolver.resolveNs(name);
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      // A TXT record is a list of strings of up to 255 bytes; long records (DKIM keys) are split.
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
  }
}

function answerMatches(type: RecordType, answer: string, expected: string): boolean {
  switch (type) {
    case 'A':
      return answer === expected;
    case 'AAAA':
      return canonicalIpv6(answer) === canonicalIpv6(expected);
    case 'TXT':
      return answer.includes(expected);
    case 'MX': {
      const exchange = answer.slice(answer.indexOf(' ') + 1);
      return canonicalName(answer) === canonicalName(expected) || canonicalName(exchange) === canonicalName(expected);
    }
    default:
      return canonicalName(answer) === canonicalName(expected);
  }
}

function canonicalName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** `2001:0DB8:0::1` and `2001:db8::1` alike; the WHATWG URL parser writes IPv6 canonically. */
function canonicalIpv6(address: string): string {
  const trimmed = address.trim();
  return isIPv6(trimmed) ? new URL(`http://[${trimmed}]/`).hostname : trimmed;
}

/** c-ares error codes, as node:dns reports them, in words. */
const QUERY_ERRORS: Record<string, string> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ENODATA: 'no records of that type',
  ESERVFAIL: 'the server failed to answer (SERVFAIL)',
  EREFUSED: 'the server refused the query (REFUSED)',
  ECONNREFUSED: 'connection refused by the server',
  EFORMERR: 'the server could not read the query (FORMERR)',
  EBADRESP: 'the answer could not be read',
  ENOTIMP: 'the server does not implement this query (NOTIMP)',
};

function queryFailure(error: unknown, what: string, signal: AbortSignal): EngineResult {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (signal.aborted || code === 'ECANCELLED' || code === 'ETIMEOUT') return resultOf('TIMEOUT', `${what}: no answer before the deadline`);
  const reason = code === undefined ? undefined : QUERY_ERRORS[code];
  if (reason === undefined) throw error;
  return resultOf('CRITICAL', `${what}: ${reason}`);
}
