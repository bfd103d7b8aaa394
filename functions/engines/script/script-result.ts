/**
 * How a script run ended, as the check result an on-call engineer reads. What the script
 * published is checked again here: the guest API builds it, but a script can reach round it.
 */
import { formatDurationMs } from '#core/duration.ts';
import { isStatus, type Status } from '#core/status.ts';
import { resultOf, type EngineResult, type Reading } from '../engine.ts';
import type { GuestReading } from './sandbox-protocol.ts';
import type { RunOutcome } from './sandbox.ts';

/**
 * Engines whose scripts need an object Vigil does not provide, and that object's name in
 * Bergamot: a JDBC script gets `jdbc`, an SNMP script the SNMP `agent`, and so on. A script that
 * uses one is told so by name rather than with a bare ReferenceError.
 */
export const UNSUPPORTED_SCRIPT_OBJECTS: Readonly<Record<string, string>> = {
  jdbc: 'jdbc',
  jmx: 'jmx',
  snmp: 'agent',
  agent: 'readings',
  ssh: 'ssh',
  sftp: 'sftp',
};

export interface OutcomeContext {
  /** How long the script had, for TIMEOUT messages. */
  budgetMs: number;
  scriptMemoryBytes: number;
}

export function scriptResult(outcome: RunOutcome, context: OutcomeContext): EngineResult {
  const budget = formatDurationMs(Math.round(context.budgetMs / 100) * 100);
  switch (outcome.kind) {
    case 'finished': {
      const readings = outcome.readings.map(toReading).filter((reading): reading is Reading => reading !== undefined);
      const notes = outcome.notes.filter((note) => typeof note === 'string');
      const result: EngineResult = published(outcome.result, readings);
      if (notes.length > 0) result.longOutput = notes.join('\n');
      return result;
    }
    case 'thrown':
      return thrownResult(outcome);
    case 'interrupted':
      return resultOf('TIMEOUT', `script was still running after ${budget} and was stopped (a loop that never ends?)`);
    case 'killed':
      return resultOf('TIMEOUT', `script was still running after ${budget} and would not stop, so its sandbox was restarted (a slow built-in such as JSON.parse called in a loop?)`);
    case 'stopped-waiting':
      return resultOf(
        'TIMEOUT',
        outcome.waitingFor.length > 0
          ? `script did not finish within ${budget}: still waiting for ${outcome.waitingFor.join(', ')}`
          : `script did not finish within ${budget} (it had not started: the sandbox was busy or starting)`,
      );
    case 'out-of-memory':
      return resultOf('ERROR', `script ran out of memory (a script may use ${context.scriptMemoryBytes / 1024 / 1024} MiB)`);
    case 'sandbox-failed':
      return resultOf('ERROR', `script could not run to the end: ${outcome.reason}`);
  }
}

function published(result: { status: string; output: string } | null, readings: Reading[]): EngineResult {
  if (result === null) {
    return resultOf('ERROR', 'script finished without publishing a result (it must call bergamot.ok(), bergamot.publish() or the like)', readings);
  }
  const status = String(result.status);
  if (!isStatus(status) || status === 'PENDING') return resultOf('ERROR', `script published an unknown status '${status}'`, readings);
  const output = String(result.output ?? '');
  if (status === 'ERROR' && output === '') return resultOf('ERROR', 'script reported an error without a message', readings);
  return resultOf(status satisfies Status, output, readings);
}

function thrownResult(thrown: Extract<RunOutcome, { kind: 'thrown' }>): EngineResult {
  if (thrown.name === 'ParameterError') return resultOf('ERROR', `Bad configuration: ${thrown.message}`);
  const missing = /^'?([\w$]+)'? is not defined$/.exec(thrown.message)?.[1];
  if (thrown.name === 'ReferenceError' && missing !== undefined && Object.values(UNSUPPORTED_SCRIPT_OBJECTS).includes(missing)) {
    return resultOf('ERROR', `script uses \`${missing}\`, which this engine does not provide (scripts get bergamot, check and http)`);
  }
  const where = thrown.line === undefined ? 'Script error' : `Script error at line ${thrown.line}`;
  const what = thrown.message === 'stack overflow' ? 'stack overflow (recursion too deep)' : thrown.name === 'Error' ? thrown.message : `${thrown.name}: ${thrown.message}`;
  const result = resultOf('ERROR', `${where}: ${what}`);
  if (thrown.stack) result.longOutput = thrown.stack;
  return result;
}

function toReading(guest: GuestReading): Reading | undefined {
  if (typeof guest.name !== 'string' || guest.name === '' || !isNumber(guest.value)) return undefined;
  const reading: Reading = { name: guest.name, value: guest.value };
  if (typeof guest.unit === 'string' && guest.unit !== '') reading.unit = guest.unit;
  for (const field of ['warning', 'critical', 'min', 'max'] as const) {
    const value = guest[field];
    if (isNumber(value)) reading[field] = value;
  }
  return reading;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
