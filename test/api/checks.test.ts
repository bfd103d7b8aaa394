import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusRank, type Status } from '#core/status.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { apiHarness, START_MS } from '../helpers/api-app.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const SITE_XML = `
  <location name="eu" region="eu-west-1"/>
  <location name="us" region="us-east-1"/>
  <group name="all"/>
  <group name="web" groups="all"/>
  <group name="db" groups="all"/>
  <group name="empty" groups="all"/>
  <command name="http-check" engine="http"><parameter name="port">80</parameter><parameter name="password">hunter2</parameter></command>
  <host name="web-1" address="10.0.0.1" groups="web" location="eu">
    <check-command command="http-check"/>
    <service name="http" groups="web">
      <summary>The shop's front page</summary>
      <check-command command="http-check"/>
      <schedule every="2m" changing-every="30s" retry-every="1m"/>
      <state failed-after="3" recovers-after="2"/>
      <run-from locations="eu, us" quorum="2"/>
    </service>
    <trap name="backup" groups="web"/>
  </host>
  <host name="db-1" address="10.0.0.2" groups="db" location="us">
    <check-command command="http-check"/>
    <service name="http" groups="db, web"><check-command command="http-check"/></service>
  </host>
  <cluster name="web-cluster" groups="web">
    <condition>majority of hosts in pool 'web'</condition>
    <resource name="http"><condition>majority of service 'http' on hosts in pool 'web'</condition></resource>
  </cluster>`;

const api = apiHarness(sql);
const alice = await api.signup('alice@example.com');
const site = await api.createSite(alice.token, 'shop');
await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': SITE_XML }, 'shop')), 'test');
const checkIds = Object.fromEntries((await sql<{ key: string; id: string }[]>`
  select coalesce(p.name || '/', '') || c.name as key, c.id
  from "check" c left join "check" p on p.id = c.parent_id
  where c.site_id = ${site.id}`).map((row) => [row.key, row.id]));
const groupIds = Object.fromEntries((await sql<{ name: string; id: string }[]>`
  select name, id from check_group where site_id = ${site.id}`).map((row) => [row.name, row.id]));

// Another tenant with the same names: nothing of it may show up in alice's answers.
const bob = await api.signup('bob@example.com');
const otherSite = await api.createSite(bob.token, 'other-shop');
await applySiteConfiguration(sql, onlySite(loadXml({ 'site.xml': SITE_XML }, 'other-shop')), 'test');
const [otherCheck] = await sql<{ id: string }[]>`select id from "check" where site_id = ${otherSite.id} and kind = 'service' limit 1`;

async function setState(key: string, status: Status, flags: { acknowledged?: boolean; inDowntime?: boolean; hard?: boolean } = {}) {
  await sql`
    update check_state set status = ${statusRank(status)}, hard_status = ${statusRank(status)}, hard = ${flags.hard ?? true},
      acknowledged = ${flags.acknowledged ?? false}, in_downtime = ${flags.inDowntime ?? false},
      output = ${`${status} output`}, last_result_at = ${new Date(START_MS)}, last_change_at = ${new Date(START_MS - 60_000)}
    where check_id = ${checkIds[key]!}`;
}
await setState('web-1/http', 'CRITICAL', { hard: false });
await setState('db-1/http', 'WARNING');
await setState('web-1', 'CRITICAL', { acknowledged: true });
await setState('web-1/backup', 'UNKNOWN', { inDowntime: true });
await setState('db-1', 'OK');
await setState('web-cluster/http', 'OK');
// web-cluster stays PENDING.

const get = (path: string, token = alice.token) => api.call('GET', path, { token });
const checksPath = `/sites/${site.id}/checks`;

/** Every page of a list, following nextCursor. */
async function all(path: string, limit: number) {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const answer: { status: number; body: any } = await get(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor;
  } while (cursor);
  return items;
}

test('checks come problems first: unhandled, then handled, then the rest, worst first in each', async () => {
  const answer = await get(checksPath);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.nextCursor, null);
  const order = answer.body.items.map((c: { hostName: string | null; name: string; status: string }) => `${c.status} ${c.hostName ?? '-'}/${c.name}`);
  assert.deepEqual(order, [
    'CRITICAL web-1/http', // unhandled
    'WARNING db-1/http',
    'UNKNOWN web-1/backup', // handled: in downtime
    'CRITICAL web-1/web-1', // handled: acknowledged
    'OK -/http', // the rest: the resource, then the host
    'OK db-1/db-1',
    'PENDING -/web-cluster',
  ]);
  const first = answer.body.items[0];
  assert.deepEqual(first, {
    id: checkIds['web-1/http'], kind: 'service', name: 'http', hostName: 'web-1', groupIds: [groupIds.web],
    status: 'CRITICAL', hard: false, hardStatus: 'CRITICAL', attempt: 0, flapping: false,
    acknowledged: false, inDowntime: false, suppressed: false, output: 'CRITICAL output',
    lastResultAt: new Date(START_MS).toISOString(), lastChangeAt: new Date(START_MS - 60_000).toISOString(),
  });
});

