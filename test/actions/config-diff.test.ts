import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { readConfigFiles } from '#cli/config-files.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { diffSiteConfiguration } from '#store/config-diff.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { loadXml, onlySite, requireCorpus } from '../helpers/config.ts';
import { withTestDatabase } from '../helpers/database.ts';

const { sql } = await withTestDatabase();

const EXAMPLES = {
  'the Bergamot corpus': () => requireCorpus('bergamot-site-config'),
  'the quickstart (services, traps, clusters, run-from)': () => resolve(import.meta.dirname, '../../examples/quickstart'),
};

for (const [name, directory] of Object.entries(EXAMPLES)) test(`${name}: all added on an empty site, and no change at all once applied`, async () => {
  const loaded = loadConfiguration(await readConfigFiles([directory()]));
  assert.equal(loaded.diagnostics.errorCount, 0);
  const site = onlySite(loaded);

  const fresh = await diffSiteConfiguration(sql, site);
  assert.deepEqual([fresh.changed.length, fresh.removed.length], [0, 0]);
  const kinds = (refs: { kind: string }[]) => refs.reduce<Record<string, number>>((n, r) => ({ ...n, [r.kind]: (n[r.kind] ?? 0) + 1 }), {});
  const expected = {
    site: 1, location: site.locations.length, group: site.groups.length, 'time-period': site.timePeriods.length,
    command: site.commands.length, team: site.teams.length, contact: site.contacts.length, credential: site.credentials.length,
    host: site.hosts.length, service: site.hosts.reduce((n, h) => n + h.services.length, 0),
    trap: site.hosts.reduce((n, h) => n + h.traps.length, 0), cluster: site.clusters.length,
    resource: site.clusters.reduce((n, c) => n + c.resources.length, 0),
  };
  assert.deepEqual(kinds(fresh.added), Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));

  await applySiteConfiguration(sql, site, 'test');
  assert.deepEqual(await diffSiteConfiguration(sql, site), { added: [], changed: [], removed: [] });
});

const V1 = {
  'site.xml': `
    <parameter name="mode">single</parameter>
    <location name="eu" region="eu-west-1"/>
    <group name="web"/>
    <credential name="api"><username>monitor</username><password>first</password></credential>
    <command name="http-check" engine="http"><parameter name="port">80</parameter></command>
    <command name="tcp-check" engine="tcp"><parameter name="port">22</parameter></command>
    <host name="web-1" address="10.0.0.1" location="eu" groups="web">
      <check-command command="tcp-check"/>
      <service name="http"><check-command command="http-check"/><schedule every="5m"/></service>
      <service name="ssh"><check-command command="tcp-check"/></service>
    </host>
    <host name="web-2" address="10.0.0.2" location="eu" groups="web">
      <service name="http"><check-command command="http-check"/></service>
    </host>`,
};

test('a changed configuration: what is added, removed, and which fields of what change', async () => {
  await applySiteConfiguration(sql, onlySite(loadXml(V1, 'shop')), 'test');
  const v2 = V1['site.xml']
    .replace('<parameter name="mode">single</parameter>', '<parameter name="mode">cluster</parameter>')
    .replace('<password>first</password>', '<password>second</password>')
    .replace('<parameter name="port">80</parameter>', '<parameter name="port">8080</parameter>')
    .replace('<schedule every="5m"/>', '<schedule every="1m"/>')
    .replace('<service name="ssh"><check-command command="tcp-check"/></service>', '')
    .replace('address="10.0.0.2"', 'address="10.0.0.20"')
    .concat('<host name="web-3" address="10.0.0.3" location="eu" groups="web"/>');
  const diff = await diffSiteConfiguration(sql, onlySite(loadXml({ 'site.xml': v2 }, 'shop')));

  assert.deepEqual(diff.added, [{ kind: 'host', name: 'web-3' }]);
  assert.deepEqual(diff.removed, [{ kind: 'service', name: 'ssh', host: 'web-1' }]);
  assert.deepEqual(diff.changed, [
    { kind: 'site', name: 'shop', fields: ['parameters.mode'] },
    { kind: 'command', name: 'http-check', fields: ['parameters.port'] },
    // The value is a secret: only that it changes is told.
    { kind: 'credential', name: 'api', fields: ['password'] },
    { kind: 'host', name: 'web-2', fields: ['address'] },
    // The port comes from the command's default: what the worker gets changes.
    { kind: 'service', name: 'http', host: 'web-1', fields: ['schedule', 'run'] },
    // web-2's address is the http check's default host.
    { kind: 'service', name: 'http', host: 'web-2', fields: ['run'] },
  ]);
  assert.doesNotMatch(JSON.stringify(diff), /second|first/);
});
