/**
 * "Run now" latency on the local runtime: from the request to the check's new state committed
 * and handed to the push port (what a browser would then receive), through the real path: the job
 * on the check queue, a worker running an HTTP check against a local server, the result on the
 * results queue, the result processor's transaction. Prints p50 and p99 over 200 runs.
 *
 *   node --import tsx bench/run-now.bench.ts
 *
 * DESIGN.md's reference point is Bergamot's "< 200 ms from run now to the browser".
 */
import { createServer } from 'node:http';
import { LocalRuntime } from '#local/runtime.ts';
import { silentLogger } from '#ports/logger.ts';
import type { Push, SiteChanges } from '#ports/push.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { loadXml, onlySite } from '../test/helpers/config.ts';
import { closeServer, listenOnLoopback } from '../test/helpers/loopback.ts';
import { note, percentile, report, withBenchDatabase } from './harness.ts';

const RUNS = 200;
const WARM_UP = 20;
const TARGET_MS = 200;

/** Resolves the waiter of a check when a push carries it. */
class WaitingPush implements Push {
  private readonly waiters = new Map<string, () => void>();
  next(checkId: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(checkId, resolve));
  }
  async publish(changes: SiteChanges): Promise<void> {
    for (const check of changes.checks) {
      this.waiters.get(check.checkId)?.();
      this.waiters.delete(check.checkId);
    }
  }
}

const server = createServer((_request, response) => response.writeHead(200).end('ok'));
const port = await listenOnLoopback(server);
try {
  await withBenchDatabase(async ({ sql }) => {
    const site = onlySite(loadXml({ 'site.xml': `
      <command name="web" engine="http"><parameter name="port">${port}</parameter></command>
      <host name="www" address="127.0.0.1"><service name="home"><check-command command="web"/><schedule every="1h"/></service></host>` }, 'bench-run-now'));
    const { siteId } = await applySiteConfiguration(sql, site, 'bench');
    const [check] = await sql<{ id: string }[]>`select id from "check" where site_id = ${siteId} and name = 'home'`;
    const push = new WaitingPush();
    const runtime = new LocalRuntime({ db: sql, log: silentLogger, push, tickEveryMs: null }).start();
    try {
      const samples: number[] = [];
      for (let i = 0; i < WARM_UP + RUNS; i++) {
        const started = performance.now();
        const pushed = push.next(check!.id);
        await runtime.runNow(siteId, check!.id);
        await pushed;
        if (i >= WARM_UP) samples.push(performance.now() - started);
      }
      note(`${RUNS} runs of an HTTP check on the local runtime (in-process queues, real PostgreSQL), one at a time`);
      report('run now -> committed and pushed, p50', percentile(samples, 0.5), 'ms', `< ${TARGET_MS} ms`, percentile(samples, 0.5) < TARGET_MS);
      report('run now -> committed and pushed, p99', percentile(samples, 0.99), 'ms', `< ${TARGET_MS} ms`, percentile(samples, 0.99) < TARGET_MS);
    } finally {
      await runtime.stop();
    }
  });
} finally {
  await closeServer(server);
}
