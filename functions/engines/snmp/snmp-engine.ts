/**
 * The `snmp` engine: gets OIDs from an SNMP agent (or walks a subtree) and judges the values, with
 * Bergamot's parameter names (`snmp_version`, `snmp_community`, `snmp_user`, `snmp_auth`,
 * `snmp_priv`, `snmp_password`, `oid`):
 *
 * ```xml
 * <command name="check-snmp-uptime" extends="snmp-check" engine="snmp">
 *     <parameter name="oid">1.3.6.1.2.1.1.3.0</parameter>
 *     <parameter name="threshold_direction">below</parameter>
 *     <parameter name="warning">1800</parameter>
 *     <parameter name="critical">900</parameter>
 * </command>
 * ```
 *
 * OIDs are numeric (no MIBs are loaded). Each value is reported; numeric values (and TimeTicks, in
 * seconds) become readings and are judged against `warning` and `critical`, above them by default
 * or below them with `threshold_direction=below`; text is judged with `expect` or `match`. With
 * `rate=true` counters become per-second rates between this check and the previous one (kept in
 * the worker's memory, see counter-rates.ts); the first sample is PENDING, which the state machine
 * ignores. Bergamot's scripted SNMP checks (`executor="script"`) are not run by this engine.
 *
 * An agent that does not answer is CRITICAL (for SNMP over UDP silence is all a down agent, a
 * wrong community or a firewall ever says); a v3 request the agent refuses, or an OID it does not
 * have, is UNKNOWN; DES privacy, which this runtime's OpenSSL lacks, is an ERROR. Community and
 * passwords never appear in outputs.
 */
import snmp from 'net-snmp';
import type { User, Varbind } from 'net-snmp';
import { connectionFailure, describeConnectionError, hostPort, readPort, targetHost } from '../connection.ts';
import { resultOf, type Engine, type EngineCheck, type EngineResult, type ParameterSpec, type Reading } from '../engine.ts';
import { findingsResult, type Finding } from '../findings.ts';
import { resolveTarget } from '../network-policy.ts';
import { ParameterError, type CheckParameters } from '../parameters.ts';
import { redact } from '../run-check.ts';
import { CounterRates } from './counter-rates.ts';
import { isDesAvailable, snmpGet, snmpWalk, TRIES, tryTimeoutMs, withSession, type SnmpCredentials, type SnmpTarget } from './snmp-session.ts';
import { COUNTER_MODULUS, isMissing, snmpValueOf, type MissingValue, type SnmpValue } from './snmp-value.ts';

export const SNMP_PORT = 161;
/** A walk that returns more than this is cut: a check is not an inventory tool. */
export const MAX_WALK_VALUES = 1_000;

