/**
 * Runs one plugin process and collects what it printed, so that nothing it starts outlives the
 * check:
 * - no shell: the program and its arguments are passed to exec as they are;
 * - its own process group (`detached`), so the whole tree can be signalled at once: at the
 *   deadline the group gets SIGTERM, then SIGKILL after a short grace; when the plugin exits, any
 *   process it left behind in its group is killed (a plugin has no business leaving daemons);
 * - a minimal environment: the worker's own variables (AWS credentials, database URLs) are not
 *   the plugin's to read;
 * - stdout kept up to a cap and stderr up to a smaller one; the rest is read and dropped, so a
 *   chatty plugin neither blocks on a full pipe nor fills the worker's memory.
 * A process that leaves its group (setsid) escapes the group kill; only a container or cgroup
 * limit could catch that.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

/** Plenty for any plugin's output; Nagios itself keeps far less. */
export const MAX_STDOUT_BYTES = 64 * 1024;
/** stderr only explains a failure: its first lines are enough. */
const MAX_STDERR_BYTES = 4 * 1024;
/** Time a plugin gets to clean up after SIGTERM at the deadline before SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 1_000;

/** Everything a plugin gets from its environment. */
export const PLUGIN_ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C',
  LC_ALL: 'C',
};

export interface PluginRun {
  /** The exit code, or null when a signal ended the plugin. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Whether stdout was longer than MAX_STDOUT_BYTES (and `stdout` holds only its start). */
  stdoutTruncated: boolean;
  stderr: string;
  /** Whether the deadline stopped the plugin. */
  killed: boolean;
}

export interface RunPluginOptions {
  signal: AbortSignal;
  killGraceMs?: number;
}

/** Runs `path` with `args`; rejects only when the process cannot be started at all. */
export function runPlugin(path: string, args: readonly string[], options: RunPluginOptions): Promise<PluginRun> {
  const { signal } = options;
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...PLUGIN_ENVIRONMENT },
      cwd: tmpdir(),
      windowsHide: true,
    });
    const stdout = new CappedBuffer(MAX_STDOUT_BYTES);
    const stderr = new CappedBuffer(MAX_STDERR_BYTES);
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));

    let exited = false;
    let killed = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const killGroup = (signalName: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signalName);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const onAbort = () => {
      killed = true;
      if (exited) {
        // Only something that escaped the group still holds the pipes: stop waiting for it.
        child.stdout.destroy();
        child.stderr.destroy();
        return;
      }
      killGroup('SIGTERM');
      killTimer = setTimeout(() => {
        killGroup('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
      }, graceMs);
    };

    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      reject(error);
    });
    child.once('exit', (code, signalName) => {
      exited = true;
      exitCode = code;
      exitSignal = signalName;
      killGroup('SIGKILL');
    });
    child.once('close', () => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      resolve({
        exitCode,
        signal: exitSignal,
        stdout: stdout.text(),
        stdoutTruncated: stdout.truncated,
        stderr: stderr.text(),
        killed,
      });
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Keeps the first `max` bytes written to it and counts the rest. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated ||= chunk.length > 0;
      return;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
    if (kept.length < chunk.length) this.truncated = true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
