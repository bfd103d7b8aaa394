/**
 * What an AWS SDK error means for a notification (SES and SNS channels): worth another try when
 * AWS throttled it, failed itself (5xx), could not be reached or did not answer by the deadline;
 * not when it refused the request (4xx: a rejected message, an unverified sender, a bad number),
 * which would be refused again. The SDK has already retried throttling and 5xx itself within the
 * deadline; the notifier's retry comes later, with a longer backoff.
 */
import { ChannelError } from '#ports/notification-channel.ts';

/** Error names AWS uses for "slow down" or "not now", some with status 400. */
const RETRYABLE_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalErrorException',
  'ServiceUnavailable',
]);

interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/**
 * The ChannelError for an error thrown by `client.send` of `action` (`SES SendEmail`). `signal`
 * is the deadline's: an abort is a timeout, whatever the SDK named it.
 */
export function channelErrorFromAws(action: string, error: unknown, signal: AbortSignal): ChannelError {
  const shape: AwsErrorShape = typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {};
  const name = shape.name ?? 'Error';
  const said = `${name}: ${shape.message ?? String(error)}`;
  if (signal.aborted) return new ChannelError(`${action} timed out: ${said}`, true, { cause: error });
  const status = shape.$metadata?.httpStatusCode;
  const retryable =
    RETRYABLE_ERROR_NAMES.has(name) ||
    shape.$retryable !== undefined ||
    // No status: AWS never answered (connection refused or reset, DNS).
    status === undefined ||
    status === 429 ||
    status >= 500;
  return new ChannelError(`${action} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${said}`, retryable, { cause: error });
}
