/**
 * The `tcp` engine: connect to host:port (optionally with TLS), optionally send a string and
 * wait for an expected one, as Nagios' check_tcp does. The `time` reading is the connect time
 * (with TLS, including the handshake); `warning_connect_time` and `critical_connect_time` judge it.
 *
 * With `expect`, the check waits for that text until the server closes the connection, sends
 * more than 64 KiB without it (both CRITICAL) or the deadline passes (TIMEOUT).
 */
import type { Socket } from 'node:net';
import { connectionFailure, hostPort, openConnection, readPort, targetHost, type OpenConnectionOptions } from './connection.ts';
import type { Engine, ParameterSpec } from './engine.ts';
import { findingsResult, type Finding } from './findings.ts';
import type { CheckParameters } from './parameters.ts';
import { formatSeconds, readTimeThresholds, timeFinding, timeReading, timeThresholdSpecs } from './time-thresholds.ts';

/** How much a server may send before the expected text: a banner or a greeting is far smaller. */
const MAX_RECEIVED_BYTES = 64 * 1024;
/** How much of what the server sent an output quotes. */
const MAX_QUOTED_CHARS = 80;

const PARAMETERS: ParameterSpec[] = [
  { name: 'host', type: 'string', description: "Host name or address; defaults to the check's host address (or name)" },
  { name: 'port', type: 'integer', required: true, description: 'TCP port' },
  { name: 'send', type: 'string', description: 'Text to send once connected; \\r, \\n, \\t and \\\\ are escapes' },
  { name: 'expect', type: 'string', description: 'CRITICAL unless the server sends this text (same escapes)' },
  { name: 'ssl', type: 'boolean', default: 'false', description: 'Speak TLS after connecting' },
  { name: 'virtual_host', type: 'string', description: 'Name for TLS SNI and the certificate check; defaults to host' },
  { name: 'permit_invalid_certs', type: 'boolean', default: 'false', description: 'With ssl, accept a certificate that does not verify' },
  { name: 'ca', type: 'string', description: 'With ssl, PEM certificate(s) of a private CA to trust instead of the system roots' },
  ...timeThresholdSpecs('connect'),
];

export const tcpEngine: Engine = {
  name: 'tcp',
  parameters: PARAMETERS,
  async run(check, parameters, deadline) {
    const host = targetHost(check, parameters);
    const port = readPort(parameters, 'port');
    const target = hostPort(host, port);
    const thresholds = readTimeThresholds(parameters, 'connect');
    const send = parameters.optional('send');
    const expect = parameters.optional('expect');
    const what = `TCP connection to ${target}`;

    let connectMs: number;
    let received: Received | undefined;
    try {
      const connection = await openConnection(connectOptions(parameters, host, port, check.network, deadline.signal));
      connectMs = connection.connectMs;
      try {
        if (send !== undefined) await write(connection.socket, unescape(send));
        if (expect !== undefined) received = await receiveUntil(connection.socket, unescape(expect));
      } finally {
        connection.socket.destroy();
      }
    } catch (error) {
      return connectionFailure(error, what, target, deadline.signal);
    }

    const findings: Finding[] = [];
    const slow = timeFinding(connectMs, thresholds, 'connect');
    if (slow) findings.push(slow);
    if (received !== undefined && !received.found) {
      const ending = received.closed ? 'then closed the connection' : `and more than ${MAX_RECEIVED_BYTES} bytes without it`;
      findings.push({ status: 'CRITICAL', text: `expected ${quote(unescape(expect!))}, but the server sent ${quote(received.text)} ${ending}` });
    }
    const matched = received?.found ? `; received ${quote(unescape(expect!))}` : '';
    return findingsResult(`TCP connected to ${target} in ${formatSeconds(connectMs)}${matched}`, findings, [timeReading(connectMs, thresholds)]);
  },
};

function connectOptions(parameters: CheckParameters, host: string, port: number, policy: OpenConnectionOptions['policy'], signal: AbortSignal): OpenConnectionOptions {
  const options: OpenConnectionOptions = { host, port, policy, signal };
  if (parameters.boolean('ssl')) {
    options.tls = { serverName: parameters.optional('virtual_host') ?? host, verify: !parameters.boolean('permit_invalid_certs') };
    const ca = parameters.optional('ca');
    if (ca !== undefined) options.tls.ca = ca;
  }
  return options;
}

interface Received {
  found: boolean;
  /** Everything received, as text. */
  text: string;
  /** Whether the server closed the connection (rather than sending too much). */
  closed: boolean;
}

/** Reads until `expected` has arrived, the server closes, or it has sent too much. */
function receiveUntil(socket: Socket, expected: string): Promise<Received> {
  return new Promise((resolve, reject) => {
    let text = '';
    let bytes = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      bytes += Buffer.byteLength(chunk);
      if (text.includes(expected)) resolve({ found: true, text, closed: false });
      else if (bytes > MAX_RECEIVED_BYTES) resolve({ found: false, text, closed: false });
    });
    socket.once('end', () => resolve({ found: text.includes(expected), text, closed: true }));
    socket.once('close', () => resolve({ found: text.includes(expected), text, closed: true }));
    socket.once('error', reject);
  });
}

/** Resolves once the text has been handed to the kernel, so closing afterwards does not drop it. */
function write(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(text, (error) => (error ? reject(error) : resolve())));
}

const ESCAPES: Record<string, string> = { r: '\r', n: '\n', t: '\t', '\\': '\\' };

/** `QUIT\r\n` as written in configuration, to the characters sent. */
function unescape(text: string): string {
  return text.replace(/\\([rnt\\])/g, (_, letter: string) => ESCAPES[letter]!);
}

/** Quoted with control characters escaped, and cut short: a server's words are not ours to print whole. */
function quote(text: string): string {
  return JSON.stringify(text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS - 1)}…`);
}
