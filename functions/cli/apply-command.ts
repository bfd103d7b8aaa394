import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { withCliDatabase } from './database.ts';
import { loadFiles } from './vigil.ts';

/**
 * `vigil apply <dir|file...>`: validates, and only when there is no error at all, stores each
 * site's configuration in one transaction, with its files (`vigil history`, `vigil rollback`).
 * A configuration with any error changes nothing.
 */
export async function applyCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { by: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  if (positionals.length === 0) {
    console.error('vigil: apply needs at least one directory or file');
    return 2;
  }
  const loaded = await loadFiles(positionals);
  if (!loaded) return 2;
  for (const d of loaded.diagnostics.sorted()) console.error(formatDiagnostic(d));
  if (loaded.diagnostics.errorCount > 0) {
    console.error(`vigil: ${loaded.diagnostics.errorCount} errors; nothing was applied`);
    return 1;
  }

  return withCliDatabase(values['data-dir'], async (sql) => {
    const appliedBy = values.by ?? `${userInfo().username} (cli)`;
    for (const site of loaded.sites) {
      const startedMs = performance.now();
      const summary = await applySiteConfiguration(sql, site, appliedBy, { source: loaded.files.get(site.name) ?? [] });
      const counts = Object.entries(summary.counts).map(([kind, n]) => `${n} ${kind}`).join(', ');
      console.log(`applied site ${site.name} as change ${summary.changeId}: ${counts}; ` +
        `${summary.writtenChecks} checks written, ${summary.removedChecks} removed (${Math.round(performance.now() - startedMs)} ms)`);
    }
    return 0;
  });
}
