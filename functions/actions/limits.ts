/**
 * The limits of what people and programs may ask through the actions API, each with where it
 * comes from. Requests beyond them are refused with a field-level error that says the limit.
 */

/** Longest one-off downtime: a quarter. Longer is a check that should be disabled or removed, not muted. */
export const MAX_DOWNTIME_MS = 90 * 24 * 60 * 60 * 1000;

/** Comments on acknowledgements and downtimes: a sentence or a ticket link, not a document. */
export const MAX_COMMENT_CHARS = 1_000;

/**
 * Body of a passive result. Its output is capped at the engines' output sizes (MAX_OUTPUT_CHARS,
 * MAX_LONG_OUTPUT_CHARS) and at most 100 readings, which together stay well below this; the
 * limit refuses anything bigger before it is read.
 */
export const MAX_PASSIVE_BODY_BYTES = 64 * 1024;

/** Readings in one passive result: as many as runCheck keeps from an engine. */
export const MAX_PASSIVE_READINGS = 100;

/**
 * An uploaded configuration: every file's text in one JSON body. API Gateway accepts 10 MB and
 * Lambda 6 MB of request; 5 MiB leaves room for JSON's escaping. The whole Bergamot corpus is
 * under 1 MB.
 */
export const MAX_CONFIGURATION_BODY_BYTES = 5 * 1024 * 1024;

/** Files in one upload; a site split further than this is better applied with `vigil apply`. */
export const MAX_CONFIGURATION_FILES = 1_000;

/** Uptime URLs are checked once a minute (the scheduler's tick, as the seed's service does). */
export const UPTIME_INTERVAL_S = 60;

/** The window whose 5xx responses are counted against a URL's threshold. */
export const UPTIME_ALERT_WINDOW_MS = 5 * 60 * 1000;

/**
 * The highest threshold that can ever alert: with one check a minute, at most five responses fall
 * in the window, and the alert needs more 5xx responses than the threshold.
 */
export const MAX_UPTIME_THRESHOLD = UPTIME_ALERT_WINDOW_MS / (UPTIME_INTERVAL_S * 1000) - 1;

/** How far back the uptime statistics count. */
export const UPTIME_STATS_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Longest URL accepted: what browsers and most servers handle. */
export const MAX_URL_CHARS = 2_048;

/** An uptime request gets this long to answer (the interval leaves room for the result to come back). */
export const UPTIME_TIMEOUT_MS = 10_000;
