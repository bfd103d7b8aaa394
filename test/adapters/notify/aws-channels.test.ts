/**
 * The SES and SNS channels at the wire: a small HTTP server on loopback stands in for SES v2
 * (REST JSON, `POST /v2/email/outbound-emails`) and SNS (AWS Query, a form-encoded `Publish`),
 * records what the SDK sends and answers as the services do, errors included, so the request
 * shapes and the mapping of AWS errors to retryable or final are checked on real requests.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SesEmailChannel } from '#adapters/notify/ses-email.ts';
import { MAX_SMS_CHARS, SnsSmsChannel, smsText } from '#adapters/notify/sns-sms.ts';
import { closedPort, closeServer, listenOnLoopback } from '../../helpers/loopback.ts';
import { channelError, inMs, problem } from './messages.ts';

interface WireRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/** How the stand-in answers: a status, headers and a body; or `hang`. */
type Answer = { status: number; headers?: Record<string, string>; body: string } | 'hang';

const SES_SENT: Answer = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"MessageId":"0102018e-ses-message-id"}' };
const SNS_SENT: Answer = {
  status: 200,
  headers: { 'content-type': 'text/xml' },
  body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>5ab1c2d3-sns</MessageId></PublishResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></PublishResponse>',
};

/** An SES v2 error as SES sends it: the type in a header and in the JSON body. */
function sesError(status: number, type: string, message: string): Answer {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': type }, body: JSON.stringify({ message }) };
}

/** An SNS error as the Query protocol sends it. */
function snsError(status: number, code: string, message: string): Answer {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`,
  };
}

let server: http.Server;
let endpoint: string;
let requests: WireRequest[];
let answer: Answer;
let ses: SESv2Client;
let sns: SNSClient;

before(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body);
    });
  });
  const port = await listenOnLoopback(server);
  endpoint = `http://127.0.0.1:${port}`;
  // One attempt: the test sees each answer's mapping, not the SDK's own retries.
  const settings = { region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 };
  ses = new SESv2Client(settings);
  sns = new SNSClient(settings);
});

after(async () => {
  ses.destroy();
  sns.destroy();
  await closeServer(server);
});

beforeEach(() => {
  requests = [];
  answer = 'hang';
});

/** One test per scenario: the stand-in answers so, and the send fails, retryable or not. */
function mapsErrors(action: string, scenarios: [name: string, answer: Answer, retryable: boolean][], send: () => Promise<void>): void {
  for (const [name, given, retryable] of scenarios) {
    it(`${name} is ${retryable ? 'retryable' : 'final'}`, async () => {
      answer = given;
      const error = await channelError(send());
      assert.equal(error.retryable, retryable);
      assert.ok(error.message.startsWith(`${action} failed (HTTP `), error.message);
      assert.equal(requests.length, 1, 'one attempt: the SDK does not retry in these tests');
    });
  }
}

