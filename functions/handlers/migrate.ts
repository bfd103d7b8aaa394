/**
 * Lambda: applies the SQL migrations on deploy. The CDK app runs it through a trigger
 * (aws-cdk-lib/triggers) after the database exists and again whenever its code changes, and the
 * migration files are part of its code (scripts/bundle-functions.ts copies `sql/` beside the
 * bundle), so a deploy that adds a migration applies it. A failing migration fails the invocation,
 * which fails the deployment. Re-running applies nothing new (functions/store/migrate.ts).
 * Environment: DATABASE_URL or DATABASE_SECRET_ARN.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonLogger } from '#ports/logger.ts';
import { connect } from '#store/database.ts';
import { migrate, MIGRATIONS_DIRECTORY } from '#store/migrate.ts';
import { databaseUrl } from './environment.ts';

const log = jsonLogger(undefined, 'info', { function: 'migrate' });
// Bundled, the files are in ./sql beside index.mjs; run from the source tree, in the repository's sql/.
const bundled = fileURLToPath(new URL('./sql/', import.meta.url));
const directory = existsSync(bundled) ? bundled : MIGRATIONS_DIRECTORY;

export interface MigrateSummary {
  applied: number[];
}

export async function handler(): Promise<MigrateSummary> {
  const db = connect(await databaseUrl(), { maxConnections: 1, applicationName: 'vigil-migrate' });
  try {
    const applied = await migrate(db, { directory, log: (message, fields) => log.info(message, fields) });
    return { applied };
  } finally {
    await db.end();
  }
}
