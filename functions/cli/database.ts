import { DEFAULT_PERSISTENT_DATA_DIR, startLocalDatabase } from '#local/embedded-postgres.ts';
import { connect, type Database } from '#store/database.ts';
import { migrate } from '#store/migrate.ts';

/**
 * The database a command works on: the server at DATABASE_URL, or else the local embedded one
 * (in `.vigil/`, or `--data-dir`), started for the command and stopped after it. Migrated first,
 * so a command never meets an older schema.
 */
export async function withCliDatabase<T>(dataDir: string | undefined, body: (sql: Database) => Promise<T>): Promise<T> {
  const database = await startLocalDatabase(process.env.DATABASE_URL ? {} : { dataDir: dataDir ?? DEFAULT_PERSISTENT_DATA_DIR });
  const sql = connect(database.url, { maxConnections: 2 });
  try {
    const applied = await migrate(sql);
    if (applied.length > 0) console.log(`migrated the database to version ${applied.at(-1)}`);
    return await body(sql);
  } finally {
    await sql.end();
    await database.stop();
  }
}
