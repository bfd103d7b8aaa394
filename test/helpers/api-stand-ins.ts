/**
 * Stand-ins for the management APIs that Bergamot's scripted checks call: RabbitMQ's HTTP API
 * and HAProxy's CSV stats page. Real HTTP on 127.0.0.1, basic auth as the real ones demand, and
 * documents shaped like the real ones (the fields the corpus scripts read, and their neighbours).
 */
import http from 'node:http';
import { closeServer, listenOnLoopback } from './loopback.ts';

export interface StandIn {
  port: number;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

export const STAND_IN_CREDENTIALS = { username: 'monitor', password: 'monitor' };

type Route = (path: string) => { status: number; type: string; body: string } | undefined;

async function startStandIn(route: Route): Promise<StandIn> {
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${STAND_IN_CREDENTIALS.username}:${STAND_IN_CREDENTIALS.password}`).toString('base64')}`;
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="management"', 'content-type': 'application/json' });
      return response.end('{"error":"not_authorised","reason":"Login failed"}');
    }
    const answer = route(request.url ?? '/') ?? { status: 404, type: 'application/json', body: '{"error":"Object Not Found","reason":"Not Found"}' };
    response.writeHead(answer.status, { 'content-type': answer.type });
    response.end(answer.body);
  });
  const port = await listenOnLoopback(server);
  return { port, requests, close: () => closeServer(server) };
}

export interface RabbitMqState {
  connections: number;
  channels: number;
  /** Answer every request with this status and an error document instead. */
  failWith?: number;
}

/** RabbitMQ's management API (`/api/...`) for the default vhost, with one queue named `work`. */
export async function startRabbitMqStandIn(initial: Partial<RabbitMqState> = {}): Promise<StandIn & { state: RabbitMqState }> {
  const state: RabbitMqState = { connections: 10, channels: 12, ...initial };
  const json = (value: unknown) => ({ status: 200, type: 'application/json', body: JSON.stringify(value) });
  const rate = (count: number, perSecond: number) => [count, { rate: perSecond }] as const;
  const standIn = await startStandIn((path) => {
    if (state.failWith !== undefined) return { status: state.failWith, type: 'application/json', body: '{"error":"internal_error"}' };
    const [publish, publishDetails] = rate(120_450, 12.5);
    const [deliver, deliverDetails] = rate(119_870, 11.8);
    const [ack, ackDetails] = rate(119_800, 11.7);
    switch (path.toLowerCase()) {
      case '/api/overview':
        return json({
          management_version: '3.12.4',
          rabbitmq_version: '3.12.4',
          cluster_name: 'rabbit@stand-in',
          message_stats: { publish, publish_details: publishDetails, deliver, deliver_details: deliverDetails, ack, ack_details: ackDetails },
          object_totals: { channels: state.channels, connections: state.connections, consumers: 4, exchanges: 14, queues: 1 },
        });
      case '/api/aliveness-test/%2f':
        return json({ status: 'ok' });
      case '/api/exchanges/%2f/amq.direct':
        return json({ name: 'amq.direct', vhost: '/', type: 'direct', durable: true, message_stats: { publish_in: 5_120, publish_in_details: { rate: 3.5 }, publish_out: 5_120, publish_out_details: { rate: 3.5 } } });
      case '/api/queues/%2f/work':
        // Queues count `publish`; `publish_in` is an exchange's field.
        return json({ name: 'work', vhost: '/', durable: true, messages: 3, message_stats: { publish: 2_048, publish_details: { rate: 1.5 }, ack: 2_045, ack_details: { rate: 1.5 } } });
    }
    return undefined;
  });
  return { ...standIn, state };
}

/** One row of HAProxy's stats CSV, by column name. */
type StatsRow = Record<string, string | number>;

/** HAProxy's columns up to `check_status` and `lastchg`, in HAProxy's order. */
const HAPROXY_COLUMNS =
  'pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration'.split(',');

/**
 * HAProxy's stats page at `/haproxy;csv;norefresh`: a frontend `www` and a backend `app` with
 * servers app1 (UP) and app2 (DOWN).
 */
export async function startHaproxyStandIn(): Promise<StandIn> {
  const rows: StatsRow[] = [
    { pxname: 'www', svname: 'FRONTEND', scur: 7, smax: 31, slim: 2000, stot: 10_432, bin: 52_428_800, bout: 524_288_000, status: 'OPEN', type: 0 },
    { pxname: 'app', svname: 'app1', scur: 3, smax: 12, slim: '', stot: 5_200, bin: 26_214_400, bout: 262_144_000, status: 'UP', lastchg: 93_780, check_status: 'L7OK', type: 2 },
    { pxname: 'app', svname: 'app2', scur: 0, smax: 11, slim: '', stot: 5_100, bin: 26_000_000, bout: 260_000_000, status: 'DOWN', lastchg: 420, check_status: 'L4CON', type: 2 },
    { pxname: 'app', svname: 'BACKEND', scur: 3, smax: 23, slim: 200, stot: 10_300, bin: 52_214_400, bout: 522_144_000, status: 'UP', lastchg: 93_780, type: 1 },
  ];
  const csv = [`# ${HAPROXY_COLUMNS.join(',')},`, ...rows.map((row) => `${HAPROXY_COLUMNS.map((column) => row[column] ?? '').join(',')},`), ''].join('\n');
  return startStandIn((path) => (path === '/haproxy;csv;norefresh' ? { status: 200, type: 'text/csv', body: csv } : undefined));
}
