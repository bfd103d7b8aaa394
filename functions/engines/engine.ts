/**
 * The contract every check engine implements: `(check, parameters, deadline) -> result`.
 *
 * Engines know nothing of queues, databases or schedules. A worker hands an engine one check with
 * its parameters already resolved (functions/core/config/parameters.ts) and a deadline; the engine
 * answers with a result. A target that is down, refuses, times out or answers nonsense is a
 * result (CRITICAL, TIMEOUT, ERROR...), never an exception: `runCheck` (run-check.ts) turns an
 * engine that throws anyway into an ERROR result, holds the deadline, caps the output and takes
 * secrets out of it, so each engine only has to do its own job.
 */
import type { Reading } from '#core/reading.ts';
import type { Status } from '#core/status.ts';
import type { CheckParameters } from './parameters.ts';

export type { Reading };

/** What an engine is told about the check it runs. */
export interface EngineCheck {
  checkId: string;
  siteId: string;
  /** The check's name, e.g. `http` or `rabbitmq-connections`; for messages, never for logic. */
  name: string;
  /** The host the check is on, when it has one. */
  host?: { name: string; address?: string };
  command: {
    name: string;
    engine: string;
    /** How the engine runs it; `script` makes an `http` command a scripted check (Bergamot's routing). */
    executor?: string;
    /** The command's `<script>`, for engines that run scripts. */
    script?: string;
  };
  /** What this check may reach, from the site's settings. */
  network: NetworkPolicy;
}

export interface NetworkPolicy {
  /**
   * Whether link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254)
   * may be checked. Off unless a site turns it on: a check that can read the instance metadata
   * service can read the worker's AWS credentials.
   */
  allowMetadataAddresses: boolean;
}

export interface EngineResult {
  status: Status;
  /** The first line people read: `HTTP 200 OK in 12 ms`. */
  output: string;
  /** Further lines (a plugin's long output), when there are any. */
  longOutput?: string;
  readings: Reading[];
}

/** A finished check: the engine's result plus when it ran and for how long. */
export interface CheckResult extends EngineResult {
  startedAtMs: number;
  durationMs: number;
}

/**
 * When the check must be finished. Engines pass `signal` to whatever they wait on (sockets,
 * child processes, fetch) so that work stops at the deadline rather than carrying on unseen.
 */
export interface Deadline {
  /** Epoch milliseconds. */
  readonly atMs: number;
  /** Aborted when the deadline passes (or the worker gives up on the check). */
  readonly signal: AbortSignal;
  /** Milliseconds left, never below zero. */
  remainingMs(): number;
}

/** One parameter an engine reads, for validation messages and documentation. */
export interface ParameterSpec {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'duration' | 'list';
  required?: boolean;
  /** Used when the check does not set the parameter. */
  default?: string;
  description: string;
}

export interface Engine {
  /** The `engine` attribute of a `<command>` that selects this engine. */
  readonly name: string;
  readonly parameters: readonly ParameterSpec[];
  run(check: EngineCheck, parameters: CheckParameters, deadline: Deadline): Promise<EngineResult>;
  /** Releases what the engine holds for the process (a sandbox's worker thread); optional. */
  close?(): Promise<void>;
}

/** A result with no readings, the common case for failures. */
export function resultOf(status: Status, output: string, readings: Reading[] = []): EngineResult {
  return { status, output, readings };
}
