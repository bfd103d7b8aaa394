/**
 * The HTTP requests of scripted checks. What a script built with `http.check()` arrives here as
 * data (it is untrusted: checked before use), goes out through sendHttpRequest (the network
 * policy, keep-alive agents, capped body), and comes back as something the script can read. A
 * failure is an answer too, in words, for the script's error callback.
 */
import type { NetworkPolicy } from '../engine.ts';
import { describeConnectionError, hostPort } from '../connection.ts';
import { sendHttpRequest, type HttpRequest } from '../http/request.ts';
import { BlockedAddressError } from '../network-policy.ts';
import type { ScriptHttpReply, ScriptHttpRequest } from './sandbox-protocol.ts';

export interface ScriptRequestContext {
  /** Aborts when the script's run ends. */
  signal: AbortSignal;
  policy: NetworkPolicy;
  maxBodyBytes: number;
}

const METHOD = /^[A-Z]{1,16}$/;
const HOST = /^[^\s/?#@]+$/;

/** `GET http://host:port/path`, for messages. */
export function describeScriptRequest(request: ScriptHttpRequest): string {
  const url = requestUrl(request);
  return `${request.method} ${url ?? `${request.host}:${request.port}${request.path}`}`;
}

export async function sendScriptRequest(request: ScriptHttpRequest, context: ScriptRequestContext): Promise<ScriptHttpReply> {
  const url = requestUrl(request);
  if (url === undefined) return failure(`cannot make an HTTP request to host '${request.host}', port ${request.port}, path '${request.path}'`);
  if (!METHOD.test(request.method)) return failure(`'${request.method}' is not an HTTP method`);
  const timeout = request.timeoutMs !== null && request.timeoutMs > 0 ? AbortSignal.timeout(request.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([context.signal, timeout]) : context.signal;
  const target = hostPort(request.host, request.port === -1 ? (request.ssl ? 443 : 80) : request.port);
  try {
    const response = await sendHttpRequest(toHttpRequest(request, url, context.maxBodyBytes), { signal, policy: context.policy });
    if (response.truncated) {
      return failure(`the response from ${url.href} is larger than ${context.maxBodyBytes / 1024 / 1024} MiB, the most a script may read`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { ok: true, status: response.status, headers, body: response.body.toString('utf8'), runtimeMs: Math.round(response.timings.totalMs) };
  } catch (error) {
    if (timeout?.aborted && !context.signal.aborted) return failure(`no answer from ${target} within ${request.timeoutMs} ms`);
    if (error instanceof BlockedAddressError) return failure(error.message);
    const reason = describeConnectionError(error, target);
    return failure(`HTTP request to ${target} failed: ${reason ?? (error instanceof Error ? error.message : String(error))}`);
  }
}

/**
 * The URL the request names: Bergamot's virtual host (or the host) with the port, so that the
 * Host header and TLS name are right; the connection itself goes to `host` (connectHost).
 */
function requestUrl(request: ScriptHttpRequest): URL | undefined {
  const name = request.virtualHost ?? request.host;
  if (typeof name !== 'string' || !HOST.test(name) || !HOST.test(request.host)) return undefined;
  const { port } = request;
  if (port !== -1 && (!Number.isInteger(port) || port < 1 || port > 65_535)) return undefined;
  const path = request.path.startsWith('/') ? request.path : `/${request.path}`;
  const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  try {
    return new URL(`${request.ssl ? 'https' : 'http'}://${bracketed}${port === -1 ? '' : `:${port}`}${path}`);
  } catch {
    return undefined;
  }
}

function toHttpRequest(request: ScriptHttpRequest, url: URL, maxBodyBytes: number): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
  if (request.username) {
    headers.authorization = `Basic ${Buffer.from(`${request.username}:${request.password ?? ''}`).toString('base64')}`;
  }
  if (request.contentType !== null) headers['content-type'] = request.contentType;
  const http: HttpRequest = { url, method: request.method, headers, verifyTls: !request.permitInvalidCerts, maxBodyBytes };
  if (request.virtualHost !== null) http.connectHost = request.host;
  if (request.content !== null) http.body = request.content;
  return http;
}

function failure(message: string): ScriptHttpReply {
  return { ok: false, message };
}
