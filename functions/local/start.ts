/**
 * `npm start`: Vigil on one machine. Starts (or reuses) the embedded PostgreSQL in `.vigil/`,
 * brings the schema up to date, applies the configuration given on the command line (the
 * quickstart example by default) and shows the state of every group. Stops cleanly on Ctrl-C.
 *
 * The scheduler, workers, result processor and dashboard join this process as they are built;
 * what runs here is exactly what the cloud runs, wired to local adapters.
 */
import { fileURLToPath } from 'node:url';
import { readConfigFiles } from '#cli/config-files.ts';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { statusOfRank } from '#core/status.ts';
import { DEFAULT_PERSISTENT_DATA_DIR, startLocalDatabase } from './embedded-postgres.ts';
import { connect } from '#store/database.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { migrate } from '#store/migrate.ts';
import { applySiteConfiguration } from '#store/site-config.ts';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

async function start(configPaths: string[]): Promise<void> {
  const files = await readConfigFiles(configPaths);
  const { sites, diagnostics } = loadConfiguration(files);
  for (const d of diagnostics.sorted()) console.error(formatDiagnostic(d));
  if (diagnostics.errorCount > 0) {
    console.error(`vigil: the configuration has ${diagnostics.errorCount} errors; fix them and start again`);
    process.exitCode = 1;
    return;
  }

  const database = await startLocalDatabase(process.env.DATABASE_URL ? {} : { dataDir: DEFAULT_PERSISTENT_DATA_DIR });
  const sql = connect(database.url);
  const stop = async () => {
    await sql.end({ timeout: 5 });
    await database.stop();
  };
  try {
    console.log(database.embedded ? `database: embedded PostgreSQL in ${DEFAULT_PERSISTENT_DATA_DIR} (${redact(database.url)})` : `database: ${redact(database.url)}`);
    await migrate(sql, { log: (message, fields) => console.log(`migrate: ${message}${fields.fileName ? ` ${fields.fileName}` : ''}`) });
    for (const site of sites) {
      const summary = await applySiteConfiguration(sql, site, 'npm start');
      console.log(`site ${site.name}: applied ${Object.entries(summary.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
      for (const group of await groupRollup(sql, summary.siteId)) {
        console.log(`  group ${group.name.padEnd(20)} ${statusOfRank(group.worstStatus).padEnd(8)} ${group.total} checks, ${group.unhandled} unhandled problems`);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  console.log('Vigil is running with its configuration in PostgreSQL. Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping...');
  await stop();
  console.log('stopped cleanly.');
}

/** Connection URLs carry a password; logs never do. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const paths = process.argv.slice(2);
await start(paths.length > 0 ? paths : [DEFAULT_CONFIG]);
