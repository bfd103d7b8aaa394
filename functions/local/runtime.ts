/**
 * Every Vigil function in one process, wired to local adapters: what `npm start` runs and what the
 * end-to-end tests drive. The flow is the cloud's (DESIGN.md), only the transports differ:
 *
 *   timer -> scheduler -> check queue (delayed) -> worker -> results queue -> result processor
 *                                       \-> DLQ -> dead-letter consumer -> results queue
 *   result processor -> event bus (CheckStateChanged) -> rules; -> push (changed checks, groups)
 *   event bus (CheckStateChanged) -> notifier queue -> notifier -> channels (email, webhook...)
 *
 * Queues are MemoryQueues with SQS's semantics and the same redrive settings as the deployed
 * ones; QueuePollers stand in for Lambda's event source mappings. Every region's check queue is
 * the one local queue: this process is the worker of every region.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CHECK_STATE_CHANGED, EVENT_SOURCE } from '#core/messages.ts';
import { MemoryEventBus, type EventRule } from '#adapters/local/memory-event-bus.ts';
import type { ChannelKind } from '#core/alerting/policy.ts';
import type { NotificationChannel } from '#ports/notification-channel.ts';
import { processNotifierMessages, runNotifierSweep } from '#notify/notifier.ts';
import type { NotifierDeps, NotifierSettings } from '#notify/notifier-deps.ts';
import { MemoryQueue } from '#adapters/local/memory-queue.ts';
import { QueuePoller } from '#adapters/local/queue-poller.ts';
import { runHousekeeping } from '#actions/housekeeping.ts';
import { createEngineRegistry } from '#engines/all-engines.ts';
import type { EngineRegistry } from '#engines/registry.ts';
import { systemClock, type Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import { RecordingPush, type Push } from '#ports/push.ts';
import type { Queue } from '#ports/queue.ts';
import { processResultMessages } from '#results/result-processor.ts';
import { runNow, type RunNowSummary } from '#scheduler/run-now.ts';
import { runTick, type SchedulerDeps, type TickSummary } from '#scheduler/scheduler.ts';
import { forgetPlannedAfter } from '#scheduler/tick-window.ts';
import { TICK_MS } from '#scheduler/timing.ts';
import type { Database } from '#store/database.ts';
import { handleDeadLetters } from '#worker/dead-letters.ts';
import { runCheckJobs } from '#worker/run-jobs.ts';

/** Receives before a message goes to its dead-letter queue; the deployed queues use the same. */
export const CHECK_QUEUE_MAX_RECEIVES = 3;
export const RESULTS_QUEUE_MAX_RECEIVES = 5;
export const NOTIFIER_QUEUE_MAX_RECEIVES = 5;
/** Longer than any check may run (timeouts are capped at the interval, and at 30 s by default). */
const CHECK_VISIBILITY_TIMEOUT_S = 90;
const RESULTS_VISIBILITY_TIMEOUT_S = 30;

export interface LocalRuntimeOptions {
  db: Database;
  log: Logger;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Name of the home region, where checks without a location run. @defaultValue 'local' */
  homeRegion?: string;
  /** Worker pollers on the check queue; 0 runs no worker at all (checks then time out). @defaultValue 2 */
  workers?: number;
  /** Scheduler ticks every this many ms; null for none (tests call `tick()`). @defaultValue one minute */
  tickEveryMs?: number | null;
  /** Where changes are pushed. @defaultValue a RecordingPush (kept in memory) */
  push?: Push;
  /** More event rules, e.g. printing state changes. */
  rules?: EventRule[];
  /** @defaultValue every engine */
  engines?: EngineRegistry;
  /** Visibility timeout of the check queue (tests shorten it to see redelivery). @defaultValue 90 s */
  checkVisibilityTimeoutSeconds?: number;
  /** Where notifications go; a channel not given is not configured here. @defaultValue none */
  channels?: ReadonlyMap<ChannelKind, NotificationChannel>;
  /** The notifier's flood window, retries... (tests shorten them). */
  notifier?: Partial<NotifierSettings>;
}

