import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfiguration } from '#core/config/load.ts';
import { groupRollup } from '#store/group-rollup.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { loadXml, onlySite } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const BASE = `
<location name="world"/><location name="eu" location="world" region="eu-west-1"/><location name="us" location="world"/>
<group name="all"/><group name="web" groups="all"/><group name="db" groups="all"/>
<command name="ping" engine="nagios"><parameter name="command_line">check_ping -H #{host.address}</parameter></command>
<command name="http" engine="http"><parameter name="port">80</parameter></command>
<service name="svc" template="yes"><schedule every="1m" retry-every="20s"/><state failed-after="3"/></service>
<host name="web-template" template="yes" groups="web" location="eu">
  <check-command command="ping"/>
  <service name="http" extends="svc"><check-command command="http"><parameter name="port">8080</parameter></check-command></service>
  <service name="https" extends="svc"><check-command command="http"/></service>
</host>`;

function site(extra: string, name = 'acme') {
  const loaded = loadXml({ 'site.xml': BASE + extra }, name);
  assert.equal(loaded.diagnostics.errorCount, 0, loaded.diagnostics.items.map((d) => d.message).join('\n'));
  return onlySite(loaded);
}

async function checksOf(siteName: string) {
  return sql<{ id: string; kind: string; name: string; parent: string | null; status: number; every_s: number; retry_every_s: number; failed_after: number; parameters: Record<string, string> }[]>`
    select ch.id, ch.kind, ch.name, p.name as parent, st.status, ch.every_s, ch.retry_every_s, ch.failed_after, ch.parameters
    from "check" ch join site s on s.id = ch.site_id
    left join "check" p on p.id = ch.parent_id
    join check_state st on st.check_id = ch.id
    where s.name = ${siteName}
    order by ch.kind, p.name nulls first, ch.name`;
}

test('applying a site stores its hosts, services, groups and locations', async () => {
  const summary = await applySiteConfiguration(sql, site(`<host name="w1" extends="web-template" address="10.0.0.1"/><host name="w2" extends="web-template" groups="db"/>`), 'test');
  assert.equal(summary.counts.checks, 6);
  const checks = await checksOf('acme');
  assert.deepEqual(checks.map((c) => `${c.kind} ${c.parent ?? '-'}/${c.name}`), [
    'host -/w1', 'host -/w2', 'service w1/http', 'service w1/https', 'service w2/http', 'service w2/https',
  ]);
  const http = checks.find((c) => c.parent === 'w1' && c.name === 'http')!;
  assert.deepEqual([http.every_s, http.retry_every_s, http.failed_after, http.status], [60, 20, 3, 0]);
  assert.equal(http.parameters.port, '8080');
  const members = await sql`
    select ch.name, array_agg(g.name order by g.name) as groups from check_group_member m
    join "check" ch on ch.id = m.check_id join check_group g on g.id = m.group_id
    where ch.kind = 'host' group by ch.name order by ch.name`;
  assert.deepEqual(members.map((m) => [m.name, m.groups]), [['w1', ['web']], ['w2', ['db', 'web']]]);
  const [eu] = await sql`select l.region, p.name as parent from location l join location p on p.id = l.parent_id where l.name = 'eu'`;
  assert.deepEqual({ ...eu }, { region: 'eu-west-1', parent: 'world' });
  const locations = await sql`select count(*)::int as n from check_location cl join location l on l.id = cl.location_id where l.name = 'eu'`;
  assert.equal(locations[0]!.n, 6, 'every check runs from the host location');
});

test('each check that workers run gets its parameters resolved per location, secrets marked', async () => {
  const loaded = loadXml({ 'site.xml': `
    <location name="eu" region="eu-west-1"><parameter name="community">eu-secret</parameter></location>
    <location name="us"><parameter name="community">us-secret</parameter></location>
    <command name="snmp-get" engine="snmp"><parameter name="host">#{host.address}</parameter><parameter name="timeout">5s</parameter></command>
    <host name="router" address="10.1.1.1" location="eu">
      <service name="uptime"><run-from locations="eu,us" quorum="2"/><check-command command="snmp-get"/>
        <parameter name="community">#{community}</parameter></service>
      <trap name="link-down"/>
    </host>` }, 'runs');
  assert.equal(loaded.diagnostics.errorCount, 0, loaded.diagnostics.items.map((d) => d.message).join('\n'));
  await applySiteConfiguration(sql, onlySite(loaded), 'test');
  const runs = await sql<{ check: string; location: string | null; parameters: Record<string, string>; secret_names: string[]; timeout_ms: number }[]>`
    select ch.name as check, l.name as location, r.parameters, r.secret_names, r.timeout_ms
    from check_run r join "check" ch on ch.id = r.check_id join site s on s.id = r.site_id
    left join location l on l.id = r.location_id
    where s.name = 'runs' order by ch.name, l.name`;
  assert.deepEqual(runs.map((r) => ({ ...r })), [
    { check: 'uptime', location: 'eu', parameters: { host: '10.1.1.1', timeout: '5s', community: 'eu-secret' }, secret_names: ['community'], timeout_ms: 5_000 },
    { check: 'uptime', location: 'us', parameters: { host: '10.1.1.1', timeout: '5s', community: 'us-secret' }, secret_names: ['community'], timeout_ms: 5_000 },
  ], 'the trap and the host without a command have no runs');
});

test('re-applying keeps the identity and state of unchanged checks and removes what is gone', async () => {
  const before = await checksOf('acme');
  const w1http = before.find((c) => c.parent === 'w1' && c.name === 'http')!;
  await sql`update check_state set status = 4, output = 'down' where check_id = ${w1http.id}`;

  // w2 and its two services disappear, w1's https is disabled, a new host arrives.
  const summary = await applySiteConfiguration(sql, site(`
    <host name="w1" extends="web-template" address="10.0.0.1"><service name="https" extends="svc" enabled="no"><check-command command="http"/></service></host>
    <host name="w3" extends="web-template"/>`), 'test');
  const after = await checksOf('acme');
  assert.equal(summary.removedChecks, 3);
  const kept = after.find((c) => c.parent === 'w1' && c.name === 'http')!;
  assert.equal(kept.id, w1http.id, 'same identity, same id');
  assert.equal(kept.status, 4, 'state survives the apply');
  assert.ok(!after.some((c) => c.parent === 'w2' || c.name === 'w2'));
  assert.ok(after.some((c) => c.name === 'w3'));
  const changes = await sql`select c.applied_by, c.summary from config_change c join site s on s.id = c.site_id where s.name = 'acme' order by c.id`;
  assert.equal(changes.length, 2);
  assert.equal(changes[1]!.summary.removedChecks, 3);
  const [https] = await sql`select enabled from "check" where id = ${after.find((c) => c.parent === 'w1' && c.name === 'https')!.id}`;
  assert.equal(https!.enabled, false);
});

test('sites are tenants: the same names in another site are separate rows', async () => {
  await applySiteConfiguration(sql, site(`<host name="w1" extends="web-template"/>`, 'other'), 'test');
  const acme = await checksOf('acme');
  const other = await checksOf('other');
  assert.equal(other.length, 3);
  assert.ok(acme.length > 3, 'applying another site changed nothing in acme');
  const shared = other.filter((o) => acme.some((a) => a.id === o.id));
  assert.deepEqual(shared, []);
});

test('a failing apply changes nothing', async () => {
  const before = await checksOf('acme');
  const broken = site(`<host name="w1" extends="web-template"/>`);
  broken.hosts[0]!.schedule.everyS = 0; // violates check (every_s > 0) in the database
  await assert.rejects(applySiteConfiguration(sql, broken, 'test'));
  assert.deepEqual(await checksOf('acme'), before);
});

/** Each check's id and the transaction that last wrote its row (xmin), by `host` or `host/service`. */
async function rowVersions(siteName: string): Promise<Map<string, { id: string; xmin: string }>> {
  const rows = await sql<{ key: string; id: string; xmin: string }[]>`
    select coalesce(p.name || '/', '') || ch.name as key, ch.id, ch.xmin::text as xmin
    from "check" ch join site s on s.id = ch.site_id left join "check" p on p.id = ch.parent_id
    where s.name = ${siteName}`;
  return new Map(rows.map((row) => [row.key, { id: row.id, xmin: row.xmin }]));
}

function rewritten(before: Map<string, { xmin: string }>, after: Map<string, { xmin: string }>): string[] {
  return [...after].filter(([key, row]) => before.get(key)?.xmin !== row.xmin).map(([key]) => key).sort();
}

test('an apply writes only the hosts that changed, each with what it contains; the rest is not touched', async () => {
  const hosts = (port: string, extra = '') => site(`
    <host name="h1" extends="web-template" address="10.0.0.1"/>
    <host name="h2" extends="web-template" address="10.0.0.2">
      <service name="http" extends="svc"><check-command command="http"><parameter name="port">${port}</parameter></check-command></service>
      ${extra}
    </host>
    <host name="h3" extends="web-template" address="10.0.0.3"/>`, 'incremental');
  const first = await applySiteConfiguration(sql, hosts('8080'), 'test');
  assert.deepEqual([first.writtenChecks, first.removedChecks], [9, 0]);
  const v1 = await rowVersions('incremental');

  const same = await applySiteConfiguration(sql, hosts('8080'), 'test');
  assert.deepEqual([same.writtenChecks, same.removedChecks], [0, 0], 'nothing changed, nothing written');
  assert.deepEqual(rewritten(v1, await rowVersions('incremental')), []);

  const changed = await applySiteConfiguration(sql, hosts('9090'), 'test');
  assert.deepEqual([changed.writtenChecks, changed.removedChecks], [3, 0]);
  const v2 = await rowVersions('incremental');
  assert.deepEqual(rewritten(v1, v2), ['h2', 'h2/http', 'h2/https'], "only h2's checks were written");
  assert.deepEqual([...v2].map(([key, row]) => [key, row.id]), [...v1].map(([key, row]) => [key, row.id]), 'every check kept its id');
  const [run] = await sql`
    select r.parameters from check_run r join "check" ch on ch.id = r.check_id join "check" h on h.id = ch.parent_id
    where h.name = 'h2' and ch.name = 'http'`;
  assert.equal(run!.parameters.port, '9090');

  const added = await applySiteConfiguration(sql, hosts('9090', `<service name="ping" extends="svc"><check-command command="ping"/></service>`), 'test');
  assert.deepEqual([added.writtenChecks, added.removedChecks], [4, 0]);
  const removed = await applySiteConfiguration(sql, hosts('9090'), 'test');
  assert.deepEqual([removed.writtenChecks, removed.removedChecks], [3, 1], 'the service that went is deleted, its host rewritten');
  assert.ok(!(await rowVersions('incremental')).has('h2/ping'));
});

test('a change to anything runs are resolved from rewrites the runs: host, location, site, command, credential', async () => {
  const base = { address: '10.0.0.1', region: 'r1', siteParameter: 's1', port: '161', password: 'p1' };
  const configuration = (values: typeof base) => {
    const loaded = loadXml({ 'site.xml': `
      <parameter name="site-tag">${values.siteParameter}</parameter>
      <location name="dc"><parameter name="region-tag">${values.region}</parameter></location>
      <credential name="snmp"><username>monitor</username><password>${values.password}</password></credential>
      <command name="probe" engine="nagios"><parameter name="port">${values.port}</parameter>
        <parameter name="command_line">probe #{host.address} #{region-tag} #{site-tag} #{port} #{resolve_credentials('snmp').password}</parameter></command>
      <host name="router" address="${values.address}" location="dc"><service name="probe"><check-command command="probe"/></service></host>` }, 'inputs');
    assert.equal(loaded.diagnostics.errorCount, 0, loaded.diagnostics.items.map((d) => d.message).join('\n'));
    return onlySite(loaded);
  };
  const commandLine = async () => {
    const [run] = await sql<{ line: string }[]>`
      select r.parameters->>'command_line' as line from check_run r join "check" ch on ch.id = r.check_id
      join site s on s.id = ch.site_id where s.name = 'inputs' and ch.name = 'probe' and ch.kind = 'service'`;
    return run!.line;
  };
  await applySiteConfiguration(sql, configuration(base), 'test');
  assert.equal(await commandLine(), 'probe 10.0.0.1 r1 s1 161 p1');
  const changes: [Partial<typeof base>, string][] = [
    [{ address: '10.0.0.2' }, 'probe 10.0.0.2 r1 s1 161 p1'],
    [{ region: 'r2' }, 'probe 10.0.0.1 r2 s1 161 p1'],
    [{ siteParameter: 's2' }, 'probe 10.0.0.1 r1 s2 161 p1'],
    [{ port: '1161' }, 'probe 10.0.0.1 r1 s1 1161 p1'],
    [{ password: 'p2' }, 'probe 10.0.0.1 r1 s1 161 p2'],
  ];
  for (const [change, expected] of changes) {
    const summary = await applySiteConfiguration(sql, configuration({ ...base, ...change }), 'test');
    assert.equal(await commandLine(), expected, JSON.stringify(change));
    assert.ok(summary.writtenChecks > 0);
    await applySiteConfiguration(sql, configuration(base), 'test');
  }
});

test('every apply keeps its files, each distinct text once', async () => {
  const files = (port: string) => [
    { path: 'hosts.xml', text: `<bergamot site="kept"><host name="a" address="10.0.0.1"><service name="http"><check-command command="http"/></service></host></bergamot>` },
    { path: 'commands.xml', text: `<bergamot site="kept"><command name="http" engine="http"><parameter name="port">${port}</parameter></command></bergamot>` },
  ];
  const apply = async (port: string) => {
    const source = files(port);
    const loaded = loadConfiguration(source);
    assert.equal(loaded.diagnostics.errorCount, 0);
    return applySiteConfiguration(sql, onlySite(loaded), 'test', { source: loaded.files.get('kept')! });
  };
  const first = await apply('80');
  await apply('8080');
  const third = await apply('80');
  const kept = await sql<{ n: number }[]>`select count(*)::int as n from config_file f join site s on s.id = f.site_id where s.name = 'kept'`;
  assert.equal(kept[0]!.n, 3, 'hosts.xml once, commands.xml twice (two texts), though applied three times');
  const [change] = await sql<{ source: { path: string; digest: string }[] }[]>`select source from config_change where id = ${third.changeId}`;
  const [original] = await sql<{ source: { path: string; digest: string }[] }[]>`select source from config_change where id = ${first.changeId}`;
  assert.deepEqual(change!.source.map((file) => file.path), ['hosts.xml', 'commands.xml']);
  assert.deepEqual(change!.source, original!.source, 'the same texts, the same digests');
});

test('the group roll-up follows every apply, whether it changes memberships or not', async () => {
  const configuration = (extra: string) => site(`<host name="g1" extends="web-template" address="10.0.0.1">${extra}</host>`, 'rollup');
  const { siteId } = await applySiteConfiguration(sql, configuration(''), 'test');
  const totals = async () => Object.fromEntries((await groupRollup(sql, siteId)).map((group) => [group.name, group.total]));
  assert.deepEqual(await totals(), { all: 1, db: 0, web: 1 }, 'the host is in web; its services in no group');

  await applySiteConfiguration(sql, configuration('<service name="extra" extends="svc"><check-command command="ping"/></service>'), 'test');
  assert.deepEqual(await totals(), { all: 1, db: 0, web: 1 }, 'a service in no group counts nowhere');
  await applySiteConfiguration(sql, configuration('<service name="extra" extends="svc" groups="db,web"><check-command command="ping"/></service>'), 'test');
  assert.deepEqual(await totals(), { all: 2, db: 1, web: 2 }, 'in two groups under all: once in all');
  await applySiteConfiguration(sql, configuration(''), 'test');
  assert.deepEqual(await totals(), { all: 1, db: 0, web: 1 });
});
