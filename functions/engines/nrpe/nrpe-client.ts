/**
 * One NRPE query, as check_nrpe makes it: connect (through the network policy), speak TLS unless
 * told not to, send a version 4 query and read the answer; when the daemon closes the connection
 * without answering, try again with a version 2 packet, which older daemons (and NSClient++)
 * understand. A daemon that closes on both has refused the query.
 *
 * TLS: the NRPE daemon's default is TLS with no certificate, which only anonymous Diffie-Hellman
 * ciphers can negotiate (and OpenSSL only below security level 1). Without a CA we offer those
 * and the usual certificate ciphers, verifying nothing, as check_nrpe does by default; such a
 * connection is encrypted but anyone in the path could impersonate the daemon. With a CA we
 * verify the daemon's certificate and name and offer only Node's default ciphers.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { openConnection } from '../connection.ts';
import type { NetworkPolicy } from '../engine.ts';
import { encodeQuery, NrpeProtocolError, PacketReader, RESPONSE_PACKET, type NrpePacket } from './packet.ts';

/** Anonymous DH first (a daemon without a certificate), then certificate ciphers; OpenSSL names. */
export const UNVERIFIED_CIPHERS = 'ADH-AES256-GCM-SHA384:ADH-AES256-SHA256:ADH-AES256-SHA:HIGH:!eNULL:!MD5:@SECLEVEL=0';

export interface NrpeTls {
  /** PEM certificate(s) of the CA that signed the daemon's certificate: verify it. */
  ca?: string;
  /** PEM client certificate and key, for a daemon that asks for one (ssl_client_certs). */
  cert?: string;
  key?: string;
}

export interface NrpeTarget {
  host: string;
  port: number;
  policy: NetworkPolicy;
  /** Undefined for plain TCP (a daemon started with -n or ssl disabled). */
  tls?: NrpeTls;
}

export type NrpeAnswer = { packet: NrpePacket } | { refused: true };

export async function queryNrpe(target: NrpeTarget, command: string, args: readonly string[], signal: AbortSignal): Promise<NrpeAnswer> {
  const answer = await exchange(target, encodeQuery(4, command, args), signal);
  // NSClient++ answers a version 4 query with a version 2 packet saying it does not know it.
  const understood = answer !== 'closed' && !(answer.version === 2 && answer.text.includes('Invalid packet version'));
  if (understood) return { packet: answer };
  let v2Query: Buffer;
  try {
    v2Query = encodeQuery(2, command, args);
  } catch {
    return { refused: true }; // too long for version 2: the version 4 refusal stands
  }
  const retry = await exchange(target, v2Query, signal);
  return retry === 'closed' ? { refused: true } : { packet: retry };
}

/** Sends one packet on a new connection and reads one packet back, or 'closed' when none came. */
async function exchange(target: NrpeTarget, query: Buffer, signal: AbortSignal): Promise<NrpePacket | 'closed'> {
  const { socket: plain } = await openConnection({ host: target.host, port: target.port, policy: target.policy, signal });
  try {
    const socket = target.tls ? await startTls(plain, target.host, target.tls, signal) : plain;
    try {
      socket.write(query); // one write, as the daemon reads the packet in one go
      const packet = await readPacket(socket, signal);
      if (packet !== 'closed' && packet.type !== RESPONSE_PACKET) throw new NrpeProtocolError(`expected a response packet, got type ${packet.type}`);
      return packet;
    } finally {
      socket.destroy();
    }
  } finally {
    plain.destroy();
  }
}

function startTls(socket: Socket, host: string, settings: NrpeTls, signal: AbortSignal): Promise<tls.TLSSocket> {
  const options: tls.ConnectionOptions = { socket, host };
  if (settings.ca !== undefined) {
    options.ca = settings.ca;
    options.rejectUnauthorized = true;
    // SNI carries names only; for an address Node checks the certificate against `host`.
    if (isIP(host) === 0) options.servername = host;
  } else {
    options.ciphers = UNVERIFIED_CIPHERS;
    options.rejectUnauthorized = false;
  }
  if (settings.cert !== undefined) options.cert = settings.cert;
  if (settings.key !== undefined) options.key = settings.key;
  return new Promise((resolve, reject) => {
    const secure = tls.connect(options);
    const abort = () => secure.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', abort, { once: true });
    secure.once('close', () => signal.removeEventListener('abort', abort));
    let connected = false;
    // Stays attached: a later error on a settled promise must not crash the worker.
    secure.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && error.code === 'ECONNRESET') {
        reject(new NrpeProtocolError('the daemon closed the connection during the TLS handshake; perhaps it runs without TLS (nrpe -n: set ssl=false), or this address is not in its allowed_hosts'));
      } else {
        reject(error);
      }
    });
    secure.once('secureConnect', () => {
      connected = true;
      resolve(secure);
    });
  });
}

/** The first packet the daemon sends, or 'closed' when it closes (or resets) before sending a byte. */
function readPacket(socket: Socket, signal: AbortSignal): Promise<NrpePacket | 'closed'> {
  return new Promise((resolve, reject) => {
    const reader = new PacketReader();
    const ended = (error?: Error) => {
      // The deadline destroys the socket too: that is not the daemon closing it.
      if (signal.aborted) reject(signal.reason);
      else if (reader.received === 0) resolve('closed');
      else reject(error ?? new NrpeProtocolError(`the daemon closed the connection after ${reader.received} bytes of its answer`));
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        const packet = reader.push(chunk);
        if (packet) resolve(packet);
      } catch (error) {
        reject(error);
      }
    });
    socket.once('end', () => ended());
    socket.once('close', () => ended());
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? ended(error) : reject(error)));
  });
}
