/**
 * The converter: its XML validates, and applied, it schedules the same checks on the same hosts
 * as Nagios would (same plugin argv, same timing), for Nagios's own sample configuration and for
 * a richer fixture (hostgroup-attached services with exclusions, several templates per object,
 * `+` and `null`, custom variables, $USERn$ macros, interval_length 30).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfiguration } from '#core/config/load.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import { type TimePeriod, isWithinTimePeriod, parseTimeRange } from '#core/time-period.ts';
import { type ImportOptions, importNagios } from '../../functions/nagios/import.ts';
import { requireCorpus } from '../helpers/config.ts';
import { FIXTURES, nagiosSide, vigilSide, writeConfig } from './checks.ts';

const SAMPLE = requireCorpus('nagios-sample-config');
const RICH = join(FIXTURES, 'rich/nagios.cfg');
const SAMPLE_OPTIONS: ImportOptions = { pathMap: [['@sysconfdir@/objects', 'template-object']] };

function convert(main: string, options: ImportOptions = {}) {
  const result = importNagios(main, options);
  assert.equal(result.diagnostics.errorCount, 0, result.diagnostics.items.map((d) => `${d.file}:${d.line} ${d.message}`).join('\n'));
  const conversion = result.conversion!;
  const loaded = loadConfiguration(conversion.files);
  const problems = loaded.diagnostics.sorted().map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}`);
  assert.deepEqual(problems, [], 'the converted configuration validates without errors or warnings');
  assert.equal(loaded.sites.length, 1);
  return { result, conversion, site: loaded.sites[0]! };
}

function xml(conversion: { files: { path: string; text: string }[] }, path: string): string {
  return conversion.files.find((f) => f.path === path)?.text ?? '';
}

test("Nagios's sample configuration: Vigil schedules the same checks, with the same command lines and timing", () => {
  const { result, conversion, site } = convert(join(SAMPLE, 'nagios.cfg.in'), SAMPLE_OPTIONS);
  const expected = nagiosSide(result.model, conversion.pluginPath);
  assert.deepEqual(vigilSide(site), expected);
  assert.equal(expected.length, 9, 'localhost and its 8 services');
  assert.ok(expected.includes('localhost | Current Load | ["/usr/lib/nagios/plugins/check_load","-w","5.0,4.0,3.0","-c","10.0,6.0,4.0"] | every 300s, soft 60s, hard problem 300s, 4 attempts, period 24x7'));
  assert.ok(expected.includes('localhost |  | ["/usr/lib/nagios/plugins/check_ping","-H","127.0.0.1","-w","3000.0,80%","-c","5000.0,100%","-p","5"] | every 300s, soft 60s, hard problem 300s, 10 attempts, period 24x7'));
});

test('every file of the sample (printer, switch, windows too) converts to the same checks', () => {
  const root = writeConfig({ 'nagios.cfg': `cfg_dir=${join(SAMPLE, 'template-object')}\nresource_file=${join(SAMPLE, 'resource.cfg.in')}\n` });
  const { result, conversion, site } = convert(join(root, 'nagios.cfg'));
  const expected = nagiosSide(result.model, conversion.pluginPath);
  assert.deepEqual(vigilSide(site), expected);
  assert.deepEqual(site.hosts.map((h) => h.name).sort(), ['hplj2605dn', 'linksys-srw224p', 'localhost', 'winserver']);
  assert.ok(expected.includes('winserver | C:\\ Drive Space | ["/usr/lib/nagios/plugins/check_nt","-H","192.168.1.2","-p","12489","-v","USEDDISKSPACE","-l","c","-w","80","-c","90"] | every 600s, soft 120s, hard problem 600s, 3 attempts, period 24x7'));
});

test('the rich fixture: hostgroup services with exclusions, several use, +, null, custom variables and $USERn$ give the same checks', () => {
  const { result, conversion, site } = convert(RICH);
  const expected = nagiosSide(result.model, conversion.pluginPath);
  assert.deepEqual(vigilSide(site), expected);
  // A few checks spelled out, so that the comparison does not only test Nagios semantics against themselves.
  const lines = new Set(expected);
  const has = (text: string) => assert.ok(lines.has(text), `expected ${text}\nin\n${expected.join('\n')}`);
  // web-role comes first in `use web-role,linux-host`: its check_interval (4 x 30 s) wins.
  has('web1 |  | ["/usr/lib/nagios/plugins/check_ping","-H","192.0.2.11","-w","3000.0,80%","-c","5000.0,100%","-p","5"] | every 120s, soft 60s, hard problem 120s, 3 attempts, period 24x7');
  // Disk on hostgroup linux except web2 (host_name !web2); SSH on linux except hostgroup db.
  assert.deepEqual(expected.filter((l) => l.includes('| Disk |')).map((l) => l.split(' | ')[0]), ['db1', 'web1']);
  assert.deepEqual(expected.filter((l) => l.includes('| SSH |')).map((l) => l.split(' | ')[0]), ['web1', 'web2']);
  // The host-specific HTTP on web2 beats the hostgroup one; web3 is in web through members.
  has('web2 | HTTP | ["/usr/lib/nagios/plugins/check_http","-I","192.0.2.12","-u","/status","-p","8080"] | every 60s, soft 60s, hard problem 60s, 5 attempts, period 24x7');
  has('web3 | HTTP | ["/usr/lib/nagios/plugins/check_http","-I","192.0.2.13","-u","/health","-e","200"] | every 60s, soft 60s, hard problem 60s, 5 attempts, period workhours');
  // Custom variables from the host (each host its own) and from the service.
  has('db1 | SNMP uptime | ["/usr/lib/nagios/plugins/check_snmp","-H","192.0.2.21","-C","db-secret","-o","sysUpTime.0","-w","100"] | every 300s, soft 60s, hard problem 300s, 3 attempts, period workhours');
  // $USER3$ in an argument, $USER5$, $HOSTALIAS$, $$ and \; in the command line.
  has('db1 | MySQL | ["/usr/lib/nagios/plugins/check_mysql","-H","192.0.2.21","-u","monitor","-d","app"] | every 300s, soft 60s, hard problem 300s, 3 attempts, period 24x7');
  has('db1 | Thing | ["/usr/lib/nagios/plugins/contrib/check_thing","--name","db1 (Database one)","--sep",";","--cost","$5"] | every 300s, soft 60s, hard problem 300s, 3 attempts, period always');
  // `hostgroups null` and `check_command null`: lonely is in no group and has no host check; `*` still reaches it.
  assert.deepEqual(expected.filter((l) => l.startsWith('lonely ')).map((l) => l.split(' | ')[1]), ['Load']);
  // active_checks_enabled 0.
  has('db1 | Passive | ["/usr/lib/nagios/plugins/check_dummy","0","passive: Passive"] | not scheduled');
  assert.equal(expected.length, 29);
});

test('a hostgroup that only attaches services becomes a host template; one that is also used for display stays a group', () => {
  const { conversion, site } = convert(RICH);
  const templates = xml(conversion, 'templates.xml');
  for (const group of ['linux', 'web', 'db', 'all-servers', 'all-hosts']) assert.match(templates, new RegExp(`<host name="${group}" template="yes">`));
  // linux and web are in all-servers' hostgroup_members: display groups too, the tree kept; db only attaches a service.
  assert.deepEqual(site.groups.map((g) => [g.name, g.parents]).sort(), [['all-servers', []], ['linux', ['all-servers']], ['web', ['all-servers']], ['web-checks', []]]);
  const web1 = site.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(web1.templates.filter((t) => ['linux', 'web', 'all-servers', 'all-hosts'].includes(t)).sort(), ['all-hosts', 'all-servers', 'linux', 'web']);
  assert.deepEqual(web1.groups, ['all-servers', 'linux', 'web']);
  // The excluded service is replaced by a template (not run) on the excluded host only.
  assert.match(xml(conversion, 'hosts.xml'), /<service name="Disk" template="yes"\/>/);
  assert.equal(site.hosts.find((h) => h.name === 'web2')!.services.some((s) => s.name === 'Disk'), false);
});

test('a hostgroup used only to attach services is not a display group, unless --keep-groups', () => {
  const root = writeConfig({
    'nagios.cfg': 'cfg_file=objects.cfg\n',
    'objects.cfg': `
define command { command_name c
    command_line /usr/lib/nagios/plugins/check_dummy 0 $HOSTNAME$ }
define host { host_name a
    max_check_attempts 1
    hostgroups web }
define host { host_name b
    max_check_attempts 1
    hostgroups web,shown }
define hostgroup { hostgroup_name web }
define hostgroup { hostgroup_name shown }
define service { hostgroup_name web
    service_description ok
    check_command c
    max_check_attempts 1 }
`.replaceAll(' }', '\n}'),
  });
  const plain = convert(join(root, 'nagios.cfg'));
  assert.deepEqual(plain.site.groups.map((g) => g.name), ['shown']);
  assert.deepEqual(plain.site.hosts.map((h) => [h.name, h.groups, h.services.map((s) => s.name)]), [['a', [], ['ok']], ['b', ['shown'], ['ok']]]);
  const kept = convert(join(root, 'nagios.cfg'), { keepGroups: true });
  assert.deepEqual(kept.site.groups.map((g) => g.name), ['web', 'shown']);
  assert.deepEqual(kept.site.hosts.map((h) => h.groups), [['web'], ['web', 'shown']]);
});

test('templates stay templates and objects write only what their templates do not give them', () => {
  const { conversion, site } = convert(join(SAMPLE, 'nagios.cfg.in'), SAMPLE_OPTIONS);
  const templates = xml(conversion, 'templates.xml');
  assert.match(templates, /<service name="local-service" template="yes" extends="generic-service">\n\s+<schedule every="5m" changing-every="1m" retry-every="5m"\/>\n\s+<state failed-after="4"\/>\n\s+<\/service>/);
  assert.match(xml(conversion, 'hosts.xml'), /<host name="localhost" extends="linux-server" address="127.0.0.1" groups="linux-servers">\n\s+<!-- template-object\/localhost.cfg.in:\d+ -->\n\s+<service name="PING" extends="local-service">\n\s+<check-command command="check_ping">/);
  const localhost = site.hosts[0]!;
  assert.deepEqual(localhost.templates, ['linux-server', 'generic-host']);
  assert.deepEqual(localhost.schedule, { everyS: 300, changingEveryS: 60, retryEveryS: 300, timePeriod: '24x7' });
  assert.deepEqual(localhost.notify, { teams: ['admins'], contacts: [] });
});

test('use a,b: the first template wins in Nagios, so it is the last in extends', () => {
  const { site } = convert(RICH);
  const web1 = site.hosts.find((h) => h.name === 'web1')!;
  assert.deepEqual(web1.templates.slice(0, 3), ['all-hosts', 'web', 'linux']);
  assert.ok(web1.templates.indexOf('web-role') < web1.templates.indexOf('linux-host'), 'web-role is nearer than linux-host');
  assert.equal(web1.schedule.everyS, 120);
  assert.deepEqual(web1.parameters, { _SNMP_COMMUNITY: 'public', _ROLE: 'web' });
});

test("null: an inherited value Vigil cannot cancel is written out, keeping the templates that do not bring it", () => {
  const { conversion, site } = convert(RICH);
  // Thing: use business-hours,generic-service with check_period null -> extends only generic-service.
  assert.match(xml(conversion, 'hosts.xml'), /<service name="Thing" extends="generic-service">\n\s+<check-command command="check_thing"\/>\n\s+<\/service>/);
  const thing = site.hosts.find((h) => h.name === 'db1')!.services.find((s) => s.name === 'Thing')!;
  assert.equal(thing.schedule.timePeriod, undefined);
  const lonely = site.hosts.find((h) => h.name === 'lonely')!;
  assert.equal(lonely.command, undefined);
  assert.deepEqual(lonely.groups, []);
});

test('+ values add to the inherited ones: contact_groups +ops on a service template notifies both teams', () => {
  const { site } = convert(RICH);
  const http = site.hosts.find((h) => h.name === 'web1')!.services.find((s) => s.name === 'HTTP')!;
  assert.deepEqual(http.notify.teams, ['admins', 'ops']);
  assert.deepEqual(http.groups, ['web-checks']);
});

test('time periods keep weekdays, exceptions, inherited ranges and exclusions; --time-zone sets the zone', () => {
  const { site } = convert(RICH, { timeZone: 'Europe/London' });
  const byName = new Map(site.timePeriods.map((p) => [p.name, p]));
  assert.deepEqual([...byName.keys()], ['24x7', 'holidays', 'workhours', 'nights']);
  assert.deepEqual(byName.get('workhours'), {
    name: 'workhours',
    summary: 'Work hours, holidays excluded',
    at: byName.get('workhours')!.at,
    timeZone: 'Europe/London',
    ranges: ['friday 09:00-15:00', 'monday 09:00-17:00', 'tuesday 09:00-17:00', 'wednesday 09:00-17:00', 'thursday 09:00-17:00'],
    excludes: ['holidays'],
  });
  assert.deepEqual(byName.get('holidays')!.ranges, ['january 1 00:00-24:00', 'monday -1 may 00:00-24:00', 'december 25 00:00-24:00']);
  assert.deepEqual(byName.get('nights')!.ranges, ['monday 00:00-07:00,19:00-24:00', 'day 1 - 7 00:00-24:00']);
});

test("the sample's time periods mean in Vigil what they mean in Nagios: holidays switch a day off, workhours are weekdays", () => {
  const { site } = convert(join(SAMPLE, 'nagios.cfg.in'), SAMPLE_OPTIONS);
  const periods = new Map<string, TimePeriod>(site.timePeriods.map((p) => [p.name, { name: p.name, excludes: p.excludes, ranges: p.ranges.map((r) => {
    const parsed = parseTimeRange(r);
    assert.ok(parsed.ok, r);
    return parsed.range;
  }) }]));
  const at = (name: string, iso: string) => isWithinTimePeriod(periods.get(name)!, Date.parse(iso), (n) => periods.get(n));
  assert.equal(at('24x7_sans_holidays', '2025-12-25T12:00:00Z'), false, 'Christmas');
  assert.equal(at('24x7_sans_holidays', '2025-05-26T12:00:00Z'), false, 'Memorial Day, the last Monday of May');
  assert.equal(at('24x7_sans_holidays', '2025-05-19T12:00:00Z'), true);
  assert.equal(at('workhours', '2025-05-19T08:59:00Z'), false);
  assert.equal(at('workhours', '2025-05-19T09:00:00Z'), true);
  assert.equal(at('workhours', '2025-05-17T12:00:00Z'), false, 'a Saturday');
  assert.equal(at('none', '2025-05-19T12:00:00Z'), false);
});

test('contacts become contacts with their teams, email and notification settings; contactgroups become teams', () => {
  const { site } = convert(RICH);
  assert.deepEqual(site.teams.map((t) => [t.name, t.parents]), [['admins', ['ops']], ['ops', []]]);
  const alice = site.contacts.find((c) => c.name === 'alice')!;
  assert.equal(alice.email, 'alice@example.com');
  assert.deepEqual(alice.teams, ['admins']);
  assert.deepEqual(alice.notifications, { 'time-period': '24x7', ignore: 'unknown', recovery: 'yes' });
  const bob = site.contacts.find((c) => c.name === 'bob')!;
  assert.deepEqual(bob.teams, ['ops']);
  assert.deepEqual(bob.notifications, { 'time-period': 'workhours', ignore: 'unknown', recovery: 'yes' });
});

test('$USERn$ macros become site parameters; a literal plugin path becomes #{global.nagios_path}; --plugin-path moves it', () => {
  const { conversion, site } = convert(RICH, { pluginPath: '/opt/plugins' });
  assert.equal(site.parameters.nagios_path, '/opt/plugins');
  assert.equal(site.parameters.nagios_user3, 'monitor');
  assert.match(xml(conversion, 'commands.xml'), /<parameter name="command_line">#\{global.nagios_path\}\/check_users -w #\{arg1\} -c #\{arg2\}<\/parameter>/);
  const db1 = site.hosts.find((h) => h.name === 'db1')!;
  const users = db1.services.find((s) => s.name === 'Users')!;
  assert.equal(resolveCheckParameters({ site, check: users, host: db1 }).values.command_line, '/opt/plugins/check_users -w 5 -c 10');
});

test('a check whose command cannot run without a shell is skipped with the reason; so is the command', () => {
  const root = writeConfig({
    'nagios.cfg': 'cfg_file=objects.cfg\n',
    'objects.cfg': [
      'define command {\n command_name piped\n command_line /usr/lib/nagios/plugins/check_dummy 0 | tee /tmp/x\n}',
      'define host {\n host_name h\n max_check_attempts 1\n}',
      'define service {\n host_name h\n service_description piped\n check_command piped\n max_check_attempts 1\n}',
    ].join('\n'),
  });
  const { conversion, site } = convert(join(root, 'nagios.cfg'));
  const skipped = conversion.summary.outcomes.filter((o) => o.skipped).map((o) => `${o.label}: ${o.skipped}`);
  assert.deepEqual(skipped, [
    "command 'piped': it cannot run without a shell ('|' at character 39 is shell syntax, but plugins run without a shell; quote it to pass it as text); the checks that use it are skipped",
    "service 'piped': its command 'piped' is skipped: it cannot run without a shell ('|' at character 39 is shell syntax, but plugins run without a shell; quote it to pass it as text); the checks that use it are skipped",
  ]);
  assert.deepEqual(site.hosts[0]!.services, []);
});

test('check timing: intervals in interval_length units, retry_interval while soft, check_interval again once hard', () => {
  const { site } = convert(RICH);
  const web3 = site.hosts.find((h) => h.name === 'web3')!;
  const http = web3.services.find((s) => s.name === 'HTTP')!;
  // fast-service: check_interval 2, retry_interval 2 (from generic-service), interval_length 30.
  assert.deepEqual(http.schedule, { everyS: 60, changingEveryS: 60, retryEveryS: 60, timePeriod: 'workhours' });
  assert.equal(http.state.failedAfter, 5);
  assert.equal(web3.schedule.timePeriod, 'workhours', 'the host check period; the service takes it from the host (implied inheritance)');
});

test("a host's parents carry over: while its parent is down, its problems are not alerted", () => {
  const root = writeConfig({
    'nagios.cfg': 'cfg_file=objects.cfg\n',
    'objects.cfg': `
define command { command_name c
    command_line /usr/lib/nagios/plugins/check_dummy 0 $HOSTNAME$
}
define host { host_name core-switch
    max_check_attempts 1
    check_command c
}
define host { host_name web-1
    parents core-switch
    max_check_attempts 1
    check_command c
}
`,
  });
  const { conversion, site } = convert(join(root, 'nagios.cfg'));
  assert.match(xml(conversion, 'hosts.xml'), /<host name="web-1"[^>]* parents="core-switch"/);
  assert.deepEqual(site.hosts.map((h) => [h.name, h.parents]), [['core-switch', []], ['web-1', ['core-switch']]]);
});
