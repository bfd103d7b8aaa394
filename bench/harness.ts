/**
 * Small helpers shared by the `bench/*.bench.ts` scripts: a throwaway database with the schema,
 * timing, percentiles, and one printed line per figure with its target. Benchmarks are scripts
 * that print what they measured, never tests that fail on a slow machine.
 */
import { startLocalDatabase } from '#local/embedded-postgres.ts';
import { connect, type Database } from '#store/database.ts';
import { migrate } from '#store/migrate.ts';

export interface BenchDatabase {
  sql: Database;
  url: string;
}

/**
 * Runs `body` against a migrated database in a throwaway cluster (or in a fresh database of the
 * server at `DATABASE_URL`), and removes it all afterwards, also when `body` throws.
 */
export async function withBenchDatabase<T>(body: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const server = await startLocalDatabase();
  const admin = connect(server.url, { maxConnections: 1, applicationName: 'vigil-bench-admin' });
  const name = `vigil_bench_${process.pid}`;
  try {
    await admin.unsafe(`create database "${name}" template template0`);
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    const sql = connect(url.toString(), { maxConnections: 2, applicationName: 'vigil-bench' });
    try {
      await migrate(sql);
      return await body({ sql, url: url.toString() });
    } finally {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
    await server.stop();
  }
}

/** The value below which `fraction` (0..1) of the samples fall, by nearest rank. */
export function percentile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

/** Milliseconds `work` took. */
export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const startedMs = performance.now();
  await work();
  return performance.now() - startedMs;
}

/**
 * Prints one figure with its target, aligned so that several lines read as a table:
 * `group roll-up p50                  42.1 ms     (target < 100 ms)  OK`.
 */
export function report(name: string, figure: number, unit: string, target: string, ok: boolean): void {
  process.stdout.write(`${figureLine(name, figure, unit)}  ${`(target ${target})`.padEnd(20)}  ${ok ? 'OK' : 'MISSED'}\n`);
}

/** Prints a figure that has no target, in the same columns as {@link report}. */
export function record(name: string, figure: number, unit: string): void {
  process.stdout.write(`${figureLine(name, figure, unit)}\n`);
}

function figureLine(name: string, figure: number, unit: string): string {
  const value = figure >= 1000 ? Math.round(figure).toLocaleString('en-US') : figure.toFixed(1);
  return `${name.padEnd(40)} ${value.padStart(9)} ${unit.padEnd(6)}`;
}

/** Prints a line of context (data sizes, settings) under a benchmark's heading. */
export function note(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

/** n_tup_upd, n_tup_hot_upd and n_tup_newpage_upd of check_state, after flushing this backend's counts. */
export async function hotUpdateCounts(connection: Database): Promise<{ updated: number; hot: number; newPage: number }> {
  await connection`select pg_stat_force_next_flush()`;
  // The flush happens when the backend goes idle, so it is visible from the next statement on.
  const [row] = await connection<{ updated: number; hot: number; newPage: number }[]>`
    select n_tup_upd::int as updated, n_tup_hot_upd::int as hot, n_tup_newpage_upd::int as "newPage"
    from pg_stat_user_tables where relid = 'check_state'::regclass`;
  return row!;
}
