/**
 * API Gateway's WebSocket quotas that shape Vigil's messages, and the local gateway enforces them
 * too, so nothing works on one machine that would fail in AWS. Source: "Quotas for configuring
 * and running a WebSocket API in API Gateway" (none of these can be increased).
 */
export const WEBSOCKET_LIMITS = Object.freeze({
  /** WebSocket frame size. A larger `@connections` message is split into frames by API Gateway; Vigil keeps every message to one frame. */
  frameBytes: 32 * 1024,
  /** Message payload size; a larger message closes the connection with 1009. */
  messageBytes: 128 * 1024,
  /** Connection duration: API Gateway closes a connection after two hours, whatever its traffic. */
  connectionDurationMs: 2 * 60 * 60 * 1000,
});

/**
 * What Vigil allows itself per pushed message: below the frame size whether "32 KB" is read as
 * 32,768 or 32,000 bytes, so no reading of the quota can split a message.
 */
export const FRAME_BUDGET_BYTES = 32_000;

/**
 * `@connections` posts in flight at once per push. Each post is one HTTPS request; 100 keeps a
 * fan-out to thousands of browsers to a few round trips without opening thousands of sockets.
 */
export const DEFAULT_POST_CONCURRENCY = 100;
