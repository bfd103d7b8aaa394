/**
 * WebSocket fan-out: 1,000 browsers connected to the local gateway, all subscribed to one site;
 * one state change pushed with WebSocketPush (the ApiGatewayManagementApiClient posting to the
 * gateway's `@connections` endpoint, 100 posts at once, as in AWS); the time from the push to
 * the moment the last browser has the whole change (its checks and its groups message). Prints
 * p50 and p95 over 20 pushes. The issue sets no target for this figure.
 *
 *   node --import tsx bench/websocket-fanout.bench.ts
 *
 * The browsers run in a worker thread of their own, as browsers are other processes: their
 * parsing does not share the event loop of the gateway and the push, and the time each change
 * is complete is taken there.
 */
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { systemClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import type { SiteChanges } from '#ports/push.ts';
import { createWebSocketGateway, LOCAL_MANAGEMENT_CLIENT } from '#local/websocket-gateway.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { createWebSocketRoutes } from '../functions/websocket/routes.ts';
import { WebSocketPush } from '../functions/websocket/websocket-push.ts';
import { checkChange, idOf, StandInAuthenticator, storeSite } from '../test/websocket/fixtures.ts';
import { closeServer, listenOnLoopback } from '../test/helpers/loopback.ts';
import { note, percentile, record, withBenchDatabase } from './harness.ts';

const CLIENTS = 1000;
const WARM_UP = 3;
const PUSHES = 20;
/** Browsers connecting at once while the benchmark sets up. */
const CONNECTING_AT_ONCE = 50;

interface ClientsSetup {
  url: string;
  siteId: string;
  clients: number;
}

/** From the browsers' thread: ready to measure (all connected, or waiting for a round), or the time every browser had a change. */
type FromClients = { ready: true } | { round: number; completeAtMs: number };
/** To the browsers' thread: the next change has `frames` messages. */
interface ToClients {
  round: number;
  frames: number;
}

/** A timestamp both threads read on the same scale. */
const nowMs = () => performance.timeOrigin + performance.now();

if (isMainThread) await main();
else await browsers(workerData as ClientsSetup);

async function main(): Promise<void> {
  await withBenchDatabase(async ({ sql }) => {
    const site = await storeSite(sql, 'bench-fanout');
    const auth = new StandInAuthenticator();
    auth.addUser('viewer', { [site.siteId]: 'viewer' });
    const routes = createWebSocketRoutes({ db: sql, auth, clock: systemClock, log: silentLogger });
    const server = createServer((request, response) => {
      if (!gateway.handleRequest(request, response)) response.writeHead(404).end();
    });
    const gateway = createWebSocketGateway({ server, routes, log: silentLogger });
    const port = await listenOnLoopback(server);
    const push = new WebSocketPush({ db: sql, log: silentLogger, endpoint: `http://127.0.0.1:${port}`, client: LOCAL_MANAGEMENT_CLIENT });
    // The worker runs this file too; tsx's loader is registered per thread, so it registers it first.
    const entry = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), {
      workerData: { url: `ws://127.0.0.1:${port}/ws?token=viewer`, siteId: site.siteId, clients: CLIENTS } satisfies ClientsSetup,
    });
    try {
      const messages = messagesOf(worker);
      await messages.next();
      note(`${CLIENTS} WebSocket clients (in a worker thread) on the local gateway, all subscribed to one site; PostgreSQL for the subscriptions`);

      const checkId = idOf(site.checks, 'web-1/http');
      const groups = await groupRollup(sql, site.siteId, { groupIds: [...site.groups.values()] });
      const samples: number[] = [];
      const pushDone: number[] = [];
      for (let round = 0; round < WARM_UP + PUSHES; round++) {
        const change: SiteChanges = { siteId: site.siteId, checks: [checkChange(checkId, round % 2 ? 'OK' : 'CRITICAL', `round ${round}`)], groups };
        worker.postMessage({ round, frames: 2 } satisfies ToClients);
        await messages.next();
        const startedMs = nowMs();
        const outcome = await push.push(change);
        const pushedMs = nowMs();
        const complete = (await messages.next()) as { round: number; completeAtMs: number };
        if (outcome.posted !== 2 * CLIENTS || complete.round !== round) throw new Error(`round ${round}: posted ${outcome.posted}, heard of round ${complete.round}`);
        if (round >= WARM_UP) {
          samples.push(complete.completeAtMs - startedMs);
          pushDone.push(pushedMs - startedMs);
        }
      }
      note(`${PUSHES} pushes of one check change and its ${groups.length} groups: 2 messages to each client, ${2 * CLIENTS} posts, 100 at once`);
      record('push -> last of 1,000 clients has it, p50', percentile(samples, 0.5), 'ms');
      record('push -> last of 1,000 clients has it, p95', percentile(samples, 0.95), 'ms');
      record('push call returns (all posts answered), p50', percentile(pushDone, 0.5), 'ms');
    } finally {
      await worker.terminate();
      push.close();
      await gateway.close();
      await closeServer(server);
    }
  });
}

/** The messages a worker posts, one at a time. */
function messagesOf(worker: Worker): { next(): Promise<FromClients> } {
  const queue: FromClients[] = [];
  let waiting: ((message: FromClients) => void) | undefined;
  worker.on('message', (message: FromClients) => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(message);
    } else queue.push(message);
  });
  worker.on('error', (error) => {
    throw error;
  });
  return {
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => (waiting = resolve))),
  };
}

/** The browsers' thread: connects and subscribes every client, then reports when all have each change. */
async function browsers(setup: ClientsSetup): Promise<void> {
  const port = parentPort!;
  let expected: ToClients = { round: -1, frames: 0 };
  let completeClients = 0;
  const framesSeen = new Map<WebSocket, number>();

  const open = async (): Promise<WebSocket> => {
    const socket = new WebSocket(setup.url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const reply = await new Promise<string>((resolve) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.send(JSON.stringify({ action: 'subscribe', siteId: setup.siteId }));
    });
    if (JSON.parse(reply).type !== 'subscribed') throw new Error(`subscribe answered ${reply}`);
    socket.on('message', (data) => {
      // Parsed as a browser would, to be fair to the figure.
      JSON.parse(String(data));
      const seen = (framesSeen.get(socket) ?? 0) + 1;
      framesSeen.set(socket, seen);
      if (seen === expected.frames && ++completeClients === setup.clients) {
        port.postMessage({ round: expected.round, completeAtMs: nowMs() } satisfies FromClients);
      }
    });
    return socket;
  };

  for (let opened = 0; opened < setup.clients; opened += CONNECTING_AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(CONNECTING_AT_ONCE, setup.clients - opened) }, open));
  }
  port.on('message', (next: ToClients) => {
    expected = next;
    completeClients = 0;
    framesSeen.clear();
    port.postMessage({ ready: true } satisfies FromClients);
  });
  port.postMessage({ ready: true } satisfies FromClients);
}
