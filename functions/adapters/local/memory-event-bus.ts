/**
 * The EventBus port in process: rules with EventBridge event patterns route each published event
 * to their targets, as EventBridge would, for `npm start` and the end-to-end tests.
 *
 * As on EventBridge, publishing only hands the event over: targets run afterwards, each gets its
 * own copy of the event (EventBridge's envelope, the detail read back from its JSON), and a target
 * that fails is counted and logged, never reported to the publisher. Unlike EventBridge, a failed
 * target is not retried; the targets that matter locally put the event on a MemoryQueue, which
 * does not fail.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '#ports/clock.ts';
import type { BusEvent, EventBus, PublishResult } from '#ports/event-bus.ts';
import type { Logger } from '#ports/logger.ts';
import { prepareBusEvent } from '../bus-events.ts';
import { compileEventPattern, type EventMatcher } from './event-pattern.ts';

/** An event as EventBridge delivers it to a rule's target. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 to the second, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventRule {
  /** Unique on the bus; names the rule in logs. */
  name: string;
  /** An EventBridge event pattern (functions/adapters/local/event-pattern.ts). */
  pattern: unknown;
  target: (event: EventEnvelope) => Promise<void>;
}

export interface MemoryEventBusOptions {
  log: Logger;
  /** @defaultValue 'default' */
  name?: string;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** What the envelopes say. @defaultValue 'local' */
  region?: string;
  /** @defaultValue '000000000000' */
  account?: string;
}

export interface BusCounts {
  published: number;
  /** Target calls that finished. */
  delivered: number;
  /** Target calls that threw. */
  targetFailures: number;
}

export class MemoryEventBus implements EventBus {
  readonly name: string;
  readonly counts: BusCounts = { published: 0, delivered: 0, targetFailures: 0 };
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly region: string;
  private readonly account: string;
  private readonly rules = new Map<string, EventRule & { matches: EventMatcher }>();
  private readonly running = new Set<Promise<void>>();

  constructor(options: MemoryEventBusOptions) {
    this.log = options.log;
    this.name = options.name ?? 'default';
    this.clock = options.clock ?? systemClock;
    this.region = options.region ?? 'local';
    this.account = options.account ?? '000000000000';
  }

  /** Adds a rule; throws EventPatternError when its pattern is malformed. */
  addRule(rule: EventRule): void {
    if (this.rules.has(rule.name)) throw new Error(`event bus ${this.name} already has a rule named ${rule.name}; rule names are unique per bus`);
    this.rules.set(rule.name, { ...rule, matches: compileEventPattern(rule.pattern) });
  }

  removeRule(name: string): void {
    this.rules.delete(name);
  }

  async publish(events: readonly BusEvent[]): Promise<PublishResult> {
    const failed: PublishResult['failed'] = [];
    events.forEach((event, index) => {
      const prepared = prepareBusEvent(event);
      if ('problem' in prepared) {
        failed.push({ index, reason: prepared.problem });
        return;
      }
      this.counts.published += 1;
      const envelope: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: event.source,
        account: this.account,
        time: new Date(event.timeMs ?? this.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: [],
        detail: JSON.parse(prepared.detailJson) as Record<string, unknown>,
      };
      for (const rule of this.rules.values()) {
        // Each target its own copy, as each EventBridge target gets its own delivery.
        if (rule.matches(envelope)) this.deliver(rule, { ...envelope, resources: [], detail: JSON.parse(prepared.detailJson) as Record<string, unknown> });
      }
    });
    return { failed };
  }

  /** Resolves when every target call started so far has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private deliver(rule: EventRule, event: EventEnvelope): void {
    // After the publisher's turn, as EventBridge delivers after PutEvents has answered.
    const call = Promise.resolve()
      .then(() => rule.target(event))
      .then(
        () => {
          this.counts.delivered += 1;
        },
        (error: unknown) => {
          this.counts.targetFailures += 1;
          this.log.error('event target failed; the event is not delivered to it', {
            bus: this.name,
            rule: rule.name,
            eventId: event.id,
            detailType: event['detail-type'],
            reason: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => this.running.delete(call));
    this.running.add(call);
  }
}
