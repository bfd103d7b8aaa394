/**
 * A real DNS server for tests, on a UDP port of its own on 127.0.0.1, answering from a fixed list
 * of records (encoded with dns-packet). A name with no records at all is NXDOMAIN, a known name
 * asked for a type it lacks gets an empty NOERROR answer (NODATA), names in `serverFailures` get
 * SERVFAIL and names in `ignored` no answer at all.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { AUTHORITATIVE_ANSWER, RECURSION_AVAILABLE, decode, encode, type Answer } from 'dns-packet';

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export interface TestDnsServer {
  /** `127.0.0.1:PORT`, as the dns engine's `server` parameter takes it. */
  address: string;
  port: number;
  /** Questions received, as `name TYPE`. */
  questions: string[];
  close(): Promise<void>;
}

export interface DnsServerOptions {
  serverFailures?: string[];
  ignored?: string[];
}

export async function startDnsServer(records: readonly Answer[], options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const questions: string[] = [];
  const named = (list: readonly string[] | undefined, name: string) => (list ?? []).some((entry) => sameName(entry, name));

  socket.on('message', (message, peer) => {
    const query = decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    questions.push(`${question.name} ${question.type}`);
    if (named(options.ignored, question.name)) return;
    const known = records.filter((record) => sameName(record.name, question.name));
    const answers = known.filter((record) => record.type === question.type);
    const rcode = named(options.serverFailures, question.name) ? RCODE_SERVFAIL : known.length === 0 ? RCODE_NXDOMAIN : 0;
    const response = encode({
      type: 'response',
      id: query.id ?? 0,
      flags: AUTHORITATIVE_ANSWER | RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers: rcode === 0 ? answers : [],
    });
    socket.send(response, peer.port, peer.address);
  });

  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');
}
