import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  MIGRATIONS_DIRECTORY,
  MigrationChecksumError,
  MigrationFailedError,
  migrate,
  readMigrations,
} from '#store/migrate.ts';
import { withTestDatabase } from '../helpers/database.ts';

/** A directory of migration files written by the test, so files can be edited and added. */
async function migrationDirectory(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'vigil-migrations-'));
  after(() => rm(directory, { recursive: true, force: true }));
  for (const [fileName, text] of Object.entries(files)) await writeFile(join(directory, fileName), text);
  return directory;
}

describe('migrate with the repository migrations', () => {
  test('applies every file in sql/ in order and records each version', async () => {
    const { sql } = await withTestDatabase({ migrate: false });
    const files = (await readdir(MIGRATIONS_DIRECTORY)).filter((name) => name.endsWith('.sql')).sort();
    const logged: number[] = [];

    const applied = await migrate(sql, { log: (_message, fields) => fields.version && logged.push(fields.version) });

    const expected = files.map((name) => Number(name.split('_')[0]));
    assert.deepEqual(applied, expected);
    assert.deepEqual(logged, expected);
    const recorded = await sql<{ version: number; name: string; checksum: string }[]>`
      select version, name, checksum from schema_migration order by version`;
    assert.deepEqual(
      recorded.map((row) => row.version),
      expected,
    );
    const migrations = await readMigrations();
    assert.deepEqual(
      recorded.map((row) => [row.name, row.checksum]),
      migrations.map((migration) => [migration.name, migration.checksum]),
    );
    const [table] = await sql<{ exists: boolean }[]>`select to_regclass('check_state') is not null as exists`;
    assert.equal(table?.exists, true);
  });

  test('a second run applies nothing', async () => {
    const { sql } = await withTestDatabase(); // already migrated once
    assert.deepEqual(await migrate(sql), []);
    assert.deepEqual(await migrate(sql), []);
  });

  test('an applied migration whose checksum changed is an error naming the file', async () => {
    const { sql } = await withTestDatabase();
    await sql`update schema_migration set checksum = 'edited' where version = 1`;
    await assert.rejects(migrate(sql), (error: unknown) => {
      assert.ok(error instanceof MigrationChecksumError);
      assert.equal(error.fileName, '001_foundation.sql');
      assert.match(error.message, /001_foundation\.sql was changed after it was applied/);
      return true;
    });
  });

  test('two processes migrating at once apply each file exactly once', async () => {
    const { url, sql } = await withTestDatabase({ migrate: false });
    const { connect } = await import('#store/database.ts');
    const other = connect(url, { maxConnections: 1 });
    try {
      const [mine, theirs] = await Promise.all([migrate(sql), migrate(other)]);
      assert.deepEqual([...mine, ...theirs].sort((a, b) => a - b), (await readMigrations()).map((m) => m.version));
    } finally {
      await other.end();
    }
  });
});

describe('migrate with migration files written by the test', () => {
  test('applies new files only, in numeric order (10 after 9)', async () => {
    const { sql } = await withTestDatabase({ migrate: false });
    const directory = await migrationDirectory({
      '9_first.sql': 'create table applied_order (version int);\ninsert into applied_order values (9);',
      'README.md': 'not a migration',
    });
    assert.deepEqual(await migrate(sql, { directory }), [9]);

    await writeFile(join(directory, '10_second.sql'), 'insert into applied_order values (10);');
    assert.deepEqual(await migrate(sql, { directory }), [10]);
    const rows = await sql<{ version: number }[]>`select version from applied_order`;
    assert.deepEqual(rows.map((row) => row.version), [9, 10]);
  });

  test('editing an applied file stops the run before any new file runs', async () => {
    const { sql } = await withTestDatabase({ migrate: false });
    const directory = await migrationDirectory({ '001_a.sql': 'create table a (id int);' });
    await migrate(sql, { directory });

    await writeFile(join(directory, '001_a.sql'), 'create table a (id bigint);');
    await writeFile(join(directory, '002_b.sql'), 'create table b (id int);');
    await assert.rejects(migrate(sql, { directory }), /001_a\.sql was changed after it was applied/);
    const [table] = await sql<{ exists: boolean }[]>`select to_regclass('b') is not null as exists`;
    assert.equal(table?.exists, false);
  });

  test('a line-ending change alone is not an edit', async () => {
    const { sql } = await withTestDatabase({ migrate: false });
    const directory = await migrationDirectory({ '001_a.sql': 'create table a (id int);\n' });
    await migrate(sql, { directory });
    await writeFile(join(directory, '001_a.sql'), 'create table a (id int);\r\n');
    assert.deepEqual(await migrate(sql, { directory }), []);
  });

  test('a failing file is rolled back, names the file, and keeps the files before it', async () => {
    const { sql } = await withTestDatabase({ migrate: false });
    const directory = await migrationDirectory({
      '001_good.sql': 'create table good (id int);',
      '002_bad.sql': 'create table half (id int);\nselect no_such_function();',
    });
    await assert.rejects(migrate(sql, { directory }), (error: unknown) => {
      assert.ok(error instanceof MigrationFailedError);
      assert.equal(error.fileName, '002_bad.sql');
      return true;
    });
    const versions = await sql<{ version: number }[]>`select version from schema_migration`;
    assert.deepEqual(versions.map((row) => row.version), [1]);
    const [table] = await sql<{ exists: boolean }[]>`select to_regclass('half') is not null as exists`;
    assert.equal(table?.exists, false);
  });

  test('a .sql file not named NNN_name.sql is refused', async () => {
    const directory = await migrationDirectory({ 'foundation.sql': 'select 1;' });
    await assert.rejects(readMigrations(directory), /foundation\.sql: a migration file is named NNN_name\.sql/);
  });

  test('two files with one version are refused', async () => {
    const directory = await migrationDirectory({ '001_a.sql': 'select 1;', '1_b.sql': 'select 1;' });
    await assert.rejects(readMigrations(directory), /have the same version/);
  });
});
