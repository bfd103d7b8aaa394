/**
 * What an email notification says, the same over SMTP and SES: the subject line, the text with a
 * footer naming the site (one mailbox often gets several sites' alerts), and the headers that let
 * a mail system recognise a retry (`X-Vigil-Notification`, the same on every attempt) and an
 * automatic message (RFC 3834 `Auto-Submitted`, so that vacation responders stay quiet).
 */
import { ChannelError, type NotificationMessage, type Recipient } from '#ports/notification-channel.ts';

export const NOTIFICATION_ID_HEADER = 'X-Vigil-Notification';

export interface EmailContent {
  to: string;
  subject: string;
  text: string;
  headers: { name: string; value: string }[];
}

/** The email for `recipient`; a ChannelError that is not retryable when the contact has no address. */
export function emailContent(message: NotificationMessage, recipient: Recipient): EmailContent {
  const to = recipient.email?.trim();
  if (!to) throw new ChannelError(`email not sent: contact ${recipient.contact} has no email address`, false);
  if (/[\r\n]/.test(to)) throw new ChannelError(`email not sent: contact ${recipient.contact}'s email address spans lines`, false);
  return {
    to,
    // A header is one line: a line break in it would start another header.
    subject: oneLine(message.subject),
    text: `${message.text.trimEnd()}\n\n-- \nVigil monitoring, site ${oneLine(message.siteName)}\n`,
    headers: [
      { name: NOTIFICATION_ID_HEADER, value: oneLine(message.id) },
      { name: 'Auto-Submitted', value: 'auto-generated' },
    ],
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
