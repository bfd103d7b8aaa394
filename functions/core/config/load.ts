import { Diagnostics } from './diagnostics.ts';
import { type Definition, type SiteParameter, readDefinitions } from './definitions.ts';
import type { SiteModel } from './model.ts';
import { resolveSites } from './resolve.ts';
import { parseXmlDocument } from './xml-document.ts';

export interface ConfigFile {
  /** Path as the user should see it in messages (relative to where they ran the command). */
  path: string;
  text: string;
}

export interface LoadedConfiguration {
  sites: SiteModel[];
  diagnostics: Diagnostics;
  /** The files of each site, by site name: what an apply keeps with the change, to roll back to. */
  files: Map<string, ConfigFile[]>;
}

/**
 * Reads, validates and resolves a set of configuration files. Pure: the caller reads the files.
 * Every problem in every file is collected; the result is usable only when there are no errors.
 */
export function loadConfiguration(files: readonly ConfigFile[]): LoadedConfiguration {
  const diagnostics = new Diagnostics();
  const definitions: Definition[] = [];
  const siteParameters: SiteParameter[] = [];
  const filesBySite = new Map<string, ConfigFile[]>();
  for (const file of files) {
    const root = parseXmlDocument(file.path, file.text, diagnostics);
    if (!root) continue;
    const read = readDefinitions(root, diagnostics);
    definitions.push(...read.definitions);
    siteParameters.push(...read.siteParameters);
    if (read.site === undefined) continue;
    const siteFiles = filesBySite.get(read.site);
    if (siteFiles) siteFiles.push(file);
    else filesBySite.set(read.site, [file]);
  }
  return { sites: resolveSites(definitions, siteParameters, diagnostics), diagnostics, files: filesBySite };
}
