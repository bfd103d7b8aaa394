/**
 * The `http` engine: one HTTP(S) request (and, when asked, the redirects it leads to), judged by
 * its status code, response time, body and JSON content. Parameter names follow Bergamot's
 * http-check (`host`, `port`, `ssl`, `path`, `virtual_host`, `status`, `contains`, `length`,
 * `warning_response_time`...), so its commands run unchanged; see the README for the rest.
 *
 * Every problem found is reported in one output, worst first:
 * `HTTP 503 Service Unavailable - 120 bytes in 0.004 s; status 503 is a server error; body does not contain "ready"`.
 * Passwords and tokens never reach the output: the engine takes them (and the Basic credential
 * derived from them) out itself, and never quotes the body.
 */
import { resultOf, type Engine, type EngineCheck, type EngineResult, type ParameterSpec } from '../engine.ts';
import { connectionFailure, hostPort, readPort, targetHost } from '../connection.ts';
import { findingsResult, type Finding } from '../findings.ts';
import { BlockedAddressError } from '../network-policy.ts';
import { ParameterError, type CheckParameters } from '../parameters.ts';
import { redact } from '../run-check.ts';
import { formatSeconds, readTimeThresholds, timeFinding, timeReading, timeThresholdSpecs, type TimeThresholds } from '../time-thresholds.ts';
import { checkJsonAssertion, parseJsonAssertion, type JsonAssertion } from './json-assertion.ts';
import { sendHttpRequest, type HttpRequest, type HttpResponse } from './request.ts';
import { parseStatusCodes, statusForCode, type StatusCodeRange } from './status-codes.ts';

