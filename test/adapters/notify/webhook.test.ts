/**
 * The webhook channel against a real receiver on loopback: what arrives (body, headers, a
 * signature the receiver can verify), what each answer means for the notifier's retries, and the
 * network policy: metadata addresses refused whether written in the URL or behind a name (a test
 * DNS server on loopback answers for the names).
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { signWebhook, verifyWebhookSignature, WebhookChannel, type WebhookBody } from '#adapters/notify/webhook.ts';
import { ManualClock } from '#ports/clock.ts';
import { startDnsServer, type TestDnsServer } from '../../helpers/dns-server.ts';
import { closedPort } from '../../helpers/loopback.ts';
import { AT_MS, channelError, check, inMs, problem } from './messages.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'whsec-test-0123456789';
const CONTACT = { contact: 'ops' };

let receiver: Receiver;
let dns: TestDnsServer;
let resolveHost: (name: string) => Promise<string[]>;

before(async () => {
  receiver = await startReceiver();
  dns = await startDnsServer([
    { name: 'receiver.test', type: 'A', data: '127.0.0.1' },
    { name: 'imds.test', type: 'A', data: '169.254.169.254' },
    // A name with an ordinary address first and the metadata address second.
    { name: 'mixed.test', type: 'A', data: '127.0.0.1' },
    { name: 'mixed.test', type: 'A', data: '169.254.169.254' },
  ]);
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([dns.address]);
  resolveHost = (name) => resolver.resolve4(name);
});

after(async () => {
  await receiver.close();
  await dns.close();
});

beforeEach(() => {
  receiver.requests.length = 0;
  receiver.answer = { status: 200, body: 'ok' };
});

describe('webhook channel', () => {
  it('POSTs the notification as JSON, signed over the timestamp and the body', async () => {
    const clock = new ManualClock(AT_MS + 5_000);
    await new WebhookChannel({ clock }).send(problem(), { ...CONTACT, url: receiver.url('/hooks/vigil?team=ops'), secret: SECRET }, inMs(2_000));

    assert.equal(receiver.requests.length, 1);
    const [request] = receiver.requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/hooks/vigil?team=ops');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers['x-vigil-notification-id'], 'ntf-42.contact-7.webhook');
    const timestamp = request!.headers['x-vigil-timestamp'] as string;
    assert.equal(timestamp, String((AT_MS + 5_000) / 1000));
    const body = JSON.parse(request!.body) as WebhookBody;
    const { sinceMs: _sinceMs, ...withoutSince } = check();
    assert.deepEqual(body, {
      id: 'ntf-42.contact-7.webhook',
      site: { id: 'site-1', name: 'Acme Production' },
      kind: 'problem',
      subject: 'CRITICAL: web-1/http',
      text: 'web-1/http is CRITICAL (was OK)\nHTTP 503 Service Unavailable - 120 bytes in 0.004 s',
      at: '2025-03-14T09:30:00.000Z',
      checks: [{ ...withoutSince, since: '2025-03-14T09:29:00.000Z' }],
    });

    const signature = request!.headers['x-vigil-signature'] as string;
    assert.match(signature, /^sha256=[0-9a-f]{64}$/);
    const now = AT_MS + 6_000;
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, now), true);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, Buffer.from(request!.body), signature, now), true, 'raw bytes verify too');
    assert.equal(verifyWebhookSignature('another-secret', timestamp, request!.body, signature, now), false, 'wrong secret');
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body.replace('CRITICAL', 'OK'), signature, now), false, 'altered body');
    assert.equal(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), request!.body, signature, now), false, 'other timestamp');
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, AT_MS + 5_000 + 301_000), false, 'replayed after 5 minutes');
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body, signature, AT_MS + 5_000 + 301_000, 600), true, 'within a longer tolerance');
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body, undefined, now), false, 'no signature');
    assert.equal(verifyWebhookSignature(SECRET, undefined, request!.body, signature, now), false, 'no timestamp');
    assert.equal(verifyWebhookSignature(SECRET, timestamp, request!.body, signature.slice(0, -2), now), false, 'truncated signature');
  });

  it('signs as documented: HMAC-SHA256 of "timestamp.body", in hex', () => {
    // A fixed vector, so that receivers in other languages can check their implementation.
    // `printf '1700000000.{"id":"n1"}' | openssl dgst -sha256 -hmac secret`
    const expected = 'sha256=5df397bab2242cdd9d0ebc2f78021bac1af24f5f162ebfab520c3cc3cfffffe0';
    assert.equal(signWebhook('secret', 1700000000, '{"id":"n1"}'), expected);
    assert.equal(verifyWebhookSignature('secret', '1700000000', '{"id":"n1"}', expected, 1700000000_000), true);
  });

  it('sends no signature without a secret', async () => {
    await new WebhookChannel().send(problem(), { ...CONTACT, url: receiver.url() }, inMs(2_000));
    assert.equal(receiver.requests[0]!.headers['x-vigil-signature'], undefined);
    assert.match(receiver.requests[0]!.headers['x-vigil-timestamp'] as string, /^\d{10}$/);
  });

  it('sends credentials written in the URL as Basic authentication, not in the request line', async () => {
    await new WebhookChannel().send(problem(), { ...CONTACT, url: `http://hook%40user:p%3Ass@127.0.0.1:${receiver.port}/in` }, inMs(2_000));
    assert.equal(receiver.requests[0]!.headers.authorization, `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`);
    assert.equal(receiver.requests[0]!.path, '/in');
  });

  const answers: [status: number, retryable: boolean][] = [
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [401, false],
    [404, false],
    [410, false],
    [301, false],
  ];
  for (const [status, retryable] of answers) {
    it(`an answer ${status} is ${retryable ? 'retryable' : 'final'}`, async () => {
      receiver.answer = { status, body: `refused\n with ${status}` };
      const error = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, url: receiver.url('/secret-path-token') }, inMs(2_000)));
      assert.equal(error.retryable, retryable);
      assert.match(error.message, new RegExp(`^webhook to http://127\\.0\\.0\\.1:${receiver.port} answered ${status}: refused with ${status}`));
      assert.doesNotMatch(error.message, /secret-path-token/, 'the URL path is not shown: it may be a secret');
    });
  }

  it('gives up at the deadline when the receiver does not answer, as retryable', async () => {
    receiver.answer = 'hang';
    const startedAt = Date.now();
    const error = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, url: receiver.url() }, inMs(300)));
    const elapsedMs = Date.now() - startedAt;
    assert.equal(error.retryable, true);
    assert.match(error.message, /timed out after \d+ ms/);
    assert.ok(elapsedMs >= 250 && elapsedMs < 1_000, `gave up after ${elapsedMs} ms`);
  });

  it('is retryable when nothing listens, and when the deadline has already passed', async () => {
    const refused = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, url: `http://127.0.0.1:${await closedPort()}/` }, inMs(2_000)));
    assert.equal(refused.retryable, true);
    assert.match(refused.message, /ECONNREFUSED/);
    const late = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, url: receiver.url() }, Date.now() - 1));
    assert.equal(late.retryable, true);
    assert.equal(receiver.requests.length, 0);
  });

  it('refuses missing, malformed and non-HTTP URLs for good', async () => {
    for (const url of [undefined, '', 'not a url', 'ftp://127.0.0.1/hook', 'file:///etc/passwd']) {
      const error = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, ...(url !== undefined ? { url } : {}) }, inMs(2_000)));
      assert.equal(error.retryable, false, String(url));
    }
  });

  it('refuses metadata addresses in the URL without connecting', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://[fe80::1]:8080/', 'http://2852039166/']) {
      const startedAt = Date.now();
      const error = await channelError(new WebhookChannel().send(problem(), { ...CONTACT, url }, inMs(5_000)));
      assert.equal(error.retryable, false, url);
      assert.match(error.message, /refused: refusing to connect to .*link-local and cloud metadata addresses are blocked/, url);
      assert.ok(Date.now() - startedAt < 200, `${url} was refused at once, not after trying`);
    }
  });

  it('connects to the address a name resolved to, and refuses a name that resolves to a metadata address', async () => {
    await new WebhookChannel({ resolveHost }).send(problem(), { ...CONTACT, url: `http://receiver.test:${receiver.port}/named` }, inMs(2_000));
    assert.equal(receiver.requests[0]!.headers.host, `receiver.test:${receiver.port}`);

    const imds = await channelError(new WebhookChannel({ resolveHost }).send(problem(), { ...CONTACT, url: 'http://imds.test/latest/meta-data/' }, inMs(2_000)));
    assert.equal(imds.retryable, false);
    assert.match(imds.message, /refusing to connect to imds\.test \(169\.254\.169\.254\)/);
  });

  it('refuses a name with any metadata address among its addresses, unless the channel allows them', async () => {
    const url = `http://mixed.test:${receiver.port}/mixed`;
    const refused = await channelError(new WebhookChannel({ resolveHost }).send(problem(), { ...CONTACT, url }, inMs(2_000)));
    assert.equal(refused.retryable, false);
    assert.equal(receiver.requests.length, 0);

    // Allowed, it goes to the first address, the receiver on loopback.
    await new WebhookChannel({ resolveHost, allowMetadataAddresses: true }).send(problem(), { ...CONTACT, url }, inMs(2_000));
    assert.equal(receiver.requests.length, 1);
    assert.equal(receiver.requests[0]!.path, '/mixed');
  });

  it('is retryable when the name does not resolve', async () => {
    const error = await channelError(new WebhookChannel({ resolveHost }).send(problem(), { ...CONTACT, url: 'http://missing.test/' }, inMs(2_000)));
    assert.equal(error.retryable, true);
    assert.match(error.message, /ENOTFOUND/);
  });
});
