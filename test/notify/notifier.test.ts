/**
 * The notifier's decisions against a real database: who is told, on which channel, when, how
 * often, and when nobody is (downtime, acknowledgement, a down host, flapping). Events are
 * CheckStateChanged details as the result processor publishes them; the channels record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acknowledgeCheck } from '#actions/acknowledgements.ts';
import type { CheckStateChanged } from '#core/messages.ts';
import { statusRank, type Status } from '#core/status.ts';
import { ManualClock } from '#ports/clock.ts';
import { MemoryLogger } from '#ports/logger.ts';
import { deliverDue } from '#notify/delivery.ts';
import { runNotifierSweep } from '#notify/notifier.ts';
import type { NotifierDeps } from '#notify/notifier-deps.ts';
import { handleStateChanges } from '#notify/state-changes.ts';
import { applySite, T } from '../scheduler/fixtures.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { ChannelError, RecordingChannel } from '../helpers/recording-channel.ts';

const SITE = `
<time-period name="24x7"><time-range>monday 00:00-24:00</time-range><time-range>tuesday 00:00-24:00</time-range>
  <time-range>wednesday 00:00-24:00</time-range><time-range>thursday 00:00-24:00</time-range><time-range>friday 00:00-24:00</time-range>
  <time-range>saturday 00:00-24:00</time-range><time-range>sunday 00:00-24:00</time-range></time-period>
<time-period name="never-on-monday" time-zone="Europe/London"><time-range>tuesday 00:00-24:00</time-range></time-period>
<team name="ops"/><team name="oncall" teams="ops"/><team name="managers"/>
<contact name="alice" teams="oncall" email="alice@example.com" phone="+447700900001">
  <notifications renotify-every="30m">
    <notification-engine engine="email"/>
    <notification-engine engine="sms" time-period="never-on-monday"/>
  </notifications>
</contact>
<contact name="bob" teams="ops" email="bob@example.com"><notifications ignore="warning" acknowledge="no"/></contact>
<contact name="carol" teams="managers" email="carol@example.com"/>
<command name="http" engine="http"><parameter name="host">#{host.address}</parameter></command>
<host name="router" address="10.0.0.1"><check-command command="http"/><notify teams="ops"/></host>
<host name="web" address="10.0.0.2" parents="router">
  <check-command command="http"/>
  <notify teams="ops"/>
  <service name="page"><check-command command="http"/><notify teams="ops"/>
    <notifications><escalate after="1h"><notify teams="managers"/></escalate></notifications></service>
</host>`;

const { sql } = await withTestDatabase();
const { siteId, checks } = await applySite(sql, SITE);
const email = new RecordingChannel('email');
const sms = new RecordingChannel('sms');
const clock = new ManualClock(T); // Monday 09:00 UTC
const deps: NotifierDeps = {
  db: sql, clock, log: new MemoryLogger(), channels: new Map([['email', email], ['sms', sms]]),
  settings: { floodWindowMs: 10_000, firstRetryMs: 30_000 },
};

function event(key: string, from: Status, to: Status, atMs = clock.nowMs()): CheckStateChanged {
  const [host, name] = key.includes('/') ? key.split('/') : [key, key];
  return {
    siteId, checkId: checks.get(key)!, checkName: name!, kind: key.includes('/') ? 'service' : 'host', hostName: host!,
    fromStatus: from, toStatus: to, recovery: to === 'OK' && from !== 'OK' && from !== 'PENDING', output: `${to} output`, atMs, groups: [],
  };
}

async function setState(key: string, status: Status, flags: { acknowledged?: boolean; in_downtime?: boolean; flapping?: boolean } = {}) {
  await sql`
    update check_state set status = ${statusRank(status)}, hard_status = ${statusRank(status)}, hard = true,
      last_result_at = null, last_hard_change_at = null,
      acknowledged = ${flags.acknowledged ?? false}, in_downtime = ${flags.in_downtime ?? false}, flapping = ${flags.flapping ?? false}
    where check_id = ${checks.get(key)!}`;
}

/** The state change happens (state written, event handled), then time passes and delivery runs. */
async function change(key: string, from: Status, to: Status, flags?: Parameters<typeof setState>[2]) {
  await setState(key, to, flags);
  await handleStateChanges(deps, [event(key, from, to)]);
}

async function passAndDeliver(ms: number) {
  clock.advance(ms);
  return deliverDue(deps);
}

async function reset() {
  await sql`delete from notification`;
  await sql`delete from alert`;
  await sql`delete from acknowledgement`;
  for (const key of checks.keys()) await setState(key, 'OK');
  email.clear();
  sms.clear();
  email.failWith = undefined;
  clock.set(T);
}

