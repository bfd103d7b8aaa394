/**
 * `vigil import-nagios`: Nagios Core's sample configuration imports with every object accounted
 * for (converted, or skipped with the reason), the result passes `vigil validate`, and it applies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfiguration } from '#core/config/load.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { readConfigFiles } from '#cli/config-files.ts';
import { importNagios } from '../../functions/nagios/import.ts';
import { requireCorpus } from '../helpers/config.ts';
import { vigil } from '../helpers/cli.ts';
import { withTestDatabase } from '../helpers/database.ts';
import { FIXTURES } from './checks.ts';

const SAMPLE = requireCorpus('nagios-sample-config');
const { sql } = await withTestDatabase();

test("the sample configuration: every object is converted or skipped with a reason, the XML validates and applies", async () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-import-'));
  const run = await vigil('import-nagios', join(SAMPLE, 'nagios.cfg.in'), '--map-path', '@sysconfdir@/objects=template-object', '--out', out);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.err, '');
  const lines = run.out.split('\n');
  assert.match(lines[0]!, /^read 5 object files and .*resource\.cfg\.in: 49 definitions$/);
  assert.equal(lines[1], '  24 command, 2 contact (1 template), 1 contactgroup, 5 timeperiod, 6 host (5 templates), 10 service (2 templates), 1 hostgroup');
  assert.equal(lines[2], 'converted 45 of 49: 20 commands, 5 time-periods, 1 teams, 8 templates, 1 contacts, 1 groups, 1 hosts, 8 services');
  assert.equal(lines[3], 'skipped 4:');
  const skipped = lines.slice(4, 8).map((l) => l.replace(/^\s+\S*template-object\//, ''));
  assert.deepEqual(skipped, [
    "commands.cfg.in:26: command 'notify-host-by-email': a notification command: Vigil sends notifications itself (teams, contacts and their <notifications>)",
    "commands.cfg.in:34: command 'notify-service-by-email': a notification command: Vigil sends notifications itself (teams, contacts and their <notifications>)",
    "commands.cfg.in:241: command 'process-host-perfdata': it cannot run without a shell ('>' at character 49 is shell syntax, but plugins run without a shell; quote it to pass it as text), and no check uses it",
    "commands.cfg.in:249: command 'process-service-perfdata': it cannot run without a shell ('>' at character 55 is shell syntax, but plugins run without a shell; quote it to pass it as text), and no check uses it",
  ]);
  assert.match(run.out, /\$USER1\$ is the autoconf placeholder '@libexecdir@' \(.*resource\.cfg\.in:25\): plugins are looked up in \/usr\/lib\/nagios\/plugins/);
  assert.match(run.out, /vigil validate: 0 errors, 0 warnings; site nagios: 1 groups, 1 hosts, 8 services, 20 commands, 1 contacts, 1 teams, 5 time-periods, 1 parameters$/);
  assert.deepEqual(readdirSync(out).sort(), ['commands.xml', 'contacts.xml', 'groups.xml', 'hosts.xml', 'site.xml', 'templates.xml']);

  // Every definition read has exactly one outcome, with a reason when skipped.
  const result = importNagios(join(SAMPLE, 'nagios.cfg.in'), { pathMap: [['@sysconfdir@/objects', 'template-object']] });
  const { outcomes } = result.conversion!.summary;
  assert.equal(outcomes.length, result.files.definitions.length);
  assert.equal(new Set(outcomes.map((o) => o.object)).size, 49);
  for (const o of outcomes) assert.ok((o.converted === undefined) !== (o.skipped === undefined) && (o.converted ?? o.skipped)!.length > 0, o.label);

  // `vigil validate` accepts what was written.
  const validate = await vigil('validate', out);
  assert.equal(validate.code, 0, validate.err);
  assert.match(validate.out, /6 files, 0 errors, 0 warnings$/);

  // And it applies: the host and its 8 services become checks.
  const loaded = loadConfiguration(await readConfigFiles([out]));
  const summary = await applySiteConfiguration(sql, loaded.sites[0]!, 'import test');
  assert.deepEqual(summary.counts, { locations: 0, groups: 1, hosts: 1, checks: 9, commands: 20 });
  const stored = await sql<{ name: string; every_s: number; failed_after: number }[]>`
    select ch.name, ch.every_s, ch.failed_after from "check" ch join site s on s.id = ch.site_id
    where s.name = 'nagios' and ch.kind = 'service' order by ch.name`;
  assert.deepEqual(stored.map((r) => r.name), ['Current Load', 'Current Users', 'HTTP', 'PING', 'Root Partition', 'SSH', 'Swap Usage', 'Total Processes']);
  assert.ok(stored.every((r) => r.every_s === 300 && r.failed_after === 4));
});

test('errors in the Nagios files: exit 1, each error with file:line, nothing written', async () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-import-'));
  const run = await vigil('import-nagios', join(FIXTURES, 'broken/nagios.cfg'), '--out', out);
  assert.equal(run.code, 1);
  assert.match(run.err, /broken\/objects\.cfg:11:1: error: unknown object type 'hots'\n {4}did you mean 'host'\?/);
  assert.match(run.err, /18 errors in the Nagios configuration: nothing written$/);
  assert.deepEqual(readdirSync(out), []);
});

test('usage: one main file; --map-path needs FROM=TO', async () => {
  assert.equal((await vigil('import-nagios')).code, 2);
  const bad = await vigil('import-nagios', 'x.cfg', '--map-path', 'nothing');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--map-path needs FROM=TO, got 'nothing'/);
  assert.match((await vigil('help')).out, /import-nagios <nagios.cfg>/);
  const help = await vigil('import-nagios', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--map-path {8}rewrite referenced paths/);
});

test('--native, --site, --time-zone and --verbose on the rich fixture', async () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-import-'));
  const run = await vigil('import-nagios', join(FIXTURES, 'rich/nagios.cfg'), '--out', out, '--native', '--site', 'migrated', '--time-zone', 'Europe/Paris', '--verbose');
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /objects\/commands\.cfg:9: command 'check_http' -> command 'check_http' \(http engine\)/);
  assert.match(run.out, /objects\/hosts\/services\.cfg:1: service 'Disk' -> service 'Disk' on 2 hosts/);
  assert.match(run.out, /objects\/hosts\/groups\.cfg:6: hostgroup 'linux' -> group 'linux'; host template 'linux' \(3 services, extended by its 3 hosts\)/);
  assert.match(run.out, /vigil validate: 0 errors, 0 warnings; site migrated: /);
  const site = loadConfiguration(await readConfigFiles([out])).sites[0]!;
  assert.equal(site.name, 'migrated');
  assert.ok(site.timePeriods.every((p) => p.timeZone === 'Europe/Paris'));
});
