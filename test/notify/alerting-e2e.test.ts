/**
 * Alerting end to end, with real parts: checks run by the local runtime against a real HTTP
 * server, results through the queues and the result processor, CheckStateChanged on the bus, the
 * notifier queue, and mail delivered to a real SMTP server on loopback, webhooks to a receiver
 * that verifies their signature. These are the end-to-end tests.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { acknowledgeCheck } from '#actions/acknowledgements.ts';
import { scheduleDowntime } from '#actions/downtimes.ts';
import { SmtpEmailChannel } from '#adapters/notify/smtp-email.ts';
import { verifyWebhookSignature, WebhookChannel } from '#adapters/notify/webhook.ts';
import type { ChannelKind } from '#core/alerting/policy.ts';
import type { ResultMessage } from '#core/messages.ts';
import type { NotificationChannel } from '#ports/notification-channel.ts';
import { LocalRuntime } from '#local/runtime.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { startReceiver, type Receiver } from '../adapters/notify/receiver.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';

const { sql } = await withTestDatabase();
const SECRET = 'wh-s3cret';
const FARM_SIZE = 500;

/** Paths that answer 503 while listed here. */
const failing = new Set<string>();
const target = createServer((request, response) => {
  const down = failing.has(request.url ?? '');
  response.writeHead(down ? 503 : 200).end(down ? 'down' : 'ok');
});

let smtp: TestSmtpServer;
let hooks: Receiver;
let runtime: LocalRuntime;
let siteId: string;
const checkIds = new Map<string, string>();

function siteXml(port: number): string {
  const fast = '<schedule every="1s" changing-every="1s" retry-every="1s"/><state failed-after="1" recovers-after="1"/>';
  const probe = (path: string) => `<check-command command="web"><parameter name="path">${path}</parameter></check-command>${fast}`;
  const traps = Array.from({ length: FARM_SIZE }, (_, i) => `<trap name="job-${i}"><notify teams="oncall"/></trap>`).join('');
  return `
    <team name="oncall"/><team name="platform"/>
    <contact name="olivia" teams="oncall" email="olivia@example.com"/>
    <contact name="hook" teams="platform">
      <notifications><notification-engine engine="webhook">
        <parameter name="url">${hooks.url('/hook')}</parameter><parameter name="secret">${SECRET}</parameter>
      </notification-engine></notifications>
    </contact>
    <command name="web" engine="http"><parameter name="port">${port}</parameter></command>
    <host name="www" address="127.0.0.1">
      ${probe('/host')}<notify teams="oncall"/>
      <service name="shop">${probe('/shop')}<notify teams="oncall, platform"/></service>
      <service name="api">${probe('/api')}<notify teams="oncall"/><notifications renotify-every="2s"/></service>
    </host>
    <host name="farm">${traps}</host>`;
}

/** Subjects of the mails olivia got, in order. */
const mails = () => smtp.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString('utf8'))?.[1] ?? '?');
const mailsAbout = (what: string) => mails().filter((subject) => subject.endsWith(what));

