/**
 * Rolling a site's configuration back to an earlier change: the files that change was applied
 * from are read back, validated again as an upload is (the rules may have moved on since), and
 * applied as a new change that names the one it rolls back to. History is only ever added to:
 * the changes after the one rolled back to stay listed, and can themselves be rolled back to.
 */
import type { Database } from '#store/database.ts';
import { type ConfigDiff, diffSiteConfiguration } from '#store/config-diff.ts';
import { configChangeFiles, findConfigChange } from '#store/config-history.ts';
import { type ApplySummary, applySiteConfiguration } from '#store/site-config.ts';
import { loadUploadedConfiguration, type UploadedConfiguration } from './configuration-upload.ts';

export class ConfigChangeNotFoundError extends Error {
  constructor(readonly changeId: number) {
    super(`no configuration change ${changeId} in this site`);
  }
}

/** The change kept no files (it was applied before Vigil kept them): there is nothing to go back to. */
export class ConfigChangeWithoutFilesError extends Error {
  constructor(readonly changeId: number) {
    super(`configuration change ${changeId} was applied before Vigil kept the files of each change, so it cannot be rolled back to`);
  }
}

export type RollbackOutcome =
  | { valid: false; loaded: UploadedConfiguration }
  | { valid: true; loaded: UploadedConfiguration; diff: ConfigDiff; applied?: ApplySummary };

/**
 * Validates the files of change `changeId` of the site and, with `apply`, applies them. Answers
 * what rolling back changes (the diff) either way; with errors, what they are, and nothing changes.
 */
export async function rollBackConfiguration(
  db: Database,
  target: { siteId: string; siteName: string },
  changeId: number,
  options: { by: string; apply: boolean },
): Promise<RollbackOutcome> {
  const change = await findConfigChange(db, target.siteId, changeId);
  if (!change) throw new ConfigChangeNotFoundError(changeId);
  if (change.files.length === 0) throw new ConfigChangeWithoutFilesError(changeId);
  const files = await configChangeFiles(db, target.siteId, change);
  const loaded = loadUploadedConfiguration(Object.fromEntries(files.map((file) => [file.path, file.text])), target.siteName);
  if (!loaded.site) return { valid: false, loaded };
  const diff = await diffSiteConfiguration(db, loaded.site);
  if (!options.apply) return { valid: true, loaded, diff };
  const applied = await applySiteConfiguration(db, loaded.site, options.by, { source: files, rollbackOf: changeId });
  return { valid: true, loaded, diff, applied };
}
