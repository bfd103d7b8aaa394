import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfigFiles } from '#cli/config-files.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { countObjects } from '#core/config/model.ts';
import { requireCorpus } from '../../helpers/config.ts';

const corpusDir = requireCorpus('bergamot-site-config');
const files = await readConfigFiles([corpusDir]);

test('the whole Bergamot corpus loads and resolves with no errors', () => {
  assert.equal(files.length, 74, 'the corpus has 74 XML files');
  const { sites, diagnostics } = loadConfiguration(files);
  assert.deepEqual(diagnostics.items.filter((d) => d.severity === 'error'), []);
  assert.equal(sites.length, 1);
  const site = sites[0]!;
  assert.equal(site.name, 'bergamot.template');
  const counts = countObjects(site);
  assert.equal(counts.hosts, 4);
  assert.equal(counts.locations, 13);
  assert.equal(counts.groups, 28);
  assert.equal(counts.teams, 8);
  assert.equal(counts['time-periods'], 7);
  assert.equal(counts.credentials, 9);
  assert.ok(counts.commands! > 150, `commands: ${counts.commands}`);
  assert.equal(site.templateCounts.host, 37);
});

test('the corpus warnings are the real defects in it, each with a place and a suggestion', () => {
  const { diagnostics } = loadConfiguration(files);
  const warnings = diagnostics.sorted().map((d) => `${d.file.split('bergamot-site-config/')[1]}:${d.line}:${d.column} ${d.message} | ${d.hint}`);
  assert.deepEqual(warnings, [
    "base/groups.xml:90:35 attribute 'group' on <group> is read as 'groups' | write groups=\"...\"; Bergamot ignores 'group'",
    "base/templates/hosts/linux/nrpe.xml:26:28 unknown command 'check-zombie-procs' (used by service 'zombie-procs') | did you mean 'check-nrpe-zombie-procs'?",
    "base/templates/hosts/linux/nrpe.xml:31:28 unknown command 'check-total-procs' (used by service 'total-procs') | did you mean 'check-nrpe-total-procs'?",
    "base/templates/hosts/linux/nrpe.xml:36:28 unknown command 'check-disk-space-root' (used by service 'disk-space-root') | did you mean 'check-nrpe-disk-space-root'?",
    "base/templates/hosts/linux/nrpe.xml:46:28 unknown command 'check-local-ntp-offset' (used by service 'local-ntp-offset') | did you mean 'check-nrpe-local-ntp-offset'?",
  ]);
});

test('every host template in the corpus resolves into a working class of server', () => {
  const base = loadConfiguration(files);
  const templates = [...new Set(base.sites[0]!.templateCounts.host ? listHostTemplates() : [])];
  assert.equal(templates.length, 37);
  // One concrete host per template, as a user of the template would write it.
  const hosts = templates.map((name, i) => `<host name="host-${i}" extends="${name}" address="10.0.0.${i}"/>`).join('\n');
  const loaded = loadConfiguration([...files, { path: 'hosts.xml', text: `<bergamot site="bergamot.template">${hosts}</bergamot>` }]);
  const site = loaded.sites[0]!;
  assert.equal(site.hosts.length, 4 + 37);
  // The only errors are the four missing commands of the NRPE Linux template, now used.
  const errors = loaded.diagnostics.items.filter((d) => d.severity === 'error');
  assert.deepEqual([...new Set(errors.map((d) => d.message.replace(/ \(used by.*/, '')))].sort(), [
    "unknown command 'check-disk-space-root'",
    "unknown command 'check-local-ntp-offset'",
    "unknown command 'check-total-procs'",
    "unknown command 'check-zombie-procs'",
  ]);
  // A class of server is one template: the PostgreSQL agent server gets the services of every
  // template up its chain (postgresql-server, linux-server-agent, and its own listener).
  const pg = site.hosts.find((h) => h.templates[0] === 'postgresql-server-agent')!;
  const services = pg.services.map((s) => s.name);
  for (const expected of ['service-postgresql-up', 'agent-info', 'cpu-usage', 'disk-space-root', 'listener-postgresql']) {
    assert.ok(services.includes(expected), `missing ${expected} in ${services.join(', ')}`);
  }
  assert.deepEqual(pg.groups, ['db-servers', 'linux-servers'], 'groups of both parents, left to right');
  // A later parent overrides an earlier one: linux-server-agent's check command wins.
  assert.equal(pg.command?.name, 'check-agent-presence');
  // `groups="public-websites, -websites"` removes the inherited group.
  const publicSite = site.hosts.find((h) => h.templates[0] === 'generic-public-secure-website')!;
  assert.deepEqual(publicSite.groups, ['public-websites']);
  assert.deepEqual(publicSite.services.map((s) => s.name), ['certificate-status']);
  // Schedules: bare numbers are minutes, units are honoured, inherited attribute by attribute.
  const website = site.hosts.find((h) => h.templates[0] === 'bergamot-website')!;
  assert.deepEqual(website.schedule, { everyS: 30, changingEveryS: 30, retryEveryS: 15, timePeriod: '24x7' });
  assert.deepEqual(website.state, { failedAfter: 10, recoversAfter: 20 });
  assert.equal(website.command?.arguments.path, '/health/alive');
});

function listHostTemplates(): string[] {
  const names: string[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(/<host\s[^>]*>/g)) {
      if (/template="yes"/.test(match[0])) names.push(/name="([^"]+)"/.exec(match[0])![1]!);
    }
  }
  return names;
}
