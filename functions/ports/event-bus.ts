/**
 * An event bus with EventBridge's shape: events have a source, a detail-type and a JSON detail;
 * rules with event patterns route them to targets. In AWS, `PutEvents` on a bus; locally, an
 * in-process bus that matches the same patterns (functions/adapters/local/memory-event-bus.ts).
 */
export interface BusEvent {
  source: string;
  detailType: string;
  detail: unknown;
  /** Epoch ms; the bus's clock when unset. */
  timeMs?: number;
}

export interface PublishResult {
  /** Events the bus did not take, with why. */
  failed: { index: number; reason: string }[];
}

export interface EventBus {
  /** Publishes any number of events (adapters batch, at most 10 per PutEvents call). */
  publish(events: readonly BusEvent[]): Promise<PublishResult>;
}

/** PutEvents takes at most 10 entries per call. */
export const MAX_EVENTS_PER_PUT = 10;