/** Redirects followed at most, unless `max_redirects` says otherwise: as many as a browser needs for a login bounce. */
const DEFAULT_MAX_REDIRECTS = 5;
/** The most `max_redirects` may be: each hop costs a request within the same deadline. */
const MAX_REDIRECTS_LIMIT = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HEADER_PREFIX = 'header:';
const JSON_PREFIX = 'json:';
/** RFC 9110 token characters, which a header name is made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const PARAMETERS: ParameterSpec[] = [
  { name: 'url', type: 'string', description: 'The whole URL to request; when set, host, port, ssl, path and virtual_host are not used' },
  { name: 'host', type: 'string', description: "Host name or address to connect to; defaults to the check's host address (or name)" },
  { name: 'port', type: 'integer', description: 'Port; defaults to 80, or 443 with ssl' },
  { name: 'ssl', type: 'boolean', default: 'false', description: 'Use HTTPS' },
  { name: 'path', type: 'string', default: '/', description: 'Path and query string to request' },
  { name: 'virtual_host', type: 'string', description: 'Site name for the Host header, TLS SNI and certificate check, when it differs from host' },
  { name: 'method', type: 'string', description: 'Request method; defaults to GET, or POST when a body is set' },
  { name: 'header:<Name>', type: 'string', description: 'A request header per parameter, e.g. header:Accept = application/json' },
  { name: 'body', type: 'string', description: 'Request body' },
  { name: 'username', type: 'string', description: 'User for HTTP Basic authentication' },
  { name: 'password', type: 'string', description: 'Password for HTTP Basic authentication (a secret)' },
  { name: 'token', type: 'string', description: 'Bearer token for the Authorization header (a secret)' },
  { name: 'follow_redirects', type: 'boolean', default: 'false', description: 'Follow 301/302/303/307/308 redirects, checking each hop against the network policy' },
  { name: 'max_redirects', type: 'integer', default: String(DEFAULT_MAX_REDIRECTS), description: `Redirects followed at most (up to ${MAX_REDIRECTS_LIMIT}); more is CRITICAL` },
  { name: 'status', type: 'list', description: 'Accepted status codes and ranges, e.g. 200-299,301; others are CRITICAL. Unset: 2xx/3xx OK, 4xx WARNING, 5xx CRITICAL' },
  ...timeThresholdSpecs('response'),
  { name: 'contains', type: 'string', description: 'CRITICAL unless the body contains this text' },
  { name: 'body_regex', type: 'string', description: 'CRITICAL unless the body matches this regular expression (pattern, or /pattern/flags)' },
  { name: 'length', type: 'integer', description: 'CRITICAL when the body is shorter than this many bytes' },
  { name: 'json:<path>', type: 'string', description: 'An assertion on the JSON body, e.g. json:$.status = ok, json:$.queue.depth = < 100' },
  { name: 'permit_invalid_certs', type: 'boolean', default: 'false', description: "Accept a certificate that does not verify (don't: use ca for a private CA)" },
  { name: 'ca', type: 'string', description: 'PEM certificate(s) of a private CA to trust instead of the system roots' },
];

export const httpEngine: Engine = {
  name: 'http',
  parameters: PARAMETERS,
  async run(check, parameters, deadline) {
    const { request, secrets } = readRequest(check, parameters);
    const expectations = readExpectations(parameters);
    const maxRedirects = parameters.boolean('follow_redirects') ? readMaxRedirects(parameters) : 0;
    const clean = (result: EngineResult): EngineResult => redactResult(result, [...parameters.secrets(), ...secrets]);

    const exchanges: Exchange[] = [];
    const startedAt = performance.now();
    let next: HttpRequest | undefined = request;
    try {
      while (next !== undefined) {
        const response: HttpResponse = await sendHttpRequest(next, { signal: deadline.signal, policy: check.network });
        exchanges.push({ url: next.url, response });
        next = exchanges.length <= maxRedirects ? redirected(next, response) : undefined;
      }
    } catch (error) {
      const failing = next ?? request;
      const redirectedFrom = exchanges.at(-1)?.url;
      if (error instanceof BlockedAddressError && redirectedFrom !== undefined) {
        return clean(resultOf('ERROR', `HTTP ${displayUrl(redirectedFrom)} redirected to ${displayUrl(failing.url)}: ${error.message}`));
      }
      const { url } = failing;
      const target = hostPort(failing.connectHost ?? url.hostname.replace(/^\[|\]$/g, ''), Number(url.port) || defaultPort(url));
      const failed = connectionFailure(error, `HTTP request to ${displayUrl(url)}`, target, deadline.signal);
      // No answer is status 0 (curl's 000), so that counts of failed requests see it too.
      return clean({ ...failed, readings: [...failed.readings, { name: 'status', value: 0 }] });
    }
    const elapsedMs = performance.now() - startedAt;
    return clean(judge(exchanges, elapsedMs, expectations, maxRedirects));
  },
};

interface Exchange {
  url: URL;
  response: HttpResponse;
}

interface Expectations {
  /** The `status` list, when the check has one. */
  accepted?: { text: string; ranges: StatusCodeRange[] };
  time: TimeThresholds;
  contains?: string;
  bodyRegex?: RegExp;
  minLengthBytes?: number;
  json: JsonAssertion[];
}

function judge(exchanges: readonly Exchange[], elapsedMs: number, expectations: Expectations, maxRedirects: number): EngineResult {
  const last = exchanges.at(-1)!;
  const { response } = last;
  const redirects = exchanges.length - 1;
  const findings: Finding[] = [];

  const codeStatus = statusForCode(response.status, expectations.accepted?.ranges);
  if (codeStatus !== 'OK') {
    const why = expectations.accepted ? `is not one of ${expectations.accepted.text}` : response.status < 500 && response.status >= 400 ? 'is a client error' : 'is a server error';
    findings.push({ status: codeStatus, text: `status ${response.status} ${why}` });
  }
  if (maxRedirects > 0 && redirects === maxRedirects && isRedirect(response)) {
    findings.push({ status: 'CRITICAL', text: `still redirected after ${maxRedirects} redirects (max_redirects)` });
  }
  const slow = timeFinding(elapsedMs, expectations.time, 'response');
  if (slow) findings.push(slow);
  findings.push(...bodyFindings(response, expectations));

  const via = redirects === 0 ? '' : ` after ${redirects} redirect${redirects === 1 ? '' : 's'}`;
  const summary = `HTTP ${response.status} ${response.statusText} - ${response.size} bytes in ${formatSeconds(elapsedMs)}${via}`;
  const result = findingsResult(summary, findings, [
    timeReading(elapsedMs, expectations.time),
    { name: 'status', value: response.status },
    { name: 'size', value: response.size, unit: 'B', min: 0 },
  ]);
  if (redirects > 0) {
    result.longOutput = exchanges.map(({ url, response: r }) => `${r.status} ${displayUrl(url)}`).join('\n');
  }
  return result;
}