test('every page size walks the same list in the same order', async () => {
  const whole = (await get(checksPath)).body.items.map((c: { id: string }) => c.id);
  for (const limit of [1, 2, 3, 6]) assert.deepEqual((await all(checksPath, limit)).map((c) => c.id), whole, `limit ${limit}`);
});

test('filters: status, kind, problems, group (with the groups below it, as the roll-up counts)', async () => {
  const names = async (query: string) => (await get(`${checksPath}?${query}`)).body.items.map((c: { hostName: string | null; name: string }) => `${c.hostName ?? '-'}/${c.name}`);
  assert.deepEqual(await names('status=CRITICAL,UNKNOWN'), ['web-1/http', 'web-1/backup', 'web-1/web-1']);
  assert.deepEqual(await names('kind=host,cluster'), ['web-1/web-1', 'db-1/db-1', '-/web-cluster']);
  assert.deepEqual(await names('problems=true'), ['web-1/http', 'db-1/http', 'web-1/backup', 'web-1/web-1']);
  assert.deepEqual(await names('problems=true&kind=service'), ['web-1/http', 'db-1/http']);
  assert.deepEqual(await names(`group=${groupIds.db}`), ['db-1/http', 'db-1/db-1']);
  for (const rollup of await groupRollup(sql, site.id)) {
    assert.equal((await all(`${checksPath}?group=${rollup.groupId}`, 500)).length, rollup.total, rollup.name);
  }
});

test('bad filters and cursors are 400 with every field named', async () => {
  const answer = await get(`${checksPath}?status=critical&kind=vm&group=nope&problems=maybe&limit=501`);
  assert.equal(answer.status, 400);
  assert.deepEqual(answer.body.error.fields.map((f: { path: string }) => f.path).sort(),
    ['query.group', 'query.kind', 'query.limit', 'query.problems', 'query.status']);
  const cursor = await get(`${checksPath}?cursor=${Buffer.from('["x"]').toString('base64url')}`);
  assert.equal(cursor.status, 400);
  assert.deepEqual(cursor.body.error.fields.map((f: { path: string }) => f.path), ['query.cursor']);
});

test('one check in full: configuration, schedule, locations with their latest results; no parameters', async () => {
  await sql`
    insert into check_location_state (check_id, location_id, site_id, status, output, last_result_at)
    select ${checkIds['web-1/http']!}, id, site_id, ${statusRank('CRITICAL')}, 'refused', ${new Date(START_MS)}
    from location where site_id = ${site.id} and name = 'eu'`;
  const answer = await get(`${checksPath}/${checkIds['web-1/http']}`);
  assert.equal(answer.status, 200);
  const { locations, ...detail } = answer.body;
  assert.deepEqual({ ...detail, id: undefined, groupIds: undefined }, {
    id: undefined, kind: 'service', name: 'http', hostName: 'web-1', groupIds: undefined,
    status: 'CRITICAL', hard: false, hardStatus: 'CRITICAL', attempt: 0, flapping: false,
    acknowledged: false, inDowntime: false, suppressed: false, output: 'CRITICAL output',
    lastResultAt: new Date(START_MS).toISOString(), lastChangeAt: new Date(START_MS - 60_000).toISOString(),
    summary: "The shop's front page", description: null, parentId: checkIds['web-1'], enabled: true,
    command: 'http-check', engine: 'http', condition: null,
    schedule: { everyS: 120, changingEveryS: 30, retryEveryS: 60, timePeriod: null },
    failedAfter: 3, recoversAfter: 2, quorum: 2,
  });
  assert.deepEqual(locations.map((l: { name: string; region: string; status: string | null; output: string | null }) => [l.name, l.region, l.status, l.output]), [
    ['eu', 'eu-west-1', 'CRITICAL', 'refused'],
    ['us', 'us-east-1', null, null], // no result from there yet
  ]);
  assert.ok(!answer.text.includes('hunter2'));
});

