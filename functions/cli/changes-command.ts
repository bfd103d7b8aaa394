import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { type ConfigDiff, diffSiteConfiguration, type ObjectRef } from '#store/config-diff.ts';
import { listConfigChanges } from '#store/config-history.ts';
import type { Database } from '#store/database.ts';
import { ConfigChangeNotFoundError, ConfigChangeWithoutFilesError, rollBackConfiguration } from '#actions/configuration-rollback.ts';
import { withCliDatabase } from './database.ts';
import { loadFiles } from './vigil.ts';

/**
 * Online configuration changes from the command line: `vigil diff` (what applying would add,
 * change and remove), `vigil history` (the changes applied, newest first) and `vigil rollback`
 * (apply an earlier change's files again, as a new change).
 */

/** `vigil diff <dir|file...>`: validates, then compares each site with what is stored. Changes nothing. */
export async function diffCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
  if (positionals.length === 0) {
    console.error('vigil: diff needs at least one directory or file');
    return 2;
  }
  const loaded = await loadFiles(positionals);
  if (!loaded) return 2;
  for (const d of loaded.diagnostics.sorted()) console.error(formatDiagnostic(d));
  if (loaded.diagnostics.errorCount > 0) {
    console.error(`vigil: ${loaded.diagnostics.errorCount} errors; fix them first, a configuration with errors cannot be applied`);
    return 1;
  }
  return withCliDatabase(values['data-dir'], async (sql) => {
    for (const site of loaded.sites) printDiff(site.name, await diffSiteConfiguration(sql, site));
    return 0;
  });
}

/** `vigil history [--site NAME] [--limit N]`: the changes applied, newest first. */
export async function historyCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { site: { type: 'string' }, limit: { type: 'string', default: '20' }, 'data-dir': { type: 'string' } },
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`vigil: --limit must be a positive whole number, not '${values.limit}'`);
    return 2;
  }
  return withCliDatabase(values['data-dir'], async (sql) => {
    const sites = await sitesNamed(sql, values.site);
    if (!sites) return 2;
    for (const site of sites) {
      console.log(`site ${site.name}:`);
      const changes = await listConfigChanges(sql, site.id, { limit });
      if (changes.length === 0) console.log('  no changes applied');
      for (const change of changes) {
        const { checks, writtenChecks, removedChecks } = change.summary;
        const rollback = change.rollbackOf === null ? '' : `, rolled back to change ${change.rollbackOf}`;
        const files = change.files.length === 0 ? 'files not kept' : `${change.files.length} file${change.files.length === 1 ? '' : 's'}`;
        console.log(`  change ${change.id}  ${new Date(change.appliedAtMs).toISOString()}  by ${change.appliedBy}: ` +
          `${checks ?? '?'} checks, ${writtenChecks ?? '?'} written, ${removedChecks ?? '?'} removed; ${files}${rollback}`);
      }
    }
    return 0;
  });
}

/** `vigil rollback <change> [--dry-run] [--by NAME]`: applies the files of an earlier change again. */
export async function rollbackCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean' }, by: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const changeId = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(changeId) || changeId < 1) {
    console.error('vigil: rollback needs one change number (see vigil history)');
    return 2;
  }
  return withCliDatabase(values['data-dir'], async (sql) => {
    const [site] = await sql<{ id: string; name: string }[]>`
      select s.id, s.name from config_change c join site s on s.id = c.site_id where c.id = ${changeId}`;
    if (!site) {
      console.error(`vigil: there is no configuration change ${changeId}`);
      return 1;
    }
    const by = values.by ?? `${userInfo().username} (cli)`;
    try {
      const outcome = await rollBackConfiguration(sql, { siteId: site.id, siteName: site.name }, changeId, { by, apply: !values['dry-run'] });
      for (const d of outcome.loaded.diagnostics) console.error(formatDiagnostic(d));
      if (!outcome.valid) {
        console.error(`vigil: the files of change ${changeId} no longer validate (${outcome.loaded.errorCount} errors); nothing was changed`);
        return 1;
      }
      printDiff(site.name, outcome.diff);
      if (outcome.applied) {
        console.log(`rolled site ${site.name} back to change ${changeId} as change ${outcome.applied.changeId}: ` +
          `${outcome.applied.writtenChecks} checks written, ${outcome.applied.removedChecks} removed`);
      } else {
        console.log('dry run: nothing was changed');
      }
      return 0;
    } catch (error) {
      if (error instanceof ConfigChangeNotFoundError || error instanceof ConfigChangeWithoutFilesError) {
        console.error(`vigil: ${error.message}`);
        return 1;
      }
      throw error;
    }
  });
}

async function sitesNamed(sql: Database, name: string | undefined): Promise<{ id: string; name: string }[] | undefined> {
  const sites = await sql<{ id: string; name: string }[]>`
    select id, name from site ${name === undefined ? sql`` : sql`where name = ${name}`} order by name`;
  if (name !== undefined && sites.length === 0) {
    console.error(`vigil: there is no site named '${name}'`);
    return undefined;
  }
  return sites;
}

/** `+ service web-1/http`, `~ service web-1/http: parameters.port`, `- host old`, one per line. */
function printDiff(siteName: string, diff: ConfigDiff): void {
  const total = diff.added.length + diff.changed.length + diff.removed.length;
  console.log(`site ${siteName}: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`);
  if (total === 0) return;
  for (const ref of diff.added) console.log(`  + ${describe(ref)}`);
  for (const ref of diff.changed) console.log(`  ~ ${describe(ref)}: ${ref.fields.join(', ')}`);
  for (const ref of diff.removed) console.log(`  - ${describe(ref)}`);
}

function describe(ref: ObjectRef): string {
  const container = ref.host ?? ref.cluster;
  return `${ref.kind} ${container === undefined ? '' : `${container}/`}${ref.name}`;
}
