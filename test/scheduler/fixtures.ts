/**
 * What the scheduler tests share: applying a site from XML and naming its checks, a queue that
 * records what it is sent (with its delay), and scheduler dependencies around them.
 */
import assert from 'node:assert/strict';
import { parseCheckJob, parseResultMessage, type CheckJob, type ResultMessage } from '#core/messages.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { QUEUE_LIMITS, type OutgoingMessage, type Queue, type ReceivedMessage, type SendResult } from '#ports/queue.ts';
import type { Database } from '#store/database.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import type { SchedulerDeps } from '#scheduler/scheduler.ts';
import { loadXml, onlySite } from '../helpers/config.ts';

/** Monday 2 June 2025, 09:00 UTC (10:00 in London): a whole minute, and a multiple of 5 minutes. */
export const T = Date.UTC(2025, 5, 2, 9, 0, 0);
export const HOME = 'home-1';

/** Applies `body` as site `name`; returns its id and its check ids by `host` or `host/service`. */
export async function applySite(sql: Database, body: string, name = 'acme'): Promise<{ siteId: string; checks: Map<string, string> }> {
  const loaded = loadXml({ 'site.xml': body }, name);
  assert.equal(loaded.diagnostics.errorCount, 0, loaded.diagnostics.items.map((d) => d.message).join('\n'));
  const { siteId } = await applySiteConfiguration(sql, onlySite(loaded), 'test');
  const rows = await sql<{ id: string; key: string }[]>`
    select c.id, coalesce(p.name || '/', '') || c.name as key
    from "check" c left join "check" p on p.id = c.parent_id where c.site_id = ${siteId}`;
  return { siteId, checks: new Map(rows.map((row) => [row.key, row.id])) };
}

/** Sets every check's phase (apply spreads them by a hash; tests want round numbers). */
export async function setPhases(sql: Database, phaseMs: number): Promise<void> {
  await sql`update "check" set phase_ms = ${phaseMs}`;
}

/**
 * A queue that keeps what it is sent, in order, and checks SQS's delay limits. The in-process
 * MemoryQueue shows delays only by being received later; these tests read the delay itself.
 */
export class RecordingQueue implements Queue {
  readonly sent: { body: string; delaySeconds: number }[] = [];
  constructor(readonly name: string) {}

  async send(messages: readonly OutgoingMessage[]): Promise<SendResult> {
    for (const message of messages) {
      const delaySeconds = message.delaySeconds ?? 0;
      assert.ok(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= QUEUE_LIMITS.maxDelaySeconds, `delay ${delaySeconds}`);
      this.sent.push({ body: message.body, delaySeconds });
    }
    return { failed: [] };
  }

  jobs(): CheckJob[] {
    return this.sent.map((message) => parseCheckJob(message.body));
  }

  results(): ResultMessage[] {
    return this.sent.map((message) => parseResultMessage(message.body));
  }

  clear(): void {
    this.sent.length = 0;
  }

  receive(): Promise<ReceivedMessage[]> {
    throw new Error('the scheduler only sends');
  }
  delete(): Promise<void> {
    throw new Error('the scheduler only sends');
  }
  changeVisibility(): Promise<void> {
    throw new Error('the scheduler only sends');
  }
}

export interface TestScheduler extends SchedulerDeps {
  clock: ManualClock;
  log: MemoryLogger;
  queues: { eu: RecordingQueue; us: RecordingQueue; home: RecordingQueue };
  results: RecordingQueue;
}

/** Workers in eu-west-1, us-east-1 and the home region; none in ap-south-1. */
export function testScheduler(db: Database, nowMs = T): TestScheduler {
  const queues = { eu: new RecordingQueue('checks-eu'), us: new RecordingQueue('checks-us'), home: new RecordingQueue('checks-home') };
  return {
    db,
    clock: new ManualClock(nowMs),
    log: new MemoryLogger(),
    checkQueues: new Map([['eu-west-1', queues.eu], ['us-east-1', queues.us], [HOME, queues.home]]),
    homeRegion: HOME,
    results: new RecordingQueue('results'),
    queues,
  };
}

/** Locations in three regions, one of them (ap) without workers. */
export const LOCATIONS = `
<location name="world"/>
<location name="eu" location="world" region="eu-west-1"/>
<location name="us" location="world" region="us-east-1"/>
<location name="ap" location="world" region="ap-south-1"/>`;

export const seconds = (n: number) => n * 1_000;
export const minutes = (n: number) => n * 60_000;