export class LocalRuntime {
  readonly queues: {
    checks: MemoryQueue; checksDeadLetter: MemoryQueue; results: MemoryQueue; resultsDeadLetter: MemoryQueue;
    notifier: MemoryQueue; notifierDeadLetter: MemoryQueue;
  };
  readonly notifier: NotifierDeps;
  readonly bus: MemoryEventBus;
  readonly push: Push;
  readonly engines: EngineRegistry;
  private readonly clock: Clock;
  private readonly homeRegion: string;
  private readonly workerPollers: QueuePoller[];
  private readonly otherPollers: QueuePoller[];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalRuntimeOptions) {
    const { db, log } = options;
    this.clock = options.clock ?? systemClock;
    this.homeRegion = options.homeRegion ?? 'local';
    this.push = options.push ?? new RecordingPush();
    this.engines = options.engines ?? createEngineRegistry();
    const clock = this.clock;
    const checksDeadLetter = new MemoryQueue({ name: 'vigil-checks-dlq', clock });
    const resultsDeadLetter = new MemoryQueue({ name: 'vigil-results-dlq', clock });
    const notifierDeadLetter = new MemoryQueue({ name: 'vigil-notifier-dlq', clock });
    const notifierQueue = new MemoryQueue({
      name: 'vigil-notifier', clock, visibilityTimeoutSeconds: RESULTS_VISIBILITY_TIMEOUT_S,
      deadLetter: { queue: notifierDeadLetter, maxReceiveCount: NOTIFIER_QUEUE_MAX_RECEIVES },
    });
    this.queues = {
      checks: new MemoryQueue({
        name: 'vigil-checks', clock, visibilityTimeoutSeconds: options.checkVisibilityTimeoutSeconds ?? CHECK_VISIBILITY_TIMEOUT_S,
        deadLetter: { queue: checksDeadLetter, maxReceiveCount: CHECK_QUEUE_MAX_RECEIVES },
      }),
      checksDeadLetter,
      results: new MemoryQueue({
        name: 'vigil-results', clock, visibilityTimeoutSeconds: RESULTS_VISIBILITY_TIMEOUT_S,
        deadLetter: { queue: resultsDeadLetter, maxReceiveCount: RESULTS_QUEUE_MAX_RECEIVES },
      }),
      resultsDeadLetter,
      notifier: notifierQueue,
      notifierDeadLetter,
    };
    this.bus = new MemoryEventBus({ log, clock, region: this.homeRegion });
    // As the deployed rule does: every state change, as EventBridge's envelope, onto the notifier queue.
    this.bus.addRule(stateChangeRule('notifier', async (envelope) => {
      const { failed } = await notifierQueue.send([{ body: JSON.stringify(envelope) }]);
      if (failed.length > 0) throw new Error(`the notifier queue refused the event: ${failed[0]!.reason}`);
    }));
    for (const rule of options.rules ?? []) this.bus.addRule(rule);
    this.notifier = { db, clock, log, channels: options.channels ?? new Map(), wakeUps: notifierQueue, ...(options.notifier ? { settings: options.notifier } : {}) };

    const worker = { engines: this.engines, results: this.queues.results, clock, log, producer: this.homeRegion };
    const processor = { db, bus: this.bus, push: this.push, log };
    this.workerPollers = Array.from({ length: options.workers ?? 2 }, () =>
      new QueuePoller({ queue: this.queues.checks, log, handler: (messages) => runCheckJobs(worker, messages) }));
    this.otherPollers = [
      new QueuePoller({ queue: this.queues.results, log, handler: (messages) => processResultMessages(processor, messages) }),
      new QueuePoller({
        queue: checksDeadLetter, log,
        handler: (messages) => handleDeadLetters({ results: this.queues.results, clock, log, sourceQueue: this.queues.checks.name, sourceMaxReceives: CHECK_QUEUE_MAX_RECEIVES }, messages),
      }),
      new QueuePoller({ queue: notifierQueue, log, handler: (messages) => processNotifierMessages(this.notifier, messages) }),
      new QueuePoller({
        queue: notifierDeadLetter, log,
        handler: async (messages) => {
          for (const message of messages) log.error('notifier message failed every retry; dropped from the dead-letter queue', { messageId: message.messageId, body: message.body.slice(0, 500) });
          return { batchItemFailures: [] };
        },
      }),
      new QueuePoller({
        queue: resultsDeadLetter, log,
        handler: async (messages) => {
          // Results that could not be applied even after retries: kept in the log, where an
          // operator sees them (in AWS they wait in the DLQ, with an alarm on its depth).
          for (const message of messages) log.error('result could not be applied; dropped from the dead-letter queue', { messageId: message.messageId, body: message.body.slice(0, 500) });
          return { batchItemFailures: [] };
        },
      }),
    ];
  }

  /** Starts the pollers and the scheduler's timer (with a first tick now). */
  start(): this {
    for (const poller of [...this.workerPollers, ...this.otherPollers]) poller.start();
    const every = this.options.tickEveryMs === undefined ? TICK_MS : this.options.tickEveryMs;
    if (every !== null) {
      const tickSafely = () => {
        this.ticking = this.tick().catch((error: unknown) =>
          this.options.log.error('scheduler tick failed; the next tick plans the window again', { reason: (error as Error).message }));
      };
      tickSafely();
      this.timer = setInterval(tickSafely, every);
    }
    return this;
  }

  /** One scheduler tick, as EventBridge's rule would invoke it, with its housekeeping. */
  async tick(): Promise<TickSummary> {
    const summary = await runTick(await this.schedulerDeps());
    await runHousekeeping({ db: this.options.db, push: this.push, log: this.options.log, clock: this.clock });
    await runNotifierSweep(this.notifier);
    return summary;
  }

  /** "Run now" for a check of a site. */
  async runNow(siteId: string, checkId: string): Promise<RunNowSummary> {
    return runNow(this.options.db, siteId, checkId, await this.schedulerDeps());
  }

  /**
   * Stops cleanly: no more ticks, the workers finish the checks in hand, the result processor
   * applies every result they sent (up to `drainMs`), then everything stops. Jobs still waiting
   * for their due time are planned again by the next start's first tick.
   */
  async stop(drainMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all(this.workerPollers.map((poller) => poller.stop()));
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && !(await isEmpty(this.queues.results))) await sleep(20);
    await Promise.all(this.otherPollers.map((poller) => poller.stop()));
    // The jobs still waiting in the in-process queue go with this process: plan them again next time.
    await forgetPlannedAfter(this.options.db, this.clock.nowMs());
    await this.bus.settled();
    await this.engines.close();
    await Promise.all([...this.notifier.channels.values()].map((channel) => channel.close?.()));
  }

  /** Every region named by a location, and the home region, all served by the local check queue. */
  private async schedulerDeps(): Promise<SchedulerDeps> {
    const rows = await this.options.db<{ region: string }[]>`select distinct region from location where region is not null`;
    const checkQueues = new Map<string, Queue>([[this.homeRegion, this.queues.checks]]);
    for (const { region } of rows) checkQueues.set(region, this.queues.checks);
    return { db: this.options.db, clock: this.clock, log: this.options.log, checkQueues, homeRegion: this.homeRegion, results: this.queues.results };
  }
}

async function isEmpty(queue: MemoryQueue): Promise<boolean> {
  const counts = await queue.approximateCounts();
  return counts.visible === 0 && counts.inFlight === 0;
}

/** A rule matching every CheckStateChanged event from Vigil, for targets such as a console printer. */
export function stateChangeRule(name: string, target: EventRule['target']): EventRule {
  return { name, pattern: { source: [EVENT_SOURCE], 'detail-type': [CHECK_STATE_CHANGED] }, target };
}
