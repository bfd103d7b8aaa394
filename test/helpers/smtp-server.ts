/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps every message it
 * accepts: what the email channel's tests and the alerting end-to-end tests read mail from.
 */
import { once } from 'node:events';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** The only credentials the server accepts when it requires AUTH. */
export const SMTP_CREDENTIALS = { user: 'vigil', password: 'pa55-w0rd!' };

export interface Received {
  from: string | false;
  to: string[];
  raw: Buffer;
  /** Whether the connection was TLS when the message came. */
  secure: boolean;
}

export interface TestSmtpServer {
  port: number;
  messages: Received[];
  authAttempts: string[];
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1; refuses RCPT TO with `rejectRecipient` when set. */
export async function startSmtpServer(options: { requireAuth?: boolean; rejectRecipient?: { code: number; text: string }; tls?: { key: string; cert: string } } = {}): Promise<TestSmtpServer> {
  const messages: Received[] = [];
  const authAttempts: string[] = [];
  const settings: SMTPServerOptions = {
    authOptional: !options.requireAuth,
    // Without a certificate of the test's own, no STARTTLS: smtp-server's built-in one is self-signed.
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
    disableReverseLookup: true,
    closeTimeout: 100,
    logger: false,
    onAuth(auth, _session, callback) {
      authAttempts.push(auth.username ?? '');
      if (auth.username === SMTP_CREDENTIALS.user && auth.password === SMTP_CREDENTIALS.password) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      const reject = options.rejectRecipient;
      if (reject) return callback(Object.assign(new Error(reject.text), { responseCode: reject.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom === false ? false : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(settings);
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP server has no TCP address');
  return { port: address.port, messages, authAttempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

