/**
 * A webhook receiver for the channel tests: real HTTP on 127.0.0.1, keeping every request it gets
 * (headers and the body's bytes as they arrived) and answering as the test says, or not at all.
 */
import http from 'node:http';
import { closeServer, listenOnLoopback } from '../../helpers/loopback.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How to answer: a status and body, or `hang` to never answer. */
export type ReceiverAnswer = { status: number; body?: string } | 'hang';

export interface Receiver {
  port: number;
  url(path?: string): string;
  requests: ReceivedRequest[];
  answer: ReceiverAnswer;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver = { answer: { status: 200, body: 'ok' } as ReceiverAnswer };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const { answer } = receiver;
      if (answer === 'hang') return;
      response.writeHead(answer.status, { 'content-type': 'text/plain' });
      response.end(answer.body ?? '');
    });
  });
  const port = await listenOnLoopback(server);
  return Object.assign(receiver, {
    port,
    requests,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    close: () => closeServer(server),
  });
}
