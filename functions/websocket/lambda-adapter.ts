/**
 * The WebSocket API's Lambda integration (payload format of API Gateway WebSocket proxy events):
 * one function serves every route ($connect, $disconnect, subscribe, unsubscribe, $default),
 * telling them apart by `eventType`; a message's `action` is read again by the routes, so a
 * message routed to $default is answered the same way as locally.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { WebSocketRoutes } from './routes.ts';

export type WebSocketLambdaHandler = (event: APIGatewayProxyWebsocketEventV2) => Promise<APIGatewayProxyResultV2>;

export function websocketLambdaHandler(routes: WebSocketRoutes): WebSocketLambdaHandler {
  return async (event) => {
    const { eventType, connectionId } = event.requestContext;
    switch (eventType) {
      case 'CONNECT':
        return routes.connect({ connectionId, token: event.queryStringParameters?.token });
      case 'DISCONNECT':
        await routes.disconnect(connectionId);
        return { statusCode: 200 };
      case 'MESSAGE': {
        const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
        return routes.message(connectionId, body);
      }
    }
  };
}
