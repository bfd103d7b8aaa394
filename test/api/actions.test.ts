import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { actionRoutes } from '#api/routes/actions.ts';
import { parseCheckJob } from '#core/messages.ts';
import { statusRank } from '#core/status.ts';
import type { HandledCheckChange } from '#actions/check-changes.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { badFields, createTestApi } from '../actions/api-fixture.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const SITE_XML = `
  <group name="all"/>
  <group name="web" groups="all"/>
  <command name="http-check" engine="http"><parameter name="port">8080</parameter></command>
  <host name="www" address="127.0.0.1" groups="web">
    <service name="http" groups="web"><check-command command="http-check"/></service>
    <trap name="backup"/>
  </host>`;

async function applySite(name: string) {
  const { siteId } = await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': SITE_XML }, name)), 'test');
  const rows = await sql<{ id: string; name: string }[]>`select id, name from "check" where site_id = ${siteId}`;
  const ids = Object.fromEntries(rows.map((r) => [r.name, r.id]));
  return { siteId, http: ids.http!, backup: ids.backup!, www: ids.www! };
}

const site = await applySite('shop');
const other = await applySite('other');
const NOW = Date.parse('2026-03-01T12:00:00Z');
const api = createTestApi(sql, [actionRoutes], { sites: [site.siteId], nowMs: NOW });
const checkPath = (checkId: string, action: string) => `/sites/${site.siteId}/checks/${checkId}/${action}`;

async function setStatus(checkId: string, status: 'OK' | 'CRITICAL') {
  await sql`update check_state set status = ${statusRank(status)}, hard_status = ${statusRank(status)}, hard = true where check_id = ${checkId}`;
}

const lastPush = () => api.push.published.at(-1)!;

describe('run now', () => {
  test('sends one job per location, due now; 202 with what was sent', async () => {
    const response = await api.call('POST', checkPath(site.http, 'run-now'), { as: 'operator' });
    assert.equal(response.status, 202);
    assert.deepEqual(response.body, { sent: 1, unserved: 0 });
    const [message] = await api.checks.receive();
    const job = parseCheckJob(message!.body);
    assert.deepEqual([job.checkId, job.runNow, job.dueAtMs], [site.http, true, NOW]);
  });

  test('a trap is not run by workers: 409 saying why; an unknown check or one of another site is 404', async () => {
    const trap = await api.call('POST', checkPath(site.backup, 'run-now'), { as: 'operator' });
    assert.equal(trap.status, 409);
    assert.match(trap.body.error.message, /trap 'backup' is not run by workers.*traps receive their results/);
    assert.equal((await api.call('POST', checkPath(other.http, 'run-now'), { as: 'operator' })).status, 404);
    assert.equal((await api.call('POST', checkPath('00000000-0000-4000-8000-000000000000', 'run-now'), { as: 'operator' })).status, 404);
  });

  test('needs the operator role; a site one has no role in does not exist', async () => {
    assert.equal((await api.call('POST', checkPath(site.http, 'run-now'), { as: 'viewer' })).status, 403);
    assert.equal((await api.call('POST', checkPath(site.http, 'run-now'), { as: null })).status, 401);
    assert.equal((await api.call('POST', `/sites/${other.siteId}/checks/${other.http}/run-now`, { as: 'admin' })).status, 404);
  });
});

