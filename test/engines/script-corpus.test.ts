/**
 * Bergamot's own scripted checks, unchanged, end to end: configuration XML through the real
 * loader, parameters resolved for a host as a worker would, the script run by the script engine
 * against stand-ins of the APIs they call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigFiles } from '#cli/config-files.ts';
import { loadConfiguration } from '#core/config/load.ts';
import type { CommandModel, HostModel, SiteModel } from '#core/config/model.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import type { CheckResult } from '#engines/engine.ts';
import { runCheck } from '#engines/run-check.ts';
import { isScriptedCommand, scriptEngine } from '#engines/script/script-engine.ts';
import { startHaproxyStandIn, startRabbitMqStandIn, type StandIn, type RabbitMqState } from '../helpers/api-stand-ins.ts';
import { hostNamed, loadXml, onlySite, requireCorpus } from '../helpers/config.ts';
import { engineCheck } from '../helpers/engine-check.ts';

/** Runs a service of `host` the way a worker does: resolved parameters, secrets, runCheck. */
function runService(site: SiteModel, host: HostModel, serviceName: string): Promise<CheckResult> {
  const service = host.services.find((s) => s.name === serviceName);
  if (!service?.command) throw new Error(`no service '${serviceName}' with a command on ${host.name}`);
  const command = site.commands.find((c) => c.name === service.command!.name)!;
  assert.ok(isScriptedCommand(command), `${command.name} routes to the script engine`);
  const { values, secretNames } = resolveCheckParameters({ site, host, check: service });
  const check = engineCheck(command.engine, {
    name: service.name,
    host: { name: host.name, ...(host.address ? { address: host.address } : {}) },
    command: { name: command.name, engine: command.engine, ...(command.script ? { script: command.script } : {}) },
  });
  return runCheck(scriptEngine, check, values, secretNames, { timeoutMs: 5_000 });
}

before(() => scriptEngine.start());
after(() => scriptEngine.close());

describe("the seed's rabbitmq_active_connections, end to end", () => {
  let rabbit: StandIn & { state: RabbitMqState };
  let site: SiteModel;

  before(async () => {
    rabbit = await startRabbitMqStandIn();
    // The command exactly as the Bergamot article writes it, on the template it extends.
    const seedCommand = `
    <command name="http_script_check" engine="http" executor="script">
        <summary>HTTP Script Check</summary>
    </command>
    <command name="rabbitmq_active_connections" extends="http_script_check">
        <summary>RabbitMQ Active Connections</summary>
        <parameter name="host">#{host.address}</parameter>
        <parameter name="port">15672</parameter>
        <parameter name="username">monitor</parameter>
        <parameter name="password">monitor</parameter>
        <parameter description="Warning threshold" name="warning">20</parameter>
        <parameter description="Critical threshold" name="critical">50</parameter>
        <script>
        <![CDATA[
            /* Validate parameters */
            bergamot.require('host');
            bergamot.require('port');
            bergamot.require('username');
            bergamot.require('password');
            bergamot.require('warning');
            bergamot.require('critical');

            /* Call the RabbitMQ HTTP API */
            http.check()
            .connect(check.getParameter('host'))
            .port(check.getIntParameter('port'))
            .get('/api/overview')
            .basicAuth(check.getParameter('username'), check.getParameter('password'))
            .execute(
                function(r) {
                    if (r.status() == 200)
                    { 
                        var res = JSON.parse(r.content());
                        bergamot.publish(
                            bergamot.createResult().applyGreaterThanThreshold(
                                res.object_totals.connections,
                                check.getIntParameter('warning'),
                                check.getIntParameter('critical'),
                                'Active connections: ' + res.object_totals.connections
                            )
                        );
                        bergamot.publishReadings(
                            bergamot.createLongGaugeReading('connections', null, res.object_totals.connections, check.getLongParameter('warning'), check.getLongParameter('critical'), null, null)
                        );
                    }
                    else
                    {
                        bergamot.error('RabbitMQ API returned: ' + r.status());
                    }
                }, 
                function(e) { 
                    bergamot.error(e); 
                }
            );
        ]]>
        </script>
        <description>Check RabbitMQ active connections</description>
    </command>
    <host name="rabbit-1" address="127.0.0.1">
        <service name="rabbitmq-connections">
            <check-command command="rabbitmq_active_connections">
                <parameter name="port">${rabbit.port}</parameter>
            </check-command>
        </service>
    </host>`;
    const loaded = loadXml({ 'rabbitmq.xml': seedCommand });
    assert.deepEqual(loaded.diagnostics.items, []);
    site = onlySite(loaded);
  });
  after(() => rabbit.close());

  const cases: [string, Partial<RabbitMqState>, string, string][] = [
    ['10 connections: OK', { connections: 10 }, 'OK', 'Active connections: 10'],
    ['20 connections, the warning threshold itself: OK', { connections: 20 }, 'OK', 'Active connections: 20'],
    ['25 connections: WARNING', { connections: 25 }, 'WARNING', 'Active connections: 25'],
    ['60 connections: CRITICAL', { connections: 60 }, 'CRITICAL', 'Active connections: 60'],
  ];
  for (const [name, state, status, output] of cases) {
    test(name, async () => {
      Object.assign(rabbit.state, { failWith: undefined }, state);
      const result = await runService(site, hostNamed(site, 'rabbit-1'), 'rabbitmq-connections');
      assert.deepEqual(
        { status: result.status, output: result.output, readings: result.readings },
        { status, output, readings: [{ name: 'connections', value: state.connections!, warning: 20, critical: 50 }] },
      );
    });
  }

  test('the API answering 500: ERROR saying so', async () => {
    Object.assign(rabbit.state, { failWith: 500 });
    const result = await runService(site, hostNamed(site, 'rabbit-1'), 'rabbitmq-connections');
    assert.deepEqual([result.status, result.output, result.readings], ['ERROR', 'RabbitMQ API returned: 500', []]);
  });

  test('each run made one request, with the configured credentials (the stand-in refuses others)', () => {
    assert.deepEqual(rabbit.requests, Array(5).fill('GET /api/overview'));
  });
});

