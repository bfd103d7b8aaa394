/**
 * The `email` channel over SMTP (nodemailer): what `npm start` and self-hosted deployments use.
 * Connections are pooled, so that a burst of notifications (a summary to every contact) does not
 * open one connection per message; `close()` ends them.
 *
 * What a failure means follows the SMTP reply (RFC 5321): 4xx is "try again later", 5xx is
 * final (550 mailbox unavailable), and a connection that fails or stalls is worth another try.
 * The Message-ID is derived from the notification's id, so a retry of a message that did arrive
 * (a timeout after the server accepted it) has the same Message-ID, which mail systems de-duplicate.
 */
import { createTransport, type SendMailOptions, type SMTPPoolOptions, type Transporter } from 'nodemailer';
import { ChannelError, type NotificationChannel, type NotificationMessage, type Recipient } from '#ports/notification-channel.ts';
import { startDeadline } from './deadline.ts';
import { emailContent } from './email-content.ts';

/**
 * How the connection is protected:
 * - `tls`: TLS from the first byte (SMTPS, usually port 465);
 * - `starttls`: plain, then upgraded with STARTTLS; refuses to go on when the server cannot;
 * - `opportunistic`: upgraded with STARTTLS when the server offers it, plain otherwise (a mail
 *   catcher on loopback in development).
 */
export type SmtpSecurity = 'tls' | 'starttls' | 'opportunistic';

/** Connections the pool opens at most: a mail server limits connections per client, often to a few. */
const MAX_POOL_CONNECTIONS = 3;

export interface SmtpEmailChannelOptions {
  host: string;
  /** @defaultValue 465 with `tls`, 587 otherwise */
  port?: number;
  /** @defaultValue `starttls` when there are credentials (they never cross the network in clear), `opportunistic` otherwise */
  security?: SmtpSecurity;
  /** For SMTP AUTH; the password is a secret: it is never logged nor put in errors. */
  auth?: { user: string; password: string };
  /** The sender: `alerts@example.com` or `Vigil <alerts@example.com>`. */
  from: string;
  /** PEM certificates to trust instead of the system's roots, for a server with a private CA. */
  ca?: string;
}

export class SmtpEmailChannel implements NotificationChannel {
  readonly kind = 'email' as const;
  private readonly transport: Transporter;
  private readonly messageIdDomain: string;
  private readonly server: string;

  constructor(private readonly options: SmtpEmailChannelOptions) {
    const security = smtpSecurity(options);
    const port = options.port ?? (security === 'tls' ? 465 : 587);
    this.server = `${options.host}:${port}`;
    const transportOptions: SMTPPoolOptions = {
      pool: true,
      maxConnections: MAX_POOL_CONNECTIONS,
      host: options.host,
      port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.password } } : {}),
      ...(options.ca !== undefined ? { tls: { ca: options.ca } } : {}),
      // nodemailer's own logging would print the SMTP conversation, AUTH included.
      logger: false,
      debug: false,
    };
    this.transport = createTransport(transportOptions);
    this.messageIdDomain = domainOf(options.from);
  }

  async send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void> {
    const email = emailContent(message, recipient);
    const { signal, remainingMs } = startDeadline(`email to ${this.server}`, deadlineMs);
    const mail: SendMailOptions = {
      from: this.options.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      messageId: `<${message.id.replace(/[^A-Za-z0-9._-]/g, '_')}@${this.messageIdDomain}>`,
      headers: Object.fromEntries(email.headers.map(({ name, value }) => [name, value])),
      signal,
    };
    try {
      await this.transport.sendMail(mail);
    } catch (error) {
      throw smtpChannelError(error, this.server, signal.aborted ? remainingMs : undefined);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** The security a channel uses: the one set, or the default for its credentials. */
export function smtpSecurity(options: Pick<SmtpEmailChannelOptions, 'security' | 'auth'>): SmtpSecurity {
  return options.security ?? (options.auth ? 'starttls' : 'opportunistic');
}

interface SmtpErrorShape {
  code?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
  message?: string;
}

/**
 * A reply the server gave decides (nodemailer's `permanent`: 5xx but 503); then authentication and
 * envelope problems, which are configuration, are final; anything else (connection refused, reset,
 * TLS, DNS) may pass.
 */
function smtpChannelError(error: unknown, server: string, timedOutAfterMs: number | undefined): ChannelError {
  if (timedOutAfterMs !== undefined) return new ChannelError(`email to ${server} timed out after ${timedOutAfterMs} ms`, true, { cause: error });
  const shape: SmtpErrorShape = typeof error === 'object' && error !== null ? (error as SmtpErrorShape) : {};
  const message = shape.message ?? String(error);
  const said = shape.response !== undefined && !message.includes(shape.response) ? `${message} (${shape.response})` : message;
  const permanent = shape.permanent ?? (shape.code === 'EAUTH' || shape.code === 'ENOAUTH' || shape.code === 'EENVELOPE' || shape.code === 'ECONFIG');
  const code = shape.code !== undefined ? ` (${shape.code})` : '';
  return new ChannelError(`email to ${server} failed${code}: ${said}`, !permanent, { cause: error });
}

/** The domain of an address (`Vigil <alerts@example.com>` -> `example.com`), for Message-IDs. */
function domainOf(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'vigil.invalid';
}
