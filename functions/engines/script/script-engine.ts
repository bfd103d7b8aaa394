/**
 * The `script` engine: Bergamot's scripted checks. A command with `executor="script"` (Bergamot's
 * `http-script-check` and everything that extends it: the RabbitMQ and HAProxy checks) carries
 * JavaScript in its `<script>`; this engine runs it with Bergamot's scripting API (`bergamot`,
 * `check`, `http.check()`, see guest/bergamot-api.js) in a QuickJS sandbox in a worker thread
 * (sandbox.ts), with a memory cap, a stack cap, a hard time limit and HTTP only through the
 * check's network policy.
 *
 * @example
 * ```xml
 * <command name="rabbitmq-active-connections" engine="http" executor="script">
 *   <parameter name="host">#{host.address}</parameter>
 *   <parameter name="port">15672</parameter>
 *   <script>
 *     http.check().connect(check.getParameter('host')).port(check.getIntParameter('port'))
 *       .get('/api/overview').execute(
 *         function (r) { bergamot.ok('RabbitMQ answered ' + r.status()); },
 *         function (e) { bergamot.error(e); });
 *   </script>
 * </command>
 * ```
 */
import { resultOf, type Engine, type EngineResult, type ParameterSpec } from '../engine.ts';
import { ScriptSandbox, type SandboxOptions } from './sandbox.ts';
import { scriptResult, UNSUPPORTED_SCRIPT_OBJECTS } from './script-result.ts';

const MIB = 1024 * 1024;

export const SCRIPT_LIMITS: Readonly<SandboxOptions> = {
  /** The worker's whole WebAssembly memory, shared by the scripts it runs at once. */
  wasmMemoryBytes: 64 * MIB,
  /** One script's heap: a 1 MiB API response parsed into objects fits several times over. */
  scriptMemoryBytes: 16 * MIB,
  /** Larger stacks let deep recursion overflow Node's own stack instead (TOOLCHAIN.md). */
  stackBytes: 256 * 1024,
  /** Bergamot's scripts make one request; a few more allow a login or a follow-up. */
  maxRequestsPerRun: 10,
  /** As the http engine: enough for any management API's answer about one object. */
  maxResponseBytes: 1 * MIB,
};

/**
 * How long before the check's deadline a script is stopped, so that the engine's TIMEOUT, which
 * says what the script was doing, arrives before runCheck's generic one.
 */
const STOP_BEFORE_DEADLINE_MS = 50;

const PARAMETERS: readonly ParameterSpec[] = [
  {
    name: 'script',
    type: 'string',
    description: "the script, when the command has no <script> element (older Bergamot configuration set it as a parameter); every other parameter is the script's own, read with check.getParameter()",
  },
];

/**
 * Whether a command runs in the script engine. Bergamot picks the code that runs a check by its
 * engine and executor together: `engine="http" executor="script"` is a scripted HTTP check.
 * Route such commands to the engine named `script`; the check keeps its command's engine name
 * (`http`), which this engine reads to refuse scripts for engines it cannot serve.
 */
export function isScriptedCommand(command: { engine: string; executor?: string }): boolean {
  return command.executor?.toLowerCase() === 'script' || command.engine === 'script';
}

export interface ScriptEngine extends Engine {
  /** Starts the sandbox's worker now, e.g. while a Lambda initialises, rather than at the first check. */
  start(): Promise<void>;
  /** Stops the sandbox's worker; checks still running end with ERROR. */
  close(): Promise<void>;
}

export function createScriptEngine(limits: Partial<SandboxOptions> = {}): ScriptEngine {
  const settings = { ...SCRIPT_LIMITS, ...limits };
  const sandbox = new ScriptSandbox(settings);
  return {
    name: 'script',
    parameters: PARAMETERS,
    start: () => sandbox.start(),
    close: () => sandbox.close(),
    async run(check, parameters, deadline): Promise<EngineResult> {
      const source = check.command.script ?? parameters.optional('script');
      if (source === undefined || source.trim() === '') return resultOf('ERROR', `command '${check.command.name}' has no <script> to run`);
      const object = UNSUPPORTED_SCRIPT_OBJECTS[check.command.engine];
      if (object !== undefined) {
        return resultOf('ERROR', `script uses \`${object}\` (Bergamot's ${check.command.engine} scripting), which this engine does not provide: Vigil runs scripts against HTTP APIs only`);
      }
      const values: Record<string, string> = {};
      for (const name of parameters.names()) values[name] = parameters.string(name);
      const budgetMs = deadline.remainingMs();
      const outcome = await sandbox.run({
        source,
        parameters: values,
        stopAtMs: deadline.atMs - STOP_BEFORE_DEADLINE_MS,
        policy: check.network,
        signal: deadline.signal,
      });
      return scriptResult(outcome, { budgetMs, scriptMemoryBytes: settings.scriptMemoryBytes });
    },
  };
}

/** The engine a worker registers: one sandbox worker for the process. */
export const scriptEngine = createScriptEngine();
