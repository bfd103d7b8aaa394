/**
 * What the WebSocket API's routes do, whoever calls them: the Lambda behind API Gateway
 * (functions/handlers/websocket.ts) or the local gateway in `npm start`
 * (functions/local/websocket-gateway.ts).
 *
 * - $connect authenticates the `?token=` (a session JWT or an API token, as the REST API's
 *   bearer token) and records the connection; without a valid token it answers 401 and API
 *   Gateway refuses the connection.
 * - A message is routed by its `action`: subscribe needs at least viewer in the site, and a
 *   group or check must be one of that site's; a site the caller has no role in is refused with
 *   the same words as one that does not exist, so other tenants' ids cannot be probed.
 *   Unsubscribe only ever removes the caller's own subscription, so it needs no role: a user
 *   who lost theirs can still stop the pushes.
 * - $disconnect deletes the connection and its subscriptions.
 *
 * Replies go back as the route's response (the WebSocket routes are two-way in API Gateway).
 */
import type { Authenticator } from '#api/deps.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { Database } from '#store/database.ts';
import {
  addSubscription,
  connectionPrincipal,
  deleteConnections,
  deleteConnectionsBefore,
  removeSubscription,
  saveConnection,
  targetInSite,
} from './connection-store.ts';
import { WEBSOCKET_LIMITS } from './limits.ts';
import { parseClientMessage, type ServerMessage } from './protocol.ts';

export interface WebSocketRouteDeps {
  db: Database;
  auth: Authenticator;
  clock: Clock;
  log: Logger;
}

/** A route's answer: the status API Gateway acts on, and the message to send back, if any. */
export interface RouteReply {
  statusCode: number;
  body?: string;
}

export interface ConnectRequest {
  connectionId: string;
  /** The `token` query parameter, when there is one. */
  token: string | undefined;
}

export interface WebSocketRoutes {
  connect(request: ConnectRequest): Promise<RouteReply>;
  /** A message from the browser: subscribe, unsubscribe, ping, or anything else ($default). */
  message(connectionId: string, body: string): Promise<RouteReply>;
  disconnect(connectionId: string): Promise<void>;
}

export function createWebSocketRoutes(deps: WebSocketRouteDeps): WebSocketRoutes {
  const { db, auth, clock, log } = deps;
  const reply = (message: ServerMessage): RouteReply => ({ statusCode: 200, body: JSON.stringify(message) });
  const refuse = (message: string): RouteReply => reply({ type: 'error', message });

  return {
    async connect({ connectionId, token }) {
      const principal = token ? await auth.authenticate(token) : null;
      if (!principal) {
        log.info('websocket connection refused', { connectionId, reason: token ? 'invalid token' : 'no token' });
        return { statusCode: 401, body: 'Unauthorized' };
      }
      const nowMs = clock.nowMs();
      // API Gateway has closed anything older than its connection limit, whether or not a
      // $disconnect arrived for it.
      await deleteConnectionsBefore(db, nowMs - WEBSOCKET_LIMITS.connectionDurationMs);
      await saveConnection(db, { connectionId, principal, connectedAtMs: nowMs });
      log.debug('websocket connected', { connectionId, userId: principal.userId });
      return { statusCode: 200 };
    },

    async message(connectionId, body) {
      const message = parseClientMessage(body);
      if ('error' in message) return refuse(message.error);
      if (message.action === 'ping') return reply({ type: 'pong' });

      const { action, ...target } = message;
      const principal = await connectionPrincipal(db, connectionId);
      if (!principal) return refuse('this connection is not open: connect again');
      if (action === 'unsubscribe') {
        await removeSubscription(db, connectionId, target);
        return reply({ type: 'unsubscribed', ...target });
      }
      const role = await auth.roleIn(principal, target.siteId);
      if (!role) return refuse('no such site');
      if (!(await targetInSite(db, target))) return refuse(target.groupId ? 'no such group in this site' : 'no such check in this site');
      if (!(await addSubscription(db, connectionId, target))) return refuse('this connection is not open, or what it asked for was just deleted');
      log.debug('websocket subscribed', { connectionId, siteId: target.siteId, groupId: target.groupId, checkId: target.checkId });
      return reply({ type: 'subscribed', ...target });
    },

    async disconnect(connectionId) {
      await deleteConnections(db, [connectionId]);
      log.debug('websocket disconnected', { connectionId });
    },
  };
}
