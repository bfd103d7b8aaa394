/**
 * The EventBus port on Amazon EventBridge: PutEvents on one bus, at most 10 entries and 256 KiB
 * per call. Entries EventBridge fails (throttling, internal failures), and the entries of a call
 * that failed as a whole, are tried once more; what fails twice is reported in `failed`, for the
 * caller to keep (the result processor's outbox keeps them for a later publish).
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { systemClock, type Clock } from '#ports/clock.ts';
import { MAX_EVENTS_PER_PUT, type BusEvent, type EventBus, type PublishResult } from '#ports/event-bus.ts';
import { EVENT_LIMITS, prepareBusEvent } from '../bus-events.ts';
import { sizedChunks } from '../chunks.ts';

export interface EventBridgeBusOptions {
  client: EventBridgeClient;
  /** The bus's name or ARN. */
  eventBusName: string;
  /** Stamps events published without `timeMs`. @defaultValue systemClock */
  clock?: Clock;
}

interface PendingEntry {
  index: number;
  entry: PutEventsRequestEntry;
  entryBytes: number;
}

export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly clock: Clock;

  constructor(options: EventBridgeBusOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.clock = options.clock ?? systemClock;
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult> {
    const failed: PublishResult['failed'] = [];
    const pending: PendingEntry[] = [];
    events.forEach((event, index) => {
      const prepared = prepareBusEvent(event);
      if ('problem' in prepared) {
        failed.push({ index, reason: prepared.problem });
        return;
      }
      pending.push({
        index,
        entryBytes: prepared.entryBytes,
        entry: {
          EventBusName: this.eventBusName,
          Source: event.source,
          DetailType: event.detailType,
          Detail: prepared.detailJson,
          Time: new Date(event.timeMs ?? this.clock.nowMs()),
        },
      });
    });
    const firstFailures = await this.put(pending);
    const lastFailures = firstFailures.length > 0 ? await this.put(firstFailures.map(({ pending: entry }) => entry)) : [];
    failed.push(...lastFailures.map(({ pending: { index }, reason }) => ({ index, reason })));
    return { failed: failed.sort((a, b) => a.index - b.index) };
  }

  /** Puts the entries in as few calls as the limits allow; returns those that failed, with why. */
  private async put(entries: readonly PendingEntry[]): Promise<{ pending: PendingEntry; reason: string }[]> {
    const failures: { pending: PendingEntry; reason: string }[] = [];
    for (const batch of sizedChunks(entries, MAX_EVENTS_PER_PUT, EVENT_LIMITS.maxEntryBytes, (entry) => entry.entryBytes)) {
      try {
        const response = await this.client.send(new PutEventsCommand({ Entries: batch.map(({ entry }) => entry) }));
        // Results come in the order of the entries sent.
        batch.forEach((pending, i) => {
          const result = response.Entries?.[i];
          if (result === undefined) failures.push({ pending, reason: 'EventBridge returned no result for this entry' });
          else if (result.ErrorCode !== undefined) failures.push({ pending, reason: `${result.ErrorCode}: ${result.ErrorMessage ?? 'no message'}` });
        });
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        for (const pending of batch) failures.push({ pending, reason });
      }
    }
    return failures;
  }
}
