/**
 * channelsFromEnvironment: which channels a process gets from which variables, the errors that
 * name a malformed one, a log line that never shows the SMTP password, and the SES wiring end to
 * end (the endpoint variable reaches the client: a stand-in on loopback receives the send).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { ChannelSettingError, channelsFromEnvironment, smtpOptions } from '#adapters/notify/channels.ts';
import { SesEmailChannel } from '#adapters/notify/ses-email.ts';
import { SlackChannel } from '#adapters/notify/slack.ts';
import { SmtpEmailChannel } from '#adapters/notify/smtp-email.ts';
import { SnsSmsChannel } from '#adapters/notify/sns-sms.ts';
import { WebhookChannel } from '#adapters/notify/webhook.ts';
import { MemoryLogger, silentLogger } from '#ports/logger.ts';
import type { ChannelKind, NotificationChannel } from '#ports/notification-channel.ts';
import { closeServer, listenOnLoopback } from '../../helpers/loopback.ts';
import { inMs, problem } from './messages.ts';

const opened: Map<ChannelKind, NotificationChannel>[] = [];
after(async () => {
  for (const channels of opened) for (const channel of channels.values()) await channel.close?.();
});

function channels(env: Record<string, string>, log = silentLogger): Map<ChannelKind, NotificationChannel> {
  const made = channelsFromEnvironment(env, log);
  opened.push(made);
  return made;
}

describe('channelsFromEnvironment', () => {
  it('has webhook and Slack always, and no email or SMS unless configured', () => {
    const log = new MemoryLogger();
    const made = channels({}, log);
    assert.deepEqual([...made.keys()].sort(), ['slack', 'webhook']);
    assert.ok(made.get('webhook') instanceof WebhookChannel);
    assert.ok(made.get('slack') instanceof SlackChannel);
    assert.deepEqual(log.entries[0]?.fields, {
      channels: ['webhook', 'slack'],
      email: 'none: set VIGIL_SMTP_URL, or VIGIL_EMAIL=ses',
      sms: 'none: set VIGIL_SMS=sns',
      allowMetadataAddresses: false,
    });
  });

  it('makes SMTP email from VIGIL_SMTP_URL and logs where it sends, without the password', () => {
    const log = new MemoryLogger();
    const made = channels({ VIGIL_SMTP_URL: 'smtp://alerts%40acme:s3cr%3At@mail.acme.example:587', VIGIL_MAIL_FROM: 'Vigil <alerts@acme.example>' }, log);
    assert.ok(made.get('email') instanceof SmtpEmailChannel);
    const line = JSON.stringify(log.entries);
    assert.match(line, /SMTP to mail\.acme\.example:587 \(starttls\) as alerts@acme, from Vigil <alerts@acme\.example>/);
    assert.doesNotMatch(line, /s3cr/);
  });

  it('makes SES email with VIGIL_EMAIL=ses and SNS SMS with VIGIL_SMS=sns', () => {
    const made = channels({ VIGIL_EMAIL: 'ses', VIGIL_MAIL_FROM: 'alerts@acme.example', VIGIL_SES_REGION: 'eu-west-1', VIGIL_SMS: 'sns', VIGIL_SNS_REGION: 'eu-west-1' });
    assert.ok(made.get('email') instanceof SesEmailChannel);
    assert.ok(made.get('sms') instanceof SnsSmsChannel);
  });

  it('reads SMTP URLs', () => {
    const from = 'a@b.example';
    const scenarios: [url: string, expected: ReturnType<typeof smtpOptions>][] = [
      ['smtp://mail.example', { host: 'mail.example', port: 587, from }],
      ['smtp://localhost:1025?security=opportunistic', { host: 'localhost', port: 1025, from, security: 'opportunistic' }],
      ['smtp://u:p@mail.example:25?security=starttls', { host: 'mail.example', port: 25, from, security: 'starttls', auth: { user: 'u', password: 'p' } }],
      ['smtps://u%2B1:p%40ss@mail.example', { host: 'mail.example', port: 465, from, security: 'tls', auth: { user: 'u+1', password: 'p@ss' } }],
      ['smtp://[::1]:2525', { host: '::1', port: 2525, from }],
    ];
    for (const [url, expected] of scenarios) assert.deepEqual(smtpOptions(url, from), expected, url);
  });

  it('refuses malformed settings, naming the variable and never quoting a password', () => {
    const scenarios: [env: Record<string, string>, variable: string][] = [
      [{ VIGIL_EMAIL: 'sendgrid', VIGIL_MAIL_FROM: 'a@b.example' }, 'VIGIL_EMAIL'],
      [{ VIGIL_SMTP_URL: 'smtp://mail.example' }, 'VIGIL_MAIL_FROM'],
      [{ VIGIL_EMAIL: 'smtp', VIGIL_MAIL_FROM: 'a@b.example' }, 'VIGIL_SMTP_URL'],
      [{ VIGIL_SMTP_URL: 'http://u:hunter2@mail.example', VIGIL_MAIL_FROM: 'a@b.example' }, 'VIGIL_SMTP_URL'],
      [{ VIGIL_SMTP_URL: 'smtp://u:hunter2@mail.example?security=none', VIGIL_MAIL_FROM: 'a@b.example' }, 'VIGIL_SMTP_URL'],
      [{ VIGIL_SMTP_URL: 'u:hunter2@mail example', VIGIL_MAIL_FROM: 'a@b.example' }, 'VIGIL_SMTP_URL'],
      [{ VIGIL_SMS: 'twilio' }, 'VIGIL_SMS'],
      [{ VIGIL_NOTIFY_ALLOW_METADATA_ADDRESSES: 'maybe' }, 'VIGIL_NOTIFY_ALLOW_METADATA_ADDRESSES'],
    ];
    for (const [env, variable] of scenarios) {
      assert.throws(
        () => channels(env),
        (error: unknown) => error instanceof ChannelSettingError && error.variable === variable && !error.message.includes('hunter2'),
        JSON.stringify(env),
      );
    }
  });

  it('points SES at AWS_ENDPOINT_URL_SESV2', async () => {
    const paths: string[] = [];
    const server = http.createServer((request, response) => {
      paths.push(`${request.method} ${request.url}`);
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"MessageId":"m-1"}');
      });
    });
    const port = await listenOnLoopback(server);
    // The SDK takes credentials from the process's environment; these keep it from looking further.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
    try {
      const made = channels({ VIGIL_EMAIL: 'ses', VIGIL_MAIL_FROM: 'alerts@acme.example', VIGIL_SES_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${port}` });
      await made.get('email')!.send(problem(), { contact: 'ops', email: 'oncall@example.org' }, inMs(2_000));
      assert.deepEqual(paths, ['POST /v2/email/outbound-emails']);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.key]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await closeServer(server);
    }
  });
});
