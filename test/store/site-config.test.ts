import assert from 'node:assert/strict';
import { test } from 'node:test';
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