test('a failing check tells its team once, after the flood window, on each contact\'s channels; a redelivered event changes nothing', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL');
  assert.deepEqual((await passAndDeliver(5_000)).sent, 0, 'still inside the flood window');
  await handleStateChanges(deps, [event('web/page', 'OK', 'CRITICAL', T)]);
  const delivered = await passAndDeliver(5_000);
  assert.equal(delivered.sent, 2);
  assert.deepEqual(email.lines().sort(), ['alice: CRITICAL: web/page', 'bob: CRITICAL: web/page']);
  assert.deepEqual(sms.lines(), [], "alice's SMS is off on Mondays (London time)");
  assert.equal((await passAndDeliver(60_000)).sent, 0, 'nothing twice');
});

test('a recovery tells whoever was told; a problem over before it was sent is never told at all', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL');
  await passAndDeliver(10_000);
  email.clear();
  await change('web/page', 'CRITICAL', 'OK');
  await passAndDeliver(10_000);
  assert.deepEqual(email.lines().sort(), ['alice: Recovered: web/page is OK', 'bob: Recovered: web/page is OK']);

  email.clear();
  await change('web/page', 'OK', 'WARNING');
  clock.advance(3_000);
  await change('web/page', 'WARNING', 'OK');
  const later = await passAndDeliver(10_000);
  assert.equal(later.sent, 0);
  assert.deepEqual(email.lines(), []);
  const [cancelled] = await sql`select status, last_error from notification where kind = 'problem' order by id desc limit 1`;
  assert.deepEqual({ ...cancelled }, { status: 'cancelled', last_error: 'recovered (OK) before it was sent' });
});

test('a recovery while the problem is being sent: the send goes on, and its recipients hear of the recovery', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL');
  clock.advance(10_000);
  // As delivery claims it: on its way, under a lease.
  await sql`update notification set status = 'sending', attempts = 1, next_attempt_at = ${new Date(clock.nowMs() + 120_000)} where kind = 'problem'`;
  await change('web/page', 'CRITICAL', 'OK');
  const rows = await sql<{ contact: string; kind: string; status: string }[]>`select contact, kind, status from notification order by kind, contact`;
  assert.deepEqual(rows.map((r) => `${r.kind} ${r.contact} ${r.status}`), [
    'problem alice sending', 'problem bob sending', 'recovery alice pending', 'recovery bob pending',
  ]);
});

test('bob ignores warnings; a change from WARNING to CRITICAL tells him then', async () => {
  await reset();
  await change('web/page', 'OK', 'WARNING');
  await passAndDeliver(10_000);
  assert.deepEqual(email.lines(), ['alice: WARNING: web/page']);
  await change('web/page', 'WARNING', 'CRITICAL');
  await passAndDeliver(10_000);
  assert.deepEqual(email.lines().slice(1).sort(), ['alice: CRITICAL: web/page', 'bob: CRITICAL: web/page']);
});

test('acknowledged: no more reminders until the state changes', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL');
  await passAndDeliver(10_000);
  email.clear();
  clock.advance(31 * 60_000);
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), ['alice: Still CRITICAL: web/page'], 'alice renotifies every 30 minutes; bob does not');
  await acknowledgeCheck(sql, { siteId, checkId: checks.get('web/page')!, comment: 'looking into it', by: 'carol@example.com', atMs: clock.nowMs() });
  email.clear();
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), ['alice: Acknowledged, CRITICAL: web/page'], 'who was told hears who took it; bob opted out');
  assert.match(email.sent[0]!.message.text, /^carol@example\.com acknowledged web\/page \(CRITICAL since .*\): looking into it/);
  email.clear();
  clock.advance(31 * 60_000);
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), [], 'no reminders, and the acknowledgement told once');
});

test('escalation: after an hour unhandled, the managers are told, once', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL');
  await passAndDeliver(10_000);
  email.clear();
  clock.set(T + 61 * 60_000);
  await runNotifierSweep(deps);
  assert.ok(email.lines().includes('carol: Escalated, CRITICAL: web/page'), email.lines().join('\n'));
  email.clear();
  clock.advance(5 * 60_000);
  await runNotifierSweep(deps);
  assert.ok(!email.lines().some((line) => line.startsWith('carol')), 'escalated once');
});

