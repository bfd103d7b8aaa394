/**
 * Which programs the `nagios` engine may run. A command line comes from site configuration, and
 * whoever can write configuration must not thereby be able to run any program on the worker
 * (`/bin/sh -c ...`, `/usr/bin/curl` to the metadata service): only plugins inside the plugin
 * directories run.
 *
 * The directories are the worker's setting (VIGIL_NAGIOS_PLUGIN_DIRS), never a check parameter,
 * since a parameter would let configuration widen its own allow-list. A path is refused when it
 * is relative, holds a `.` or `..` segment, lies outside every directory, or is a symbolic link
 * leading outside them (Debian links check_ldaps to check_ldap inside the same directory, which
 * stays allowed). A bare name (`check_load`) is looked up in the directories in order.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';

/** Where Debian/Ubuntu, RHEL/Fedora (64-bit) and a source install of the plugins put them. */
export const DEFAULT_PLUGIN_DIRS: readonly string[] = ['/usr/lib/nagios/plugins', '/usr/lib64/nagios/plugins', '/usr/local/nagios/libexec'];

/** The plugin directories for this worker: VIGIL_NAGIOS_PLUGIN_DIRS (colon-separated), else the defaults. */
export function pluginDirsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string[] {
  const configured = environment['VIGIL_NAGIOS_PLUGIN_DIRS']?.split(':').map((dir) => dir.trim()).filter((dir) => dir !== '');
  return configured && configured.length > 0 ? configured : [...DEFAULT_PLUGIN_DIRS];
}

export type PluginLookup = { path: string } | { problem: string };

/** The absolute path of the plugin `executable` names, or why it may not run. */
export async function resolvePlugin(executable: string, pluginDirs: readonly string[]): Promise<PluginLookup> {
  const dirs = pluginDirs.map((dir) => normalize(dir).replace(/\/+$/, ''));
  const allowed = `the plugin directories (${dirs.join(', ')})`;
  if (!executable.includes('/')) {
    for (const dir of dirs) {
      const path = join(dir, executable);
      if (await exists(path)) return checkPlugin(path, dirs, allowed);
    }
    return { problem: `plugin ${executable} is not in any of ${allowed}` };
  }
  if (!isAbsolute(executable)) return { problem: `plugin path ${executable} must be absolute` };
  if (executable.split('/').some((segment) => segment === '..' || segment === '.')) {
    return { problem: `plugin path ${executable} must not contain '.' or '..' segments` };
  }
  const path = normalize(executable);
  if (!dirs.some((dir) => isInside(path, dir))) return { problem: `plugin ${path} is outside ${allowed}` };
  return checkPlugin(path, dirs, allowed);
}

async function checkPlugin(path: string, dirs: readonly string[], allowed: string): Promise<PluginLookup> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? `plugin ${path} does not exist` : `plugin ${path} cannot be read (${code})` };
  }
  const realDirs = await Promise.all(dirs.map((dir) => realpath(dir).catch(() => dir)));
  if (!realDirs.some((dir) => isInside(real, dir))) return { problem: `plugin ${path} leads to ${real}, outside ${allowed}` };
  const info = await stat(real);
  if (!info.isFile()) return { problem: `plugin ${path} is not a file` };
  try {
    await access(real, constants.X_OK);
  } catch {
    return { problem: `plugin ${path} is not executable` };
  }
  return { path };
}

function isInside(path: string, dir: string): boolean {
  return path.startsWith(dir + sep);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
