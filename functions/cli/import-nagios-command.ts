import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { countObjects } from '#core/config/model.ts';
import { formatSummary, importNagios } from '../nagios/import.ts';

export const IMPORT_NAGIOS_USAGE = `usage: vigil import-nagios <nagios.cfg> [--out DIR] [--native] [--plugin-path DIR]
                          [--map-path FROM=TO]... [--site NAME] [--time-zone ZONE] [--keep-groups] [--verbose]

Reads a Nagios main configuration file, its cfg_file, cfg_dir and resource_file, and writes
Vigil site XML to DIR (default nagios-import): site.xml, commands.xml, contacts.xml, groups.xml,
templates.xml, hosts.xml. Prints what was read, converted and skipped (with the reason).

  --native          http, tcp, nrpe, dns and certificate engines where a plugin has an exact equivalent
  --plugin-path     the plugin directory ($USER1$), site parameter nagios_path
  --map-path        rewrite referenced paths: --map-path @sysconfdir@/objects=template-object
  --keep-groups     keep hostgroups that only attach services as display groups too
  --time-zone       IANA zone for the time periods (Nagios used its server's local time)`;

/** The files the importer writes; a re-run removes the ones it no longer produces. */
const OUTPUT_FILES = ['site.xml', 'commands.xml', 'contacts.xml', 'groups.xml', 'templates.xml', 'hosts.xml'];

/** `vigil import-nagios`: exit 0 when written, 1 when the Nagios configuration has errors, 2 on usage errors. */
export async function importNagiosCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      native: { type: 'boolean' },
      'plugin-path': { type: 'string' },
      'map-path': { type: 'string', multiple: true },
      site: { type: 'string' },
      'time-zone': { type: 'string' },
      'keep-groups': { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(IMPORT_NAGIOS_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`vigil: import-nagios needs one Nagios main configuration file\n\n${IMPORT_NAGIOS_USAGE}`);
    return 2;
  }
  const pathMap: [string, string][] = [];
  for (const mapping of values['map-path'] ?? []) {
    const equals = mapping.indexOf('=');
    if (equals <= 0) {
      console.error(`vigil: --map-path needs FROM=TO, got '${mapping}'`);
      return 2;
    }
    pathMap.push([mapping.slice(0, equals), mapping.slice(equals + 1)]);
  }
  const out = values.out ?? 'nagios-import';
  const result = importNagios(positionals[0]!, {
    pathMap,
    native: values.native ?? false,
    keepGroups: values['keep-groups'] ?? false,
    ...(values['plugin-path'] !== undefined ? { pluginPath: values['plugin-path'] } : {}),
    ...(values.site !== undefined ? { site: values.site } : {}),
    ...(values['time-zone'] !== undefined ? { timeZone: values['time-zone'] } : {}),
  });
  for (const d of result.diagnostics.sorted()) console.error(formatDiagnostic(d));
  console.log(formatSummary(result, values.verbose ?? false));
  if (!result.conversion) {
    console.error(`${result.diagnostics.errorCount} errors in the Nagios configuration: nothing written`);
    return 1;
  }
  mkdirSync(out, { recursive: true });
  for (const name of OUTPUT_FILES) rmSync(join(out, name), { force: true });
  for (const file of result.conversion.files) writeFileSync(join(out, file.path), file.text);
  // The result must pass `vigil validate`; check it here so that a problem shows at once.
  const written = result.conversion.files.map((f) => ({ path: join(relative(process.cwd(), out) || '.', f.path), text: f.text }));
  const loaded = loadConfiguration(written);
  for (const d of loaded.diagnostics.sorted()) console.error(formatDiagnostic(d));
  const site = loaded.sites[0];
  const counts = site ? countObjects(site) : {};
  console.log(`wrote ${written.map((f) => f.path).join(', ')}`);
  console.log(`vigil validate: ${loaded.diagnostics.errorCount} errors, ${loaded.diagnostics.warningCount} warnings; site ${result.conversion.site}: ${Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  return loaded.diagnostics.errorCount === 0 ? 0 : 1;
}
