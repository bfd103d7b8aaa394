/**
 * The Slack channel against a receiver on loopback standing in for an incoming webhook: the body
 * is Block Kit that Slack accepts (within its limits, markup escaped), a summary of 500 checks is
 * cut to fit and says how many were left out, and Slack's errors map as the webhook's do.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SLACK_LIMITS, SlackChannel, type SlackBlock, type SlackBody } from '#adapters/notify/slack.ts';
import { channelError, inMs, problem, summary } from './messages.ts';
import { startReceiver, type Receiver } from './receiver.ts';

let receiver: Receiver;
before(async () => {
  receiver = await startReceiver();
});
after(() => receiver.close());
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.answer = { status: 200, body: 'ok' };
});

async function delivered(message = problem()): Promise<SlackBody> {
  await new SlackChannel().send(message, { contact: 'ops', url: receiver.url('/services/T000/B000/XXXX') }, inMs(2_000));
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0]!.headers['content-type'], 'application/json');
  return JSON.parse(receiver.requests[0]!.body) as SlackBody;
}

function textOf(block: SlackBlock): string {
  return block.type === 'context' ? block.elements.map((element) => element.text).join(' ') : block.text.text;
}

describe('Slack channel', () => {
  it('posts a header with the subject, the site and time, and the text in mrkdwn', async () => {
    const body = await delivered(problem({ text: 'web-1/http is CRITICAL (was OK)\nbody had <script> & more' }));
    assert.equal(body.text, 'CRITICAL: web-1/http\nweb-1/http is CRITICAL (was OK)\nbody had &lt;script&gt; &amp; more');
    assert.deepEqual(
      body.blocks.map((block) => block.type),
      ['header', 'context', 'section'],
    );
    assert.deepEqual(body.blocks[0], { type: 'header', text: { type: 'plain_text', text: 'CRITICAL: web-1/http' } });
    assert.match(textOf(body.blocks[1]!), /^Site \*Acme Production\* · <!date\^1741944600\^\{date_short_pretty\} \{time_secs\}\|2025-03-14T09:30:00\.000Z>$/);
    assert.deepEqual(body.blocks[2], { type: 'section', text: { type: 'mrkdwn', text: 'web-1/http is CRITICAL (was OK)\nbody had &lt;script&gt; &amp; more' } });
  });

  it('cuts a long subject and text to the header and section limits', async () => {
    const body = await delivered(problem({ subject: `CRITICAL: ${'h'.repeat(400)}`, text: '<>'.repeat(5_000) }));
    const header = textOf(body.blocks[0]!);
    assert.equal(header.length, SLACK_LIMITS.maxHeaderChars);
    assert.ok(header.endsWith('…'));
    const section = textOf(body.blocks[2]!);
    assert.ok(section.length <= SLACK_LIMITS.maxSectionChars, `section of ${section.length} characters`);
    assert.match(section, /^(&lt;&gt;)+(&lt;)?…$/, 'cut between entities, never inside one');
    assert.ok(body.text.length <= SLACK_LIMITS.maxFallbackChars);
  });

  it('lists a 500-check summary compactly within 50 blocks and says how many checks it left out', async () => {
    const body = await delivered(summary(500));
    assert.equal(body.blocks.length, SLACK_LIMITS.maxBlocks);
    assert.equal(textOf(body.blocks[0]!), '500 checks changed state');
    const sections = body.blocks.filter((block) => block.type === 'section');
    assert.equal(sections.length, SLACK_LIMITS.maxBlocks - 3, 'every block but header, context and the "more" line lists checks');
    for (const block of sections) assert.ok(textOf(block).length <= SLACK_LIMITS.maxSectionChars);

    const lines = sections.flatMap((block) => textOf(block).split('\n'));
    assert.match(lines[0]!, /^\*CRITICAL\* web-0\/http \(was OK\): HTTP 503 &lt;upstream &amp; co&gt; failed after 0 ms x+…$/);
    for (const line of lines) assert.ok(line.length <= 300, 'one long output cannot crowd the others out');
    lines.forEach((line, i) => assert.ok(line.includes(`web-${i}/http`), `line ${i} is check ${i}`));
    const more = body.blocks.at(-1)!;
    assert.equal(more.type, 'context');
    assert.equal(textOf(more), `…and ${500 - lines.length} more checks`);
    assert.ok(lines.length > 400, `${lines.length} checks listed`);
    assert.ok(Buffer.byteLength(receiver.requests[0]!.body) < 200_000);
  });

  it('lists a small summary whole, without a "more" line', async () => {
    const body = await delivered(summary(3));
    assert.deepEqual(
      body.blocks.map((block) => block.type),
      ['header', 'context', 'section'],
    );
    assert.equal(textOf(body.blocks[2]!).split('\n').length, 3);
  });

  it("reports Slack's refusals with its reason, and retries its outages", async () => {
    receiver.answer = { status: 400, body: 'invalid_blocks' };
    const refused = await channelError(new SlackChannel().send(problem(), { contact: 'ops', url: receiver.url() }, inMs(2_000)));
    assert.equal(refused.retryable, false);
    assert.match(refused.message, /^Slack webhook to http:\/\/127\.0\.0\.1:\d+ answered 400: invalid_blocks$/);

    receiver.answer = { status: 503, body: 'service unavailable' };
    const outage = await channelError(new SlackChannel().send(problem(), { contact: 'ops', url: receiver.url() }, inMs(2_000)));
    assert.equal(outage.retryable, true);
  });

  it('refuses metadata addresses as the webhook does', async () => {
    const error = await channelError(new SlackChannel().send(problem(), { contact: 'ops', url: 'http://169.254.169.254/services/x' }, inMs(2_000)));
    assert.equal(error.retryable, false);
    assert.match(error.message, /link-local and cloud metadata addresses are blocked/);
  });
});
