/**
 * Reading Nagios files: object file syntax (comments, continuation lines, escapes, places),
 * main and resource files, and every error of a broken configuration in one run, each with its
 * file:line and what is wrong.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Diagnostics } from '#core/config/diagnostics.ts';
import { importNagios } from '../../functions/nagios/import.ts';
import { parseObjectFile, parseResourceFile, readNagiosConfig } from '../../functions/nagios/parse.ts';
import { requireCorpus } from '../helpers/config.ts';
import { FIXTURES, writeConfig } from './checks.ts';

function parse(text: string) {
  const diagnostics = new Diagnostics();
  const parsed = parseObjectFile('objects.cfg', text, diagnostics);
  return { ...parsed, problems: diagnostics.sorted().map((d) => `${d.line}:${d.column} ${d.severity}: ${d.message}`) };
}

test('definitions, directives and their places; # and ; comments; continuation lines; \\; for a semicolon', () => {
  const { definitions, problems } = parse(
    [
      '# a comment',
      '; another',
      'define command{',
      '    command_name    check_x   ; trailing comment',
      '    command_line    $USER1$/check_x --sep \'\\;\' \\',
      '                    --more',
      '}',
      '',
      '  define host {',
      '\thost_name\tweb-1',
      '    alias           C:\\ Drive   # not a comment',
      '  }',
    ].join('\n'),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    definitions.map((d) => ({ type: d.type, at: `${d.at.line}:${d.at.column}`, directives: d.directives.map((x) => [x.name, x.value, `${x.at.line}:${x.at.column}`]) })),
    [
      {
        type: 'command',
        at: '3:1',
        directives: [
          ['command_name', 'check_x', '4:21'],
          ['command_line', "$USER1$/check_x --sep ';'                     --more", '5:21'],
        ],
      },
      { type: 'host', at: '9:3', directives: [['host_name', 'web-1', '10:12'], ['alias', 'C:\\ Drive   # not a comment', '11:21']] },
    ],
  );
});

test('a command line may end in }: only a line that is exactly } closes a definition', () => {
  const { definitions, problems } = parse('define command {\n command_name x\n command_line /bin/echo {}\n}\n');
  assert.deepEqual(problems, []);
  assert.equal(definitions[0]!.directives[1]!.value, '/bin/echo {}');
});

test('syntax errors: unknown type, missing brace, text outside definitions, stray }, empty value, unterminated define', () => {
  const { definitions, problems } = parse(
    ['define hots {', '  host_name a', '}', 'define host', '}', 'host_name b', '}', 'define service {', '  service_description', '  host_name x', 'define host {', '  host_name c'].join('\n'),
  );
  assert.deepEqual(problems, [
    "1:1 error: unknown object type 'hots'",
    "4:1 error: 'define host' needs a '{' on the same line",
    '6:1 error: unexpected text outside a definition: \'host_name b\'',
    "7:1 error: '}' without a matching 'define'",
    "8:1 error: unterminated definition: 'define service' at line 8 has no closing '}' before the next define at line 11",
    "9:3 error: directive 'service_description' has no value",
    "11:1 error: unterminated definition: 'define host' at line 11 has no closing '}' before the end of the file",
  ]);
  assert.deepEqual(definitions.map((d) => d.type), ['host', 'service', 'host']);
});

test('resource files: $USERn$=value; anything else is an error at its line', () => {
  const diagnostics = new Diagnostics();
  const macros = parseResourceFile('resource.cfg', '# plugins\n$USER1$=/usr/lib/nagios/plugins\n$USER3$ = secret word \nUSER2=x\n$USER300$=y\n', diagnostics);
  assert.deepEqual([...macros].map(([k, v]) => [k, v.value, v.at.line]), [['USER1', '/usr/lib/nagios/plugins', 2], ['USER3', 'secret word', 3]]);
  assert.deepEqual(diagnostics.sorted().map((d) => `${d.line}: ${d.message}`), ["4: 'USER2' is not a resource macro", "5: '$USER300$' is not a resource macro"]);
});

test('nagios.cfg: cfg_file, cfg_dir (recursively, .cfg only), resource_file, include_file, settings; paths relative to it', () => {
  const root = writeConfig({
    'etc/nagios.cfg': 'cfg_file=objects/a.cfg\ncfg_dir=conf.d\nresource_file=resource.cfg\ninterval_length=30\n',
    'etc/objects/a.cfg': 'include_file=more.cfg\ndefine command {\n command_name a\n command_line /bin/a\n}\n',
    'etc/objects/more.cfg': 'define command {\n command_name more\n command_line /bin/more\n}\n',
    'etc/conf.d/x/b.cfg': 'define command {\n command_name b\n command_line /bin/b\n}\n',
    'etc/conf.d/README': 'not read',
    'etc/resource.cfg': '$USER1$=/opt/plugins\n',
  });
  const diagnostics = new Diagnostics();
  const files = readNagiosConfig(join(root, 'etc/nagios.cfg'), diagnostics, { cwd: root });
  assert.deepEqual(diagnostics.items, []);
  assert.deepEqual(files.objectFiles, ['etc/objects/a.cfg', 'etc/objects/more.cfg', 'etc/conf.d/x/b.cfg']);
  assert.deepEqual(files.resourceFiles, ['etc/resource.cfg']);
  assert.equal(files.settings.get('interval_length')?.value, '30');
  assert.equal(files.resources.get('USER1')?.value, '/opt/plugins');
  assert.deepEqual(files.definitions.map((d) => `${d.at.file}:${d.at.line}`), ['etc/objects/a.cfg:2', 'etc/objects/more.cfg:1', 'etc/conf.d/x/b.cfg:1']);
});

test("the sample's nagios.cfg.in: @sysconfdir@ is its directory, X.in is read for a missing X, --map-path finds objects/", () => {
  const sample = requireCorpus('nagios-sample-config');
  const unmapped = new Diagnostics();
  readNagiosConfig(join(sample, 'nagios.cfg.in'), unmapped, { cwd: sample });
  assert.deepEqual(unmapped.sorted().map((d) => `${d.file}:${d.line} ${d.message}`), [
    "nagios.cfg.in:29 no such file or directory: '@sysconfdir@/objects/commands.cfg' (looked for objects/commands.cfg)",
    "nagios.cfg.in:30 no such file or directory: '@sysconfdir@/objects/contacts.cfg' (looked for objects/contacts.cfg)",
    "nagios.cfg.in:31 no such file or directory: '@sysconfdir@/objects/timeperiods.cfg' (looked for objects/timeperiods.cfg)",
    "nagios.cfg.in:32 no such file or directory: '@sysconfdir@/objects/templates.cfg' (looked for objects/templates.cfg)",
    "nagios.cfg.in:35 no such file or directory: '@sysconfdir@/objects/localhost.cfg' (looked for objects/localhost.cfg)",
  ]);
  const mapped = new Diagnostics();
  const files = readNagiosConfig(join(sample, 'nagios.cfg.in'), mapped, { cwd: sample, pathMap: [['@sysconfdir@/objects', 'template-object']] });
  assert.deepEqual(mapped.items, []);
  assert.deepEqual(files.objectFiles, ['template-object/commands.cfg.in', 'template-object/contacts.cfg.in', 'template-object/timeperiods.cfg.in', 'template-object/templates.cfg.in', 'template-object/localhost.cfg.in']);
  assert.deepEqual(files.resourceFiles, ['resource.cfg.in']);
  assert.equal(files.definitions.length, 49);
});

test('a broken configuration: every error in one run, each with file:line and what is wrong', () => {
  const result = importNagios(join(FIXTURES, 'broken/nagios.cfg'), { cwd: FIXTURES });
  assert.equal(result.conversion, undefined, 'nothing is converted from a configuration Nagios would refuse');
  assert.deepEqual(result.diagnostics.sorted().map((d) => `${d.file}:${d.line} ${d.severity}: ${d.message}`), [
    "broken/nagios.cfg:2 error: no such file or directory: 'missing.cfg'",
    'broken/objects.cfg:8 error: inheritance cycle: base -> base-parent -> base',
    "broken/objects.cfg:11 error: unknown object type 'hots'",
    "broken/objects.cfg:16 error: unknown host directive 'adress'",
    "broken/objects.cfg:20 error: duplicate host 'web1'",
    "broken/objects.cfg:23 error: host 'no-attempts' has no 'max_check_attempts'",
    "broken/objects.cfg:25 error: unknown host template 'nonexistent' in use",
    "broken/objects.cfg:27 error: service definition has no 'service_description'",
    "broken/objects.cfg:34 error: bad time range 'monday 9-17': expected times such as 09:00-17:00",
    "broken/objects.cfg:35 error: bad time range 'someday 1 00:00-24:00': unknown day 'someday': expected a weekday (monday..sunday), a month (january..december), 'day', or a date YYYY-MM-DD",
    "broken/objects.cfg:36 error: bad time range 'february 30 00:00-24:00': day 30 is out of range for february: expected 1..29, or -1..-29 (-1 = the last day)",
    "broken/objects.cfg:43 error: duplicate command 'check_ping'",
    "broken/objects.cfg:47 error: unknown host 'ghost' (in service 'PING')",
    "broken/objects.cfg:49 error: unknown command 'check_pong' (check_command of service 'PING')",
    "broken/objects.cfg:51 error: unknown timeperiod 'never' (check_period of service 'PING')",
    "broken/objects.cfg:53 error: unexpected text outside a definition: 'this is not a directive'",
    "broken/objects.cfg:54 error: unterminated definition: 'define host' at line 54 has no closing '}' before the end of the file",
    "broken/resource.cfg:2 error: 'USER2' is not a resource macro",
  ]);
  const hints = new Map(result.diagnostics.items.map((d) => [d.message, d.hint]));
  assert.equal(hints.get("unknown host directive 'adress'"), "did you mean 'address'?");
  assert.equal(hints.get("unknown command 'check_pong' (check_command of service 'PING')"), "did you mean 'check_ping'?");
  assert.equal(hints.get("unknown object type 'hots'"), "did you mean 'host'?");
});

test('reference errors: hostgroups, contacts, contactgroups, servicegroup members, periods, cycles in nested groups', () => {
  const root = writeConfig({
    'nagios.cfg': 'cfg_file=o.cfg\n',
    'o.cfg': [
      'define host {\n host_name h\n max_check_attempts 1\n hostgroups nope\n contacts carol\n parents nobody\n}',
      'define hostgroup {\n hostgroup_name a\n hostgroup_members b\n members ghost\n}',
      'define hostgroup {\n hostgroup_name b\n hostgroup_members a\n}',
      'define contactgroup {\n contactgroup_name ops\n members dave\n}',
      'define contact {\n contact_name erin\n contactgroups devs\n service_notification_period sometimes\n}',
      'define servicegroup {\n servicegroup_name sg\n members h,Missing,h\n}',
      'define timeperiod {\n timeperiod_name t\n exclude t\n}',
      'define service {\n hostgroup_name a\n service_description s\n check_command c\n max_check_attempts 0\n}',
      'define command {\n command_name c\n command_line /bin/true\n}',
    ].join('\n'),
  });
  const result = importNagios(join(root, 'nagios.cfg'), { cwd: root });
  assert.deepEqual(result.diagnostics.sorted().map((d) => `${d.line} ${d.message}`), [
    "4 unknown hostgroup 'nope' in hostgroups of host 'h'",
    "5 unknown contact 'carol' (contacts of host 'h')",
    "6 unknown host 'nobody' in parents of host 'h'",
    "10 hostgroup_members cycle: a -> b -> a",
    "11 unknown host 'ghost' in members of hostgroup 'a'",
    "19 unknown contact 'dave' in members of contactgroup 'ops'",
    "23 unknown contactgroup 'devs' in contactgroups of contact 'erin'",
    "24 unknown timeperiod 'sometimes' (service_notification_period of contact 'erin')",
    "28 members of servicegroup 'sg' must be host,service pairs; 'h' has no service",
    "28 unknown service 'Missing' on host 'h' in members of servicegroup 'sg'",
    "32 timeperiod exclusion cycle: t -> t",
    "34 service 's' applies to no host",
    "38 max_check_attempts must be a number of at least 1, not '0' (service 's')",
  ]);
});