async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; mails so far: ${JSON.stringify(mails())}`);
    await sleep(50);
  }
}

async function hardStatus(key: string): Promise<number> {
  const [row] = await sql<{ hard_status: number }[]>`select hard_status from check_state where check_id = ${checkIds.get(key)!}`;
  return row!.hard_status;
}
const CRITICAL = 4;
const OK = 2;

before(async () => {
  const port = await listenOnLoopback(target);
  smtp = await startSmtpServer();
  hooks = await startReceiver();
  const loaded = loadXml({ 'site.xml': siteXml(port) }, 'alerting');
  assert.equal(loaded.diagnostics.errorCount, 0, loaded.diagnostics.items.map((d) => d.message).join('\n'));
  ({ siteId } = await applySiteConfiguration(sql, onlySite(loaded), 'test'));
  const rows = await sql<{ id: string; key: string }[]>`
    select c.id, coalesce(p.name || '/', '') || c.name as key from "check" c left join "check" p on p.id = c.parent_id where c.site_id = ${siteId}`;
  for (const row of rows) checkIds.set(row.key, row.id);
  runtime = new LocalRuntime({
    db: sql, log: new MemoryLogger(), tickEveryMs: 1_000,
    channels: new Map<ChannelKind, NotificationChannel>([
      ['email', new SmtpEmailChannel({ host: '127.0.0.1', port: smtp.port, security: 'opportunistic', from: 'Vigil <vigil@example.com>' })],
      ['webhook', new WebhookChannel()],
    ]),
    notifier: { floodWindowMs: 1_000 },
  }).start();
  await eventually('every probe OK', async () => (await hardStatus('www/shop')) === OK && (await hardStatus('www/api')) === OK && (await hardStatus('www')) === OK);
});

describe('alerting end to end', () => {
  // In the suite, so it runs before the file's own hooks close the database.
  after(async () => {
    await runtime?.stop();
    await Promise.all([smtp?.close(), hooks?.close(), closeServer(target)]);
  });

  test('a check fails: the on-call contact is emailed once, and the webhook gets one signed call', async () => {
    failing.add('/shop');
    await eventually('the alert mail', () => mailsAbout('www/shop').length > 0);
    await sleep(3_000); // a few more failing results and sweeps: still one
    assert.deepEqual(mailsAbout('www/shop'), ['CRITICAL: www/shop']);
    assert.deepEqual(smtp.messages.at(-1)!.to, ['olivia@example.com']);
    const calls = hooks.requests.filter((r) => r.body.includes('www'));
    assert.equal(calls.length, 1);
    const [call] = calls;
    assert.ok(verifyWebhookSignature(SECRET, call!.headers['x-vigil-timestamp'] as string, call!.body, call!.headers['x-vigil-signature'] as string, Date.now()));
    assert.ok(!verifyWebhookSignature('another', call!.headers['x-vigil-timestamp'] as string, call!.body, call!.headers['x-vigil-signature'] as string, Date.now()));
    assert.equal(JSON.parse(call!.body).subject, 'CRITICAL: www/shop');
  });

  test('it recovers: a recovery message', async () => {
    failing.delete('/shop');
    await eventually('the recovery mail', () => mailsAbout('www/shop is OK').length > 0);
    assert.deepEqual(mailsAbout('www/shop is OK'), ['Recovered: www/shop is OK']);
  });

  test('re-notified while unhandled; acknowledged: told who took it, then no more re-notifications', async () => {
    failing.add('/api');
    await eventually('a reminder', () => mailsAbout('www/api').some((s) => s.startsWith('Still CRITICAL')));
    await acknowledgeCheck(sql, { siteId, checkId: checkIds.get('www/api')!, comment: 'on it', by: 'olivia@example.com', atMs: Date.now() });
    await eventually('the acknowledgement notice', () => mailsAbout('www/api').includes('Acknowledged, CRITICAL: www/api'));
    await sleep(500); // a sweep already under way may still send one
    const afterAck = mailsAbout('www/api').length;
    await sleep(4_000); // two renotify periods
    assert.equal(mailsAbout('www/api').length, afterAck, `no mail after the acknowledgement: ${JSON.stringify(mailsAbout('www/api'))}`);
    failing.delete('/api');
    await eventually('api OK', async () => (await hardStatus('www/api')) === OK);
  });

  test('the host is down: its services do not alert, the host does', async () => {
    const before = mailsAbout('www/shop').length;
    failing.add('/host');
    await eventually('host down', async () => (await hardStatus('www')) === CRITICAL);
    failing.add('/shop');
    await eventually('the host mail', () => mails().includes('CRITICAL: www'));
    await eventually('shop CRITICAL', async () => (await hardStatus('www/shop')) === CRITICAL);
    await sleep(2_000);
    assert.equal(mailsAbout('www/shop').length, before, 'nothing about the service');
    const [cancelled] = await sql`select last_error from notification where check_id = ${checkIds.get('www/shop')!} and status = 'cancelled' order by id desc limit 1`;
    assert.equal(cancelled!.last_error, 'its host www is down');
    failing.delete('/shop');
    failing.delete('/host');
    await eventually('the host recovery mail', () => mails().includes('Recovered: www is OK'));
    await eventually('all OK', async () => (await hardStatus('www')) === OK && (await hardStatus('www/shop')) === OK);
  });

  test('in downtime: nothing is sent', async () => {
    const now = Date.now();
    await scheduleDowntime(sql, { siteId, checkId: checkIds.get('www/shop')!, fromMs: now - 1_000, toMs: now + 3_600_000, comment: 'maintenance', by: 'olivia@example.com', nowMs: now });
    const before = mails().length;
    failing.add('/shop');
    await eventually('shop CRITICAL', async () => (await hardStatus('www/shop')) === CRITICAL);
    await sleep(2_500);
    assert.equal(mails().length, before, `nothing sent: ${JSON.stringify(mails().slice(before))}`);
    failing.delete('/shop');
    await eventually('shop OK', async () => (await hardStatus('www/shop')) === OK);
  });

  test(`${FARM_SIZE} checks failing at once: one summary per contact`, async () => {
    const before = mails().length;
    const nowMs = Date.now();
    const results: ResultMessage[] = Array.from({ length: FARM_SIZE }, (_, i) => ({
      v: 1, siteId, checkId: checkIds.get(`farm/job-${i}`)!, locationId: null, dueAtMs: nowMs, status: 'CRITICAL', output: `job ${i} failed`,
      readings: [], startedAtMs: nowMs, durationMs: 1, source: 'passive', producer: 'test',
    }));
    for (let i = 0; i < results.length; i += 10) {
      await runtime.queues.results.send(results.slice(i, i + 10).map((result) => ({ body: JSON.stringify(result) })));
    }
    await eventually('the summary', () => mails().length > before, 30_000);
    await sleep(2_000);
    assert.deepEqual(mails().slice(before), [`${FARM_SIZE} checks changed state (${FARM_SIZE} problems, 0 recovered)`]);
    assert.match(smtp.messages.at(-1)!.raw.toString('utf8'), /job-0: job 0 failed/);
  });
});