test('a service whose host is down, and a host whose parent is down, are not alerted: no cascade', async () => {
  await reset();
  await setState('router', 'CRITICAL');
  await change('web', 'OK', 'CRITICAL');
  await setState('web', 'CRITICAL');
  await change('web/page', 'OK', 'CRITICAL');
  const delivered = await passAndDeliver(10_000);
  assert.equal(delivered.sent, 0);
  assert.equal(delivered.cancelled, 4);
  const reasons = await sql<{ reason: string }[]>`select distinct last_error as reason from notification where status = 'cancelled' order by 1`;
  assert.deepEqual(reasons.map((r) => r.reason), ['its host web is down', 'its parent host router is down']);

  // The router comes back and the web host with it. The page's last result is from while the
  // host was down: wait for a fresh one. Still down then: now it is news.
  await setState('router', 'OK');
  await change('web', 'CRITICAL', 'OK');
  await sql`update check_state set last_hard_change_at = ${new Date(clock.nowMs())} where check_id = ${checks.get('web')!}`;
  await sql`update check_state set last_result_at = ${new Date(clock.nowMs() - 30_000)} where check_id = ${checks.get('web/page')!}`;
  clock.advance(60_000);
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), [], 'no fresh result since the host came back');
  await sql`update check_state set last_result_at = ${new Date(clock.nowMs())} where check_id = ${checks.get('web/page')!}`;
  clock.advance(60_000);
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines().sort(), ['alice: CRITICAL: web/page', 'bob: CRITICAL: web/page']);
});

test('in downtime or flapping: nothing is sent; told once it ends if the problem is still there', async () => {
  await reset();
  await change('web/page', 'OK', 'CRITICAL', { in_downtime: true });
  assert.equal((await passAndDeliver(10_000)).sent, 0);
  clock.advance(60_000);
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), [], 'still in downtime');
  await setState('web/page', 'CRITICAL', { flapping: true });
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines(), [], 'flapping');
  await setState('web/page', 'CRITICAL');
  await runNotifierSweep(deps);
  assert.deepEqual(email.lines().sort(), ['alice: CRITICAL: web/page', 'bob: CRITICAL: web/page']);
});

test('retries with backoff; a channel that keeps failing gives up (dead), and never holds up another', async () => {
  await reset();
  email.failWith = new ChannelError('421 try later', true);
  await change('web/page', 'OK', 'CRITICAL');
  await sql`update contact set phone = null where name = 'alice'`;
  const first = await passAndDeliver(10_000);
  assert.deepEqual([first.sent, first.retrying], [0, 2]);
  assert.equal((await passAndDeliver(20_000)).retrying, 0, 'not before the 30 s backoff');
  for (const wait of [30_000, 60_000, 120_000, 240_000]) await passAndDeliver(wait);
  const dead = await sql<{ contact: string; status: string; attempts: number; last_error: string }[]>`
    select contact, status, attempts, last_error from notification order by contact`;
  assert.deepEqual(dead.map((n) => ({ ...n })), [
    { contact: 'alice', status: 'dead', attempts: 5, last_error: '421 try later' },
    { contact: 'bob', status: 'dead', attempts: 5, last_error: '421 try later' },
  ]);
  await sql`update contact set phone = '+447700900001' where name = 'alice'`;

  await reset();
  email.failWith = new ChannelError('550 no such mailbox', false);
  clock.set(T + 24 * 3_600_000); // Tuesday: alice's SMS is open
  await change('web/page', 'OK', 'CRITICAL');
  const refused = await passAndDeliver(10_000);
  assert.deepEqual([refused.dead, refused.sent], [2, 1], 'email refused for good at once; the SMS went anyway');
  assert.deepEqual(sms.lines(), ['alice: CRITICAL: web/page']);
});

test('500 checks failing at once: one summary per contact and channel, not 500 messages', async () => {
  await reset();
  const many = Array.from({ length: 500 }, (_, i) => ({ ...event('web/page', 'OK', 'CRITICAL'), checkId: checks.get('web/page')!, checkName: `svc-${i}` }));
  // 500 distinct checks: apply a site with them.
  const services = Array.from({ length: 500 }, (_, i) => `<service name="svc-${i}"><check-command command="http"/><notify teams="ops"/></service>`).join('');
  const big = await applySite(sql, SITE.replace('<host name="web" address="10.0.0.2" parents="router">', `<host name="farm" address="10.0.0.9">${services}</host><host name="web" address="10.0.0.2" parents="router">`));
  const events = many.map((e, i) => ({ ...e, checkId: big.checks.get(`farm/svc-${i}`)!, hostName: 'farm' }));
  await sql`update check_state set status = 4, hard_status = 4 where check_id = any(${events.map((e) => e.checkId)}::uuid[])`;
  // In several batches, as the notifier queue hands them over, within the window.
  for (let i = 0; i < 500; i += 50) {
    await handleStateChanges(deps, events.slice(i, i + 50));
    clock.advance(500);
  }
  await passAndDeliver(10_000);
  assert.deepEqual(email.lines().sort(), [
    'alice: 500 checks changed state (500 problems, 0 recovered)',
    'bob: 500 checks changed state (500 problems, 0 recovered)',
  ]);
  assert.equal(email.sent[0]!.message.checks.length, 500);
  const [counts] = await sql`select count(*) filter (where status = 'summarised')::int as summarised, count(*) filter (where kind = 'summary')::int as summaries from notification`;
  assert.deepEqual({ ...counts }, { summarised: 1000, summaries: 2 });
});
