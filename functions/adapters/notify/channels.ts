/**
 * The notification channels a process has, from its environment, read once at start so that a
 * malformed setting stops it at init with the variable's name, not at the first alert. Webhook
 * and Slack need no settings and are always there; email and SMS are there when configured, and
 * absent otherwise (the notifier then reports their notifications as undeliverable, saying so).
 *
 * | variable | meaning |
 * | --- | --- |
 * | `VIGIL_EMAIL` | `smtp` or `ses`; unset: `smtp` when `VIGIL_SMTP_URL` is set, else no email |
 * | `VIGIL_SMTP_URL` | `smtp://user:password@host:587` (STARTTLS) or `smtps://...:465` (TLS); `?security=opportunistic` lets `smtp://` go on without STARTTLS (a local mail catcher); user and password URL-encoded |
 * | `VIGIL_MAIL_FROM` | the sender, required with email: `Vigil <alerts@example.com>`; with SES a verified identity |
 * | `VIGIL_SES_REGION` | SES's region, when not the function's (`AWS_REGION`) |
 * | `VIGIL_SES_CONFIGURATION_SET` | an SES configuration set for the sends (bounce and complaint events) |
 * | `VIGIL_SMS` | `sns` for SMS through Amazon SNS; unset: no SMS |
 * | `VIGIL_SNS_REGION` | SNS's region for SMS, when not `AWS_REGION` |
 * | `VIGIL_NOTIFY_ALLOW_METADATA_ADDRESSES` | `true` lets webhooks reach link-local and metadata addresses (never in AWS) |
 * | `AWS_ENDPOINT_URL_SESV2`, `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL` | the SDK's own endpoint settings (LocalStack), as for SQS |
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '#ports/logger.ts';
import type { ChannelKind, NotificationChannel } from '#ports/notification-channel.ts';
import { SesEmailChannel } from './ses-email.ts';
import { SlackChannel } from './slack.ts';
import { SmtpEmailChannel, smtpSecurity, type SmtpEmailChannelOptions, type SmtpSecurity } from './smtp-email.ts';
import { SnsSmsChannel } from './sns-sms.ts';
import { WebhookChannel } from './webhook.ts';

/** A notification setting that is missing or malformed; the message names the variable. */
export class ChannelSettingError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`environment variable ${variable} ${problem}`);
    this.name = 'ChannelSettingError';
  }
}

type Environment = Record<string, string | undefined>;

export function channelsFromEnvironment(env: Environment, log: Logger): Map<ChannelKind, NotificationChannel> {
  const allowMetadataAddresses = readBoolean(env, 'VIGIL_NOTIFY_ALLOW_METADATA_ADDRESSES');
  const channels = new Map<ChannelKind, NotificationChannel>([
    ['webhook', new WebhookChannel({ allowMetadataAddresses })],
    ['slack', new SlackChannel({ allowMetadataAddresses })],
  ]);
  const email = emailChannel(env);
  if (email) channels.set('email', email.channel);
  const sms = smsChannel(env);
  if (sms) channels.set('sms', sms.channel);
  log.info('notification channels', {
    channels: [...channels.keys()],
    email: email?.description ?? 'none: set VIGIL_SMTP_URL, or VIGIL_EMAIL=ses',
    sms: sms?.description ?? 'none: set VIGIL_SMS=sns',
    allowMetadataAddresses,
  });
  return channels;
}

interface Configured {
  channel: NotificationChannel;
  /** For the log: where it sends, never a password. */
  description: string;
}

function emailChannel(env: Environment): Configured | undefined {
  const kind = env.VIGIL_EMAIL?.trim() || (env.VIGIL_SMTP_URL?.trim() ? 'smtp' : undefined);
  if (kind === undefined) return undefined;
  if (kind !== 'smtp' && kind !== 'ses') throw new ChannelSettingError('VIGIL_EMAIL', `must be smtp or ses, not '${kind}'`);
  const from = env.VIGIL_MAIL_FROM?.trim();
  if (!from) throw new ChannelSettingError('VIGIL_MAIL_FROM', `is not set, and email is configured (${kind})`);
  if (kind === 'ses') {
    const region = env.VIGIL_SES_REGION?.trim() || undefined;
    const endpoint = env.AWS_ENDPOINT_URL_SESV2?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
    const client = new SESv2Client({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
    const configurationSetName = env.VIGIL_SES_CONFIGURATION_SET?.trim() || undefined;
    return {
      channel: new SesEmailChannel({ client, from, ...(configurationSetName ? { configurationSetName } : {}) }),
      description: `SES${region ? ` in ${region}` : ''}${endpoint ? ` at ${endpoint}` : ''}, from ${from}`,
    };
  }
  const options = smtpOptions(env.VIGIL_SMTP_URL, from);
  return {
    channel: new SmtpEmailChannel(options),
    description: `SMTP to ${options.host}:${options.port} (${smtpSecurity(options)})${options.auth ? ` as ${options.auth.user}` : ''}, from ${from}`,
  };
}

/** `smtp://user:password@host:port?security=opportunistic` or `smtps://...` as channel options. */
export function smtpOptions(text: string | undefined, from: string): SmtpEmailChannelOptions {
  const variable = 'VIGIL_SMTP_URL';
  if (!text?.trim()) throw new ChannelSettingError(variable, 'is not set, and VIGIL_EMAIL is smtp');
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Not quoted: the text holds the password.
    throw new ChannelSettingError(variable, 'is not a URL (smtp://user:password@host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ChannelSettingError(variable, `must start with smtp:// or smtps://, not ${url.protocol}//`);
  if (url.hostname === '') throw new ChannelSettingError(variable, 'names no host');
  const written = url.searchParams.get('security');
  if (written !== null && written !== 'starttls' && written !== 'opportunistic') {
    throw new ChannelSettingError(variable, `has security=${written}: expected starttls or opportunistic (smtps:// for TLS)`);
  }
  const security: SmtpSecurity | undefined = url.protocol === 'smtps:' ? 'tls' : (written ?? undefined);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const port = url.port === '' ? (security === 'tls' ? 465 : 587) : Number(url.port);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    from,
    ...(security !== undefined ? { security } : {}),
    ...(user !== '' ? { auth: { user, password } } : {}),
  };
}

function smsChannel(env: Environment): Configured | undefined {
  const kind = env.VIGIL_SMS?.trim();
  if (!kind) return undefined;
  if (kind !== 'sns') throw new ChannelSettingError('VIGIL_SMS', `must be sns, not '${kind}'`);
  const region = env.VIGIL_SNS_REGION?.trim() || undefined;
  const endpoint = env.AWS_ENDPOINT_URL_SNS?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
  const client = new SNSClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  return { channel: new SnsSmsChannel({ client }), description: `SNS${region ? ` in ${region}` : ''}${endpoint ? ` at ${endpoint}` : ''}` };
}

function readBoolean(env: Environment, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ChannelSettingError(name, `must be true or false, not '${value}'`);
}
