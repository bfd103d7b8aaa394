/**
 * SqsQueue against fauxqs on loopback: the Queue contract over SQS's real JSON protocol, then
 * what only SQS itself decides (per-entry refusals, failed calls).
 *
 * Where fauxqs differs from SQS, the adapter does not rely on it: fauxqs accepts a per-message
 * DelaySeconds over 900 and a garbage receipt handle in DeleteMessageBatch (SQS refuses both),
 * and defaults to 1 MiB messages (the helper sets the port's 256 KiB). SqsQueue checks delays,
 * sizes and characters itself before sending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { SqsQueue } from '#adapters/aws/sqs-queue.ts';
import { startFauxqs, type Fauxqs } from '../helpers/fauxqs.ts';
import { queueContract } from './queue-contract.ts';

let fauxqs: Fauxqs;
before(async () => {
  fauxqs = await startFauxqs();
});
after(() => fauxqs.stop());

queueContract('SqsQueue on fauxqs', (settings) => fauxqs.createQueues(settings));

describe('SqsQueue', () => {
  it('reports the entries SQS itself refuses, with its reason, and sends the rest', async () => {
    const { QueueUrl } = await fauxqs.client.send(new CreateQueueCommand({ QueueName: 'small-messages', Attributes: { MaximumMessageSize: '1024' } }));
    const queue = new SqsQueue({ client: fauxqs.client, queueUrl: QueueUrl! });
    assert.equal(queue.name, 'small-messages');
    const bodies = Array.from({ length: 12 }, (_, i) => (i === 3 || i === 11 ? 'x'.repeat(2000) : `small ${i}`));
    const { failed } = await queue.send(bodies.map((body) => ({ body })));
    assert.deepEqual(failed.map((f) => f.index), [3, 11]);
    assert.match(failed[0]!.reason, /^InvalidParameterValue: .*shorter than 1024 bytes/);
    assert.equal((await queue.approximateCounts()).visible, 10);
  });

  it('reports every message of a call that failed as a whole; receive and delete reject', async () => {
    const missing = new SqsQueue({ client: fauxqs.client, queueUrl: `${fauxqs.endpoint}/000000000000/no-such-queue` });
    const { failed } = await missing.send(Array.from({ length: 12 }, (_, i) => ({ body: `m${i}` })));
    assert.equal(failed.length, 12);
    assert.match(failed[0]!.reason, /QueueDoesNotExist/);
    await assert.rejects(missing.receive(), /receive from queue no-such-queue failed: .*QueueDoesNotExist/);
    await assert.rejects(missing.delete(['handle']), /could not delete 1 of 1 messages from queue no-such-queue .*QueueDoesNotExist/);
  });
});