describe('SES email channel', () => {
  const channel = () => new SesEmailChannel({ client: ses, from: 'Vigil <alerts@vigil.example>', configurationSetName: 'vigil-alerts' });
  const recipient = { contact: 'ops', email: 'oncall@example.org' };

  it('sends SendEmail with Simple content: subject, text with the site footer, and the notification id header', async () => {
    answer = SES_SENT;
    await channel().send(problem(), recipient, inMs(2_000));
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/v2/email/outbound-emails');
    assert.equal(request!.contentType, 'application/json');
    assert.match(request!.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/ses\/aws4_request/);
    assert.deepEqual(JSON.parse(request!.body), {
      FromEmailAddress: 'Vigil <alerts@vigil.example>',
      Destination: { ToAddresses: ['oncall@example.org'] },
      ConfigurationSetName: 'vigil-alerts',
      Content: {
        Simple: {
          Subject: { Data: 'CRITICAL: web-1/http', Charset: 'UTF-8' },
          Body: { Text: { Data: 'web-1/http is CRITICAL (was OK)\nHTTP 503 Service Unavailable - 120 bytes in 0.004 s\n\n-- \nVigil monitoring, site Acme Production\n', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'X-Vigil-Notification', Value: 'ntf-42.contact-7.webhook' },
            { Name: 'Auto-Submitted', Value: 'auto-generated' },
          ],
        },
      },
    });
  });

  const errors: [name: string, answer: Answer, retryable: boolean][] = [
    ['MessageRejected (400)', sesError(400, 'MessageRejected', 'Email address is not verified.'), false],
    ['MailFromDomainNotVerifiedException (400)', sesError(400, 'MailFromDomainNotVerifiedException', 'MAIL FROM domain not verified'), false],
    ['BadRequestException (400)', sesError(400, 'BadRequestException', '1 validation error detected'), false],
    ['AccountSuspendedException (400)', sesError(400, 'AccountSuspendedException', 'account suspended'), false],
    ['TooManyRequestsException (429)', sesError(429, 'TooManyRequestsException', 'Too Many Requests'), true],
    ['LimitExceededException (400)', sesError(400, 'LimitExceededException', 'Maximum sending rate exceeded.'), true],
    ['a 503', sesError(503, 'ServiceUnavailable', 'Service Unavailable'), true],
    ['a 500', { status: 500, body: 'internal error' }, true],
  ];
  mapsErrors('SES SendEmail', errors, () => channel().send(problem(), recipient, inMs(2_000)));

  it('gives up at the deadline as retryable; a contact without an address is final and sends nothing', async () => {
    const timedOut = await channelError(channel().send(problem(), recipient, inMs(300)));
    assert.equal(timedOut.retryable, true);
    assert.match(timedOut.message, /^SES SendEmail timed out/);

    requests.length = 0;
    const noAddress = await channelError(channel().send(problem(), { contact: 'ops' }, inMs(2_000)));
    assert.equal(noAddress.retryable, false);
    assert.equal(requests.length, 0);
  });

  it('is retryable when SES cannot be reached', async () => {
    const unreachable = new SESv2Client({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${await closedPort()}`, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    try {
      const error = await channelError(new SesEmailChannel({ client: unreachable, from: 'alerts@vigil.example' }).send(problem(), recipient, inMs(2_000)));
      assert.equal(error.retryable, true);
      assert.match(error.message, /ECONNREFUSED/);
    } finally {
      unreachable.destroy();
    }
  });
});

describe('SNS SMS channel', () => {
  const channel = () => new SnsSmsChannel({ client: sns });

  it('publishes a Transactional SMS to the number, with the subject and the first line', async () => {
    answer = SNS_SENT;
    await channel().send(problem(), { contact: 'ops', phone: '+44 7700 900-123' }, inMs(2_000));
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.path, '/');
    assert.equal(request!.contentType, 'application/x-www-form-urlencoded');
    assert.match(request!.body, /^Action=Publish&/);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request!.body)), {
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: '+447700900123',
      Message: 'CRITICAL: web-1/http\nweb-1/http is CRITICAL (was OK)',
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
    });
  });

  it('cuts the text to one SMS', () => {
    const text = smsText(problem({ subject: 'CRITICAL: db-1/replication', text: `replication lag ${'9'.repeat(300)} s\nsecond line` }));
    assert.equal(text.length, MAX_SMS_CHARS);
    assert.match(text, /^CRITICAL: db-1\/replication\nreplication lag 9+\.\.\.$/);
    assert.equal(smsText(problem({ subject: 'Recovered: web-1/http', text: 'Recovered: web-1/http' })), 'Recovered: web-1/http', 'no line twice');
  });

  it('refuses numbers that are not E.164 for good, without a request', async () => {
    for (const phone of [undefined, '', '07700 900123', '+0447700900123', '+44770090012345678', 'call me']) {
      const error = await channelError(channel().send(problem(), { contact: 'ops', ...(phone !== undefined ? { phone } : {}) }, inMs(2_000)));
      assert.equal(error.retryable, false, String(phone));
    }
    assert.equal(requests.length, 0);
  });

  const errors: [name: string, answer: Answer, retryable: boolean][] = [
    ['InvalidParameter (400)', snsError(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber'), false],
    ['AuthorizationError (403)', snsError(403, 'AuthorizationError', 'not authorized to perform SNS:Publish'), false],
    ['Throttling (400)', snsError(400, 'Throttling', 'Rate exceeded'), true],
    ['InternalError (500)', snsError(500, 'InternalError', 'internal error'), true],
    ['a 503', snsError(503, 'ServiceUnavailable', 'Service Unavailable'), true],
  ];
  mapsErrors('SNS Publish', errors, () => channel().send(problem(), { contact: 'ops', phone: '+447700900123' }, inMs(2_000)));

  it('gives up at the deadline as retryable', async () => {
    const error = await channelError(channel().send(problem(), { contact: 'ops', phone: '+447700900123' }, inMs(300)));
    assert.equal(error.retryable, true);
    assert.match(error.message, /^SNS Publish timed out/);
  });
});