/** Findings about the body. None of them quotes the body: it may echo credentials back. */
function bodyFindings(response: HttpResponse, expectations: Expectations): Finding[] {
  const problems: string[] = [];
  const { contains, bodyRegex, minLengthBytes, json } = expectations;
  if (minLengthBytes !== undefined && response.size < minLengthBytes) {
    problems.push(`body is ${response.size} bytes, expected at least ${minLengthBytes}`);
  }
  const needsText = contains !== undefined || bodyRegex !== undefined || json.length > 0;
  const text = needsText ? response.body.toString('utf8') : '';
  const partly = response.truncated ? ` (only its first ${response.body.length} bytes were read)` : '';
  if (contains !== undefined && !text.includes(contains)) problems.push(`body does not contain ${JSON.stringify(contains)}${partly}`);
  if (bodyRegex !== undefined && !bodyRegex.test(text)) problems.push(`body does not match ${String(bodyRegex)}${partly}`);
  if (json.length > 0) {
    const document = parseJson(text);
    if (document === NOT_JSON) problems.push(`body is not JSON${partly}`);
    else for (const assertion of json) {
      const problem = checkJsonAssertion(document.value, assertion);
      if (problem !== undefined) problems.push(problem);
    }
  }
  return problems.map((text) => ({ status: 'CRITICAL', text }));
}

const NOT_JSON = Symbol('not JSON');

/** The parsed body, or NOT_JSON. The parser's message is dropped: it quotes the body. */
function parseJson(text: string): { value: unknown } | typeof NOT_JSON {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return NOT_JSON;
  }
}