describe('every scripted check in the Bergamot corpus', () => {
  let rabbit: StandIn & { state: RabbitMqState };
  let haproxy: StandIn;
  let site: SiteModel;
  let host: HostModel;
  let scripted: CommandModel[];

  /** The arguments each HTTP script needs beyond its command's defaults: the stand-in's port, what to look at. */
  function argumentsFor(command: string): Record<string, string | number> {
    if (command.startsWith('rabbitmq-')) return { port: rabbit.port, queue: 'work' };
    return { port: haproxy.port, proxy_name: command.startsWith('haproxy-backend-') ? 'app' : 'www' };
  }

  before(async () => {
    rabbit = await startRabbitMqStandIn({ connections: 10, channels: 12 });
    haproxy = await startHaproxyStandIn();
    const corpus = await readConfigFiles([requireCorpus('bergamot-site-config')]);
    scripted = loadConfiguration(corpus).sites[0]!.commands.filter((command) => command.script !== undefined);
    const httpScripted = scripted.filter((command) => command.engine === 'http');
    // One service per scripted HTTP command, on a host at 127.0.0.1, pointed at the stand-ins.
    const services = httpScripted.map((command) => {
      const parameters = Object.entries(argumentsFor(command.name)).map(([name, value]) => `<parameter name="${name}">${value}</parameter>`).join('');
      return `<service name="${command.name}"><check-command command="${command.name}">${parameters}</check-command></service>`;
    });
    const hosts = `<bergamot site="bergamot.template"><host name="apis" address="127.0.0.1">${services.join('\n')}</host></bergamot>`;
    const loaded = loadConfiguration([...corpus, { path: 'apis.xml', text: hosts }]);
    site = loaded.sites[0]!;
    host = hostNamed(site, 'apis');
  });
  after(async () => {
    await rabbit.close();
    await haproxy.close();
  });

  // What each script publishes from the stand-ins' documents (api-stand-ins.ts).
  const EXPECTED: Record<string, { status: string; output: string | RegExp; readings?: string[] }> = {
    'rabbitmq-version-info': { status: 'INFO', output: 'RabbitMQ Version: 3.12.4' },
    'rabbitmq-active-connections': { status: 'OK', output: 'Active connections: 10', readings: ['connections=10'] },
    'rabbitmq-active-channels': { status: 'OK', output: 'Active channels: 12', readings: ['channels=12'] },
    'rabbitmq-exchange-exists': { status: 'OK', output: 'Exchange amq.direct exists' },
    'rabbitmq-exchange-publish': { status: 'OK', output: 'Exchange amq.direct publish: 3.5/s, total: 5120', readings: ['publish-rate=3.5', 'published-messages=5120'] },
    'rabbitmq-queue-exists': { status: 'OK', output: 'Queue work exists' },
    // The corpus script reads publish_in, an exchange's counter; RabbitMQ counts a queue's as publish.
    'rabbitmq-queue-publish': { status: 'ERROR', output: /^Script error at line 2\d: TypeError: cannot read property 'rate' of undefined$/ },
    'rabbitmq-publish': { status: 'OK', output: 'Publish: 12.5/s, total: 120450', readings: ['publish-rate=12.5', 'published-messages=120450'] },
    'rabbitmq-deliver': { status: 'OK', output: 'Deliver: 11.8/s, total: 119870', readings: ['deliver-rate=11.8', 'delivered-messages=119870'] },
    'rabbitmq-ack': { status: 'OK', output: 'Ack: 11.7/s, total: 119800', readings: ['ack-rate=11.7', 'acked-messages=119800'] },
    'rabbitmq-aliveness-test': { status: 'OK', output: 'RabbitMQ aliveness test passed, with ok' },
    // The base command only defines parseStats for the commands that extend it.
    'haproxy-stats-check': { status: 'ERROR', output: /^script finished without publishing a result/ },
    'haproxy-frontend-sessions': { status: 'OK', output: 'Current 7 of 2000 sessions.  31 max, 10432 total.', readings: ['current_sessions=7', 'max_sessions=31', 'total_sessions=10432', 'sessions_limit=2000'] },
    'haproxy-backend-sessions': { status: 'OK', output: 'Current 3 of 200 sessions.  23 max, 10300 total.', readings: ['current_sessions=3', 'max_sessions=23', 'total_sessions=10300', 'sessions_limit=200'] },
    'haproxy-backend-up-servers': { status: 'OK', output: '1 UP - app1 UP (L7OK) for 26h3m, app2 DOWN (L4CON) for 0h7m', readings: ['current_sessions=3', 'max_sessions=23', 'total_sessions=10300', 'sessions_limit=200'] },
    'haproxy-frontend-bytes-info': { status: 'INFO', output: 'In: 50.00 MiB , Out: 500.00 MiB', readings: ['in=52428800', 'out=524288000'] },
    'haproxy-backend-bytes-info': { status: 'INFO', output: 'In: 49.80 MiB , Out: 497.96 MiB', readings: ['in=52214400', 'out=522144000'] },
  };

  test('the HTTP scripts are the RabbitMQ and HAProxy checks', () => {
    const httpScripted = scripted.filter((command) => command.engine === 'http').map((command) => command.name);
    assert.deepEqual(httpScripted.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(`${name} runs as written`, async () => {
      const result = await runService(site, host, name);
      assert.equal(result.status, expected.status, result.output);
      if (typeof expected.output === 'string') assert.equal(result.output, expected.output);
      else assert.match(result.output, expected.output);
      assert.deepEqual(result.readings.map((r) => `${r.name}=${r.value}`), expected.readings ?? []);
    });
  }

  test('scripts for engines Vigil does not have (JDBC, JMX, SNMP, the agent) end in an ERROR naming what is missing', async () => {
    const others = scripted.filter((command) => command.engine !== 'http');
    assert.deepEqual([...new Set(others.map((command) => command.engine))].sort(), ['agent', 'jdbc', 'jmx', 'snmp']);
    for (const command of others) {
      const check = engineCheck(command.engine, { command: { name: command.name, engine: command.engine, script: command.script! } });
      const result = await runCheck(scriptEngine, check, {}, [], { timeoutMs: 5_000 });
      assert.equal(result.status, 'ERROR', command.name);
      assert.match(result.output, /^script uses `(jdbc|jmx|agent|readings)` \(Bergamot's \w+ scripting\), which this engine does not provide/, command.name);
    }
  });
});
