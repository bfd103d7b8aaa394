/**
 * EventBridgeBus at the wire: a small HTTP server on loopback speaks PutEvents (AWS JSON 1.1),
 * records what the SDK sends and answers with the per-entry results EventBridge gives, so the
 * request shape, the batching and the handling of failed entries are checked on real requests.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '#adapters/aws/eventbridge-bus.ts';
import { ManualClock } from '#ports/clock.ts';
import type { BusEvent } from '#ports/event-bus.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

interface WireEntry {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
  Time: number;
}

interface PutEventsRequest {
  target: string | undefined;
  contentType: string | undefined;
  entries: WireEntry[];
}

/** How the stand-in answers one entry: undefined takes it, a pair fails it. */
type Answer = (entry: WireEntry) => [code: string, message: string] | undefined;

let server: http.Server;
let requests: PutEventsRequest[];
let answer: Answer;
/** When set, every call fails as a whole with this status and error type. */
let failCalls: { status: number; type: string } | undefined;
let client: EventBridgeClient;

before(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: WireEntry[] };
      requests.push({ target: request.headers['x-amz-target'] as string | undefined, contentType: request.headers['content-type'], entries: body.Entries });
      if (failCalls) {
        response.writeHead(failCalls.status, { 'content-type': 'application/x-amz-json-1.1' });
        return response.end(JSON.stringify({ __type: failCalls.type, message: 'refused by the stand-in' }));
      }
      let failedCount = 0;
      const results = body.Entries.map((entry, i) => {
        const failure = answer(entry);
        if (failure === undefined) return { EventId: `event-${requests.length}-${i}` };
        failedCount += 1;
        return { ErrorCode: failure[0], ErrorMessage: failure[1] };
      });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ FailedEntryCount: failedCount, Entries: results }));
    });
  });
  const port = await listenOnLoopback(server);
  client = new EventBridgeClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await closeServer(server);
});

beforeEach(() => {
  requests = [];
  answer = () => undefined;
  failCalls = undefined;
});

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function events(count: number): BusEvent[] {
  return Array.from({ length: count }, (_, n) => ({ source: 'vigil', detailType: 'CheckStateChanged', detail: { n, checkName: `check ${n}`, groups: ['web'] }, timeMs: T0 + n * 1000 }));
}

const detailN = (entry: WireEntry) => (JSON.parse(entry.Detail) as { n: number }).n;

describe('EventBridgeBus', () => {
  it('puts 25 events as 10 + 10 + 5 entries on the named bus', async () => {
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events' });
    assert.deepEqual(await bus.publish(events(25)), { failed: [] });
    assert.deepEqual(requests.map((r) => r.entries.length), [10, 10, 5]);
    for (const request of requests) {
      assert.equal(request.target, 'AWSEvents.PutEvents');
      assert.equal(request.contentType, 'application/x-amz-json-1.1');
    }
    const entries = requests.flatMap((r) => r.entries);
    assert.deepEqual(entries[7], {
      EventBusName: 'vigil-events',
      Source: 'vigil',
      DetailType: 'CheckStateChanged',
      Detail: JSON.stringify({ n: 7, checkName: 'check 7', groups: ['web'] }),
      // The JSON protocol carries timestamps as epoch seconds.
      Time: (T0 + 7000) / 1000,
    });
    assert.deepEqual(entries.map(detailN), Array.from({ length: 25 }, (_, n) => n));
  });

  it('stamps events without a time with its clock', async () => {
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events', clock: new ManualClock(T0 + 1500) });
    await bus.publish([{ source: 'vigil', detailType: 'Test', detail: {} }]);
    assert.equal(requests[0]?.entries[0]?.Time, (T0 + 1500) / 1000);
  });

  it('tries failed entries once more, then reports those that failed again', async () => {
    // Entries 3 and 12 are throttled once; entry 17 is refused every time.
    const throttled = new Set([3, 12]);
    answer = (entry) => {
      const n = detailN(entry);
      if (n === 17) return ['InternalFailure', 'try again later'];
      if (throttled.delete(n)) return ['ThrottlingException', 'slow down'];
      return undefined;
    };
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events' });
    const { failed } = await bus.publish(events(20));
    assert.deepEqual(failed, [{ index: 17, reason: 'InternalFailure: try again later' }]);
    assert.deepEqual(requests.map((r) => r.entries.map(detailN)), [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [3, 12, 17],
    ]);
  });

  it('reports every event of calls that failed twice as a whole', async () => {
    failCalls = { status: 400, type: 'AccessDeniedException' };
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events' });
    const { failed } = await bus.publish(events(12));
    assert.deepEqual(failed.map((f) => f.index), Array.from({ length: 12 }, (_, n) => n));
    assert.match(failed[0]!.reason, /^AccessDeniedException: refused by the stand-in/);
    assert.deepEqual(requests.map((r) => r.entries.length), [10, 2, 10, 2]);
  });

  it('refuses, without a call, events EventBridge would refuse', async () => {
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events' });
    const { failed } = await bus.publish([
      { source: 'vigil', detailType: 'Fine', detail: { ok: true } },
      { source: 'vigil', detailType: 'Array', detail: ['not', 'an', 'object'] },
      { source: 'aws.ec2', detailType: 'Spoof', detail: {} },
      { source: 'vigil', detailType: 'x'.repeat(129), detail: {} },
      { source: 'vigil', detailType: 'Huge', detail: { text: 'x'.repeat(256 * 1024) } },
      { source: 'vigil', detailType: 'BigInt', detail: { n: 1n } },
    ]);
    assert.deepEqual(failed.map((f) => f.index), [1, 2, 3, 4, 5]);
    assert.match(failed[0]!.reason, /detail must be a JSON object/);
    assert.match(failed[1]!.reason, /starts with 'aws\.'/);
    assert.match(failed[2]!.reason, /detailType must be 1 to 128 characters/);
    assert.match(failed[3]!.reason, /over EventBridge's 262144/);
    assert.match(failed[4]!.reason, /cannot be written as JSON/);
    assert.deepEqual(requests.map((r) => r.entries.map((e) => e.DetailType)), [['Fine']]);
  });

  it('keeps each call under 256 KiB of entries', async () => {
    const bus = new EventBridgeBus({ client, eventBusName: 'vigil-events' });
    const large = Array.from({ length: 5 }, (_, n) => ({ source: 'vigil', detailType: 'Large', detail: { n, text: 'x'.repeat(100_000) } }));
    assert.deepEqual(await bus.publish(large), { failed: [] });
    assert.deepEqual(requests.map((r) => r.entries.length), [2, 2, 1]);
  });
});
