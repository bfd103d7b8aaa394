/**
 * The local stand-in for API Gateway's WebSocket API, on the HTTP server `npm start` already
 * runs (nothing of its own listens). It does what API Gateway does around Vigil's routes:
 *
 * - an upgrade of `path` (`/ws`) gets a connection id like API Gateway's, and runs $connect with
 *   the query string; a refusal answers the upgrade with its status (401) and no WebSocket;
 * - each message runs the message route (which routes by `action`, as `$request.body.action`
 *   does) and the route's reply is sent back; a connection's messages are handled in order;
 * - a closed connection runs $disconnect; a connection is closed after two hours, as in AWS;
 * - the `@connections` management API on the same server: `POST /@connections/{id}` sends the
 *   body as a text message, `GET` describes the connection (connectedAt, identity, lastActiveAt),
 *   `DELETE` closes it, and an unknown id answers 410 GoneException. So `WebSocketPush`, and
 *   anything else written against `ApiGatewayManagementApiClient`, works unchanged: point its
 *   endpoint at this server. Requests are not signature-checked: the server listens on loopback.
 *
 * The routes are the very ones the Lambda runs (functions/websocket/routes.ts).
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock, type Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import { WEBSOCKET_LIMITS } from '../websocket/limits.ts';
import type { ServerMessage } from '../websocket/protocol.ts';
import type { WebSocketRoutes } from '../websocket/routes.ts';

export interface WebSocketGatewayOptions {
  /** The HTTP server to take WebSocket upgrades from; the gateway owns all of its upgrades. */
  server: Server;
  routes: WebSocketRoutes;
  log: Logger;
  /** @defaultValue '/ws' */
  path?: string;
  /** @defaultValue the system clock */
  clock?: Clock;
}

export interface WebSocketGateway {
  /**
   * Answers a `/@connections/...` request and returns true; returns false for any other request,
   * which the server then hands to the app.
   */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean;
  /** Connections open now. */
  readonly connectionCount: number;
  /** Closes every connection (1001 Going away), waits for their $disconnect, and stops taking upgrades. */
  close(): Promise<void>;
}

