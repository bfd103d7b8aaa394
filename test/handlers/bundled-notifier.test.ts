/**
 * The notifier as it is deployed: bundled with esbuild, loaded from the bundle, fed the sample
 * EventBridge-to-SQS event (test/events/notifier-sqs.json) and then EventBridge's scheduled
 * event, against PostgreSQL, SQS's wire protocol (fauxqs, for its wake-ups) and a webhook
 * receiver that checks the signature.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { verifyWebhookSignature } from '#adapters/notify/webhook.ts';
import { bundleFunction } from '../../scripts/bundle-functions.ts';
import { startReceiver } from '../adapters/notify/receiver.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { startFauxqs } from '../helpers/fauxqs.ts';
import { applySite } from '../scheduler/fixtures.ts';

const { sql, url } = await withTestDatabase();
const fauxqs = await startFauxqs();
const hooks = await startReceiver();
const outDir = await mkdtemp(join(tmpdir(), 'vigil-notifier-bundle-'));
after(async () => {
  await Promise.all([fauxqs.stop(), hooks.close(), rm(outDir, { recursive: true, force: true })]);
});

test('the bundled notifier turns the sample event into a signed webhook call, waking itself up through SQS', async () => {
  const { siteId, checks } = await applySite(sql, `
    <team name="ops"/>
    <contact name="hook" teams="ops"><notifications><notification-engine engine="webhook">
      <parameter name="url">${hooks.url('/vigil')}</parameter><parameter name="secret">bundle-secret</parameter>
    </notification-engine></notifications></contact>
    <command name="http" engine="http"/>
    <host name="web-1" address="127.0.0.1"><service name="http"><check-command command="http"/><notify teams="ops"/></service></host>`, 'bundled');
  const checkId = checks.get('web-1/http')!;
  await sql`update check_state set status = 4, hard_status = 4 where check_id = ${checkId}`;
  const { queue: wakeUps } = await fauxqs.createQueues({ visibilityTimeoutSeconds: 30, maxReceiveCount: 3 });
  Object.assign(process.env, {
    DATABASE_URL: url,
    NOTIFIER_QUEUE_URL: (wakeUps as unknown as { queueUrl: string }).queueUrl,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const dir = await bundleFunction('notifier', outDir);
  const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: (event: unknown) => Promise<SQSBatchResponse | object> };

  const sample = (await readFile(new URL('../events/notifier-sqs.json', import.meta.url), 'utf8'))
    .replaceAll('6f1c1b36-3a51-4a8e-9d39-0d4f7c2a9b10', siteId).replaceAll('1b2a9d0e-7c44-4f6b-8f0a-5d2e3c4b5a61', checkId);
  assert.deepEqual(await handler(JSON.parse(sample) as SQSEvent), { batchItemFailures: [] });
  const [pending] = await sql<{ contact: string; status: string }[]>`select contact, status from notification where check_id = ${checkId}`;
  assert.deepEqual({ ...pending }, { contact: 'hook', status: 'pending' });
  const [wakeUp] = await wakeUps.receive({ maxMessages: 1, waitTimeSeconds: 15 });
  assert.equal(wakeUp?.body, '{"v":1,"type":"deliver"}', 'a delayed wake-up for when the flood window has passed');

  // The minute sweep (EventBridge's scheduled event) delivers what is due.
  await sql`update notification set next_attempt_at = now() - interval '1 second' where check_id = ${checkId}`;
  await handler(JSON.parse(await readFile(new URL('../events/scheduler-tick.json', import.meta.url), 'utf8')));
  const [call] = hooks.requests;
  assert.ok(call, 'the webhook was called');
  assert.equal(JSON.parse(call.body).subject, 'CRITICAL: web-1/http');
  assert.ok(verifyWebhookSignature('bundle-secret', call.headers['x-vigil-timestamp'] as string, call.body, call.headers['x-vigil-signature'] as string, Date.now()));
  const [sent] = await sql<{ status: string }[]>`select status from notification where check_id = ${checkId}`;
  assert.equal(sent!.status, 'sent');
});
