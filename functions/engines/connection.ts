/**
 * Connections to a check's target, shared by the engines that open sockets themselves (`tcp`,
 * `certificate`) and the words every network engine uses when one fails. A target that refuses,
 * does not resolve or presents a bad certificate is a CRITICAL result whose output says which of
 * those happened, so the on-call engineer does not have to guess from an error code.
 */
import net from 'node:net';
import tls from 'node:tls';
import { resultOf, type EngineCheck, type EngineResult, type NetworkPolicy } from './engine.ts';
import { ParameterError, type CheckParameters } from './parameters.ts';
import { resolveTarget } from './network-policy.ts';

/**
 * The host a check connects to: its `host` parameter, else its host's address, else its host's
 * name (Bergamot's `#{coalesce(host.address, host.name)}`, without having to write it).
 */
export function targetHost(check: EngineCheck, parameters: CheckParameters): string {
  return parameters.optional('host') ?? check.host?.address ?? check.host?.name ?? parameters.string('host');
}

/** `host:port`, with an IPv6 address in brackets. */
export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface TlsOptions {
  /** The name sent in SNI and checked against the certificate; omitted for an address. */
  serverName: string;
  /** Refuse a certificate that does not verify (chain, dates, name). */
  verify: boolean;
  /** PEM certificates to trust instead of the system's roots (as `curl --cacert`), for a private CA. */
  ca?: string;
}

export interface OpenConnectionOptions {
  host: string;
  port: number;
  /** Speak TLS over the connection. */
  tls?: TlsOptions;
  policy: NetworkPolicy;
  signal: AbortSignal;
}

export interface OpenConnection<S extends net.Socket> {
  socket: S;
  /** The address connected to, after the policy check. */
  address: string;
  /** From starting to connect until connected (and, with TLS, until the handshake finished). */
  connectMs: number;
}

/**
 * Connects to `host:port` through the network policy (resolveTarget), and with TLS completes the
 * handshake. The socket is destroyed when the signal aborts, also after this resolves, so reads
 * that wait on it stop at the deadline too. The caller ends the socket.
 */
export function openConnection(options: OpenConnectionOptions & { tls: TlsOptions }): Promise<OpenConnection<tls.TLSSocket>>;
export function openConnection(options: OpenConnectionOptions): Promise<OpenConnection<net.Socket>>;
export async function openConnection(options: OpenConnectionOptions): Promise<OpenConnection<net.Socket>> {
  const { port, signal } = options;
  signal.throwIfAborted();
  const target = await resolveTarget(options.host, options.policy);
  // The lookup cannot be cancelled; if the deadline passed meanwhile, do not connect at all.
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const socket = options.tls ? tls.connect(tlsConnectOptions(target.address, port, options.tls)) : net.connect({ host: target.address, port });
    const abort = () => socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', abort, { once: true });
    socket.once('close', () => signal.removeEventListener('abort', abort));
    // Stays attached: rejecting a settled promise does nothing, and a socket error with no
    // listener at all would crash the worker.
    socket.on('error', reject);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      resolve({ socket, address: target.address, connectMs: performance.now() - startedAt });
    });
  });
}

function tlsConnectOptions(address: string, port: number, options: TlsOptions): tls.ConnectionOptions {
  const connect: tls.ConnectionOptions = { host: address, port, rejectUnauthorized: options.verify };
  // SNI carries names only (RFC 6066); for an address Node checks the certificate against it.
  if (net.isIP(options.serverName) === 0) connect.servername = options.serverName;
  if (options.ca !== undefined) connect.ca = options.ca;
  return connect;
}

/** Error codes of certificates that fail verification (OpenSSL's X509_V_ERR_* names). */
const CERTIFICATE_ERROR = /^(CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY|DECRYPT)|INVALID_CA|PATH_LENGTH|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/;

/**
 * Why a connection failed, in words, or undefined when `error` is not a network failure (a bug
 * or a refusal by the network policy, which the caller should let through to runCheck).
 */
export function describeConnectionError(error: unknown, target: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, hostname } = error as NodeJS.ErrnoException & { hostname?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${target}`;
    case 'ENOTFOUND':
      return `${hostname ?? target} does not resolve (no such name)`;
    case 'EAI_AGAIN':
      return `${hostname ?? target} could not be resolved just now (temporary DNS failure)`;
    case 'ENODATA':
      return `${hostname ?? target} has no address`;
    case 'ECONNRESET':
      return `connection reset by ${target}`;
    case 'EPIPE':
      return `connection closed by ${target} while sending`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${target}`;
    case 'ETIMEDOUT':
      return `connection to ${target} timed out`;
  }
  if (code !== undefined && CERTIFICATE_ERROR.test(code)) return `TLS certificate of ${target} not accepted: ${error.message}`;
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    // OpenSSL's message is a wall of library detail; its `reason` is the part people can act on.
    const reason = (error as { reason?: unknown }).reason;
    return `TLS handshake with ${target} did not complete (${typeof reason === 'string' ? reason : error.message.split('\n')[0]})`;
  }
  if (code?.startsWith('HPE_')) return `${target} sent an invalid HTTP response (${error.message})`;
  return undefined;
}

/**
 * The result of a connection that failed: TIMEOUT when the deadline stopped it, CRITICAL with
 * the reason for a network failure. Anything else is rethrown (runCheck reports it as ERROR).
 */
export function connectionFailure(error: unknown, what: string, target: string, signal: AbortSignal): EngineResult {
  if (signal.aborted) return resultOf('TIMEOUT', `${what}: no answer from ${target} before the deadline`);
  const reason = describeConnectionError(error, target);
  if (reason === undefined) throw error;
  return resultOf('CRITICAL', `${what} failed: ${reason}`);
}

/** A port parameter, checked to be a TCP port. */
export function readPort(parameters: CheckParameters, name: string, fallback?: number): number {
  const port = fallback === undefined ? parameters.integer(name) : parameters.integer(name, fallback);
  if (port < 1 || port > 65_535) throw new ParameterError(name, `expected a port from 1 to 65535, got ${port}`);
  return port;
}
