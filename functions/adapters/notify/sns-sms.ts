/**
 * The `sms` channel on Amazon SNS: Publish straight to a phone number, as a Transactional message
 * (SNS's class for time-critical texts, routed for delivery rather than for cost). A text says
 * only the subject and the first line: the rest is in email, Slack or the dashboard.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { ChannelError, type NotificationChannel, type NotificationMessage, type Recipient } from '#ports/notification-channel.ts';
import { channelErrorFromAws } from './aws-errors.ts';
import { startDeadline } from './deadline.ts';

/**
 * Characters of one SMS in the GSM 7-bit alphabet. Text with characters outside it (most accented
 * letters, emoji) goes as UCS-2, 70 characters a part, and SNS sends it in several parts.
 */
export const MAX_SMS_CHARS = 160;

/** E.164: `+`, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{1,14}$/;

export interface SnsSmsChannelOptions {
  client: SNSClient;
}

export class SnsSmsChannel implements NotificationChannel {
  readonly kind = 'sms' as const;

  constructor(private readonly options: SnsSmsChannelOptions) {}

  async send(message: NotificationMessage, recipient: Recipient, deadlineMs: number): Promise<void> {
    const phoneNumber = e164(recipient);
    const { signal } = startDeadline('SNS Publish', deadlineMs);
    const command = new PublishCommand({
      PhoneNumber: phoneNumber,
      Message: smsText(message),
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
    try {
      await this.options.client.send(command, { abortSignal: signal });
    } catch (error) {
      throw channelErrorFromAws('SNS Publish', error, signal);
    }
  }
}

/** The subject and the text's first line, cut to one SMS. */
export function smsText(message: NotificationMessage): string {
  const subject = message.subject.trim();
  const firstLine = message.text.trim().split(/\r?\n/, 1)[0]?.trim() ?? '';
  const text = firstLine === '' || firstLine === subject ? subject : `${subject}\n${firstLine}`;
  // Three dots, not '…': one character outside GSM 7-bit would make the whole text UCS-2.
  return text.length <= MAX_SMS_CHARS ? text : `${text.slice(0, MAX_SMS_CHARS - 3)}...`;
}

/** The contact's number in E.164, spaces and punctuation taken out; not retryable when there is none. */
function e164(recipient: Recipient): string {
  const written = recipient.phone?.trim();
  if (!written) throw new ChannelError(`SMS not sent: contact ${recipient.contact} has no phone number`, false);
  const number = written.replace(/[\s().-]/g, '');
  if (!E164.test(number)) throw new ChannelError(`SMS not sent: contact ${recipient.contact}'s phone number is not in E.164 form (+447700900123)`, false);
  return number;
}
