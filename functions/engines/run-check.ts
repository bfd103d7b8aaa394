/**
 * Runs one check with one engine and always returns a result: the deadline holds even when an
 * engine ignores its signal, an engine that throws gives ERROR, outputs are capped, and secret
 * parameter values are taken out of everything the result carries.
 */
import { formatDurationMs } from '#core/duration.ts';
import type { CheckResult, Deadline, Engine, EngineCheck, EngineResult, Reading } from './engine.ts';
import { CheckParameters, ParameterError } from './parameters.ts';
import { BlockedAddressError } from './network-policy.ts';

/** First line of output, as people read it in a list. */
export const MAX_OUTPUT_CHARS = 1_024;
/** Long output: enough for a plugin's detail, bounded so one check cannot bloat a batch. */
export const MAX_LONG_OUTPUT_CHARS = 16_384;
const MAX_READINGS = 100;
const REDACTED = '********';

export interface RunCheckOptions {
  /** How long the check may take. */
  timeoutMs: number;
  /** Epoch milliseconds now; tests pass a clock. */
  now?: () => number;
  /** Aborts the check early, e.g. when the worker is shutting down. */
  signal?: AbortSignal;
}

export async function runCheck(
  engine: Engine,
  check: EngineCheck,
  parameterValues: Record<string, string>,
  secretNames: readonly string[],
  options: RunCheckOptions,
): Promise<CheckResult> {
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const parameters = new CheckParameters(parameterValues, secretNames, engine.parameters);
  const deadline = createDeadline(startedAtMs + options.timeoutMs, now, options.signal);
  let result: EngineResult;
  try {
    result = await Promise.race([engine.run(check, parameters, deadline.deadline), deadline.expired]);
  } catch (error) {
    result = failureResult(error);
  } finally {
    deadline.dispose();
  }
  if (result === TIMED_OUT) {
    result = { status: 'TIMEOUT', output: `${check.command.engine} check did not finish within ${formatDurationMs(options.timeoutMs)}`, readings: [] };
  }
  return { ...sanitise(result, parameters.secrets()), startedAtMs, durationMs: Math.max(0, now() - startedAtMs) };
}

const TIMED_OUT = { status: 'TIMEOUT', output: '', readings: [] } as const satisfies EngineResult;

function createDeadline(atMs: number, now: () => number, outer: AbortSignal | undefined) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<EngineResult>((resolve) => {
    const expire = () => {
      controller.abort(new Error('deadline passed'));
      resolve(TIMED_OUT);
    };
    timer = setTimeout(expire, Math.max(0, atMs - now()));
    outer?.addEventListener('abort', expire, { once: true });
  });
  const deadline: Deadline = {
    atMs,
    signal: controller.signal,
    remainingMs: () => Math.max(0, atMs - now()),
  };
  return { deadline, expired, dispose: () => clearTimeout(timer) };
}

function failureResult(error: unknown): EngineResult {
  if (error instanceof ParameterError) return { status: 'ERROR', output: `Bad configuration: ${error.message}`, readings: [] };
  if (error instanceof BlockedAddressError) return { status: 'ERROR', output: error.message, readings: [] };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'ERROR', output: `Check failed: ${message}`, readings: [] };
}

function sanitise(result: EngineResult, secrets: readonly string[]): EngineResult {
  const clean = (text: string) => redact(text, secrets);
  const sanitised: EngineResult = {
    status: result.status,
    output: cap(clean(result.output), MAX_OUTPUT_CHARS),
    readings: result.readings.slice(0, MAX_READINGS).map((reading): Reading => ({ ...reading, name: clean(reading.name) })),
  };
  if (result.longOutput) sanitised.longOutput = cap(clean(result.longOutput), MAX_LONG_OUTPUT_CHARS);
  return sanitised;
}

/** Replaces every occurrence of each secret (longest first, so a secret inside another goes too). */
export function redact(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < 3) continue; // "1" or "ab" would blank out ordinary text
    redacted = redacted.split(secret).join(REDACTED);
  }
  return redacted;
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
