/**
 * The migration runner: applies the numbered plain-SQL files in `sql/` that a database has not
 * seen yet, each in its own transaction, and records them in `schema_migration`.
 *
 * Why each rule:
 * - One transaction per file: a failing file leaves the database exactly as the previous file
 *   left it, and the files before it stay applied.
 * - A transaction-scoped advisory lock, taken first in every transaction: two processes that
 *   migrate at once (two Lambdas cold-starting, `npm start` next to a test) queue up instead of
 *   running the same DDL twice; the lock ends with the transaction, so a crashed process never
 *   leaves it held. Each transaction checks again whether its file is still unapplied.
 * - A checksum per file: editing a file that a database already applied would silently leave
 *   that database different from a fresh one, so it is an error that names the file.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

/** `sql/` at the repository root, found from this file's own place in the tree. */
export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../sql/', import.meta.url));

/** `001_foundation.sql`: a version number, an underscore, a name. */
const MIGRATION_FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

/**
 * Key of the advisory lock that serialises migrations across processes. Any fixed int8 works;
 * this one is `hashtext('vigil.migrate')`, written out so that it never changes with a server's
 * hash function.
 */
const MIGRATION_LOCK_KEY = -1_468_901_923;

/** One migration file read from disk. */
export interface Migration {
  version: number;
  name: string;
  fileName: string;
  path: string;
  /** SHA-256 (hex) of the file text with line endings normalised to `\n`. */
  checksum: string;
  text: string;
}

/** Progress reports from {@link migrate}, with stable keys for a structured logger. */
export type MigrationLog = (
  message: string,
  fields: { version?: number; name?: string; fileName?: string; durationMs?: number },
) => void;

export interface MigrateOptions {
  /**
   * Where the `NNN_name.sql` files are.
   * @defaultValue {@link MIGRATIONS_DIRECTORY}
   */
  directory?: string;
  /** Receives one line per applied migration; nothing is printed without it. */
  log?: MigrationLog;
}

/** Base class of the runner's errors. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An applied migration's file has changed since it was applied. */
export class MigrationChecksumError extends MigrationError {
  constructor(
    readonly fileName: string,
    readonly recordedChecksum: string,
    readonly currentChecksum: string,
  ) {
    super(
      `${fileName} was changed after it was applied (recorded checksum ${recordedChecksum.slice(0, 12)}, ` +
        `file now ${currentChecksum.slice(0, 12)}): put the change in a new migration instead`,
    );
  }
}

/** A migration file's SQL failed; the database is as the previous file left it. */
export class MigrationFailedError extends MigrationError {
  constructor(
    readonly fileName: string,
    cause: unknown,
  ) {
    super(`${fileName} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * Reads every `NNN_name.sql` in `directory`, in numeric version order. Other files are ignored,
 * but a `.sql` file that does not follow the pattern, or two files with one version, is an error:
 * both are mistakes that would otherwise skip a migration silently.
 */
export async function readMigrations(directory: string = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const fileName of await readdir(directory)) {
    if (!fileName.endsWith('.sql')) continue;
    const match = MIGRATION_FILE_NAME.exec(fileName);
    if (!match) {
      throw new MigrationError(`${fileName}: a migration file is named NNN_name.sql`);
    }
    const path = join(directory, fileName);
    const text = await readFile(path, 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] ?? '',
      fileName,
      path,
      checksum: checksumOf(text),
      text,
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]!;
    const current = migrations[i]!;
    if (previous.version === current.version) {
      throw new MigrationError(`${previous.fileName} and ${current.fileName} have the same version`);
    }
  }
  return migrations;
}

/** Checksum that survives a checkout converting line endings to CRLF. */
function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * Applies the migrations this database has not applied yet, in version order, and returns the
 * versions it applied (empty when the database was up to date). Safe to run again, and from two
 * processes at once.
 *
 * @throws {@link MigrationChecksumError} when an applied file has changed (nothing is applied).
 * @throws {@link MigrationFailedError} when a file's SQL fails (the files before it stay applied).
 *
 * @example
 * const applied = await migrate(sql, { log: (message, fields) => logger.info(message, fields) });
 */
export async function migrate(sql: Database, options: MigrateOptions = {}): Promise<number[]> {
  const log: MigrationLog = options.log ?? (() => {});
  const migrations = await readMigrations(options.directory);

  const appliedChecksums = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    await tx`
      create table if not exists schema_migration (
        version     integer primary key,
        name        text not null,
        checksum    text not null,
        applied_at  timestamptz not null default now()
      )`;
    const rows = await tx<{ version: number; checksum: string }[]>`
      select version, checksum from schema_migration`;
    return new Map(rows.map((row) => [row.version, row.checksum]));
  });

  // Every applied file is verified before anything new runs, so an edited old file stops the
  // run before the database moves further away from what the files describe.
  for (const migration of migrations) {
    const recorded = appliedChecksums.get(migration.version);
    if (recorded !== undefined && recorded !== migration.checksum) {
      throw new MigrationChecksumError(migration.fileName, recorded, migration.checksum);
    }
  }

  const appliedNow: number[] = [];
  for (const migration of migrations) {
    if (appliedChecksums.has(migration.version)) continue;
    const startedMs = performance.now();
    const applied = await applyOne(sql, migration);
    if (!applied) continue;
    appliedNow.push(migration.version);
    log('migration applied', {
      version: migration.version,
      name: migration.name,
      fileName: migration.fileName,
      durationMs: Math.round(performance.now() - startedMs),
    });
  }
  if (appliedNow.length === 0) log('database schema is up to date', {});
  return appliedNow;
}

/**
 * Applies one file in its own transaction. Returns false when another process applied it
 * between our first look and taking the lock.
 */
async function applyOne(sql: Database, migration: Migration): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    const [recorded] = await tx<{ checksum: string }[]>`
      select checksum from schema_migration where version = ${migration.version}`;
    if (recorded) {
      if (recorded.checksum !== migration.checksum) {
        throw new MigrationChecksumError(migration.fileName, recorded.checksum, migration.checksum);
      }
      return false;
    }
    try {
      // Without parameters postgres.js sends the text as a simple query, so a file may hold
      // many statements. It must not contain its own BEGIN/COMMIT.
      await tx.unsafe(migration.text);
    } catch (error) {
      throw new MigrationFailedError(migration.fileName, error);
    }
    await tx`
      insert into schema_migration (version, name, checksum)
      values (${migration.version}, ${migration.name}, ${migration.checksum})`;
    return true;
  });
}