/** The request the check describes, and the secrets derived from its parameters. */
function readRequest(check: EngineCheck, parameters: CheckParameters): { request: HttpRequest; secrets: string[] } {
  const request: HttpRequest = { url: readUrl(check, parameters), verifyTls: !parameters.boolean('permit_invalid_certs') };
  const connectHost = parameters.optional('url') === undefined ? connectHostOf(check, parameters) : undefined;
  if (connectHost !== undefined) request.connectHost = connectHost;
  const ca = parameters.optional('ca');
  if (ca !== undefined) request.ca = ca;
  const body = parameters.optional('body');
  if (body !== undefined) request.body = body;
  request.method = (parameters.optional('method') ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();

  const headers = readHeaders(parameters);
  const secrets: string[] = [];
  const authorization = readAuthorization(parameters, request.url, secrets);
  if (authorization !== undefined) headers.authorization = authorization;
  request.headers = headers;
  // Credentials written into the URL went into the Authorization header; keep them off the wire twice and out of outputs.
  request.url.username = '';
  request.url.password = '';
  return { request, secrets };
}

function readUrl(check: EngineCheck, parameters: CheckParameters): URL {
  const written = parameters.optional('url');
  if (written !== undefined) return parseUrl('url', written);
  const ssl = parameters.boolean('ssl');
  const port = readPort(parameters, 'port', ssl ? 443 : 80);
  const site = parameters.optional('virtual_host') ?? targetHost(check, parameters);
  const path = parameters.string('path');
  const host = site.includes(':') && !site.startsWith('[') ? `[${site}]` : site;
  return parseUrl('virtual_host', `${ssl ? 'https' : 'http'}://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`);
}

/** The host to connect to when it is not the site named in the URL (Bergamot's host + virtual_host). */
function connectHostOf(check: EngineCheck, parameters: CheckParameters): string | undefined {
  const virtualHost = parameters.optional('virtual_host');
  const host = targetHost(check, parameters);
  return virtualHost !== undefined && virtualHost !== host ? host : undefined;
}

function parseUrl(parameter: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ParameterError(parameter, `'${text}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ParameterError(parameter, `expected an http:// or https:// URL, got ${url.protocol}`);
  return url;
}

/** One header per `header:<Name>` parameter. */
function readHeaders(parameters: CheckParameters): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const parameter of parameters.names()) {
    if (!parameter.startsWith(HEADER_PREFIX)) continue;
    const name = parameter.slice(HEADER_PREFIX.length);
    if (!HEADER_NAME.test(name)) throw new ParameterError(parameter, `'${name}' is not a header name`);
    const value = parameters.string(parameter);
    if (/[\r\n\0]/.test(value)) throw new ParameterError(parameter, 'a header value cannot contain line breaks');
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/**
 * Basic (username/password, or credentials written in the URL) or Bearer (token). The password,
 * the token and the encoded Basic credential go into `secrets`, whatever runCheck was told: it
 * knows nothing of the base64 form a server may echo back, nor of a password written in the URL.
 */
function readAuthorization(parameters: CheckParameters, url: URL, secrets: string[]): string | undefined {
  const token = parameters.optional('token');
  const username = parameters.optional('username') ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = parameters.optional('password') ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw new ParameterError('token', 'set either a token (Bearer) or a username and password (Basic), not both');
  }
  if (token !== undefined) {
    secrets.push(token);
    return `Bearer ${token}`;
  }
  if (username === undefined && password === undefined) return undefined;
  const credential = Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64');
  secrets.push(credential);
  if (password !== undefined) secrets.push(password);
  return `Basic ${credential}`;
}

function readExpectations(parameters: CheckParameters): Expectations {
  const expectations: Expectations = { time: readTimeThresholds(parameters, 'response'), json: [] };
  const status = parameters.list('status');
  if (status.length > 0) expectations.accepted = { text: status.join(','), ranges: parseStatusCodes('status', status) };
  const contains = parameters.optional('contains');
  if (contains !== undefined) expectations.contains = contains;
  const regex = parameters.optional('body_regex');
  if (regex !== undefined) expectations.bodyRegex = parseRegex('body_regex', regex);
  if (parameters.has('length')) expectations.minLengthBytes = parameters.integer('length');
  for (const parameter of parameters.names()) {
    if (parameter.startsWith(JSON_PREFIX)) {
      expectations.json.push(parseJsonAssertion(parameter, parameter.slice(JSON_PREFIX.length), parameters.string(parameter)));
    }
  }
  return expectations;
}

function readMaxRedirects(parameters: CheckParameters): number {
  const max = parameters.integer('max_redirects');
  if (max < 1 || max > MAX_REDIRECTS_LIMIT) throw new ParameterError('max_redirects', `expected 1 to ${MAX_REDIRECTS_LIMIT}, got ${max}`);
  return max;
}

/** `pattern` or `/pattern/flags`. */
function parseRegex(parameter: string, text: string): RegExp {
  const literal = /^\/(.*)\/([dimsuy]*)$/s.exec(text);
  try {
    return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(text);
  } catch (error) {
    throw new ParameterError(parameter, error instanceof Error ? error.message : String(error));
  }
}

/**
 * The request a redirect asks for, or undefined when the response is not one to follow. As
 * browsers do: 303 (and 301/302 after a POST) become a GET without body; the Authorization header
 * is dropped when the redirect leaves the host or goes from HTTPS to plain HTTP.
 */
function redirected(previous: HttpRequest, response: HttpResponse): HttpRequest | undefined {
  const location = response.headers.location;
  if (!isRedirect(response) || location === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(location, previous.url);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const next: HttpRequest = { ...previous, url, headers: { ...previous.headers } };
  if (url.hostname !== previous.url.hostname) delete next.connectHost;
  const leaves = url.hostname !== previous.url.hostname || (previous.url.protocol === 'https:' && url.protocol === 'http:');
  if (leaves) delete next.headers!.authorization;
  const method = previous.method ?? 'GET';
  if ((response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
    next.method = 'GET';
    delete next.body;
  }
  return next;
}

function isRedirect(response: HttpResponse): boolean {
  return REDIRECT_STATUSES.has(response.status) && response.headers.location !== undefined;
}

function defaultPort(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

/** A URL as outputs show it: without credentials. */
function displayUrl(url: URL): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

function redactResult(result: EngineResult, secrets: readonly string[]): EngineResult {
  const clean: EngineResult = { ...result, output: redact(result.output, secrets) };
  if (result.longOutput !== undefined) clean.longOutput = redact(result.longOutput, secrets);
  return clean;
}
