/**
 * `npm start`: Vigil on one machine. Starts (or reuses) the embedded PostgreSQL in `.vigil/`,
 * brings the schema up to date, applies the configuration given on the command line (the
 * quickstart example by default), then runs every function in this process (runtime.ts): the
 * scheduler ticks, workers run the checks, the result processor stores what they find, and state
 * changes are printed as they happen. Ctrl-C stops it cleanly: no batch is cut off half-way.
 *
 * It also serves `GET /health` on http://127.0.0.1:8080 (`VIGIL_PORT`), which the quickstart
 * example monitors, so a fresh machine has something to check.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { readConfigFiles } from '#cli/config-files.ts';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { statusOfRank } from '#core/status.ts';
import type { CheckStateChanged } from '#core/messages.ts';
import { connect } from '#store/database.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { migrate } from '#store/migrate.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { consoleLogger } from './console-logger.ts';
import { DEFAULT_PERSISTENT_DATA_DIR, startLocalDatabase } from './embedded-postgres.ts';
import { LocalRuntime, stateChangeRule } from './runtime.ts';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
const DEFAULT_PORT = 8080;

async function start(configPaths: string[]): Promise<void> {
  const log = consoleLogger(undefined, process.env.VIGIL_VERBOSE === '1');
  const files = await readConfigFiles(configPaths);
  const { sites, diagnostics } = loadConfiguration(files);
  for (const d of diagnostics.sorted()) console.error(formatDiagnostic(d));
  if (diagnostics.errorCount > 0) {
    console.error(`vigil: the configuration has ${diagnostics.errorCount} errors; fix them and start again`);
    process.exitCode = 1;
    return;
  }

  const port = Number(process.env.VIGIL_PORT ?? DEFAULT_PORT);
  const server = await listenForHealth(port);
  const database = await startLocalDatabase(process.env.DATABASE_URL ? {} : { dataDir: DEFAULT_PERSISTENT_DATA_DIR });
  const sql = connect(database.url);
  let runtime: LocalRuntime | undefined;
  const stop = async () => {
    await runtime?.stop();
    server.close();
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
    runtime = new LocalRuntime({
      db: sql,
      log,
      rules: [stateChangeRule('print state changes', async (event) => printStateChange(event.detail as unknown as CheckStateChanged))],
    }).start();
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`Vigil is running. Health: http://127.0.0.1:${port}/health. The scheduler plans every minute; state changes appear below.`);
  console.log('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping: finishing the batches in hand...');
  await stop();
  console.log('stopped cleanly.');
}

function printStateChange(change: CheckStateChanged): void {
  const time = new Date(change.atMs).toISOString().slice(11, 19);
  const name = change.hostName && change.hostName !== change.checkName ? `${change.hostName}/${change.checkName}` : change.checkName;
  console.log(`${time} * ${name}: ${change.fromStatus} -> ${change.toStatus}${change.recovery ? ' (recovered)' : ''}  ${change.output}`);
}

/** Vigil's own endpoint: what the quickstart's HTTP and TCP checks look at. */
async function listenForHealth(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/health') response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    throw new Error(`cannot listen on 127.0.0.1:${port} (${(error as Error).message}); set VIGIL_PORT to a free port`);
  }
  return server;
}

/** Connection URLs carry a password; logs never do. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const paths = process.argv.slice(2);
await start(paths.length > 0 ? paths : [DEFAULT_CONFIG]);
