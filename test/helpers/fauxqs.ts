/**
 * fauxqs, an SQS emulator speaking SQS's JSON protocol, on 127.0.0.1 on a port of its own, with
 * an SQSClient pointed at it and a way to make queues with a dead-letter queue.
 */
import { register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';

/**
 * fauxqs imports `node:sqlite` (Node 22) for its optional persistence, which Vigil does not use;
 * on Node 20 that import fails. This loader hook gives it a stand-in that refuses to be used.
 */
const SQLITE_STAND_IN = `
export async function resolve(specifier, context, next) {
  if (specifier !== 'node:sqlite') return next(specifier, context);
  return { url: 'data:text/javascript,' + encodeURIComponent('export class DatabaseSync { constructor() { throw new Error("fauxqs persistence needs node:sqlite (Node 22)"); } }'), shortCircuit: true };
}`;

let sqliteHooked = false;

async function loadFauxqs(): Promise<typeof import('fauxqs')> {
  if (!sqliteHooked && !process.getBuiltinModule?.('node:sqlite')) {
    register(`data:text/javascript,${encodeURIComponent(SQLITE_STAND_IN)}`);
    sqliteHooked = true;
  }
  return import('fauxqs');
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

export interface Fauxqs {
  /** http://127.0.0.1:port */
  endpoint: string;
  client: SQSClient;
  /** A fresh queue (SQS's 256 KiB message limit, as the port's) with a fresh dead-letter queue. */
  createQueues(settings: QueueSettings): Promise<{ queue: SqsQueue; deadLetter: SqsQueue }>;
  stop(): Promise<void>;
}

export async function startFauxqs(): Promise<Fauxqs> {
  const { buildApp } = await loadFauxqs();
  const app = buildApp({ logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  // fauxqs's queue URLs name a host that does not resolve, so the endpoint must be set.
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  let created = 0;
  return {
    endpoint,
    client,
    async createQueues({ visibilityTimeoutSeconds, maxReceiveCount }) {
      const name = `queue-${++created}`;
      const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
      const main = await client.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(visibilityTimeoutSeconds),
            // fauxqs defaults to SQS's newer 1 MiB; the port keeps SQS's 256 KiB.
            MaximumMessageSize: String(256 * 1024),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }),
          },
        }),
      );
      return { queue: new SqsQueue({ client, queueUrl: main.QueueUrl! }), deadLetter: new SqsQueue({ client, queueUrl: dlq.QueueUrl! }) };
    },
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}