describe('acknowledge', () => {
  test('a check that is OK has nothing to acknowledge', async () => {
    await setStatus(site.http, 'OK');
    const response = await api.call('POST', checkPath(site.http, 'acknowledge'), { as: 'operator', body: { comment: 'on it' } });
    assert.equal(response.status, 409);
    assert.equal(response.body.error.message, 'nothing to acknowledge: the check is OK');
  });

  test('a problem acknowledged counts as handled: the check and its groups are pushed, the history keeps who and why', async () => {
    await setStatus(site.http, 'CRITICAL');
    const pushes = api.push.published.length;
    const response = await api.call('POST', checkPath(site.http, 'acknowledge'), { as: 'operator', body: { comment: 'disk replaced tonight' } });
    assert.equal(response.status, 200);
    assert.deepEqual([response.body.id, response.body.status, response.body.acknowledged], [site.http, 'CRITICAL', true]);
    const [stored] = await sql`select acknowledged from check_state where check_id = ${site.http}`;
    assert.equal(stored!.acknowledged, true);

    assert.equal(api.push.published.length, pushes + 1);
    const pushed = lastPush();
    assert.equal(pushed.siteId, site.siteId);
    assert.deepEqual(pushed.checks.map((c) => [c.checkId, c.status, (c as HandledCheckChange).acknowledged]), [[site.http, 'CRITICAL', true]]);
    assert.deepEqual(
      pushed.groups.map((g) => [g.name, g.critical, g.handled, g.unhandled]).sort(),
      [['all', 1, 1, 0], ['web', 1, 1, 0]],
    );

    const history = await api.call('GET', checkPath(site.http, 'acknowledgements'), { as: 'viewer' });
    assert.equal(history.status, 200);
    assert.deepEqual(history.body.items.map((a: any) => [a.hardStatus, a.comment, a.acknowledgedBy, a.acknowledgedAt, a.removedBy]), [
      ['CRITICAL', 'disk replaced tonight', 'operator@example.com', new Date(NOW).toISOString(), null],
    ]);
    assert.equal(history.body.nextCursor, null);
  });

  test('taking it back makes the problem unhandled again, and is recorded; doing it twice changes nothing', async () => {
    await setStatus(site.http, 'CRITICAL');
    await api.call('POST', checkPath(site.http, 'acknowledge'), { as: 'operator', body: { comment: 'looking' } });
    const removed = await api.call('DELETE', checkPath(site.http, 'acknowledge'), { as: 'operator' });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.acknowledged, false);
    assert.deepEqual(lastPush().groups.map((g) => [g.name, g.handled, g.unhandled]).sort(), [['all', 0, 1], ['web', 0, 1]]);
    const again = await api.call('DELETE', checkPath(site.http, 'acknowledge'), { as: 'operator' });
    assert.equal(again.status, 200);

    const history = await api.call('GET', checkPath(site.http, 'acknowledgements') + '?limit=1', { as: 'viewer' });
    assert.deepEqual(history.body.items.map((a: any) => [a.comment, a.removedBy]), [['looking', 'operator@example.com']]);
    assert.notEqual(history.body.nextCursor, null);
    const next = await api.call('GET', checkPath(site.http, 'acknowledgements') + `?limit=1&cursor=${history.body.nextCursor}`, { as: 'viewer' });
    assert.equal(next.body.items.length, 1);
    assert.notEqual(next.body.items[0].comment, 'looking');
  });

  test('a comment is required; viewers cannot acknowledge', async () => {
    const empty = await api.call('POST', checkPath(site.http, 'acknowledge'), { as: 'operator', body: { comment: '  ' } });
    assert.equal(empty.status, 400);
    assert.deepEqual(badFields(empty.body), ['comment']);
    assert.equal((await api.call('POST', checkPath(site.http, 'acknowledge'), { as: 'viewer', body: { comment: 'x' } })).status, 403);
  });
});