test("another site's check is 404 in this site's paths, on every check route", async () => {
  for (const suffix of ['', '/transitions', '/readings']) {
    assert.equal((await get(`${checksPath}/${otherCheck!.id}${suffix}`)).status, 404, suffix);
  }
  assert.equal((await get(`/sites/${otherSite.id}/checks`)).status, 404);
});

test('transitions in a time range, newest first; pages split instants shared by several transitions correctly', async () => {
  const checkId = checkIds['db-1/http']!;
  const at = (minutes: number) => new Date(START_MS - minutes * 60_000);
  const rows = [
    { at: at(50), from: 'PENDING', to: 'OK' },
    { at: at(40), from: 'OK', to: 'WARNING' },
    // Three at one instant, as a quorum check's locations may report together.
    { at: at(30), from: 'WARNING', to: 'CRITICAL' },
    { at: at(30), from: 'WARNING', to: 'UNKNOWN' },
    { at: at(30), from: 'WARNING', to: 'ERROR' },
    { at: at(20), from: 'CRITICAL', to: 'OK' },
    { at: at(10), from: 'OK', to: 'WARNING' },
    { at: at(60 * 30), from: 'PENDING', to: 'OK' }, // 30 hours ago: outside the default day
  ];
  for (const row of rows) {
    await sql`
      insert into check_transition (site_id, check_id, at, from_status, to_status, from_hard, to_hard, attempt, output)
      values (${site.id}, ${checkId}, ${row.at}, ${statusRank(row.from as Status)}, ${statusRank(row.to as Status)}, true, true, 1, ${row.to})`;
  }
  const path = `${checksPath}/${checkId}/transitions`;
  const whole = (await get(path)).body.items;
  assert.equal(whole.length, 7, 'the last 24 hours by default');
  assert.deepEqual(whole.map((t: { toStatus: string }) => t.toStatus).filter((s: string) => !['CRITICAL', 'UNKNOWN', 'ERROR'].includes(s)), ['WARNING', 'OK', 'WARNING', 'OK']);
  assert.deepEqual(whole[0], {
    at: at(10).toISOString(), fromStatus: 'OK', toStatus: 'WARNING', fromHard: true, toHard: true,
    attempt: 1, flapping: false, locationId: null, output: 'WARNING',
  });
  for (const limit of [1, 2, 4]) assert.deepEqual(await all(path, limit), whole, `limit ${limit}`);

  const range = await get(`${path}?from=${at(45).toISOString()}&to=${at(20).toISOString()}`);
  assert.deepEqual(range.body.items.map((t: { at: string }) => t.at), [at(30), at(30), at(30), at(40)].map((d) => d.toISOString()));
  const backwards = await get(`${path}?from=${at(10).toISOString()}&to=${at(20).toISOString()}`);
  assert.equal(backwards.status, 400);
  assert.deepEqual(backwards.body.error.fields.map((f: { path: string }) => f.path), ['query.from']);
});

test('readings are averaged into at most `points` buckets per series, with min and max', async () => {
  const checkId = checkIds['web-1/http']!;
  const from = new Date(START_MS - 2 * 60 * 60_000);
  // One reading a minute for two hours: `time` is the minute number, `size` constant.
  await sql`
    insert into reading (site_id, check_id, at, name, value, unit)
    select ${site.id}, ${checkId}, ${from}::timestamptz + make_interval(mins => i), r.name, case when r.name = 'time' then i else 512 end, r.unit
    from generate_series(0, 119) as i, (values ('time', 's'), ('size', 'B')) as r(name, unit)`;
  await sql`insert into reading (site_id, check_id, at, name, value) values (${otherSite.id}, ${otherCheck!.id}, ${from}, 'time', 1e9)`;

  const path = `${checksPath}/${checkId}/readings?from=${from.toISOString()}&to=${new Date(START_MS).toISOString()}`;
  const answer = await get(`${path}&points=12`);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.bucketMs, 10 * 60_000);
  const [size, time] = answer.body.series;
  assert.deepEqual([size.name, size.unit, time.name, time.unit], ['size', 'B', 'time', 's']);
  assert.equal(time.points.length, 12);
  assert.deepEqual(time.points[0], { at: from.toISOString(), avg: 4.5, min: 0, max: 9 });
  assert.deepEqual(time.points[11], { at: new Date(from.getTime() + 110 * 60_000).toISOString(), avg: 114.5, min: 110, max: 119 });
  assert.ok(size.points.every((p: { avg: number; min: number; max: number }) => p.avg === 512 && p.min === 512 && p.max === 512));

  for (const points of [1, 7, 200]) {
    const series = (await get(`${path}&points=${points}&name=time`)).body.series;
    assert.equal(series.length, 1);
    assert.ok(series[0].points.length <= points && series[0].points.length >= Math.min(points, 120) - 1, `${points}: ${series[0].points.length}`);
    const weighted = series[0].points.reduce((sum: number, p: { avg: number }) => sum + p.avg, 0);
    assert.ok(weighted > 0);
  }
  const bad = await get(`${path}&points=0`);
  assert.equal(bad.status, 400);
});

