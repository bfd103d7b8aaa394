/**
 * Real PostgreSQL for node:test files. Each test process (one per test file) starts one server
 * the first time a test asks for a database, and every call to {@link withTestDatabase} gets a
 * fresh, migrated database of its own, so tests never see each other's rows.
 *
 * With `DATABASE_URL` set, no server is started: the databases are created in that server (its
 * user needs CREATEDB) with unique names and dropped afterwards.
 *
 * @example
 * import { withTestDatabase } from '../helpers/database.ts';
 * const { sql } = await withTestDatabase();   // top level of the test file
 * test('...', async () => { await sql`select 1`; });
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { startLocalDatabase, type LocalDatabase } from '#local/embedded-postgres.ts';
import { connect, type Database } from '#store/database.ts';
import { migrate } from '#store/migrate.ts';

export interface TestDatabase {
  /** Pool connected to the fresh database. */
  sql: Database;
  /** URL of the fresh database, for code under test that opens its own pool. */
  url: string;
  /** Database name, unique in the server. */
  name: string;
  /** Ends the pool and drops the database; runs by itself after the tests, safe to call twice. */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Apply the migrations in `sql/`.
   * @defaultValue true
   */
  migrate?: boolean;
  /**
   * Connections in the test database's pool.
   * @defaultValue 4
   */
  maxConnections?: number;
}

interface TestServer {
  local: LocalDatabase;
  /** Connection to the server's maintenance database, for CREATE/DROP DATABASE. */
  admin: Database;
}

let server: Promise<TestServer> | undefined;
const openDatabases = new Set<TestDatabase>();
let databasesCreated = 0;

// Registered when this module loads, at the top level of the test file, so the hook belongs to
// the file's root and runs after every test in it, however the tests called withTestDatabase.
// It drops what is still open before stopping the server.
after(shutDownTestServer);

/**
 * Creates a fresh database (from `template0`, so nothing of another test leaks in), applies
 * the migrations and connects to it. The database is dropped by an `after()` hook.
 */
export async function withTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  // Registered before the first await, so it attaches to whatever test or suite called us.
  let created: TestDatabase | undefined;
  after(() => created?.close());

  const { local, admin } = await (server ??= startTestServer());
  const name = `vigil_test_${process.pid}_${++databasesCreated}_${randomBytes(3).toString('hex')}`;
  // The name is built above from digits and hex only, so quoting it is enough.
  await admin.unsafe(`create database "${name}" template template0`);

  const url = databaseUrl(local.url, name);
  const sql = connect(url, { maxConnections: options.maxConnections ?? 4, idleTimeoutS: 0 });
  let closing: Promise<void> | undefined;
  created = {
    sql,
    url,
    name,
    close: () => {
      closing ??= (async () => {
        openDatabases.delete(created!);
        await sql.end({ timeout: 5 });
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      })();
      return closing;
    },
  };
  openDatabases.add(created);
  if (options.migrate ?? true) await migrate(sql);
  return created;
}

async function startTestServer(): Promise<TestServer> {
  const local = await startLocalDatabase();
  return { local, admin: connect(local.url, { maxConnections: 1, applicationName: 'vigil-test-admin' }) };
}

async function shutDownTestServer(): Promise<void> {
  if (!server) return;
  const { local, admin } = await server;
  await Promise.all([...openDatabases].map((database) => database.close()));
  await admin.end({ timeout: 5 });
  await local.stop();
}

/** The same server and credentials, another database. */
function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
