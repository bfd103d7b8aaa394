/**
 * The result processor: takes a batch of result messages off the results queue and, in one
 * transaction, applies them to the checks' states (apply-results.ts), writes states, transitions
 * and readings (result-store.ts) and queues a CheckStateChanged event for every hard change
 * (event-outbox.ts). After commit it publishes those events and pushes the changed checks, with
 * the groups above them rolled up again, to the browsers watching.
 *
 * Failure handling, as Lambda's SQS event source sees it (`batchItemFailures`):
 * - a message that is not a valid result can never succeed: it is reported as failed, so SQS
 *   moves it to the results DLQ after its receives, where it can be inspected; the rest of the
 *   batch is processed;
 * - if the transaction fails (database down, deadlock), every message is reported as failed and
 *   comes back later; applying it again is harmless, as results are idempotent;
 * - publishing and pushing happen after commit and never fail the batch: events stay in the
 *   outbox for a later run, and a browser that misses a push catches up when it reconnects.
 */
import { publishChangesBySite } from '#actions/check-changes.ts';
import { CHECK_STATE_CHANGED, EVENT_SOURCE, parseResultMessage, type CheckStateChanged, type ResultMessage } from '#core/messages.ts';
import { isOk, isProblem } from '#core/status.ts';
import type { EventBus } from '#ports/event-bus.ts';
import type { Logger } from '#ports/logger.ts';
import type { Push, SiteChanges } from '#ports/push.ts';
import type { BatchResponse, ReceivedMessage } from '#ports/queue.ts';
import type { Database } from '#store/database.ts';
import { groupRollup, groupsAboveChecks } from '#store/group-rollup.ts';
import { applyResults, type AppliedCheck } from './apply-results.ts';
import { refreshDependentSuppression } from './dependency-suppression.ts';
import { enqueueEvents, publishOutbox, type OutboxEvent } from './event-outbox.ts';
import { describeChecks, lockStoredChecks, writeAppliedChecks } from './result-store.ts';

export interface ResultProcessorDeps {
  db: Database;
  bus: EventBus;
  push: Push;
  log: Logger;
}

export interface ProcessedBatch extends BatchResponse {
  applied: number;
  ignored: number;
  transitions: number;
  hardChanges: number;
}

export async function processResultMessages(deps: ResultProcessorDeps, messages: readonly ReceivedMessage[]): Promise<ProcessedBatch> {
  const failures: string[] = [];
  const results: ResultMessage[] = [];
  const messageOf = new Map<ResultMessage, ReceivedMessage>();
  for (const message of messages) {
    try {
      const result = parseResultMessage(message.body);
      results.push(result);
      messageOf.set(result, message);
    } catch (error) {
      deps.log.error('result message is malformed; it will go to the dead-letter queue', { messageId: message.messageId, reason: String((error as Error).message) });
      failures.push(message.messageId);
    }
  }
  const outcome = await processResults(deps, results).catch((error: unknown) => {
    deps.log.error('result batch failed; its messages will be redelivered', { messages: results.length, reason: String((error as Error).message) });
    for (const result of results) failures.push(messageOf.get(result)!.messageId);
    return undefined;
  });
  return {
    batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    applied: outcome?.applied ?? 0,
    ignored: outcome?.ignored ?? 0,
    transitions: outcome?.transitions ?? 0,
    hardChanges: outcome?.hardChanges ?? 0,
  };
}