const AUTH_PROTOCOLS: Record<string, snmp.AuthProtocols> = {
  none: snmp.AuthProtocols.none,
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha1: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV_PROTOCOLS: Record<string, snmp.PrivProtocols> = {
  none: snmp.PrivProtocols.none,
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes128: snmp.PrivProtocols.aes,
};

const PARAMETERS: ParameterSpec[] = [
  { name: 'host', type: 'string', description: "Agent's host name or address; defaults to the check's host address (or name)" },
  { name: 'port', type: 'integer', default: String(SNMP_PORT), description: 'UDP port of the agent' },
  { name: 'snmp_version', type: 'string', default: '2c', description: '1, 2c (or 2) or 3' },
  { name: 'snmp_community', type: 'string', default: 'public', description: 'Community for versions 1 and 2c (a secret)' },
  { name: 'snmp_user', type: 'string', description: 'Version 3 user name' },
  { name: 'snmp_auth', type: 'string', default: 'sha1', description: 'Version 3 authentication: none, md5, sha1 (sha), sha224, sha256, sha384 or sha512' },
  { name: 'snmp_password', type: 'string', description: 'Version 3 authentication password (a secret)' },
  { name: 'snmp_priv', type: 'string', default: 'aes128', description: 'Version 3 privacy: none, aes128 (aes) or des; with none the request is authenticated but not encrypted' },
  { name: 'snmp_priv_password', type: 'string', description: 'Version 3 privacy password (a secret); defaults to snmp_password, as Bergamot uses one password for both' },
  { name: 'snmp_context', type: 'string', description: 'Version 3 context name' },
  { name: 'oid', type: 'list', required: true, description: 'Numeric OID to get (several, comma-separated), or the root of the walk' },
  { name: 'mode', type: 'string', default: 'get', description: 'get, or walk for every value under oid' },
  { name: 'label', type: 'string', description: 'Name for the value in outputs and readings instead of its OID; a walk names values label.<rest of the OID>' },
  { name: 'warning', type: 'number', description: 'WARNING when a numeric value (or rate) is beyond this' },
  { name: 'critical', type: 'number', description: 'CRITICAL when a numeric value (or rate) is beyond this' },
  { name: 'threshold_direction', type: 'string', default: 'above', description: 'above: alert when a value is greater than the threshold; below: when it is less' },
  { name: 'expect', type: 'string', description: 'CRITICAL unless the value is exactly this text' },
  { name: 'match', type: 'string', description: 'CRITICAL unless the value matches this regular expression' },
  { name: 'rate', type: 'boolean', default: 'false', description: 'Judge and record per-second rates of counters instead of their values' },
];

export interface SnmpEngineOptions {
  /** Epoch milliseconds now, for rates. @defaultValue Date.now */
  now?: () => number;
}

export function createSnmpEngine(options: SnmpEngineOptions = {}): Engine {
  const now = options.now ?? Date.now;
  const rates = new CounterRates();
  return {
    name: 'snmp',
    parameters: PARAMETERS,
    async run(check, parameters, deadline) {
      if (check.command.script !== undefined && !parameters.has('oid')) {
        return resultOf('ERROR', `command ${check.command.name} has a <script> (Bergamot's scripted SNMP executor), which the snmp engine does not run: give it an oid parameter instead`);
      }
      const host = targetHost(check, parameters);
      const port = readPort(parameters, 'port', SNMP_PORT);
      const target = hostPort(host, port);
      const query = readQuery(parameters);
      const credentials = readCredentials(parameters);
      const judge = readJudgement(parameters);
      if (credentials.user?.privProtocol === snmp.PrivProtocols.des && !isDesAvailable()) {
        return resultOf('ERROR', 'SNMPv3 DES privacy is not available: this Node.js runtime (OpenSSL 3) has no DES cipher; configure the agent for AES (snmp_priv=aes128)');
      }
      const what = `SNMP ${query.mode} of ${query.oids.join(', ')} from ${target}`;

      let snmpTarget: SnmpTarget;
      try {
        const resolved = await resolveTarget(host, check.network);
        snmpTarget = { ...resolved, port, credentials };
      } catch (error) {
        return connectionFailure(error, what, target, deadline.signal);
      }
      const timeoutMs = tryTimeoutMs(deadline.remainingMs());
      let fetched: { varbinds: Varbind[]; truncated: boolean };
      try {
        fetched = await withSession(snmpTarget, timeoutMs, deadline.signal, async (session) =>
          query.mode === 'walk' ? snmpWalk(session, query.oids[0]!, MAX_WALK_VALUES) : { varbinds: await snmpGet(session, query.oids), truncated: false });
      } catch (error) {
        return requestFailure(error, { what, target, timeoutMs, credentials, signal: deadline.signal });
      }
      const values = fetched.varbinds.map(snmpValueOf);
      if (query.mode === 'walk' && values.length === 0) return resultOf('UNKNOWN', `nothing under ${query.oids[0]} on the agent at ${target}`);
      return judgeValues(values, { query, judge, check, rates, atMs: now(), truncated: fetched.truncated });
    },
  };
}

/** The engine for workers: one per process, so counter samples carry from check to check. */
export const snmpEngine: Engine = createSnmpEngine();

interface Query {
  mode: 'get' | 'walk';
  oids: string[];
  label?: string;
}

function readQuery(parameters: CheckParameters): Query {
  const mode = parameters.string('mode').trim().toLowerCase();
  if (mode !== 'get' && mode !== 'walk') throw new ParameterError('mode', `expected get or walk, got '${mode}'`);
  const oids = parameters.list('oid').map((oid) => {
    const bare = oid.replace(/^\./, '');
    if (!/^\d+(\.\d+)+$/.test(bare)) throw new ParameterError('oid', `expected a numeric OID such as 1.3.6.1.2.1.1.3.0, got '${oid}' (MIB names are not loaded)`);
    return bare;
  });
  if (oids.length === 0) throw new ParameterError('oid', 'is required but not set');
  if (mode === 'walk' && oids.length > 1) throw new ParameterError('oid', 'a walk starts from one OID');
  const query: Query = { mode, oids };
  const label = parameters.optional('label');
  if (label !== undefined) query.label = label;
  return query;
}

function readCredentials(parameters: CheckParameters): SnmpCredentials {
  const version = parameters.string('snmp_version').trim().toLowerCase().replace(/^v/, '');
  if (version === '1' || version === '2' || version === '2c') {
    return { version: version === '1' ? '1' : '2c', community: parameters.string('snmp_community') };
  }
  if (version !== '3') throw new ParameterError('snmp_version', `expected 1, 2c or 3, got '${version}'`);
  const auth = lookup(parameters, 'snmp_auth', AUTH_PROTOCOLS);
  const priv = lookup(parameters, 'snmp_priv', PRIV_PROTOCOLS);
  const user: User = { name: parameters.string('snmp_user'), level: snmp.SecurityLevel.noAuthNoPriv };
  if (auth !== snmp.AuthProtocols.none) {
    user.level = snmp.SecurityLevel.authNoPriv;
    user.authProtocol = auth;
    user.authKey = parameters.string('snmp_password');
  }
  if (priv !== snmp.PrivProtocols.none) {
    if (auth === snmp.AuthProtocols.none) throw new ParameterError('snmp_priv', 'privacy needs authentication: set snmp_auth as well, or snmp_priv=none');
    user.level = snmp.SecurityLevel.authPriv;
    user.privProtocol = priv;
    user.privKey = parameters.optional('snmp_priv_password') ?? parameters.string('snmp_password');
  }
  const credentials: SnmpCredentials = { version: '3', user };
  const context = parameters.optional('snmp_context');
  if (context !== undefined) credentials.context = context;
  return credentials;
}

function lookup<T>(parameters: CheckParameters, name: string, table: Record<string, T>): T {
  const key = parameters.string(name).trim().toLowerCase();
  const value = table[key];
  if (value === undefined) throw new ParameterError(name, `expected one of ${Object.keys(table).join(', ')}, got '${key}'`);
  return value;
}

interface Judgement {
  warning?: number;
  critical?: number;
  below: boolean;
  expect?: string;
  match?: RegExp;
  rate: boolean;
}

function readJudgement(parameters: CheckParameters): Judgement {
  const direction = parameters.string('threshold_direction').trim().toLowerCase();
  if (direction !== 'above' && direction !== 'below') throw new ParameterError('threshold_direction', `expected above or below, got '${direction}'`);
  const judge: Judgement = { below: direction === 'below', rate: parameters.boolean('rate') };
  if (parameters.has('warning')) judge.warning = parameters.number('warning');
  if (parameters.has('critical')) judge.critical = parameters.number('critical');
  const expect = parameters.optional('expect');
  if (expect !== undefined) judge.expect = expect;
  const match = parameters.optional('match');
  if (match !== undefined) {
    try {
      judge.match = new RegExp(match);
    } catch (error) {
      throw new ParameterError('match', `is not a regular expression: ${(error as Error).message}`);
    }
  }
  return judge;
}

interface JudgeContext {
  query: Query;
  judge: Judgement;
  check: EngineCheck;
  rates: CounterRates;
  atMs: number;
  truncated: boolean;
}

function judgeValues(values: readonly (SnmpValue | MissingValue)[], context: JudgeContext): EngineResult {
  const { query, judge } = context;
  const only = values.length === 1 ? values[0]! : undefined;
  if (only && isMissing(only)) return resultOf('UNKNOWN', `${nameOf(only.oid, query, 1)} does not exist on the agent (${only.missing})`);
  const findings: Finding[] = [];
  const readings: Reading[] = [];
  const lines: string[] = [];
  let ratesComputed = 0;

  for (const value of values) {
    const name = nameOf(value.oid, query, values.length);
    if (isMissing(value)) {
      findings.push({ status: 'UNKNOWN', text: `${name} does not exist on the agent (${value.missing})` });
      lines.push(`${name}: ${value.missing}`);
      continue;
    }
    const measured = judge.rate ? rateOf(value, context) : { number: value.number, shown: value.display, unit: unitOf(value) };
    if ('pending' in measured) {
      lines.push(`${name} = ${value.display} (${measured.pending})`);
      continue;
    }
    lines.push(`${name} = ${'problem' in measured ? value.display : measured.shown}`);
    // One value is shown in the summary already; among several, a finding says which and what.
    const subject = only ? name : `${name} = ${'problem' in measured ? value.display : measured.shown}`;
    if ('problem' in measured) {
      findings.push({ status: 'UNKNOWN', text: `${subject} ${measured.problem}` });
      continue;
    }
    if (judge.rate) ratesComputed++;
    findings.push(...textFindings(subject, value, judge), ...thresholdFindings(subject, measured, judge));
    if (measured.number !== undefined) readings.push(readingOf(name, measured.number, measured.unit, judge));
  }

  if (judge.rate && ratesComputed === 0 && findings.length === 0) {
    return resultOf('PENDING', `first sample of ${lines.length === 1 ? lines[0] : `${lines.length} counters`}; rates are available from the next check`);
  }
  const summary = lines.length === 1 ? lines[0]! : `${query.mode === 'walk' ? `walk of ${query.oids[0]}` : 'get'}: ${values.length} values`;
  const result = findingsResult(summary, findings, readings);
  if (lines.length > 1 || context.truncated) {
    result.longOutput = [...(lines.length > 1 ? lines : []), ...(context.truncated ? [`(walk stopped after ${MAX_WALK_VALUES} values)`] : [])].join('\n');
  }
  return result;
}

/** The label (for a walk, label.<rest of the OID>), else the OID itself. */
function nameOf(oid: string, query: Query, count: number): string {
  if (query.label === undefined) return oid;
  if (query.mode === 'walk') {
    const root = query.oids[0]!;
    return oid.startsWith(`${root}.`) ? `${query.label}.${oid.slice(root.length + 1)}` : `${query.label}.${oid}`;
  }
  return count === 1 ? query.label : oid;
}

interface Measured {
  number: number | undefined;
  shown: string;
  unit: string | undefined;
}

function rateOf(value: SnmpValue, context: JudgeContext): Measured | { pending: string } | { problem: string } {
  if (value.integer === undefined || value.type === 'TimeTicks') return { problem: 'is not a counter, so it has no rate' };
  const sample = { value: value.integer, atMs: context.atMs, modulus: COUNTER_MODULUS[value.type] };
  // Keyed by check as well as OID: two checks of one OID on different schedules need their own.
  const rate = context.rates.update(`${context.check.checkId} ${value.oid}`, sample);
  if (rate.kind === 'first') return { pending: 'first sample' };
  if (rate.kind === 'reset') return { pending: 'the counter went back, as when the agent restarts; sampling again' };
  return { number: rate.perSecond, shown: `${round(rate.perSecond)}/s (counter ${value.integer})`, unit: '/s' };
}

/** Counters count (`c`), TimeTicks are read in seconds, other numbers have no unit. */
function unitOf(value: SnmpValue): string | undefined {
  if (value.type === 'TimeTicks') return 's';
  if (value.type === 'Counter32' || value.type === 'Counter64') return 'c';
  return undefined;
}

function textFindings(subject: string, value: SnmpValue, judge: Judgement): Finding[] {
  const findings: Finding[] = [];
  if (judge.expect !== undefined && value.text !== judge.expect) {
    findings.push({ status: 'CRITICAL', text: `${subject} is not ${JSON.stringify(judge.expect)}` });
  }
  if (judge.match !== undefined && !judge.match.test(value.text)) {
    findings.push({ status: 'CRITICAL', text: `${subject} does not match /${judge.match.source}/` });
  }
  return findings;
}

function thresholdFindings(subject: string, measured: Measured, judge: Judgement): Finding[] {
  if (judge.warning === undefined && judge.critical === undefined) return [];
  if (measured.number === undefined) return [{ status: 'UNKNOWN', text: `${subject} is not a number, so warning and critical cannot judge it` }];
  const beyond = (threshold: number) => (judge.below ? measured.number! < threshold : measured.number! > threshold);
  const unit = measured.unit === 's' || measured.unit === '/s' ? measured.unit : '';
  const side = judge.below ? 'below' : 'above';
  for (const [status, threshold] of [['CRITICAL', judge.critical], ['WARNING', judge.warning]] as const) {
    if (threshold !== undefined && beyond(threshold)) {
      return [{ status, text: `${subject} is ${side} the ${status.toLowerCase()} threshold ${threshold}${unit}` }];
    }
  }
  return [];
}

function readingOf(name: string, value: number, unit: string | undefined, judge: Judgement): Reading {
  const reading: Reading = { name, value };
  if (unit !== undefined) reading.unit = unit;
  if (judge.warning !== undefined) reading.warning = judge.warning;
  if (judge.critical !== undefined) reading.critical = judge.critical;
  return reading;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

interface FailureContext {
  what: string;
  target: string;
  timeoutMs: number;
  credentials: SnmpCredentials;
  signal: AbortSignal;
}

/** A request that got no usable answer, in words; secrets taken out of whatever net-snmp said. */
function requestFailure(error: unknown, context: FailureContext): EngineResult {
  const { target, credentials } = context;
  if (context.signal.aborted) return resultOf('TIMEOUT', `${context.what}: no answer from ${target} before the deadline`);
  const secrets = [credentials.community, credentials.user?.authKey, credentials.user?.privKey].filter((secret): secret is string => !!secret);
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  switch (error instanceof Error ? error.name : '') {
    case 'RequestTimedOutError': {
      const wrong = credentials.version === '3' ? 'the privacy password is wrong' : 'the community is wrong';
      return resultOf('CRITICAL', `no answer from the SNMP agent at ${target} (${TRIES} tries of ${context.timeoutMs} ms): it is down, ${wrong}, or it does not accept requests from here`);
    }
    case 'ResponseInvalidError':
      return resultOf('UNKNOWN', `the SNMP agent at ${target} refused the request: ${message}`);
    case 'RequestFailedError':
      return resultOf('UNKNOWN', `the SNMP agent at ${target} answered with an error: ${message}`);
  }
  const reason = describeConnectionError(error, target);
  if (reason !== undefined) return resultOf('CRITICAL', `${context.what} failed: ${reason}`);
  throw error instanceof Error ? new Error(message) : error;
}
