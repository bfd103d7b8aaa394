/**
 * The Lambda handlers as they are deployed: bundled with esbuild (scripts/bundle-functions.ts),
 * loaded from the bundle, invoked with the sample events in test/events/, talking SQS's wire
 * protocol to fauxqs on loopback. This proves the bundles are complete (the worker's script
 * sandbox loads its thread, scripting API and WebAssembly from beside the bundle) and that each
 * handler reads its environment and answers Lambda's partial batch response.
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseResultMessage } from '#core/messages.ts';
import { bundleFunction } from '../../scripts/bundle-functions.ts';
import { startFauxqs, type Fauxqs } from '../helpers/fauxqs.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';

const server = createServer((request, response) => {
  response.writeHead(request.url === '/health' ? 200 : 404).end('{"status":"ok"}');
});
let port = 0;
let fauxqs: Fauxqs;
let outDir = '';

before(async () => {
  port = await listenOnLoopback(server);
  fauxqs = await startFauxqs();
  outDir = await mkdtemp(join(tmpdir(), 'vigil-bundles-'));
});
after(async () => {
  await closeServer(server);
  await fauxqs.stop();
  await rm(outDir, { recursive: true, force: true });
});

async function sampleEvent(name: string): Promise<SQSEvent> {
  const text = await readFile(new URL(`../events/${name}`, import.meta.url), 'utf8');
  // The samples name port 8080; point them at this test's server.
  return JSON.parse(text.replaceAll('\\"port\\": \\"8080\\"', `\\"port\\": \\"${port}\\"`)) as SQSEvent;
}

test('the bundled worker runs an http check and a scripted check and sends both results', async () => {
  const { queue: results } = await fauxqs.createQueues({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  Object.assign(process.env, {
    RESULTS_QUEUE_URL: (results as unknown as { queueUrl: string }).queueUrl,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const dir = await bundleFunction('worker', outDir);
  const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: (event: SQSEvent) => Promise<SQSBatchResponse> };

  const response = await handler(await sampleEvent('worker-sqs.json'));
  assert.deepEqual(response, { batchItemFailures: [] });

  const received = await results.receive({ maxMessages: 10, waitTimeSeconds: 2 });
  const byName = new Map(received.map((message) => parseResultMessage(message.body)).map((result) => [result.checkId, result]));
  assert.equal(byName.size, 2);
  const http = byName.get('1b2a9d0e-7c44-4f6b-8f0a-5d2e3c4b5a61')!;
  const scripted = byName.get('3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f')!;
  assert.deepEqual([http.status, http.producer, http.source], ['OK', 'eu-west-1', 'worker']);
  assert.deepEqual([scripted.status, scripted.output], ['OK', 'health {"status":"ok"}']);
});