/** Applies already parsed results; throws when the transaction fails (nothing is then written). */
export async function processResults(deps: ResultProcessorDeps, results: readonly ResultMessage[]): Promise<Omit<ProcessedBatch, 'batchItemFailures'>> {
  if (results.length === 0) return { applied: 0, ignored: 0, transitions: 0, hardChanges: 0 };
  const keys = uniqueKeys(results);
  const { applied, ignored, outboxIds, suppressionChanges } = await deps.db.begin(async (tx) => {
    const stored = await lockStoredChecks(tx, keys);
    const unknown = keys.filter((key) => !stored.has(key.checkId));
    if (unknown.length > 0) deps.log.warn('results for checks that do not exist (removed, or of another site) are ignored', { checks: unknown.length });
    const outcome = applyResults(stored, results);
    await writeAppliedChecks(tx, outcome.applied);
    const events = await stateChangeEvents(tx, outcome.applied);
    // Only a host's change moves what depends on it; most batches have none, and no query.
    const hostsChanged = [...new Set(events.map((event) => event.detail as CheckStateChanged).filter((e) => e.kind === 'host').map((e) => e.checkId))];
    return { ...outcome, outboxIds: await enqueueEvents(tx, events), suppressionChanges: await refreshDependentSuppression(tx, hostsChanged) };
  });

  const transitions = applied.reduce((n, check) => n + check.transitions.length, 0);
  const hardChanges = applied.reduce((n, check) => n + check.hardChanges.length, 0);
  // This batch's events, then, now and then, any that an earlier run left behind.
  await publishOutbox(deps.db, deps.bus, EVENT_SOURCE, deps.log, outboxIds)
    .then(() => (sweepDue(deps.db) ? publishOutbox(deps.db, deps.bus, EVENT_SOURCE, deps.log) : 0))
    .catch((error: unknown) =>
      deps.log.warn('publishing state changes failed; they stay in the outbox', { reason: String((error as Error).message) }),
    );
  await pushChanges(deps, applied).catch((error: unknown) =>
    deps.log.warn('pushing changes failed', { reason: String((error as Error).message) }),
  );
  // What a host's change suppressed or released behind it: handled or not, without a result of its own.
  await publishChangesBySite(deps, suppressionChanges);
  return { applied: applied.length, ignored, transitions, hardChanges };
}

/** Leftover events are looked for at most this often per database pool (one query each time). */
const OUTBOX_SWEEP_INTERVAL_MS = 30_000;
const lastSweepMs = new WeakMap<Database, number>();

function sweepDue(db: Database): boolean {
  const now = Date.now();
  if (now - (lastSweepMs.get(db) ?? 0) < OUTBOX_SWEEP_INTERVAL_MS) return false;
  lastSweepMs.set(db, now);
  return true;
}

function uniqueKeys(results: readonly ResultMessage[]): { checkId: string; siteId: string }[] {
  const keys = new Map<string, { checkId: string; siteId: string }>();
  for (const result of results) keys.set(`${result.siteId}/${result.checkId}`, { checkId: result.checkId, siteId: result.siteId });
  return [...keys.values()];
}

async function stateChangeEvents(tx: Parameters<typeof describeChecks>[0], applied: readonly AppliedCheck[]): Promise<OutboxEvent[]> {
  const changed = applied.filter((check) => check.hardChanges.length > 0);
  if (changed.length === 0) return [];
  const described = await describeChecks(tx, changed.map((check) => check.checkId));
  return changed.flatMap((check) => {
    const about = described.get(check.checkId);
    return check.hardChanges.map((transition): OutboxEvent => {
      const detail: CheckStateChanged = {
        siteId: check.siteId,
        checkId: check.checkId,
        checkName: about?.name ?? check.checkId,
        kind: about?.kind ?? 'service',
        ...(about?.hostName ? { hostName: about.hostName } : {}),
        fromStatus: transition.fromHardStatus,
        toStatus: transition.to.status,
        recovery: isProblem(transition.fromHardStatus) && isOk(transition.to.status),
        output: transition.output,
        atMs: transition.atMs,
        groups: about?.groups ?? [],
      };
      return { siteId: check.siteId, detailType: CHECK_STATE_CHANGED, detail };
    });
  });
}

/** One push per site: its changed checks and, when a status changed, the groups above them. */
async function pushChanges(deps: ResultProcessorDeps, applied: readonly AppliedCheck[]): Promise<void> {
  const bySite = new Map<string, AppliedCheck[]>();
  for (const check of applied) bySite.set(check.siteId, [...(bySite.get(check.siteId) ?? []), check]);
  for (const [siteId, checks] of bySite) {
    const statusChanged = checks.filter((check) => check.transitions.length > 0).map((check) => check.checkId);
    const groupIds = await groupsAboveChecks(deps.db, siteId, statusChanged);
    const changes: SiteChanges = {
      siteId,
      checks: checks.map(({ checkId, state }) => ({
        checkId,
        status: state.status,
        hard: state.hard,
        hardStatus: state.hardStatus,
        attempt: state.attempt,
        flapping: state.flapping,
        output: state.output ?? '',
        lastResultAtMs: state.lastResultAtMs ?? 0,
        lastChangeAtMs: state.lastChangeAtMs,
      })),
      groups: groupIds.length > 0 ? await groupRollup(deps.db, siteId, { groupIds }) : [],
    };
    await deps.push.publish(changes);
  }
}
