/**
 * `npm start`: Vigil on one machine. Starts (or reuses) the embedded PostgreSQL in `.vigil/`,
 * brings the schema up to date, applies the configuration given on the command line (the
 * quickstart example by default), then serves the dashboard, the REST API and the WebSocket on
 * http://127.0.0.1:8080 (`VIGIL_PORT`) and runs every function in this process (runtime.ts):
 * the scheduler ticks, workers run the checks, the result processor stores what they find and
 * pushes it to the browsers, and state changes are printed as they happen. Ctrl-C stops it
 * cleanly: no batch is cut off half-way.
 *
 * A local administrator (`admin@vigil.local`) is made admin of every site applied here; its
 * password, and the key sessions are signed with, are generated once and kept in `.vigil/`.
 *
 * Notifications go out on the channels the environment configures (VIGIL_SMTP_URL and
 * VIGIL_MAIL_FROM for email...; webhooks and Slack always): see functions/adapters/notify/channels.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
import { channelsFromEnvironment } from '#adapters/notify/channels.ts';
import { consoleLogger } from './console-logger.ts';
import { DEFAULT_PERSISTENT_DATA_DIR, startLocalDatabase } from './embedded-postgres.ts';
import { stateChangeRule } from './runtime.ts';
import { startVigilServer, type VigilServer } from './vigil-server.ts';
import { createUser, findUserByEmail, setMemberRole } from '#api/auth/accounts.ts';
import { hashPassword } from '#api/auth/passwords.ts';
import { systemClock } from '#ports/clock.ts';
import type { Database } from '#store/database.ts';

// The AWS SDK warns on Node 20 that its 2027 versions need Node 22. Deployed functions run on
// nodejs22.x; a local run talks to no AWS service unless asked, so the warning is only noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
const DEFAULT_PORT = 8080;
const LOCAL_DIR = '.vigil';
const LOCAL_ADMIN = 'admin@vigil.local';

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
  const database = await startLocalDatabase(process.env.DATABASE_URL ? {} : { dataDir: DEFAULT_PERSISTENT_DATA_DIR });
  const sql = connect(database.url);
  let server: VigilServer | undefined;
  const stop = async () => {
    await server?.close();
    await sql.end({ timeout: 5 });
    await database.stop();
  };
  try {
    console.log(database.embedded ? `database: embedded PostgreSQL in ${DEFAULT_PERSISTENT_DATA_DIR} (${redact(database.url)})` : `database: ${redact(database.url)}`);
    // Logs which channels there are, and how to turn on the others.
    const channels = channelsFromEnvironment(process.env, log);
    await migrate(sql, { log: (message, fields) => console.log(`migrate: ${message}${fields.fileName ? ` ${fields.fileName}` : ''}`) });
    const adminId = await ensureLocalAdmin(sql);
    for (const site of sites) {
      const summary = await applySiteConfiguration(sql, site, 'npm start');
      await setMemberRole(sql, summary.siteId, adminId, 'admin');
      console.log(`site ${site.name}: applied ${Object.entries(summary.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
      for (const group of await groupRollup(sql, summary.siteId)) {
        console.log(`  group ${group.name.padEnd(20)} ${statusOfRank(group.worstStatus).padEnd(8)} ${group.total} checks, ${group.unhandled} unhandled problems`);
      }
    }
    server = await startVigilServer({
      db: sql,
      log,
      clock: systemClock,
      jwtSecret: await localSecret('jwt-secret', 32),
      port,
      rules: [stateChangeRule('print state changes', async (event) => printStateChange(event.detail as unknown as CheckStateChanged))],
      channels,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`Vigil is running: ${server.url} (log in as ${LOCAL_ADMIN}, password in ${LOCAL_DIR}/admin-password).`);
  console.log('The scheduler plans every minute; state changes appear below. Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping: finishing the batches in hand...');
  await stop();
  console.log('stopped cleanly.');
}

/** A secret kept in `.vigil/<name>` (made on first use, readable by this user only). */
async function localSecret(name: string, bytes: number): Promise<string> {
  const path = `${LOCAL_DIR}/${name}`;
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  await mkdir(LOCAL_DIR, { recursive: true });
  const secret = randomBytes(bytes).toString('base64url');
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The local administrator's user id, made on first start with the password in `.vigil/admin-password`. */
async function ensureLocalAdmin(sql: Database): Promise<string> {
  const password = await localSecret('admin-password', 12);
  const existing = await findUserByEmail(sql, LOCAL_ADMIN);
  if (existing) return existing.id;
  const user = await createUser(sql, { email: LOCAL_ADMIN, name: 'Local administrator', passwordHash: await hashPassword(password) });
  if (!user) throw new Error(`could not create ${LOCAL_ADMIN}`);
  return user.id;
}

function printStateChange(change: CheckStateChanged): void {
  const time = new Date(change.atMs).toISOString().slice(11, 19);
  const name = change.hostName && change.hostName !== change.checkName ? `${change.hostName}/${change.checkName}` : change.checkName;
  console.log(`${time} * ${name}: ${change.fromStatus} -> ${change.toStatus}${change.recovery ? ' (recovered)' : ''}  ${change.output}`);
}

/** Connection URLs carry a password; logs never do. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

const paths = process.argv.slice(2);
await start(paths.length > 0 ? paths : [DEFAULT_CONFIG]);
