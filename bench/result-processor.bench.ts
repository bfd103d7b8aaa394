/**
 * Result processor benchmark: 100,000 result messages for 100,000 checks, in batches of 1,000 as
 * the results queue hands them over, through the whole processor (parse, lock, apply the state
 * machine, write states, transitions and readings, queue and publish events). Prints results per
 * second and the share of HOT updates of check_state, next to their targets.
 *
 *   node --import tsx bench/result-processor.bench.ts
 *
 * One connection, so that this backend's statistics are the ones read (see hotUpdateCounts).
 */
import type { ResultMessage } from '#core/messages.ts';
import type { EventBus } from '#ports/event-bus.ts';
import { silentLogger } from '#ports/logger.ts';
import type { ReceivedMessage } from '#ports/queue.ts';
import { processResultMessages } from '#results/result-processor.ts';
import { connect } from '#store/database.ts';
import { hotUpdateCounts, note, report, timeMs, withBenchDatabase } from './harness.ts';
import { insertHealthyChecks } from '../test/helpers/healthy-checks.ts';
import { sample, seededRandom } from '../test/helpers/random.ts';

const CHECKS = 100_000;
const RESULTS = 100_000;
const BATCH_SIZE = 1_000;
const RATE_TARGET = 10_000;
const HOT_TARGET_PERCENT = 99;

const discardingBus: EventBus = { publish: async () => ({ failed: [] }) };
const discardingPush = { publish: async () => {} };

await withBenchDatabase(async ({ sql, url }) => {
  const { siteId, checkIds } = await insertHealthyChecks(sql, 'bench-results', CHECKS);
  await sql`vacuum analyze`;
  const random = seededRandom(7);
  // After the fixture's last results (now), so that every result is newer and applies.
  const startMs = Date.now() + 60_000;
  // Every batch is a random sample of the checks; about 3 % of results are problems, so state
  // changes, transitions and events happen at a realistic rate.
  const batches: ReceivedMessage[][] = Array.from({ length: RESULTS / BATCH_SIZE }, (_, round) =>
    sample(checkIds, BATCH_SIZE, random).map((checkId, i) => {
      const finishedAtMs = startMs + (round + 1) * 60_000 + i;
      const problem = random() < 0.03;
      const result: ResultMessage = {
        v: 1, siteId, checkId, locationId: null, dueAtMs: finishedAtMs - 50, status: problem ? 'CRITICAL' : 'OK',
        output: problem ? 'HTTP CRITICAL: HTTP/1.1 503 Service Unavailable - 120 bytes in 0.050 second response time'
          : `HTTP OK: HTTP/1.1 200 OK - ${4000 + i} bytes in 0.0${i % 10} second response time`,
        readings: [{ name: 'time', value: 0.01 + (i % 10) / 1000, unit: 's', warning: 1, critical: 2 }, { name: 'size', value: 4000 + i, unit: 'B' }],
        startedAtMs: finishedAtMs - 40, durationMs: 40, source: 'worker', producer: 'bench',
      };
      return { messageId: `${round}-${i}`, receiptHandle: `${round}-${i}`, body: JSON.stringify(result), receiveCount: 1, sentAtMs: finishedAtMs };
    }),
  );
  note(`${CHECKS.toLocaleString('en-US')} checks; ${RESULTS.toLocaleString('en-US')} results (3 % problems, 2 readings each) in batches of ${BATCH_SIZE.toLocaleString('en-US')}`);

  const db = connect(url, { maxConnections: 1, applicationName: 'vigil-bench-results' });
  try {
    const deps = { db, bus: discardingBus, push: discardingPush, log: silentLogger };
    const before = await hotUpdateCounts(db);
    let elapsedMs = 0;
    let transitions = 0;
    let applied = 0;
    for (const batch of batches) {
      elapsedMs += await timeMs(async () => {
        const outcome = await processResultMessages(deps, batch);
        if (outcome.batchItemFailures.length > 0) throw new Error(`${outcome.batchItemFailures.length} results failed`);
        transitions += outcome.transitions;
        applied += outcome.applied;
      });
    }
    const after = await hotUpdateCounts(db);
    const rate = (RESULTS / elapsedMs) * 1000;
    const hotPercent = (100 * (after.hot - before.hot)) / (after.updated - before.updated);
    report('result processor', rate, 'res/s', `>= ${RATE_TARGET.toLocaleString('en-US')}/s`, rate >= RATE_TARGET);
    report('HOT updates of check_state', hotPercent, '%', `>= ${HOT_TARGET_PERCENT} %`, hotPercent >= HOT_TARGET_PERCENT);
    if (applied < RESULTS * 0.99) throw new Error(`only ${applied} of ${RESULTS} results applied: the benchmark measured the wrong thing`);
    note(`${applied.toLocaleString('en-US')} results applied, ${transitions.toLocaleString('en-US')} transitions; ${(elapsedMs / batches.length).toFixed(1)} ms per batch of ${BATCH_SIZE}`);
  } finally {
    await db.end({ timeout: 5 });
  }
});
