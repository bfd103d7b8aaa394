import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfiguration, type LoadedConfiguration } from '#core/config/load.ts';
import type { HostModel, SiteModel } from '#core/config/model.ts';

/** The shared corpus of real Bergamot configuration; tests fail loudly when it is missing. */
export const CORPUS_DIR = resolve(import.meta.dirname, '../../../shared/corpus');

export function requireCorpus(subdirectory: string): string {
  const path = resolve(CORPUS_DIR, subdirectory);
  if (!existsSync(path)) throw new Error(`the configuration corpus is missing at ${path}: clone the project beside shared/`);
  return path;
}

/** Wraps XML fragments in a <bergamot> file and loads them; each entry of `files` is one file. */
export function loadXml(files: Record<string, string>, site = 'test'): LoadedConfiguration {
  return loadConfiguration(
    Object.entries(files).map(([path, body]) => ({ path, text: `<bergamot site="${site}">\n${body}\n</bergamot>\n` })),
  );
}

export function onlySite(loaded: LoadedConfiguration): SiteModel {
  const [site] = loaded.sites;
  if (!site || loaded.sites.length !== 1) throw new Error(`expected one site, got ${loaded.sites.length}`);
  return site;
}

export function hostNamed(site: SiteModel, name: string): HostModel {
  const host = site.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host '${name}' in ${site.hosts.map((h) => h.name).join(', ')}`);
  return host;
}

/** Diagnostics as `line:column severity message` strings, for compact assertions. */
export function diagnosticLines(loaded: LoadedConfiguration): string[] {
  return loaded.diagnostics.sorted().map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}`);
}
