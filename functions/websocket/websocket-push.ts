/**
 * Push over WebSocket: a site's changes go to every connection watching the site, a changed
 * check, or a group in the change, through the `@connections` management API: API Gateway's in
 * AWS, the local gateway's in `npm start` (the same requests, so the same code).
 *
 * - One query finds the connections concerned (connection-store.ts `subscribersOf`).
 * - Each connection gets what it watches: the whole change, or only its checks and groups.
 *   Connections watching the same thing share the same frames, built once.
 * - Posts run at most `concurrency` at once; one connection's frames go in order.
 * - A connection that answers 410 Gone is closed: it is deleted with its subscriptions, in one
 *   statement after the push. Any other failure is logged and the push goes on: a browser that
 *   misses a change catches up when it reconnects, and one bad connection must not hold up the
 *   others (nor the result processor, which calls this after its commit).
 */
import { mapConcurrently } from '#core/concurrently.ts';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { Logger } from '#ports/logger.ts';
import type { Push, SiteChanges } from '#ports/push.ts';
import type { Queryable } from '#store/database.ts';
import { deleteConnections, subscribersOf, type Subscriber } from './connection-store.ts';
import { changeFrames, type Frame } from './frames.ts';
import { DEFAULT_POST_CONCURRENCY } from './limits.ts';

export interface WebSocketPushOptions {
  db: Queryable;
  log: Logger;
  /**
   * The management API: `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` in AWS, or
   * the local gateway's server, `http://127.0.0.1:8080`.
   */
  endpoint: string;
  /**
   * Region, credentials and other client settings; the SDK's defaults (the Lambda's role and
   * region) when absent. The local gateway checks no signature, but the SDK signs anyway and
   * needs some region and credentials.
   */
  client?: Omit<ApiGatewayManagementApiClientConfig, 'endpoint' | 'requestHandler'>;
  /**
   * Posts in flight at once.
   * @defaultValue {@link DEFAULT_POST_CONCURRENCY}
   */
  concurrency?: number;
}

/** What one publish did, for logs and tests. */
export interface PushOutcome {
  connections: number;
  posted: number;
  gone: number;
  failed: number;
}

export class WebSocketPush implements Push {
  private readonly client: ApiGatewayManagementApiClient;
  private readonly concurrency: number;

  constructor(private readonly options: WebSocketPushOptions) {
    this.concurrency = options.concurrency ?? DEFAULT_POST_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`concurrency is ${this.concurrency}; give a whole number of at least 1`);
    }
    // As many kept-alive sockets as posts in flight: the SDK's default of 50 would queue half.
    const agent = { keepAlive: true, maxSockets: this.concurrency };
    this.client = new ApiGatewayManagementApiClient({
      ...options.client,
      endpoint: options.endpoint,
      requestHandler: { httpAgent: agent, httpsAgent: agent },
      // Builds the middleware stack once rather than per post: a quarter less CPU per post,
      // measured by bench/websocket-fanout.bench.ts, where the SDK's own work dominates.
      cacheMiddleware: true,
    });
  }

  async publish(changes: SiteChanges): Promise<void> {
    await this.push(changes);
  }

  /** {@link publish}, telling what happened. */
  async push(changes: SiteChanges): Promise<PushOutcome> {
    const { db, log } = this.options;
    const { siteId, checks, groups } = changes;
    const outcome: PushOutcome = { connections: 0, posted: 0, gone: 0, failed: 0 };
    if (checks.length === 0 && groups.length === 0) return outcome;

    const subscribers = await subscribersOf(db, siteId, checks.map((c) => c.checkId), groups.map((g) => g.groupId));
    outcome.connections = subscribers.length;
    if (subscribers.length === 0) return outcome;

    const framesBySelection = new Map<string, Frame[]>();
    const framesFor = (subscriber: Subscriber): Frame[] => {
      const key = selectionKey(subscriber);
      let frames = framesBySelection.get(key);
      if (!frames) {
        frames = subscriber.wholeSite
          ? changeFrames(siteId, checks, groups)
          : changeFrames(siteId, checks.filter((c) => subscriber.checkIds.has(c.checkId)), groups.filter((g) => subscriber.groupIds.has(g.groupId)));
        framesBySelection.set(key, frames);
      }
      return frames;
    };

    const gone: string[] = [];
    await mapConcurrently(subscribers, this.concurrency, async (subscriber) => {
      const { connectionId } = subscriber;
      for (const frame of framesFor(subscriber)) {
        try {
          await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: frame }));
          outcome.posted++;
        } catch (error) {
          if (error instanceof GoneException) {
            gone.push(connectionId);
            return;
          }
          outcome.failed++;
          log.warn('push to a WebSocket connection failed', { siteId, connectionId, reason: (error as Error).message });
        }
      }
    });
    outcome.gone = gone.length;
    if (gone.length > 0) await deleteConnections(db, gone);
    log.debug('changes pushed', { siteId, checks: checks.length, groups: groups.length, ...outcome });
    return outcome;
  }

  /** Closes the client's kept-alive sockets. */
  close(): void {
    this.client.destroy();
  }
}

/** Connections that watch the same checks and groups of a change get the same frames. */
function selectionKey(subscriber: Subscriber): string {
  if (subscriber.wholeSite) return '*';
  return `${[...subscriber.checkIds].sort().join(',')}|${[...subscriber.groupIds].sort().join(',')}`;
}
