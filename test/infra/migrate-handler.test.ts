/**
 * The migrate function as deployed: bundled by scripts/bundle-functions.ts with sql/ beside it,
 * loaded from the bundle and invoked as the deploy-time trigger invokes it, against a real,
 * empty PostgreSQL database. A second deploy applies nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { readMigrations } from '#store/migrate.ts';
import { bundleFunction } from '../../scripts/bundle-functions.ts';
import { withTestDatabase } from '../helpers/database.ts';

const outDir = await mkdtemp(join(tmpdir(), 'vigil-migrate-bundle-'));
after(() => rm(outDir, { recursive: true, force: true }));

test('the bundled migrate handler applies every migration once, from the files in its bundle', async () => {
  const database = await withTestDatabase({ migrate: false });
  const dir = await bundleFunction('migrate', outDir);
  assert.deepEqual((await readdir(join(dir, 'sql'))).sort(), (await readdir(new URL('../../sql/', import.meta.url))).filter((f) => f.endsWith('.sql')).sort());

  process.env.DATABASE_URL = database.url;
  try {
    const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: () => Promise<{ applied: number[] }> };
    const first = await handler();
    assert.deepEqual(first.applied, (await readMigrations()).map((migration) => migration.version));
    const [row] = await database.sql<{ count: number }[]>`select count(*)::int as count from schema_migration`;
    assert.equal(row?.count, first.applied.length);
    assert.deepEqual(await handler(), { applied: [] });
  } finally {
    delete process.env.DATABASE_URL;
  }
});
