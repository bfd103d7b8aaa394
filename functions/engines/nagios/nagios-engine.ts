/**
 * The `nagios` engine: runs a Nagios plugin and reads its exit code and output, as Bergamot's
 * `check-nagios` commands expect:
 *
 * ```xml
 * <command name="check-local-load" extends="check-nagios">
 *     <parameter name="command_line">#{global.nagios_path}/check_load -w #{arg1} -c #{arg2}</parameter>
 * </command>
 * ```
 *
 * The command line arrives with its expressions already resolved. It is split into words without
 * a shell (command-line.ts), the program must be a plugin inside the worker's plugin directories
 * (plugin-path.ts), and the process runs in its own group with a minimal environment and is
 * killed, with everything it started, at the deadline (run-plugin.ts). Exit codes 0-3 are OK,
 * WARNING, CRITICAL and UNKNOWN; the output's performance data become readings
 * (plugin-output.ts).
 */
import { basename } from 'node:path';
import { resultOf, type Engine, type EngineResult, type ParameterSpec } from '../engine.ts';
import { ParameterError } from '../parameters.ts';
import { CommandLineError, splitCommandLine } from './command-line.ts';
import { pluginResult } from './plugin-output.ts';
import { pluginDirsFromEnvironment, resolvePlugin } from './plugin-path.ts';
import { MAX_STDOUT_BYTES, runPlugin, type PluginRun } from './run-plugin.ts';

const PARAMETERS: ParameterSpec[] = [
  {
    name: 'command_line',
    type: 'string',
    required: true,
    description: 'The plugin and its arguments, e.g. /usr/lib/nagios/plugins/check_load -w 5,4,3 -c 10,8,6; quoted as in a shell, but run without one',
  },
];

export interface NagiosEngineOptions {
  /** Directories plugins may be run from. @defaultValue VIGIL_NAGIOS_PLUGIN_DIRS, else DEFAULT_PLUGIN_DIRS */
  pluginDirs?: readonly string[];
  /** How long a plugin gets between SIGTERM and SIGKILL at the deadline. @defaultValue 1000 */
  killGraceMs?: number;
}

export function createNagiosEngine(options: NagiosEngineOptions = {}): Engine {
  const pluginDirs = options.pluginDirs ?? pluginDirsFromEnvironment();
  return {
    name: 'nagios',
    parameters: PARAMETERS,
    async run(_check, parameters, deadline) {
      let words: string[];
      try {
        words = splitCommandLine(parameters.string('command_line'));
      } catch (error) {
        if (error instanceof CommandLineError) throw new ParameterError('command_line', error.message);
        throw error;
      }
      const [executable, ...args] = words;
      if (executable === undefined) throw new ParameterError('command_line', 'is empty');

      const plugin = await resolvePlugin(executable, pluginDirs);
      if ('problem' in plugin) return resultOf('ERROR', `Cannot run plugin: ${plugin.problem}`);
      const name = basename(plugin.path);
      if (deadline.signal.aborted) return resultOf('TIMEOUT', `${name} was not started: the deadline had passed`);

      let run: PluginRun;
      try {
        run = await runPlugin(plugin.path, args, { signal: deadline.signal, killGraceMs: options.killGraceMs });
      } catch (error) {
        return resultOf('ERROR', `Cannot run plugin ${plugin.path}: ${(error as Error).message}`);
      }
      return resultOfRun(name, run);
    },
  };
}

/** The engine with the worker's plugin directories. */
export const nagiosEngine: Engine = createNagiosEngine();

function resultOfRun(name: string, run: PluginRun): EngineResult {
  if (run.killed) return resultOf('TIMEOUT', `${name} did not finish before the deadline and was killed`);
  // A truncated last line may hold half a performance datum, which would read as a wrong number.
  const stdout = run.stdoutTruncated ? run.stdout.slice(0, run.stdout.lastIndexOf('\n') + 1) : run.stdout;
  const stderrLine = run.stderr.trim().split('\n')[0];
  const text = stdout.trim() === '' && stderrLine ? `(no output on stdout; stderr: ${stderrLine})` : stdout;

  // A plugin ended by a signal (a crash, the OOM killer) told us nothing: UNKNOWN, saying why.
  const result = pluginResult(run.exitCode ?? 3, text);
  if (run.exitCode === null) result.output = `${name} was killed by ${run.signal ?? 'a signal'}: ${result.output}`;
  if (run.stdoutTruncated) {
    const note = `(output cut at ${MAX_STDOUT_BYTES / 1024} KiB)`;
    result.longOutput = result.longOutput ? `${result.longOutput}\n${note}` : note;
  }
  return result;
}
