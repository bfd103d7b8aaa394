/**
 * check_state update benchmark: 100,000 checks, then 100,000 results applied in batches of 1,000
 * with one `UPDATE ... FROM unnest(...)` per batch, as the result processor writes them. Prints
 * updates per second and the share of HOT updates read from pg_stat_user_tables (DESIGN.md:
 * Bergamot measured 99.4 %, we aim higher).
 *
 *   node --import tsx bench/check-state-hot.bench.ts
 *
 * The cluster is a throwaway one (fsync and synchronous_commit off), so the rate is the
 * database's work, not the disk's.
 */
import type { Database } from '#store/database.ts';
import { hotUpdateCounts as updateCounts, note, record, report, timeMs, withBenchDatabase } from './harness.ts';
import { sample, seededRandom } from '../test/helpers/random.ts';
import { insertHealthyChecks } from '../test/helpers/healthy-checks.ts';

const CHECKS = 100_000;
const RESULTS = 100_000;
const BATCH_SIZE = 1_000;
const HOT_TARGET_PERCENT = 99;

/** One batch of results in the column layout `unnest` takes: one array per column. */
interface ResultBatch {
  checkIds: string[];
  statuses: number[];
  hard: boolean[];
  attempts: number[];
  hardStatuses: number[];
  changeBits: number[];
  resultAt: string[];
  outputs: string[];
}

await withBenchDatabase(async ({ sql }) => {
  const { siteId, checkIds } = await insertHealthyChecks(sql, 'bench-hot', CHECKS);
  note(`${CHECKS.toLocaleString('en-US')} check_state rows (fillfactor 70); ` +
    `${RESULTS.toLocaleString('en-US')} results in batches of ${BATCH_SIZE.toLocaleString('en-US')}, each batch a random sample of the checks`);

  // Batches are prepared up front so that only the database's work is timed.
  const random = seededRandom(42);
  const batches = Array.from({ length: RESULTS / BATCH_SIZE }, (_, round) =>
    resultBatch(sample(checkIds, BATCH_SIZE, random), round),
  );

  // Statistics are counted per backend until flushed: updates and the reading share one connection.
  const connection = await sql.reserve();
  try {
    const before = await updateCounts(connection);
    let elapsedMs = 0;
    for (const batch of batches) elapsedMs += await timeMs(() => applyResultBatch(connection, siteId, batch));
    const after = await updateCounts(connection);

    const updated = after.updated - before.updated;
    const hotPercent = (100 * (after.hot - before.hot)) / updated;
    record('check_state updates', (RESULTS / elapsedMs) * 1000, 'rows/s');
    report('HOT updates', hotPercent, '%', `>= ${HOT_TARGET_PERCENT} %`, hotPercent >= HOT_TARGET_PERCENT);
    note(`${updated.toLocaleString('en-US')} rows updated, ${(after.hot - before.hot).toLocaleString('en-US')} of them HOT, ` +
      `${(after.newPage - before.newPage).toLocaleString('en-US')} moved to another page; ${(elapsedMs / batches.length).toFixed(1)} ms per batch`);
  } finally {
    connection.release();
  }
});

/** The result processor's statement: one UPDATE for the whole batch. */
async function applyResultBatch(database: Database, siteId: string, batch: ResultBatch): Promise<void> {
  await database`
    update check_state s set
      status = u.status, hard = u.hard, attempt = u.attempt, hard_status = u.hard_status,
      change_bits = u.change_bits, last_result_at = u.last_result_at,
      last_change_at = case when s.status <> u.status then u.last_result_at else s.last_change_at end,
      output = u.output
    from unnest(
      ${batch.checkIds}::uuid[], ${batch.statuses}::smallint[], ${database.array(batch.hard)}::boolean[],
      ${batch.attempts}::smallint[], ${batch.hardStatuses}::smallint[], ${batch.changeBits}::integer[],
      ${batch.resultAt}::timestamptz[], ${batch.outputs}::text[]
    ) as u(check_id, status, hard, attempt, hard_status, change_bits, last_result_at, output)
    where s.check_id = u.check_id and s.site_id = ${siteId}`;
}

/** Results with a realistic mix: mostly OK, some soft problems, outputs of varying length. */
function resultBatch(checkIds: string[], round: number): ResultBatch {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString();
  const statuses = checkIds.map((_, i) => ((i * 7 + round) % 20 === 0 ? 4 : (i + round) % 10 === 0 ? 3 : 2));
  return {
    checkIds,
    statuses,
    hard: statuses.map((status, i) => status === 2 || (i + round) % 3 === 0),
    attempts: statuses.map((status, i) => (status === 2 ? 0 : 1 + ((i + round) % 3))),
    hardStatuses: statuses.map((status, i) => ((i + round) % 3 === 0 ? status : 2)),
    changeBits: checkIds.map((_, i) => (i * 2_654_435_761 + round) & 0x1fffff),
    resultAt: checkIds.map(() => at),
    outputs: statuses.map((status, i) =>
      status === 2
        ? `HTTP OK: HTTP/1.1 200 OK - ${1000 + ((i * 31 + round) % 9000)} bytes in 0.0${i % 10} second response time`
        : `HTTP CRITICAL: HTTP/1.1 503 Service Unavailable - ${100 + (i % 900)} bytes in ${1 + (i % 9)}.${i % 100} second response time`,
    ),
  };
}
