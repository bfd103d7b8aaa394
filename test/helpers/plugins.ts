/**
 * Nagios plugins for tests: the real ones Debian installs, and small shell scripts written into a
 * temporary plugin directory of their own (a plugin that hangs, one that leaves a child behind...).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's monitoring-plugins-basic and -standard put the plugins. */
export const DEBIAN_PLUGIN_DIR = '/usr/lib/nagios/plugins';

/** Why tests of real plugins cannot run here, or undefined when they can. */
export function missingPlugins(...names: string[]): string | undefined {
  const missing = names.filter((name) => !existsSync(join(DEBIAN_PLUGIN_DIR, name)));
  return missing.length === 0 ? undefined : `${missing.join(', ')} not installed (apt-get install monitoring-plugins-basic monitoring-plugins-standard)`;
}

export interface ScriptDir {
  dir: string;
  /** The path of a script written with `write`. */
  path(name: string): string;
  /** Writes an executable `#!/bin/sh` script. */
  write(name: string, body: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createScriptDir(): Promise<ScriptDir> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-plugins-'));
  const path = (name: string) => join(dir, name);
  return {
    dir,
    path,
    async write(name, body) {
      await writeFile(path(name), `#!/bin/sh\n${body}\n`);
      await chmod(path(name), 0o755);
      return path(name);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Whether a process is still running. A zombie counts as gone: it has stopped, and in a
 * container whose init does not reap orphans it would otherwise look alive forever.
 */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ...": comm may hold spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is gone within `withinMs`: a process group killed with SIGKILL dies at once, but
 * the kernel may record a member's death a moment after the call returns, on a loaded machine.
 */
export async function stopsRunning(pid: number, withinMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (await isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Reads the pid a script wrote to `file`. */
export async function readPid(file: string): Promise<number> {
  const pid = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file} holds no pid`);
  return pid;
}
