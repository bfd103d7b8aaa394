import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ConfigFile } from '#core/config/load.ts';

/**
 * Collects the `.xml` files under the given paths (files or directories, recursively), in a
 * stable order so that diagnostics and "last definition wins" do not depend on the file system.
 */
export async function readConfigFiles(paths: readonly string[], cwd = process.cwd()): Promise<ConfigFile[]> {
  const found: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ConfigPathError(`no such file or directory: ${path}`);
    if (info.isDirectory()) found.push(...(await xmlFilesUnder(path)));
    else found.push(path);
  }
  const unique = [...new Set(found)].sort();
  return Promise.all(unique.map(async (path) => ({ path: relative(cwd, path) || path, text: await readFile(path, 'utf8') })));
}

async function xmlFilesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await xmlFilesUnder(path)));
    else if (entry.isFile() && entry.name.endsWith('.xml')) files.push(path);
  }
  return files;
}

export class ConfigPathError extends Error {
  override name = 'ConfigPathError';
}
