/**
 * The messages that travel between Vigil's functions, and the events they publish. Plain JSON,
 * versioned (`v`), read back with `parse...` functions that name the field that is wrong, so a
 * malformed message is reported rather than half-processed.
 *
 *   scheduler --CheckJob--> region's check queue --> worker --ResultMessage--> results queue --> result processor
 *   check queue's DLQ --> dlq consumer --ResultMessage (ERROR)--> results queue
 *   result processor --CheckStateChanged--> event bus --> notifier queue (and any rule a team adds)
 */
import type { Reading } from './reading.ts';
import { isStatus, type Status } from './status.ts';

/** What a worker needs to run one check once: everything, so workers never read the database. */
export interface CheckJob {
  v: 1;
  siteId: string;
  checkId: string;
  /** Where it runs from; null for the home region's default location. */
  locationId: string | null;
  /** When it was due (epoch ms): identifies this run, and orders its result. */
  dueAtMs: number;
  /** A worker that receives the job after this drops it: the next scheduled run is near. */
  startByMs: number;
  /** How long the check may run. */
  timeoutMs: number;
  /** Set for "run now": skipped the schedule and the delay. */
  runNow?: boolean;
  check: {
    name: string;
    host?: { name: string; address?: string };
    /** `executor` as the command has it: `script` makes an http command a scripted check (Bergamot's routing). */
    command: { name: string; engine: string; executor?: string; script?: string };
    /** Resolved parameter values; those named in `secretNames` are secrets (never logged). */
    parameters: Record<string, string>;
    secretNames: string[];
    allowMetadataAddresses: boolean;
  };
}

/** Who produced a result. */
export type ResultSource = 'worker' | 'dead-letter' | 'overdue' | 'passive';

/** One result of one check from one location, on its way to the result processor. */
export interface ResultMessage {
  v: 1;
  siteId: string;
  checkId: string;
  locationId: string | null;
  /** The run this result is for (the job's dueAtMs); results are applied in this order. */
  dueAtMs: number;
  status: Status;
  output: string;
  longOutput?: string;
  readings: Reading[];
  startedAtMs: number;
  durationMs: number;
  source: ResultSource;
  /** The region (or local worker) that produced it, for diagnosis. */
  producer: string;
}

/** Published after commit for every hard state change (EventBridge detail-type `CheckStateChanged`). */
export interface CheckStateChanged {
  siteId: string;
  checkId: string;
  checkName: string;
  kind: string;
  hostName?: string;
  fromStatus: Status;
  toStatus: Status;
  /** Whether the new state is a recovery (a problem became healthy). */
  recovery: boolean;
  output: string;
  atMs: number;
  /** Groups the check is in, for routing rules. */
  groups: string[];
}

export const EVENT_SOURCE = 'vigil';
export const CHECK_STATE_CHANGED = 'CheckStateChanged';

export class MessageError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MessageError';
  }
}

/** Reads a CheckJob from a queue message body; throws MessageError naming the bad field. */
export function parseCheckJob(body: string): CheckJob {
  const job = parseObject(body, 'job');
  expectVersion(job);
  const check = object(job, 'check');
  const command = object(check, 'check.command', 'command');
  return {
    v: 1,
    siteId: text(job, 'siteId'),
    checkId: text(job, 'checkId'),
    locationId: nullableText(job, 'locationId'),
    dueAtMs: integer(job, 'dueAtMs'),
    startByMs: integer(job, 'startByMs'),
    timeoutMs: integer(job, 'timeoutMs'),
    ...(job.runNow === true ? { runNow: true } : {}),
    check: {
      name: text(check, 'check.name', 'name'),
      ...(check.host !== undefined ? { host: host(object(check, 'check.host', 'host')) } : {}),
      command: {
        name: text(command, 'check.command.name', 'name'),
        engine: text(command, 'check.command.engine', 'engine'),
        ...(command.executor !== undefined ? { executor: text(command, 'check.command.executor', 'executor') } : {}),
        ...(command.script !== undefined ? { script: text(command, 'check.command.script', 'script') } : {}),
      },
      parameters: stringRecord(check, 'check.parameters', 'parameters'),
      secretNames: stringArray(check, 'check.secretNames', 'secretNames'),
      allowMetadataAddresses: check.allowMetadataAddresses === true,
    },
  };
}

