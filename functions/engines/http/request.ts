/**
 * One HTTP(S) request, the way every check that speaks HTTP makes it (the `http` engine, and the
 * `http.check()` object that scripted checks get). It:
 * - resolves the host through the network policy and connects to the address it checked, so a
 *   name that resolves to a metadata address is refused (network-policy.ts);
 * - reuses connections within one worker: one keep-alive agent per TLS mode for the process;
 * - reads at most `maxBodyBytes` of the body, so a huge response cannot exhaust the worker;
 * - stops at the deadline's signal.
 * It never follows redirects: callers decide (the http engine follows a bounded number, checking
 * each hop against the policy again).
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { NetworkPolicy } from '../engine.ts';
import { resolveTarget } from '../network-policy.ts';

export interface HttpRequest {
  url: URL;
  /**
   * Connect to this host (a name or an address) instead of the URL's, as Bergamot's `host` and
   * `virtual_host` do: the URL's host still names the site in the Host header, in TLS SNI and in
   * certificate verification. @defaultValue the URL's host
   */
  connectHost?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Verify the server's certificate chain and name. @defaultValue true */
  verifyTls?: boolean;
  /** PEM certificates to trust instead of the system's roots, for a private CA. */
  ca?: string;
  /** Bytes of body kept; the rest is read and dropped. @defaultValue 1 MiB */
  maxBodyBytes?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the body was longer than `maxBodyBytes` (and `body` holds only its start). */
  truncated: boolean;
  /** Bytes of body received, including any dropped. */
  size: number;
  /** The address connected to. */
  remoteAddress?: string;
  timings: {
    /** From sending the request to the first byte of the response. */
    firstByteMs: number;
    /** From sending the request to the end of the body. */
    totalMs: number;
  };
}

export interface HttpRequestContext {
  signal: AbortSignal;
  policy: NetworkPolicy;
}

const DEFAULT_MAX_BODY_BYTES = 1 << 20;
const USER_AGENT = 'Vigil-Monitoring/0.1 (+https://github.com/vigil-monitoring)';

const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' } as const;
const agents = {
  http: new http.Agent(agentOptions),
  verified: new https.Agent({ ...agentOptions, rejectUnauthorized: true }),
  unverified: new https.Agent({ ...agentOptions, rejectUnauthorized: false }),
};

/** Sends the request; rejects when the connection fails, the policy refuses, or the signal aborts. */
export async function sendHttpRequest(request: HttpRequest, context: HttpRequestContext): Promise<HttpResponse> {
  const { url } = request;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported URL scheme ${url.protocol} in ${url.origin}`);
  // Resolve (and check) before connecting, so that a refused address fails before any socket opens.
  const target = await resolveTarget(request.connectHost ?? url.hostname, context.policy);
  const siteName = url.hostname.replace(/^\[|\]$/g, '');
  const tls = url.protocol === 'https:';
  const maxBodyBytes = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: '*/*',
    host: url.host,
    ...lowerCaseKeys(request.headers ?? {}),
  };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));

  return new Promise<HttpResponse>((resolve, reject) => {
    const startedAt = performance.now();
    const options: https.RequestOptions = {
      method: request.method ?? 'GET',
      // The checked address, not the name: the agent then pools connections per address (and
      // per server name), so a keep-alive socket to one backend never serves a check of another
      // that shares its virtual host.
      hostname: target.address,
      family: target.family,
      port: url.port || (tls ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers,
      signal: context.signal,
      agent: tls ? (request.verifyTls === false ? agents.unverified : agents.verified) : agents.http,
    };
    if (tls && isIP(siteName) === 0) options.servername = siteName;
    if (tls && request.ca !== undefined) options.ca = request.ca;
    const onResponse = (response: http.IncomingMessage) => {
      const firstByteMs = performance.now() - startedAt;
      const chunks: Buffer[] = [];
      let kept = 0;
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (kept < maxBodyBytes) {
          const part = chunk.subarray(0, maxBodyBytes - kept);
          chunks.push(part);
          kept += part.length;
        }
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: response.headers,
          body: Buffer.concat(chunks),
          truncated: size > kept,
          size,
          remoteAddress: response.socket?.remoteAddress ?? target.address,
          timings: { firstByteMs, totalMs: performance.now() - startedAt },
        }),
      );
      response.on('error', reject);
    };
    const outgoing = tls ? https.request(options, onResponse) : http.request(options, onResponse);
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
