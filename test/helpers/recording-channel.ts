import type { ChannelKind } from '#core/alerting/policy.ts';
import { ChannelError, type NotificationChannel, type NotificationMessage, type Recipient } from '#ports/notification-channel.ts';

/**
 * A channel that keeps what it is given, for tests of the notifier's decisions (who, when, how
 * often). The channels themselves are tested against real servers (test/adapters/notify/), and
 * the end-to-end tests use those. `failWith` makes the next sends fail as a channel would.
 */
export class RecordingChannel implements NotificationChannel {
  readonly sent: { message: NotificationMessage; recipient: Recipient }[] = [];
  failWith: ChannelError | undefined;

  constructor(readonly kind: ChannelKind) {}

  async send(message: NotificationMessage, recipient: Recipient): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ message, recipient });
  }

  /** `contact: subject` of everything sent, in order. */
  lines(): string[] {
    return this.sent.map(({ message, recipient }) => `${recipient.contact}: ${message.subject}`);
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export { ChannelError };