/** Reads a ResultMessage from a queue message body; throws MessageError naming the bad field. */
export function parseResultMessage(body: string): ResultMessage {
  const result = parseObject(body, 'result');
  expectVersion(result);
  const status = text(result, 'status');
  if (!isStatus(status)) throw new MessageError('status', `'${status}' is not a status`);
  const readings = result.readings;
  if (!Array.isArray(readings)) throw new MessageError('readings', 'must be an array');
  const source = text(result, 'source');
  if (!['worker', 'dead-letter', 'overdue', 'passive'].includes(source)) throw new MessageError('source', `'${source}' is not a result source`);
  return {
    v: 1,
    siteId: text(result, 'siteId'),
    checkId: text(result, 'checkId'),
    locationId: nullableText(result, 'locationId'),
    dueAtMs: integer(result, 'dueAtMs'),
    status,
    output: typeof result.output === 'string' ? result.output : '',
    ...(typeof result.longOutput === 'string' ? { longOutput: result.longOutput } : {}),
    readings: readings.map((reading, i) => parseReading(reading, `readings[${i}]`)),
    startedAtMs: integer(result, 'startedAtMs'),
    durationMs: integer(result, 'durationMs'),
    source: source as ResultSource,
    producer: typeof result.producer === 'string' ? result.producer : 'unknown',
  };
}

/**
 * What the notifier's queue carries: `CheckStateChanged` events as EventBridge delivers them to
 * an SQS target (the whole envelope: `detail-type`, `detail`...), and the notifier's own
 * wake-ups, sent with a delay to deliver what has come due (`{"v":1,"type":"deliver"}`).
 */
export type NotifierMessage = { type: 'state-changed'; event: CheckStateChanged } | { type: 'deliver' };

export const DELIVER_WAKE_UP = JSON.stringify({ v: 1, type: 'deliver' });

export function parseNotifierMessage(body: string): NotifierMessage {
  const message = parseObject(body, 'message');
  if (message.type === 'deliver') return { type: 'deliver' };
  if (message['detail-type'] !== CHECK_STATE_CHANGED) {
    throw new MessageError('detail-type', `expected '${CHECK_STATE_CHANGED}' or a deliver wake-up, got ${JSON.stringify(message['detail-type'])}`);
  }
  const detail = object(message, 'detail');
  const status = (key: string): Status => {
    const value = text(detail, `detail.${key}`, key);
    if (!isStatus(value)) throw new MessageError(`detail.${key}`, `'${value}' is not a status`);
    return value;
  };
  const hostName = nullableText(detail, 'hostName');
  return {
    type: 'state-changed',
    event: {
      siteId: text(detail, 'detail.siteId', 'siteId'),
      checkId: text(detail, 'detail.checkId', 'checkId'),
      checkName: text(detail, 'detail.checkName', 'checkName'),
      kind: text(detail, 'detail.kind', 'kind'),
      ...(hostName ? { hostName } : {}),
      fromStatus: status('fromStatus'),
      toStatus: status('toStatus'),
      recovery: detail.recovery === true,
      output: typeof detail.output === 'string' ? detail.output : '',
      atMs: integer(detail, 'atMs'),
      groups: Array.isArray(detail.groups) ? detail.groups.filter((g): g is string => typeof g === 'string') : [],
    },
  };
}

type Json = Record<string, unknown>;

function parseObject(body: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MessageError(what, 'is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MessageError(what, 'is not a JSON object');
  return value as Json;
}

function expectVersion(value: Json): void {
  if (value.v !== 1) throw new MessageError('v', `unsupported message version ${JSON.stringify(value.v)}`);
}

function object(parent: Json, path: string, key = path): Json {
  const value = parent[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MessageError(path, 'must be an object');
  return value as Json;
}

function text(parent: Json, path: string, key = path): string {
  const value = parent[key];
  if (typeof value !== 'string' || value === '') throw new MessageError(path, 'must be a non-empty string');
  return value;
}

function nullableText(parent: Json, key: string): string | null {
  const value = parent[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new MessageError(key, 'must be a string or null');
  return value;
}

function integer(parent: Json, key: string): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new MessageError(key, 'must be an integer');
  return value;
}

function stringRecord(parent: Json, path: string, key: string): Record<string, string> {
  const value = object(parent, path, key);
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new MessageError(`${path}.${name}`, 'must be a string');
  }
  return value as Record<string, string>;
}

function stringArray(parent: Json, path: string, key: string): string[] {
  const value = parent[key];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new MessageError(path, 'must be an array of strings');
  return value as string[];
}

function host(value: Json): { name: string; address?: string } {
  return {
    name: text(value, 'check.host.name', 'name'),
    ...(typeof value.address === 'string' ? { address: value.address } : {}),
  };
}

function parseReading(value: unknown, path: string): Reading {
  if (typeof value !== 'object' || value === null) throw new MessageError(path, 'must be an object');
  const reading = value as Json;
  const name = text(reading, `${path}.name`, 'name');
  if (typeof reading.value !== 'number' || !Number.isFinite(reading.value)) throw new MessageError(`${path}.value`, 'must be a finite number');
  const parsed: Reading = { name, value: reading.value };
  if (typeof reading.unit === 'string') parsed.unit = reading.unit;
  for (const bound of ['warning', 'critical', 'min', 'max'] as const) {
    const limit = reading[bound];
    if (typeof limit === 'number' && Number.isFinite(limit)) parsed[bound] = limit;
  }
  return parsed;
}
