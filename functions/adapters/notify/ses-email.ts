/**
 * The `email` channel on Amazon SES (API v2, SendEmail with Simple content): what Vigil uses when
 * deployed, where Lambda functions have no SMTP server of their own. SES signs the message with
 * the sender domain's DKIM keys; the sender (`from`) must be a verified identity.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { NotificationChannel, NotificationMessage, Recipient } from '#ports/notification-channel.ts';
import { channelErrorFromAws } from './aws-errors.ts';
import { startDeadline } from './deadline.ts';
import { emailContent } from './email-content.ts';

export interface SesEmailChannelOptions {
  client: SESv2Client;
  /** The sender, a verified SES identity: `Vigil <alerts@example.com>`. */
  from: string;
  /** An SES configuration set, for its event destinations (bounces, complaints). */
  configurationSetName?: string;
}

export class SesEmailChannel implements NotificationChannel {
  readonly kind = 'email' as const;

  constructor(private readonly options: SesEmailChannelOptions) {}

  async send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void> {
    const email = emailContent(message, recipient);
    const { signal } = startDeadline('SES SendEmail', deadlineMs);
    const command = new SendEmailCommand({
      FromEmailAddress: this.options.from,
      Destination: { ToAddresses: [email.to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
          Headers: email.headers.map(({ name, value }) => ({ Name: name, Value: value })),
        },
      },
      ...(this.options.configurationSetName !== undefined ? { ConfigurationSetName: this.options.configurationSetName } : {}),
    });
    try {
      await this.options.client.send(command, { abortSignal: signal });
    } catch (error) {
      throw channelErrorFromAws('SES SendEmail', error, signal);
    }
  }
}
