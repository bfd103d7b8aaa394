/**
 * The event outbox (sql/005_event_outbox.sql): events are written in the transaction that makes
 * the change they describe, and published after commit. Publishing locks the rows it sends
 * (skipping rows another publisher holds) and deletes only what the bus took, so an event is
 * published at least once and never lost to a crash between commit and publish.
 */
import type { EventBus } from '#ports/event-bus.ts';
import type { Logger } from '#ports/logger.ts';
import type { Database, Transaction } from '#store/database.ts';

export interface OutboxEvent {
  siteId: string;
  detailType: string;
  detail: object;
}

/** Leftovers older than this are assumed abandoned by the processor that wrote them. */
const ABANDONED_AFTER_SECONDS = 30;
const MAX_EVENTS_PER_PUBLISH = 500;

/** Adds events to the outbox, inside the caller's transaction. Returns their ids. */
export async function enqueueEvents(tx: Transaction, events: readonly OutboxEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await tx<{ id: number }[]>`
    insert into event_outbox (site_id, detail_type, detail)
    -- Details travel as text: postgres.js would send a string array cast to jsonb[] as JSON strings.
    select site_id, detail_type, detail::jsonb
    from unnest(${events.map((e) => e.siteId)}::uuid[], ${events.map((e) => e.detailType)}::text[],
                ${events.map((e) => JSON.stringify(e.detail))}::text[]) as e(site_id, detail_type, detail)
    returning id`;
  return rows.map((row) => row.id);
}

/**
 * Publishes outbox events: the given ids (just committed), or without ids the leftovers that no
 * one published within 30 s. Returns how many the bus took.
 */
export async function publishOutbox(db: Database, bus: EventBus, source: string, log: Logger, ids?: readonly number[]): Promise<number> {
  if (ids && ids.length === 0) return 0;
  return db.begin(async (tx) => {
    const rows = ids
      ? await tx<{ id: number; detail_type: string; detail: Record<string, unknown>; created_at: Date }[]>`
          select id, detail_type, detail, created_at from event_outbox where id = any(${ids as number[]}::bigint[])
          order by id for update skip locked`
      : await tx<{ id: number; detail_type: string; detail: Record<string, unknown>; created_at: Date }[]>`
          select id, detail_type, detail, created_at from event_outbox
          where created_at < now() - make_interval(secs => ${ABANDONED_AFTER_SECONDS})
          order by id limit ${MAX_EVENTS_PER_PUBLISH} for update skip locked`;
    if (rows.length === 0) return 0;
    const { failed } = await bus.publish(
      rows.map((row) => ({ source, detailType: row.detail_type, detail: row.detail, timeMs: row.created_at.getTime() })),
    );
    const failedIndexes = new Set(failed.map((f) => f.index));
    for (const failure of failed) log.warn('event not published; it stays in the outbox for a retry', { outboxId: rows[failure.index]?.id, reason: failure.reason });
    const published = rows.filter((_, index) => !failedIndexes.has(index)).map((row) => row.id);
    if (published.length > 0) await tx`delete from event_outbox where id = any(${published}::bigint[])`;
    return published.length;
  }) as Promise<number>;
}
