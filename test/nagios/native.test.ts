/**
 * --native: check_http/check_curl, check_tcp, check_nrpe, check_dns and check_ssl_cert become
 * Vigil's http, tcp, nrpe, dns and certificate engines with the same meaning; anything without
 * an exact equivalent stays on the nagios engine, with the reason.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfiguration } from '#core/config/load.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import { certificateEngine } from '#engines/certificate.ts';
import { dnsEngine } from '#engines/dns.ts';
import type { Engine } from '#engines/engine.ts';
import { httpEngine } from '#engines/http/http-engine.ts';
import { nrpeEngine } from '#engines/nrpe/nrpe-engine.ts';
import { tcpEngine } from '#engines/tcp.ts';
import { importNagios } from '../../functions/nagios/import.ts';
import { type NativeResult, nativeCheck } from '../../functions/nagios/native.ts';
import { FIXTURES, writeConfig } from './checks.ts';

const TEXT = { pluginMacro: 'USER1' };
const native = (line: string): NativeResult => nativeCheck(`$USER1$/${line}`, TEXT);
const ok = (engine: string, parameters: [string, string][]): NativeResult => ({ ok: true, engine: engine as 'http', parameters });

const cases: [string, NativeResult][] = [
  ['check_http -I $HOSTADDRESS$ -u /health -e 200', ok('http', [['path', '/health'], ['status', '200']])],
  [
    'check_http -H www.example.com -S -u /x -s "Welcome home" -w 2 -c 5.5',
    ok('http', [['host', 'www.example.com'], ['ssl', 'yes'], ['permit_invalid_certs', 'yes'], ['path', '/x'], ['contains', 'Welcome home'], ['warning_response_time', '2s'], ['critical_response_time', '5500ms']]),
  ],
  [
    "check_http -I $HOSTADDRESS$ -H example.com -p 8080 -a monitor:s3cret -k 'X-Test: 1' -f follow -m 100 -R '^ok' -j head -t 10",
    ok('http', [['virtual_host', 'example.com'], ['port', '8080'], ['method', 'HEAD'], ['body_regex', '/^ok/i'], ['username', 'monitor'], ['password', 's3cret'], ['header:X-Test', '1'], ['follow_redirects', 'yes'], ['length', '100']]),
  ],
  ['check_curl --hostname=$HOSTNAME$ --url=https://x.example/api --expect=200,301 --post=a=1', ok('http', [['host', '#{host.name}'], ['url', 'https://x.example/api'], ['method', 'POST'], ['body', 'a=1'], ['status', '200,301']])],
  ['check_http -H $HOSTADDRESS$ -C 30,14', ok('certificate', [['warning_days', '30'], ['critical_days', '14'], ['verify_chain', 'no']])],
  ['check_http -H www.example.com -p 8443 -C 21', ok('certificate', [['host', 'www.example.com'], ['port', '8443'], ['warning_days', '21'], ['critical_days', '0'], ['verify_chain', 'no']])],
  ['check_http -H x -d Server', { ok: false, reason: 'option -d has no equivalent' }],
  ['check_http -H x -e "HTTP/1.1 200 OK,foo"', { ok: false, reason: "-e 'HTTP/1.1 200 OK,foo' is not a list of status codes" }],
  ['check_http -H x -f critical', { ok: false, reason: '-f critical has no equivalent (only follow and ok)' }],
  ['check_http -H x -C 30 -u /', { ok: false, reason: '-C with -u: check_http checks only the certificate' }],
  ['check_http -H x extra', { ok: false, reason: "argument 'extra' is not an option the engine knows" }],
  ['check_tcp -H $HOSTADDRESS$ -p 443 -S -w 0.5 -c 2', ok('tcp', [['port', '443'], ['ssl', 'yes'], ['permit_invalid_certs', 'yes'], ['warning_connect_time', '500ms'], ['critical_connect_time', '2s']])],
  ["check_tcp -H mail.example.com -p 25 -e '220 '", ok('tcp', [['host', 'mail.example.com'], ['port', '25'], ['expect', '220 ']])],
  ["check_tcp -H x -p 25 -E -s 'HELO\\r\\n'", ok('tcp', [['host', 'x'], ['port', '25'], ['send', 'HELO\\r\\n']])],
  ["check_tcp -H x -p 25 -s 'HELO\\r\\n'", { ok: false, reason: '-s has a backslash but no -E: check_tcp sends it as written, the tcp engine reads escapes' }],
  ['check_tcp -H x -p 22 -r ok', { ok: false, reason: 'option -r has no equivalent' }],
  ['check_tcp -H x', { ok: false, reason: 'check_tcp without -p' }],
  ['check_nrpe -H $HOSTADDRESS$ -t 30 -c check_disk -a 20% 10% /', ok('nrpe', [['command', 'check_disk'], ['nrpe-arg1', '20%'], ['nrpe-arg2', '10%'], ['nrpe-arg3', '/']])],
  ['check_nrpe -H 192.0.2.9 -p 5667 -n -c check_load', ok('nrpe', [['host', '192.0.2.9'], ['port', '5667'], ['command', 'check_load'], ['ssl', 'no']])],
  ['check_nrpe -H $HOSTADDRESS$', { ok: false, reason: 'check_nrpe without -c only asks the daemon for its version' }],
  ['check_nrpe -H x -c y -A /etc/ca.pem', { ok: false, reason: 'option -A has no equivalent' }],
  [
    'check_dns -H www.example.com -s $HOSTADDRESS$ -a 192.0.2.10 -w 0.2 -c 1',
    ok('dns', [['name', 'www.example.com'], ['server', '#{host.address}'], ['expect', '192.0.2.10'], ['warning_response_time', '200ms'], ['critical_response_time', '1s']]),
  ],
  ['check_dns -H example.com -q mx', ok('dns', [['name', 'example.com'], ['type', 'MX']])],
  ['check_dns -H example.com -a 192.0.2.1,192.0.2.2', { ok: false, reason: "-a '192.0.2.1,192.0.2.2': only one address (no lists or CIDR) converts" }],
  ['check_dns -H example.com -q SOA', { ok: false, reason: '-q SOA: the dns engine asks for A, AAAA, CNAME, MX, TXT, NS' }],
  ['check_ssl_cert -H $HOSTADDRESS$ -w 30 -c 7 --sni www.example.com', ok('certificate', [['virtual_host', 'www.example.com'], ['warning_days', '30'], ['critical_days', '7']])],
  ['check_ssl_cert -H example.com -p 8443', ok('certificate', [['host', 'example.com'], ['port', '8443'], ['warning_days', '20'], ['critical_days', '15']])],
  ['check_ssl_cert -H example.com --rootcert /etc/ca.pem', { ok: false, reason: 'option --rootcert has no equivalent' }],
  ['check_load -w 1 -c 2', { ok: false, reason: 'check_load has no native engine' }],
  ['check_http -H x -s "a | b" | grep x', { ok: false, reason: "'|' at character 36 is shell syntax, but plugins run without a shell; quote it to pass it as text" }],
];

for (const [line, expected] of cases) {
  test(`native: ${line}`, () => assert.deepEqual(native(line), expected));
}

const ENGINES: Record<string, Engine> = { http: httpEngine, tcp: tcpEngine, dns: dnsEngine, certificate: certificateEngine, nrpe: nrpeEngine };

test("every parameter a native conversion writes is one its engine reads (README's Check engines)", () => {
  for (const [line, expected] of cases) {
    if (!expected.ok) continue;
    const known = ENGINES[expected.engine]!.parameters.map((p) => p.name);
    for (const [name] of expected.parameters) {
      const spec = name.startsWith('header:') ? 'header:<Name>' : name.startsWith('nrpe-arg') ? 'nrpe-arg' : name;
      if (spec === 'nrpe-arg') continue; // arguments are read by prefix
      const timed = /^(warning|critical)_(response|connect)_time$/.test(name);
      assert.ok(timed || known.includes(spec), `${expected.engine} does not read '${name}' (${line})`);
    }
  }
});

test('--native on the rich fixture: plugins with an equivalent become engines, the checks land on the same hosts, and it validates', () => {
  const plain = importNagios(join(FIXTURES, 'rich/nagios.cfg'));
  const result = importNagios(join(FIXTURES, 'rich/nagios.cfg'), { native: true });
  assert.equal(result.diagnostics.errorCount, 0);
  const loaded = loadConfiguration(result.conversion!.files);
  assert.deepEqual(loaded.diagnostics.items, []);
  const site = loaded.sites[0]!;
  const pairs = (s: typeof site) => s.hosts.flatMap((h) => [h, ...h.services].filter((c) => c.command).map((c) => `${h.name}/${c === h ? '' : c.name}`)).sort();
  assert.deepEqual(pairs(site), pairs(loadConfiguration(plain.conversion!.files).sites[0]!));
  const engines = Object.fromEntries(site.commands.map((c) => [c.name, c.engine]));
  assert.deepEqual(engines, {
    'check-host-alive': 'nagios',
    check_disk: 'nagios',
    check_http: 'http',
    check_ssh: 'nagios',
    check_nrpe: 'nrpe',
    check_snmp_oid: 'nagios',
    check_mysql: 'nagios',
    check_thing: 'nagios',
    check_users_literal: 'nagios',
    check_tcp: 'tcp',
    check_dummy: 'nagios',
  });
  const check = (host: string, service: string) => {
    const h = site.hosts.find((x) => x.name === host)!;
    const s = h.services.find((x) => x.name === service)!;
    return resolveCheckParameters({ site, check: s, host: h }).values;
  };
  assert.deepEqual(check('web1', 'HTTP'), { path: '/health', status: '200' });
  assert.deepEqual(check('web2', 'HTTP'), { path: '/status', port: '8080' });
  assert.deepEqual(check('web3', 'Port'), { port: '443' });
  assert.deepEqual(check('db1', 'Port'), { port: '22' });
  assert.deepEqual(check('lonely', 'Load'), { command: 'check_load' });
});

test('--native: a command some checks cannot use natively stays a nagios command for them, with a native twin for the others', () => {
  const root = writeConfig({
    'nagios.cfg': 'cfg_file=o.cfg\n',
    'o.cfg': [
      'define command {\n command_name check_http\n command_line /usr/lib/nagios/plugins/check_http -I $HOSTADDRESS$ $ARG1$\n}',
      'define host {\n host_name h\n max_check_attempts 1\n}',
      'define service {\n host_name h\n service_description plain\n check_command check_http!-u /\n max_check_attempts 1\n}',
      'define service {\n host_name h\n service_description odd\n check_command check_http!-u / -d Server\n max_check_attempts 1\n}',
    ].join('\n'),
  });
  const result = importNagios(join(root, 'nagios.cfg'), { native: true });
  const site = loadConfiguration(result.conversion!.files).sites[0]!;
  assert.deepEqual(site.commands.map((c) => [c.name, c.engine]), [['check_http', 'nagios'], ['check_http-http', 'http']]);
  assert.deepEqual(site.hosts[0]!.services.map((s) => [s.name, s.command?.name]), [['plain', 'check_http-http'], ['odd', 'check_http']]);
  assert.ok(result.conversion!.summary.notes.some((n) => n.startsWith("command 'check_http' stays on the nagios engine for some checks: check_http!-u / -d Server: option -d has no equivalent")));
});