describe('downtime', () => {
  const hour = 3_600_000;
  const at = (ms: number) => new Date(ms).toISOString();

  test('a downtime that has begun is in effect at once and pushed; deleting it ends it at once', async () => {
    await setStatus(site.www, 'CRITICAL');
    const created = await api.call('POST', checkPath(site.www, 'downtime'), {
      as: 'operator', body: { from: at(NOW - hour), to: at(NOW + hour), comment: 'rack move' },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(
      [created.body.checkId, created.body.from, created.body.to, created.body.active, created.body.createdBy],
      [site.www, at(NOW - hour), at(NOW + hour), true, 'operator@example.com'],
    );
    const [state] = await sql`select in_downtime from check_state where check_id = ${site.www}`;
    assert.equal(state!.in_downtime, true);
    assert.deepEqual(lastPush().checks.map((c) => [c.checkId, (c as HandledCheckChange).inDowntime]), [[site.www, true]]);

    const listed = await api.call('GET', `/sites/${site.siteId}/downtimes`, { as: 'viewer' });
    assert.deepEqual(listed.body.items.map((d: any) => d.id), [created.body.id]);

    const deleted = await api.call('DELETE', `/sites/${site.siteId}/downtimes/${created.body.id}`, { as: 'operator' });
    assert.equal(deleted.status, 204);
    const [after] = await sql`select in_downtime from check_state where check_id = ${site.www}`;
    assert.equal(after!.in_downtime, false);
    assert.deepEqual(lastPush().checks.map((c) => [c.checkId, (c as HandledCheckChange).inDowntime]), [[site.www, false]]);
    assert.equal((await api.call('DELETE', `/sites/${site.siteId}/downtimes/${created.body.id}`, { as: 'operator' })).status, 404);
  });

  test('a downtime in the future waits; the list pages soonest first and leaves out ended ones unless asked', async () => {
    const pushes = api.push.published.length;
    const ids: string[] = [];
    for (const [from, to] of [[3, 4], [1, 2], [2, 3]]) {
      const response = await api.call('POST', checkPath(site.http, 'downtime'), {
        as: 'operator', body: { from: at(NOW + from! * hour), to: at(NOW + to! * hour), comment: `window ${from}` },
      });
      assert.equal(response.body.active, false);
      ids.push(response.body.id);
    }
    assert.equal(api.push.published.length, pushes, 'nothing changed yet, so nothing is pushed');
    const first = await api.call('GET', `/sites/${site.siteId}/downtimes?limit=2&checkId=${site.http}`, { as: 'viewer' });
    const second = await api.call('GET', `/sites/${site.siteId}/downtimes?limit=2&checkId=${site.http}&cursor=${first.body.nextCursor}`, { as: 'viewer' });
    assert.deepEqual([...first.body.items, ...second.body.items].map((d: any) => d.comment), ['window 1', 'window 2', 'window 3']);
    assert.equal(second.body.nextCursor, null);

    await sql`insert into downtime (site_id, check_id, starts_at, ends_at, comment, created_by, phase)
              values (${site.siteId}, ${site.http}, ${new Date(NOW - 3 * hour)}, ${new Date(NOW - 2 * hour)}, 'long ago', 'x', 'ended')`;
    const current = await api.call('GET', `/sites/${site.siteId}/downtimes?checkId=${site.http}`, { as: 'viewer' });
    const all = await api.call('GET', `/sites/${site.siteId}/downtimes?checkId=${site.http}&past=true`, { as: 'viewer' });
    assert.deepEqual([current.body.items.length, all.body.items[0].comment], [3, 'long ago']);
  });

  test('every problem with a request at once: the window, its length, the comment', async () => {
    const backwards = await api.call('POST', checkPath(site.http, 'downtime'), { as: 'operator', body: { from: at(NOW + hour), to: at(NOW), comment: '' } });
    assert.equal(backwards.status, 400);
    assert.deepEqual(badFields(backwards.body), ['comment', 'to', 'to']);
    const long = await api.call('POST', checkPath(site.http, 'downtime'), { as: 'operator', body: { from: at(NOW), to: at(NOW + 91 * 24 * hour), comment: 'x' } });
    assert.match(long.body.error.fields[0].message, /at most 90 days/);
    const notTimes = await api.call('POST', checkPath(site.http, 'downtime'), { as: 'operator', body: { from: 'tomorrow', to: 5, comment: 'x' } });
    assert.deepEqual(badFields(notTimes.body), ['from', 'to']);
  });

  test("another site's check and downtimes are out of reach", async () => {
    const response = await api.call('POST', checkPath(other.http, 'downtime'), { as: 'operator', body: { from: at(NOW), to: at(NOW + hour), comment: 'x' } });
    assert.equal(response.status, 404);
    const [theirs] = await sql<{ id: string }[]>`
      insert into downtime (site_id, check_id, starts_at, ends_at, comment, created_by)
      values (${other.siteId}, ${other.http}, ${new Date(NOW)}, ${new Date(NOW + hour)}, 'theirs', 'x') returning id`;
    assert.equal((await api.call('DELETE', `/sites/${site.siteId}/downtimes/${theirs!.id}`, { as: 'operator' })).status, 404);
    const listed = await api.call('GET', `/sites/${site.siteId}/downtimes?past=true`, { as: 'viewer' });
    assert.ok(!listed.body.items.some((d: any) => d.id === theirs!.id));
  });
});
