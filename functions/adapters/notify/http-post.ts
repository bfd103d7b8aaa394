/**
 * POSTing a notification to a URL a contact wrote in their configuration: what the webhook and
 * Slack channels share. The URL comes from a tenant, so it goes through the same network policy
 * as HTTP checks (engines/network-policy.ts): a name or address that resolves to a link-local or
 * cloud metadata address is refused before any socket opens, and the request goes to the address
 * that was checked, never to the name again (no DNS rebinding). It reuses the checks' HTTP request
 * (engines/http/request.ts), which does exactly that and never follows redirects.
 *
 * What the answer means for the notifier: 2xx is delivered; 408, 429, 5xx, a connection failure
 * and the deadline are worth another try; anything else (a bad URL, a refused address, other
 * 4xx, a redirect) will fail the same way again.
 */
import { isIP } from 'node:net';
import { sendHttpRequest, type HttpRequest } from '#engines/http/request.ts';
import { BlockedAddressError, isBlockedAddress } from '#engines/network-policy.ts';
import { ChannelError } from '#ports/notification-channel.ts';
import { startDeadline } from './deadline.ts';

/** Bytes of a receiver's answer kept, for the start of it quoted in an error. */
const MAX_RESPONSE_BYTES = 4096;
/** Characters of a receiver's answer quoted in an error: Slack's are one word (`invalid_payload`). */
const QUOTED_RESPONSE_CHARS = 200;
/** Statuses after which the same request may succeed later (RFC 9110 408, RFC 6585 429). */
const RETRYABLE_4XX = new Set([408, 429]);

export interface HttpPostOptions {
  /**
   * Allow POSTing to link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
   * fd00:ec2::254). Off: from a Lambda function, the metadata service hands out its credentials.
   * @defaultValue false
   */
  allowMetadataAddresses?: boolean;
  /**
   * Resolves a host name to its addresses instead of the system resolver, for a deployment with
   * a DNS server of its own, and for tests. Every address it returns is checked against the
   * policy; the request goes to the first. @defaultValue the system resolver (getaddrinfo)
   */
  resolveHost?: (name: string) => Promise<string[]>;
}

/**
 * POSTs `body` to `urlText` with `headers` and returns when the receiver answered 2xx; throws
 * {@link ChannelError} otherwise. Gives up at `deadlineMs` (epoch ms). `what` names the channel
 * in errors (`webhook`, `Slack webhook`); errors show the URL's origin only, as paths of webhook
 * URLs are often secrets (Slack's are).
 */
export async function postToUrl(
  what: string,
  urlText: string | undefined,
  body: string,
  headers: Record<string, string>,
  deadlineMs: number,
  options: HttpPostOptions = {},
): Promise<void> {
  const url = parseTargetUrl(what, urlText);
  const { signal, remainingMs } = startDeadline(`${what} to ${url.origin}`, deadlineMs);
  const request: HttpRequest = { url, method: 'POST', body, headers: withBasicAuth(url, headers), maxBodyBytes: MAX_RESPONSE_BYTES };
  const policy = { allowMetadataAddresses: options.allowMetadataAddresses ?? false };

  let status: number;
  let answer: string;
  try {
    // Neither resolver can be cancelled: the race makes the deadline hold while one hangs.
    const response = await untilAborted(
      (async () => {
        if (options.resolveHost !== undefined) {
          const connectHost = await checkedAddress(url.hostname, options.resolveHost, policy.allowMetadataAddresses);
          if (connectHost !== undefined) request.connectHost = connectHost;
        }
        return sendHttpRequest(request, { signal, policy });
      })(),
      signal,
    );
    status = response.status;
    answer = response.body.toString('utf8');
  } catch (error) {
    if (error instanceof BlockedAddressError) throw new ChannelError(`${what} to ${url.origin} refused: ${error.message}`, false, { cause: error });
    if (signal.aborted) throw new ChannelError(`${what} to ${url.origin} timed out after ${remainingMs} ms`, true, { cause: error });
    // Connection refused or reset, a name that does not resolve, TLS: all may be passing.
    throw new ChannelError(`${what} to ${url.origin} failed: ${describe(error)}`, true, { cause: error });
  }
  if (status >= 200 && status < 300) return;
  const quoted = answer.replace(/\s+/g, ' ').trim().slice(0, QUOTED_RESPONSE_CHARS);
  const said = `${what} to ${url.origin} answered ${status}${quoted === '' ? '' : `: ${quoted}`}`;
  if (status >= 300 && status < 400) throw new ChannelError(`${said} (redirects are not followed: configure the URL it redirects to)`, false);
  throw new ChannelError(said, status >= 500 || RETRYABLE_4XX.has(status));
}

/** The URL, or a ChannelError that is not retryable: a missing or malformed URL stays so. */
function parseTargetUrl(what: string, text: string | undefined): URL {
  if (text === undefined || text.trim() === '') throw new ChannelError(`${what} not sent: the contact has no URL`, false);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ChannelError(`${what} not sent: the contact's URL is not a URL`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ChannelError(`${what} not sent: expected an http:// or https:// URL, got ${url.protocol}`, false);
  return url;
}

/** Credentials written in the URL (`https://user:pass@host/hook`) become HTTP Basic authentication. */
function withBasicAuth(url: URL, headers: Record<string, string>): Record<string, string> {
  if (url.username === '' && url.password === '') return headers;
  const credential = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  url.username = '';
  url.password = '';
  return { ...headers, authorization: `Basic ${credential}` };
}

/**
 * Resolves a name with `resolveHost` and checks every address, as resolveTarget does with the
 * system resolver. Address literals need no resolver: undefined leaves them to resolveTarget.
 */
async function checkedAddress(hostname: string, resolveHost: (name: string) => Promise<string[]>, allowMetadataAddresses: boolean): Promise<string | undefined> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return undefined;
  const addresses = await resolveHost(bare);
  const blocked = allowMetadataAddresses ? undefined : addresses.find(isBlockedAddress);
  if (blocked !== undefined) throw new BlockedAddressError(hostname, blocked);
  if (addresses[0] === undefined) throw new Error(`${hostname} did not resolve to any address`);
  return addresses[0];
}

/** Settles as `promise` does, or rejects with the signal's reason when it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
