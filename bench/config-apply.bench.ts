/**
 * Applying a change to a large site online: the Nagios configuration of the import benchmark
 * (5,000 hosts, 50,000 services) is imported and applied once; then a one-service change (a
 * service added to one host, then changed, then removed) is applied, each as `vigil apply` does:
 * load and validate the XML, then store it. Target for the one-service change: under 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration, type ConfigFile } from '#core/config/load.ts';
import { applySiteConfiguration } from '#store/site-config.ts';
import { importNagios } from '../functions/nagios/import.ts';
import { note, percentile, record, report, withBenchDatabase } from './harness.ts';
import { HOSTS, SERVICES_PER_HOST, generateNagiosConfiguration } from './nagios-fixture.ts';

const TARGET_MS = 1_000;
const ROUNDS = 3;

function imported(): ConfigFile[] {
  const directory = mkdtempSync(join(tmpdir(), 'vigil-apply-bench-'));
  try {
    generateNagiosConfiguration(directory);
    const result = importNagios(join(directory, 'nagios.cfg'));
    if (!result.conversion) throw new Error(`the generated configuration has errors: ${result.diagnostics.items[0]?.message}`);
    return result.conversion.files;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The files with one more service on host-42, its threshold `warning`; or as they are when `warning` is undefined. */
function withExtraService(files: ConfigFile[], warning: number | undefined): ConfigFile[] {
  if (warning === undefined) return files;
  const service = `
        <service name="bench-extra" extends="generic-service">
            <check-command command="check_1">
                <parameter name="arg1">${warning}</parameter>
                <parameter name="arg2">${warning + 5}</parameter>
            </check-command>
        </service>`;
  return files.map((file) => {
    if (!file.path.endsWith('hosts.xml')) return file;
    const host = file.text.indexOf('<host name="host-42"');
    const end = file.text.indexOf('</host>', host);
    return { path: file.path, text: file.text.slice(0, end) + service.trimStart() + '\n    ' + file.text.slice(end) };
  });
}

async function timedApply(sql: Parameters<typeof applySiteConfiguration>[0], files: ConfigFile[]) {
  const started = performance.now();
  const loaded = loadConfiguration(files);
  if (loaded.diagnostics.errorCount > 0) throw new Error(`the configuration has errors: ${loaded.diagnostics.items[0]?.message}`);
  const validated = performance.now();
  const summary = await applySiteConfiguration(sql, loaded.sites[0]!, 'bench', { source: files });
  const done = performance.now();
  return { loadMs: validated - started, storeMs: done - validated, totalMs: done - started, summary };
}

const files = imported();
await withBenchDatabase(async ({ sql }) => {
  const first = await timedApply(sql, files);
  note(`${first.summary.counts.hosts} hosts, ${first.summary.counts.checks} checks (${HOSTS * SERVICES_PER_HOST} services)`);
  record('first apply: store everything', first.storeMs, 'ms');

  const loads: number[] = [];
  const stores: number[] = [];
  const totals: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Added, changed, removed: three one-service changes per round.
    for (const warning of [100 + round, 200 + round, undefined]) {
      const applied = await timedApply(sql, withExtraService(files, warning));
      loads.push(applied.loadMs);
      stores.push(applied.storeMs);
      totals.push(applied.totalMs);
    }
  }
  record('one-service change: load and validate', percentile(loads, 0.5), 'ms');
  record('one-service change: store (p50)', percentile(stores, 0.5), 'ms');
  const p50 = percentile(totals, 0.5);
  report(`one-service change applied (p50 of ${totals.length})`, p50, 'ms', '< 1 s', p50 < TARGET_MS);
  record('one-service change applied (max)', Math.max(...totals), 'ms');
});
