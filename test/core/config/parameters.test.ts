import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import { hostNamed, loadXml, onlySite } from '../../helpers/config.ts';

const SITE = `
<parameter name="nagios_path">/usr/lib/nagios/plugins</parameter>
<parameter name="port">1</parameter>
<location name="world"><parameter name="snmp_version">3</parameter><parameter name="port">2</parameter></location>
<location name="dc" location="world"><parameter name="port">3</parameter></location>
<credential name="default_api"><username>monitor</username><password>s3cret</password></credential>
<command name="probe" engine="nagios">
  <parameter name="command_line">#{global.nagios_path}/check_x -H #{host.address} -p #{port} -w #{arg1}</parameter>
  <parameter name="port">9999</parameter>
  <parameter name="arg1">default-arg</parameter>
  <parameter name="target">#{coalesce(host.address, host.name)}</parameter>
  <parameter name="snmp_version">#{coalesce(host.getParameter('snmp_version'), host.location.getParameter('snmp_version'), '2')}</parameter>
  <parameter name="user">#{resolve_credentials('api').username}</parameter>
  <parameter name="auth">#{resolve_credentials('api').password}</parameter>
  <parameter name="auth_header">Basic #{auth}</parameter>
</command>
<host name="bare" location="dc"><check-command command="probe"/></host>
<host name="h" location="dc" address="10.1.1.1">
  <parameter name="port">4</parameter>
  <check-command command="probe"/>
  <service name="s">
    <parameter name="port">5</parameter>
    <check-command command="probe"><parameter name="arg1">7,8,9</parameter></check-command>
  </service>
  <service name="t">
    <check-command command="probe"><parameter name="port">6</parameter></check-command>
  </service>
</host>`;

const site = onlySite(loadXml({ 'site.xml': SITE }));

function parametersOf(hostName: string, serviceName?: string) {
  const host = hostNamed(site, hostName);
  const check = serviceName ? host.services.find((s) => s.name === serviceName)! : host;
  return resolveCheckParameters({ site, host, check });
}

test('the most specific definition of a parameter wins', () => {
  // check-command argument > check > host > location (nearest first) > site > command default
  assert.equal(parametersOf('h', 't').values.port, '6');
  assert.equal(parametersOf('h', 's').values.port, '5');
  assert.equal(parametersOf('h').values.port, '4');
  assert.equal(parametersOf('bare').values.port, '3');
});

test('expressions read the host, its location chain, the site and other parameters', () => {
  const { values } = parametersOf('h', 's');
  assert.equal(values.command_line, '/usr/lib/nagios/plugins/check_x -H 10.1.1.1 -p 5 -w 7,8,9');
  assert.equal(values.target, '10.1.1.1');
  assert.equal(values.snmp_version, '3', 'inherited from the parent location');
  assert.equal(parametersOf('bare').values.target, 'bare', 'coalesce falls back to the host name');
  assert.equal(parametersOf('bare').values.arg1, 'default-arg');
});

test('values derived from credentials are marked secret, usernames are not', () => {
  const { values, secretNames } = parametersOf('h');
  assert.equal(values.user, 'monitor');
  assert.equal(values.auth, 's3cret');
  assert.equal(values.auth_header, 'Basic s3cret');
  assert.deepEqual(secretNames.sort(), ['auth', 'auth_header']);
});

test('the quickstart example resolves its location-dependent port', async () => {
  const { readConfigFiles } = await import('#cli/config-files.ts');
  const { loadConfiguration } = await import('#core/config/load.ts');
  const quickstart = loadConfiguration(await readConfigFiles([new URL('../../../examples/quickstart', import.meta.url).pathname]));
  assert.equal(quickstart.diagnostics.errorCount, 0);
  const qs = quickstart.sites[0]!;
  const web1 = hostNamed(qs, 'web-1');
  const http = web1.services.find((s) => s.name === 'http')!;
  assert.deepEqual(resolveCheckParameters({ site: qs, host: web1, check: http }).values, {
    host: '127.0.0.1',
    port: '8080',
    path: '/api/v1/health',
    status: '200-399',
  });
});

test('a definition that names itself means the less specific definition', () => {
  const selfReferring = onlySite(loadXml({ 'site.xml': `
    <location name="dc"><parameter name="community">dc-community</parameter></location>
    <command name="snmp" engine="snmp"><parameter name="community">public</parameter></command>
    <host name="r" location="dc">
      <service name="a"><check-command command="snmp"/><parameter name="community">#{community}</parameter></service>
      <service name="b"><check-command command="snmp"><parameter name="community">#{community}-ro</parameter></check-command>
        <parameter name="community">#{community}</parameter></service>
    </host>` }));
  const host = hostNamed(selfReferring, 'r');
  const valueOf = (service: string) =>
    resolveCheckParameters({ site: selfReferring, host, check: host.services.find((s) => s.name === service)! }).values.community;
  assert.equal(valueOf('a'), 'dc-community');
  assert.equal(valueOf('b'), 'dc-community-ro', 'each layer refers to the one below it');
});
