/**
 * Resolving a large configuration: 2,000 hosts built from a small hierarchy of templates, each
 * host getting its class's services, with parameters and expressions. Target: under 1 s for
 * parsing, validating and resolving all of it (`vigil validate` on a big site).
 */
import { loadConfiguration, type ConfigFile } from '#core/config/load.ts';
import { countObjects } from '#core/config/model.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import { percentile, report } from './harness.ts';

const HOSTS = 2_000;
const TARGET_MS = 1_000;
const RUNS = 7;

export function generatedSite(hostCount: number): ConfigFile[] {
  const templates = `<bergamot site="bench">
  <parameter name="nagios_path">/usr/lib/nagios/plugins</parameter>
  ${['eu', 'us', 'ap'].map((l) => `<location name="${l}" region="${l}-1"><parameter name="ntp">ntp.${l}</parameter></location>`).join('\n')}
  <group name="all"/>${Array.from({ length: 20 }, (_, i) => `<group name="g${i}" groups="all"/>`).join('')}
  <command name="nagios" engine="nagios" template="yes"><parameter name="command_line"></parameter></command>
  ${Array.from({ length: 30 }, (_, i) => `<command name="c${i}" extends="nagios"><parameter name="command_line">#{global.nagios_path}/check_${i} -H #{coalesce(host.address, host.name)} -w #{arg1} -c #{arg2}</parameter><parameter name="arg1">80</parameter><parameter name="arg2">90</parameter></command>`).join('\n')}
  <service name="base-service" template="yes"><schedule every="5" changing-every="1" retry-every="150s"/><state failed-after="3" recovers-after="2"/><notify teams="ops"/></service>
  <team name="ops"/>
  <host name="base" template="yes" groups="all"><check-command command="c0"/><schedule every="1m"/></host>
  ${Array.from({ length: 10 }, (_, t) => `<host name="class-${t}" template="yes" extends="base" groups="g${t}">
    ${Array.from({ length: 10 }, (_, s) => `<service name="s${s}" extends="base-service"><check-command command="c${(t + s) % 30}"><parameter name="arg1">${s}</parameter></check-command></service>`).join('\n')}
  </host>`).join('\n')}
  <host name="special" template="yes" extends="class-0, class-1"><service name="extra" extends="base-service"><check-command command="c29"/></service></host>
</bergamot>`;
  const hosts = Array.from({ length: hostCount }, (_, i) => {
    const parent = i % 11 === 10 ? 'special' : `class-${i % 10}`;
    return `<host name="host-${i}" extends="${parent}" address="10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}" location="${['eu', 'us', 'ap'][i % 3]}" groups="g${10 + (i % 10)}"/>`;
  });
  return [
    { path: 'templates.xml', text: templates },
    { path: 'hosts.xml', text: `<bergamot site="bench">\n${hosts.join('\n')}\n</bergamot>` },
  ];
}

const files = generatedSite(HOSTS);
const samples: number[] = [];
let counts: Record<string, number> = {};
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  const { sites, diagnostics } = loadConfiguration(files);
  samples.push(performance.now() - started);
  if (diagnostics.errorCount > 0) throw new Error(`generated configuration has errors: ${diagnostics.items[0]!.message}`);
  counts = countObjects(sites[0]!);
}
const median = percentile(samples, 0.5);
console.log(`configuration: ${counts.hosts} hosts, ${counts.services} services, ${files.reduce((n, f) => n + f.text.length, 0)} bytes of XML`);
report(`resolve ${HOSTS} hosts (median of ${RUNS})`, median, 'ms', `< ${TARGET_MS} ms`, median < TARGET_MS);

// Check-time parameter resolution for every check of the site: what workers do per check.
const site = loadConfiguration(files).sites[0]!;
const started = performance.now();
let resolved = 0;
for (const host of site.hosts) {
  for (const check of [host, ...host.services]) {
    resolveCheckParameters({ site, host, check });
    resolved++;
  }
}
const perCheckUs = ((performance.now() - started) * 1000) / resolved;
report(`resolve parameters of ${resolved} checks`, perCheckUs, 'µs/check', '(informational)', true);
