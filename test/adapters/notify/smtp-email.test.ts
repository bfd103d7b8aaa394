/**
 * The SMTP email channel against a real SMTP server on loopback (smtp-server, nodemailer's
 * sibling): what arrives (parsed back with mailparser), authentication with and without TLS, and
 * what each kind of refusal means for the notifier's retries, by the SMTP reply code.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { SmtpEmailChannel, type SmtpEmailChannelOptions } from '#adapters/notify/smtp-email.ts';
import { closedPort, listenOnLoopback } from '../../helpers/loopback.ts';
import { SMTP_CREDENTIALS as CREDENTIALS, startSmtpServer } from '../../helpers/smtp-server.ts';
import { createTestPki, type TestPki } from '../../helpers/tls-fixtures.ts';
import { channelError, inMs, problem } from './messages.ts';

const RECIPIENT = { contact: 'ops', email: 'oncall@example.org' };

/** A channel for the test's server, closed (with its pool) after `use`. */
async function withChannel<T>(options: SmtpEmailChannelOptions, use: (channel: SmtpEmailChannel) => Promise<T>): Promise<T> {
  const channel = new SmtpEmailChannel(options);
  try {
    return await use(channel);
  } finally {
    await channel.close();
  }
}

let pki: TestPki;
before(async () => {
  pki = await createTestPki();
});
after(() => pki.remove());

describe('SMTP email channel', () => {
  it('delivers the subject, the text with a footer naming the site, and the notification id', async () => {
    const server = await startSmtpServer();
    try {
      await withChannel({ host: '127.0.0.1', port: server.port, security: 'opportunistic', from: 'Vigil <alerts@vigil.example>' }, (channel) =>
        channel.send(problem(), RECIPIENT, inMs(2_000)),
      );
      assert.equal(server.messages.length, 1);
      const [received] = server.messages;
      assert.equal(received!.from, 'alerts@vigil.example');
      assert.deepEqual(received!.to, ['oncall@example.org']);
      const mail = await simpleParser(received!.raw);
      assert.equal(mail.subject, 'CRITICAL: web-1/http');
      assert.equal(mail.from?.text, '"Vigil" <alerts@vigil.example>');
      assert.equal(mail.text, 'web-1/http is CRITICAL (was OK)\nHTTP 503 Service Unavailable - 120 bytes in 0.004 s\n\n-- \nVigil monitoring, site Acme Production\n');
      assert.equal(mail.headers.get('x-vigil-notification'), 'ntf-42.contact-7.webhook');
      assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
      assert.equal(mail.messageId, '<ntf-42.contact-7.webhook@vigil.example>', 'the same on every retry');
    } finally {
      await server.close();
    }
  });

  it('authenticates, and a wrong password is final and never shown', async () => {
    const server = await startSmtpServer({ requireAuth: true });
    try {
      const options = { host: '127.0.0.1', port: server.port, security: 'opportunistic', from: 'alerts@vigil.example' } as const;
      await withChannel({ ...options, auth: CREDENTIALS }, (channel) => channel.send(problem(), RECIPIENT, inMs(2_000)));
      assert.equal(server.messages.length, 1);
      assert.deepEqual(server.authAttempts, ['vigil']);

      const wrong = await withChannel({ ...options, auth: { user: 'vigil', password: 'not-the-password' } }, (channel) => channelError(channel.send(problem(), RECIPIENT, inMs(2_000))));
      assert.equal(wrong.retryable, false);
      assert.match(wrong.message, /^email to 127\.0\.0\.1:\d+ failed \(EAUTH\): Invalid login: 535 Authentication credentials invalid$/);
      assert.doesNotMatch(wrong.message, /not-the-password/);

      const anonymous = await withChannel(options, (channel) => channelError(channel.send(problem(), RECIPIENT, inMs(2_000))));
      assert.equal(anonymous.retryable, false, 'the server demands authentication (530): configuration, not a passing fault');
      assert.equal(server.messages.length, 1);
    } finally {
      await server.close();
    }
  });

  it('with credentials, insists on STARTTLS: none offered, no AUTH sent', async () => {
    const server = await startSmtpServer({ requireAuth: true });
    try {
      const error = await withChannel({ host: '127.0.0.1', port: server.port, auth: CREDENTIALS, from: 'alerts@vigil.example' }, (channel) =>
        channelError(channel.send(problem(), RECIPIENT, inMs(2_000))),
      );
      assert.match(error.message, /failed \(ETLS\): .*STARTTLS/);
      assert.equal(error.retryable, false, 'the server refused STARTTLS with a 5xx: configuration');
      assert.deepEqual(server.authAttempts, []);
      assert.equal(server.messages.length, 0);
    } finally {
      await server.close();
    }
  });

  it('upgrades with STARTTLS to a server with a private CA, then authenticates', async () => {
    const server = await startSmtpServer({ requireAuth: true, tls: pki.valid });
    try {
      await withChannel({ host: 'localhost', port: server.port, auth: CREDENTIALS, ca: pki.ca, from: 'alerts@vigil.example' }, (channel) =>
        channel.send(problem(), RECIPIENT, inMs(2_000)),
      );
      assert.equal(server.messages.length, 1);
      assert.equal(server.messages[0]!.secure, true);
    } finally {
      await server.close();
    }
  });

  const refusals: [code: number, text: string, retryable: boolean][] = [
    [450, 'Requested mail action not taken: mailbox busy', true],
    [451, 'Local error in processing', true],
    [452, 'Insufficient system storage', true],
    [550, 'Requested action not taken: mailbox unavailable', false],
    [553, 'Mailbox name not allowed', false],
  ];
  for (const [code, text, retryable] of refusals) {
    it(`a recipient refused with ${code} is ${retryable ? 'retryable' : 'final'}`, async () => {
      const server = await startSmtpServer({ rejectRecipient: { code, text } });
      try {
        const error = await withChannel({ host: '127.0.0.1', port: server.port, security: 'opportunistic', from: 'alerts@vigil.example' }, (channel) =>
          channelError(channel.send(problem(), RECIPIENT, inMs(2_000))),
        );
        assert.equal(error.retryable, retryable);
        assert.match(error.message, new RegExp(`${code} ${text}`));
      } finally {
        await server.close();
      }
    });
  }

  it('gives up at the deadline on a server that never answers, as retryable', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    const port = await listenOnLoopback(silent);
    try {
      const startedAt = Date.now();
      const error = await withChannel({ host: '127.0.0.1', port, from: 'alerts@vigil.example' }, (channel) => channelError(channel.send(problem(), RECIPIENT, inMs(300))));
      const elapsedMs = Date.now() - startedAt;
      assert.equal(error.retryable, true);
      assert.match(error.message, /timed out after \d+ ms/);
      assert.ok(elapsedMs >= 250 && elapsedMs < 1_000, `gave up after ${elapsedMs} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('is retryable when nothing listens; final when the contact has no address', async () => {
    const port = await closedPort();
    await withChannel({ host: '127.0.0.1', port, from: 'alerts@vigil.example' }, async (channel) => {
      const refused = await channelError(channel.send(problem(), RECIPIENT, inMs(2_000)));
      assert.equal(refused.retryable, true);
      assert.match(refused.message, /ECONNREFUSED|ECONNECTION|ESOCKET/);
      const noAddress = await channelError(channel.send(problem(), { contact: 'ops' }, inMs(2_000)));
      assert.equal(noAddress.retryable, false);
      assert.match(noAddress.message, /contact ops has no email address/);
    });
  });
});
