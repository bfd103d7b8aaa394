/**
 * The numbers the stacks are built from, each with where it comes from. Queue settings mirror the
 * local runtime (functions/local/runtime.ts), so `npm start` and AWS behave alike; a test holds
 * them equal (test/infra/settings.test.ts).
 */
import { Duration } from 'aws-cdk-lib';

/** Receives of a check job before it goes to its DLQ (functions/local/runtime.ts). */
export const CHECK_QUEUE_MAX_RECEIVES = 3;
/** Receives of a result before it goes to the results DLQ (functions/local/runtime.ts). */
export const RESULTS_QUEUE_MAX_RECEIVES = 5;

/**
 * AWS: "set the source queue's visibility timeout to at least six times the timeout that you
 * configure on your function", so a batch retried after throttling is not received twice.
 */
export const VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT = 6;

/**
 * A check job is worth nothing once its start-by time (at most 60 s after it was due) has
 * passed, but SQS keeps a message at least 60 s; a day leaves room to look at a backlog.
 */
export const CHECK_QUEUE_RETENTION = Duration.days(1);
/** Results change state: keep them as long as a weekend outage of the database might last. */
export const RESULTS_QUEUE_RETENTION = Duration.days(4);
/** Dead letters are kept as long as SQS allows, for someone to look at. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Function timeouts (s). The worker's comes from the configuration (checks may run long). */
export const TIMEOUT_S = {
  /** One tick plans 100,000 checks in about 1 s (bench/scheduler); a minute is the tick interval. */
  scheduler: 55,
  /** A batch is one transaction; 100,000 results take ~7 s (bench/result-processor). */
  results: 60,
  /** A batch decides notifications (one transaction per site) and sends what is due, 10 s per send at most. */
  notifier: 60,
  deadLetters: 30,
  /** Migrations may rewrite big tables; the deploy waits for them. */
  migrate: 600,
  api: 29,
  websocket: 29,
} as const;

/** An alarm on the results queue's oldest message: results should be applied within seconds. */
export const RESULTS_AGE_ALARM_S = 120;

/** Stage names: the REST API's appears in its URL path, the WebSocket API's in its wss:// URL. */
export const REST_STAGE = 'v1';
export const WEBSOCKET_STAGE = 'live';
