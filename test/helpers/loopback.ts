/**
 * Test peers listen on 127.0.0.1 on a port of their own; these start and stop them.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

/** Listens on 127.0.0.1 on a free port and returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Stops the server, dropping connections still open (keep-alive sockets of the checks' agents). */
export async function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeAllConnections?.();
  await closed;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return port;
}
