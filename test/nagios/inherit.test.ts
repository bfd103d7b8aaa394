/**
 * Nagios inheritance and what a configuration means: templates, several `use` in order, `+`,
 * `null`, custom variables, hostgroup membership, services on hostgroups with `!` and `*`, which
 * of two definitions of a service a host keeps, and what a service takes from its host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Diagnostics } from '#core/config/diagnostics.ts';
import { readObjects, resolveInheritance, valueOf } from '../../functions/nagios/inherit.ts';
import { expandNagios, toVigilText } from '../../functions/nagios/macros.ts';
import { buildModel, serviceValue, splitCheckCommand } from '../../functions/nagios/model.ts';
import { parseObjectFile, type NagiosFiles } from '../../functions/nagios/parse.ts';

function model(text: string, settings: Record<string, string> = {}) {
  const diagnostics = new Diagnostics();
  const { definitions } = parseObjectFile('o.cfg', text, diagnostics);
  const files: NagiosFiles = {
    settings: new Map(Object.entries(settings).map(([k, v]) => [k, { value: v, at: { file: 'nagios.cfg', line: 1, column: 1 } }])),
    resources: new Map(),
    definitions,
    objectFiles: ['o.cfg'],
    resourceFiles: [],
    mainDirectory: '/',
    cwd: '/',
  };
  const built = buildModel(files, diagnostics);
  return { model: built, problems: diagnostics.sorted().map((d) => `${d.line} ${d.severity}: ${d.message}`) };
}

function resolved(text: string) {
  const diagnostics = new Diagnostics();
  const objects = readObjects(parseObjectFile('o.cfg', text, diagnostics).definitions, diagnostics);
  const map = resolveInheritance(objects, diagnostics);
  return { objects, get: (i: number) => map.get(objects[i]!)!, problems: diagnostics.items.map((d) => d.message) };
}

const def = (type: string, ...lines: string[]) => `define ${type} {\n${lines.map((l) => `  ${l}`).join('\n')}\n}\n`;

test('several templates: the first listed wins, each with its own templates before the next', () => {
  const { get, problems } = resolved(
    def('host', 'name a', 'use a-parent', 'register 0') +
      def('host', 'name a-parent', 'check_interval 1', 'retry_interval 1', 'register 0') +
      def('host', 'name b', 'check_interval 2', 'retry_interval 2', 'max_check_attempts 2', 'register 0') +
      def('host', 'host_name h', 'use a, b'),
  );
  assert.deepEqual(problems, []);
  const h = get(3);
  assert.deepEqual(['check_interval', 'retry_interval', 'max_check_attempts'].map((d) => valueOf(h, d)), ['1', '1', '2']);
});

test('+ appends to the inherited value; a + with nothing under it keeps its + until a later template supplies one', () => {
  const { get } = resolved(
    def('host', 'name base', 'hostgroups all', 'register 0') +
      def('host', 'name plus', 'hostgroups +web', 'register 0') +
      def('host', 'host_name one', 'use base', 'hostgroups +linux') +
      def('host', 'host_name two', 'use plus, base') +
      def('host', 'host_name three', 'use plus'),
  );
  assert.equal(valueOf(get(2), 'hostgroups'), 'all,linux');
  assert.equal(valueOf(get(3), 'hostgroups'), 'all,web', "Nagios's quirk: plus's '+web' is added to base's value");
  assert.equal(valueOf(get(4), 'hostgroups'), 'web');
});

test('null cancels an inherited string; numbers take no + or null; custom variables inherit by upper-case name', () => {
  const { get, problems } = resolved(
    def('host', 'name base', 'event_handler restart', 'notes base', '_snmp_community public', '_Role web', 'register 0') +
      def('host', 'host_name h', 'use base', 'event_handler null', '_ROLE db', 'check_interval +5'),
  );
  assert.deepEqual(problems, []);
  const h = get(1);
  assert.equal(valueOf(h, 'event_handler'), undefined);
  assert.equal(h.values.has('event_handler'), true, 'null is a value: a template under it does not fill it in');
  assert.equal(valueOf(h, 'notes'), 'base');
  assert.equal(valueOf(h, 'check_interval'), '+5');
  assert.deepEqual([...h.custom].map(([k, v]) => [k, v.value]), [['ROLE', 'db'], ['SNMP_COMMUNITY', 'public']]);
});

test('name, use and register are not inherited; duplicate template names and cycles are errors', () => {
  const { get, problems } = resolved(
    def('host', 'name t', 'register 0') + def('host', 'host_name h', 'use t') + def('host', 'name t', 'register 0') + def('host', 'name x', 'use y') + def('host', 'name y', 'use x'),
  );
  assert.equal(get(1).object.register, true);
  assert.equal(get(1).object.templateName, undefined);
  assert.deepEqual(problems, ["duplicate host template 't'", 'inheritance cycle: x -> y -> x']);
});

test('hostgroups: members, hosts naming the group, nested hostgroup_members; ! and * in members', () => {
  const { model: m, problems } = model(
    def('host', 'host_name a', 'max_check_attempts 1', 'hostgroups web') +
      def('host', 'host_name b', 'max_check_attempts 1') +
      def('host', 'host_name c', 'max_check_attempts 1') +
      def('hostgroup', 'hostgroup_name web', 'members b') +
      def('hostgroup', 'hostgroup_name all', 'hostgroup_members web', 'members c') +
      def('hostgroup', 'hostgroup_name most', 'members *, !b'),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual([...m.hostgroups.values()].map((g) => [g.name, [...g.members]]), [['web', ['a', 'b']], ['all', ['a', 'b', 'c']], ['most', ['a', 'c']]]);
  assert.deepEqual([...m.hosts.get('a')!.groups], ['web', 'most']);
});

test('services on hosts: hostgroup_name and host_name lists, ! exclusions of hosts and hostgroups, * for every host', () => {
  const { model: m, problems } = model(
    ['a', 'b', 'c', 'd'].map((h) => def('host', `host_name ${h}`, 'max_check_attempts 1')).join('') +
      def('hostgroup', 'hostgroup_name g1', 'members a, b, c') +
      def('hostgroup', 'hostgroup_name g2', 'members c') +
      def('command', 'command_name x', 'command_line /bin/x') +
      def('service', 'service_description s1', 'hostgroup_name g1', 'host_name !b, d', 'check_command x', 'max_check_attempts 1') +
      def('service', 'service_description s2', 'hostgroup_name g1, !g2', 'check_command x', 'max_check_attempts 1') +
      def('service', 'service_description s3', 'host_name *, !a', 'check_command x', 'max_check_attempts 1') +
      def('service', 'service_description s4', 'hostgroup_name *', 'check_command x', 'max_check_attempts 1'),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(m.services.map((s) => [s.description, s.hosts, [...s.viaHostgroup].sort()]), [
    ['s1', ['a', 'c', 'd'], ['a', 'b', 'c']],
    ['s2', ['a', 'b'], ['a', 'b', 'c']],
    ['s3', ['b', 'c', 'd'], []],
    ['s4', ['a', 'b', 'c'], ['a', 'b', 'c']],
  ]);
});

test('two definitions of a service on a host: the host-specific one wins over a hostgroup one, else the first (with a warning)', () => {
  const { model: m, problems } = model(
    def('host', 'host_name a', 'max_check_attempts 1', 'hostgroups g') +
      def('hostgroup', 'hostgroup_name g') +
      def('command', 'command_name x', 'command_line /bin/x $ARG1$') +
      def('service', 'service_description s', 'hostgroup_name g', 'check_command x!group', 'max_check_attempts 1') +
      def('service', 'service_description s', 'host_name a', 'check_command x!host', 'max_check_attempts 1') +
      def('service', 'service_description t', 'host_name a', 'check_command x!first', 'max_check_attempts 1') +
      def('service', 'service_description t', 'host_name a', 'check_command x!second', 'max_check_attempts 1'),
  );
  assert.deepEqual(problems, ["31 warning: duplicate service 't' on host 'a': Nagios keeps the first definition"]);
  const services = m.serviceOf.get('a')!;
  assert.equal(valueOf(services.get('s')!.resolved, 'check_command'), 'x!host');
  assert.equal(valueOf(services.get('t')!.resolved, 'check_command'), 'x!first');
});

test('a service takes check_period, notification_period and contacts from its host when it sets none', () => {
  const { model: m } = model(
    def('timeperiod', 'timeperiod_name p1', 'monday 00:00-24:00') +
      def('timeperiod', 'timeperiod_name p2', 'monday 00:00-24:00') +
      def('contact', 'contact_name c1') +
      def('contactgroup', 'contactgroup_name g1') +
      def('host', 'host_name a', 'max_check_attempts 1', 'check_period p1', 'notification_period p2', 'contacts c1', 'contact_groups g1') +
      def('command', 'command_name x', 'command_line /bin/x') +
      def('service', 'service_description s', 'host_name a', 'check_command x', 'max_check_attempts 1', 'contact_groups g1'),
  );
  const host = m.hosts.get('a')!.resolved;
  const service = m.services[0]!.resolved;
  assert.deepEqual(['check_period', 'notification_period', 'contacts', 'contact_groups'].map((d) => serviceValue(service, host, d)), ['p1', 'p2', undefined, 'g1']);
});

test('check_command: ! separates arguments, \\! is a literal !', () => {
  assert.deepEqual(splitCheckCommand('check_x!a b!c\\!d!'), { name: 'check_x', args: ['a b', 'c!d', ''] });
});

test('macros: expanded as Nagios does (arguments first) and rewritten as Vigil expressions', () => {
  const context = {
    hostName: 'web-1',
    hostAddress: '192.0.2.1',
    serviceDescription: 'HTTP',
    args: ['-u $USER3$', '$HOSTNAME$'],
    user: new Map([['USER1', '/plugins'], ['USER3', 'bob']]),
    hostCustom: new Map([['PORT', '8080']]),
    serviceCustom: new Map([['PATH', '/health']]),
  };
  const line = '$USER1$/check_http -H $HOSTADDRESS$ -p $_HOSTPORT$ $ARG1$ -s $ARG2$ $_SERVICEPATH$ $ARG3$ $$HOME $LONGDATETIME$ $not a macro$ $HOSTALIAS$';
  assert.equal(expandNagios(line, context), '/plugins/check_http -H 192.0.2.1 -p 8080 -u bob -s web-1 /health  $HOME  $not a macro$ web-1');
  const unsupported = new Set<string>();
  assert.equal(
    toVigilText(line, { pluginMacro: 'USER1' }, unsupported),
    "#{global.nagios_path}/check_http -H #{host.address} -p #{host.getParameter('_PORT')} #{arg1} -s #{arg2} #{check.getParameter('_PATH')} #{arg3} $HOME  $not a macro$ #{coalesce(host.summary, host.name)}",
  );
  assert.deepEqual([...unsupported], ['$LONGDATETIME$']);
  assert.equal(toVigilText("echo '#{not an expression}' $USER4$", { pluginMacro: 'USER1' }), "echo '#{'#{'}not an expression}' #{global.nagios_user4}");
});