/** Settings a `WebSocketPush` needs to talk to this gateway: any region, any credentials. */
export const LOCAL_MANAGEMENT_CLIENT = Object.freeze({
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

const CONNECTIONS_PREFIX = '/@connections/';
/** How long close() lets browsers answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2000;

interface LocalConnection {
  socket: WebSocket;
  connectedAtMs: number;
  lastActiveAtMs: number;
  identity: { sourceIp: string; userAgent: string };
  /** The message being handled: the next one waits for it. */
  inbox: Promise<void>;
  expiry: NodeJS.Timeout;
}

export function createWebSocketGateway(options: WebSocketGatewayOptions): WebSocketGateway {
  const { server, routes, log } = options;
  const path = options.path ?? '/ws';
  const clock = options.clock ?? systemClock;
  const sockets = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_LIMITS.messageBytes });
  const connections = new Map<string, LocalConnection>();
  /** $connect and $disconnect handlers still running: close() waits for them. */
  const running = new Set<Promise<unknown>>();
  let closing = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => {});
    return work;
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (closing || url.pathname !== path) {
      refuseUpgrade(socket, closing ? 503 : 404);
      return;
    }
    void track(accept(request, socket, head, url.searchParams.get('token') ?? undefined));
  };

  async function accept(request: IncomingMessage, socket: Duplex, head: Buffer, token: string | undefined): Promise<void> {
    // Until ws takes the socket over, a reset from the browser must not become an uncaught error.
    const ignore = () => {};
    socket.on('error', ignore);
    const connectionId = newConnectionId();
    let statusCode: number;
    try {
      ({ statusCode } = await routes.connect({ connectionId, token }));
    } catch (error) {
      log.error('websocket $connect failed', { connectionId, reason: (error as Error).message });
      statusCode = 500;
    }
    if (statusCode < 200 || statusCode > 299) {
      refuseUpgrade(socket, statusCode);
      return;
    }
    // The browser may have gone while $connect ran; then it is a connection that closed at once.
    if (closing || !socket.readable || !socket.writable) {
      socket.destroy();
      await disconnect(connectionId);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', ignore);
      open(connectionId, ws, request);
    });
  }

  function open(connectionId: string, socket: WebSocket, request: IncomingMessage): void {
    const nowMs = clock.nowMs();
    const connection: LocalConnection = {
      socket,
      connectedAtMs: nowMs,
      lastActiveAtMs: nowMs,
      identity: { sourceIp: request.socket.remoteAddress ?? '', userAgent: request.headers['user-agent'] ?? '' },
      inbox: Promise.resolve(),
      expiry: setTimeout(() => socket.close(1001, 'Going away'), WEBSOCKET_LIMITS.connectionDurationMs).unref(),
    };
    connections.set(connectionId, connection);
    socket.on('message', (data) => {
      connection.lastActiveAtMs = clock.nowMs();
      const text = (data as Buffer).toString('utf8');
      connection.inbox = connection.inbox.then(() => handleMessage(connectionId, socket, text));
    });
    socket.on('error', (error) => log.debug('websocket connection error', { connectionId, reason: error.message }));
    socket.on('close', () => {
      clearTimeout(connection.expiry);
      connections.delete(connectionId);
      // After the messages in hand, as API Gateway's $disconnect comes after them.
      void track(connection.inbox.then(() => disconnect(connectionId)));
    });
  }

  async function handleMessage(connectionId: string, socket: WebSocket, text: string): Promise<void> {
    let body: string | undefined;
    try {
      ({ body } = await routes.message(connectionId, text));
    } catch (error) {
      log.error('websocket message failed', { connectionId, reason: (error as Error).message });
      body = JSON.stringify({ type: 'error', message: 'something went wrong on our side; it has been logged' } satisfies ServerMessage);
    }
    if (body !== undefined && socket.readyState === WebSocket.OPEN) socket.send(body);
  }

  async function disconnect(connectionId: string): Promise<void> {
    try {
      await routes.disconnect(connectionId);
    } catch (error) {
      log.error('websocket $disconnect failed', { connectionId, reason: (error as Error).message });
    }
  }

  function handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url ?? '';
    if (!url.startsWith(CONNECTIONS_PREFIX)) return false;
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(url.slice(CONNECTIONS_PREFIX.length).split('?')[0]!);
    } catch {
      answerError(response, 400, 'BadRequestException', 'the connection id is not properly encoded');
      return true;
    }
    const method = request.method ?? '';
    if (!['POST', 'GET', 'DELETE'].includes(method)) {
      response.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
      return true;
    }
    const connection = connections.get(connectionId);
    if (method === 'POST') {
      post(request, response, connection).catch(() => response.destroy());
    } else if (!connection || connection.socket.readyState !== WebSocket.OPEN) {
      answerError(response, 410, 'GoneException');
    } else if (method === 'GET') {
      answerJson(response, 200, {
        connectedAt: new Date(connection.connectedAtMs).toISOString(),
        identity: connection.identity,
        lastActiveAt: new Date(connection.lastActiveAtMs).toISOString(),
      });
    } else {
      connection.socket.close(1000, 'Closed by the server');
      response.writeHead(204).end();
    }
    return true;
  }

  async function post(request: IncomingMessage, response: ServerResponse, connection: LocalConnection | undefined): Promise<void> {
    const body = await readBody(request, WEBSOCKET_LIMITS.messageBytes);
    if (body === undefined) {
      answerError(response, 413, 'PayloadTooLargeException', `a message is at most ${WEBSOCKET_LIMITS.messageBytes} bytes`);
      return;
    }
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) {
      answerError(response, 410, 'GoneException');
      return;
    }
    connection.lastActiveAtMs = clock.nowMs();
    // API Gateway would cut a message over 32 KB into frames; the browser receives the same message.
    connection.socket.send(body, { binary: false }, (error) => {
      if (error) answerError(response, 410, 'GoneException');
      else response.writeHead(200).end();
    });
  }

  server.on('upgrade', onUpgrade);

  return {
    handleRequest,
    get connectionCount() {
      return connections.size;
    },
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      const openSockets = [...connections.values()].map((connection) => connection.socket);
      const closed = Promise.all(openSockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))));
      for (const socket of openSockets) socket.close(1001, 'Going away');
      const stragglers = setTimeout(() => openSockets.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
      await closed;
      clearTimeout(stragglers);
      while (running.size > 0) await Promise.all(running);
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

/** An id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`): base64 with `/`, `+` and `=`, so clients must encode it. */
function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}

function refuseUpgrade(socket: Duplex, statusCode: number): void {
  const reason = STATUS_CODES[statusCode] ?? 'Error';
  socket.end(`HTTP/1.1 ${statusCode} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

/**
 * The body as text, or undefined when it is longer than `maxBytes` (the rest is read and
 * dropped, so the connection stays usable for the answer).
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) chunks.push(chunk);
    });
    request.once('end', () => resolve(bytes <= maxBytes ? Buffer.concat(chunks).toString('utf8') : undefined));
    request.once('error', reject);
  });
}

function answerJson(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** An error as API Gateway's management API sends it: the SDK reads its type from the header. */
function answerError(response: ServerResponse, statusCode: number, type: string, message?: string): void {
  answerJson(response, statusCode, { message: message ?? null }, { 'x-amzn-errortype': type });
}
