/**
 * Importing a large Nagios configuration: 5,000 hosts and 50,000 services, built the way Nagios
 * sites are (host and service templates, role hostgroups that attach services, a service on every
 * host, display hostgroups). Timed: reading and parsing the files, working out what they mean,
 * converting to Vigil XML, and loading that XML as `vigil validate` does. Target: under 5 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from '#core/config/load.ts';
import { countObjects } from '#core/config/model.ts';
import { importNagios } from '../functions/nagios/import.ts';
import { note, percentile, record, report } from './harness.ts';
import { HOSTS, SERVICES_PER_HOST, generateNagiosConfiguration } from './nagios-fixture.ts';

const TARGET_MS = 5_000;
const RUNS = 3;

const directory = mkdtempSync(join(tmpdir(), 'vigil-nagios-bench-'));
try {
  generateNagiosConfiguration(directory);
  const main = join(directory, 'nagios.cfg');
  const totals: number[] = [];
  const imports: number[] = [];
  const loads: number[] = [];
  let summary = '';
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = importNagios(main);
    const imported = performance.now();
    if (!result.conversion) throw new Error(`the generated configuration has errors: ${result.diagnostics.items[0]?.message}`);
    const loaded = loadConfiguration(result.conversion.files);
    const done = performance.now();
    if (loaded.diagnostics.errorCount > 0) throw new Error(`the converted configuration has errors: ${loaded.diagnostics.items[0]?.message}`);
    imports.push(imported - started);
    loads.push(done - imported);
    totals.push(done - started);
    const counts = countObjects(loaded.sites[0]!);
    const bytes = result.conversion.files.reduce((n, f) => n + f.text.length, 0);
    summary = `${result.files.definitions.length} Nagios definitions -> ${counts.hosts} hosts, ${counts.services} services, ${counts.groups} groups; ${(bytes / 1e6).toFixed(1)} MB of XML`;
    if (counts.hosts !== HOSTS || counts.services !== HOSTS * SERVICES_PER_HOST) throw new Error(`expected ${HOSTS} hosts and ${HOSTS * SERVICES_PER_HOST} services: ${summary}`);
  }
  note(summary);
  const median = percentile(totals, 0.5);
  record('read, parse, resolve, convert (median)', percentile(imports, 0.5), 'ms');
  record('load the XML as vigil validate (median)', percentile(loads, 0.5), 'ms');
  report(`import ${HOSTS.toLocaleString('en-US')} hosts, ${(HOSTS * SERVICES_PER_HOST).toLocaleString('en-US')} services (median of ${RUNS})`, median, 'ms', '< 5 s', median < TARGET_MS);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