test('groups: the tree with roll-ups, status names, and the parents to rebuild it', async () => {
  const answer = await get(`/sites/${site.id}/groups`);
  assert.equal(answer.status, 200);
  const byName = Object.fromEntries(answer.body.items.map((g: { name: string }) => [g.name, g]));
  assert.deepEqual(Object.keys(byName), ['all', 'db', 'empty', 'web']);
  assert.deepEqual(byName.web.parentIds, [groupIds.all]);
  assert.deepEqual(byName.all.parentIds, []);
  assert.equal(byName.web.worstStatus, 'CRITICAL');
  assert.equal(byName.db.worstStatus, 'WARNING');
  assert.equal(byName.empty.worstStatus, 'PENDING');
  // Every check but the resource, which is in no group.
  assert.deepEqual(byName.all.counts, {
    total: 6, pending: 1, info: 0, ok: 1, warning: 1, critical: 2, unknown: 1, timeout: 0, error: 0, disconnected: 0, action: 0,
    handled: 2, unhandled: 2,
  });
  assert.deepEqual((await all(`/sites/${site.id}/groups`, 1)).map((g) => g.name), ['all', 'db', 'empty', 'web']);

  const one = await get(`/sites/${site.id}/groups/${groupIds.all}`);
  assert.deepEqual(one.body.childIds, [groupIds.db, groupIds.empty, groupIds.web].sort());
  assert.deepEqual(one.body.counts, byName.all.counts);
  const [otherGroup] = await sql<{ id: string }[]>`select id from check_group where site_id = ${otherSite.id} limit 1`;
  assert.equal((await get(`/sites/${site.id}/groups/${otherGroup!.id}`)).status, 404);
});

test('object lists: hosts, services, traps, clusters, resources, commands, locations', async () => {
  const list = async (what: string) => (await all(`/sites/${site.id}/${what}`, 2));
  const hosts = await list('hosts');
  assert.deepEqual(hosts.map((h) => [h.name, h.address, h.location, h.status, h.checkId]), [
    ['db-1', '10.0.0.2', 'us', 'OK', checkIds['db-1']],
    ['web-1', '10.0.0.1', 'eu', 'CRITICAL', checkIds['web-1']],
  ]);
  assert.deepEqual((await list('services')).map((s) => `${s.parentName}/${s.name} ${s.status}`), ['db-1/http WARNING', 'web-1/http CRITICAL']);
  assert.deepEqual((await list('traps')).map((s) => `${s.parentName}/${s.name}`), ['web-1/backup']);
  assert.deepEqual((await list('clusters')).map((s) => [s.name, s.condition, s.status]), [['web-cluster', "majority of hosts in pool 'web'", 'PENDING']]);
  assert.deepEqual((await list('resources')).map((s) => [s.parentId, s.name]), [[checkIds['web-cluster'], 'http']]);
  const commands = await list('commands');
  assert.deepEqual(commands.map((c) => [c.name, c.engine]), [['http-check', 'http']]);
  assert.ok(!JSON.stringify(commands).includes('hunter2'), 'command parameters are not listed');
  assert.deepEqual((await list('locations')).map((l) => [l.name, l.region]), [['eu', 'eu-west-1'], ['us', 'us-east-1']]);
});

test('a site one is not a member of does not exist: 404 on every read, even with valid ids', async () => {
  const eve = await api.signup('eve@example.com');
  for (const path of [`/sites/${site.id}`, checksPath, `${checksPath}/${checkIds['web-1/http']}`, `/sites/${site.id}/groups`, `/sites/${site.id}/hosts`]) {
    const answer = await get(path, eve.token);
    assert.equal(answer.status, 404, path);
    assert.ok(!answer.text.includes('web-1'));
  }
  assert.equal((await api.call('GET', checksPath)).status, 401, 'no token');
});
