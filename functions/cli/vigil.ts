import { parseArgs } from 'node:util';
import { ConfigPathError, readConfigFiles } from './config-files.ts';
import { formatDiagnostic } from '#core/config/diagnostics.ts';
import { loadConfiguration } from '#core/config/load.ts';
import { countObjects } from '#core/config/model.ts';

/**
 * The `vigil` command line. Each command is a function of its arguments that returns an exit
 * code; output goes to stdout, problems to stderr.
 */
const USAGE = `usage: vigil <command> [options]

commands:
  validate <dir|file...>          check configuration; prints every problem and the objects found
  diff <dir|file...>              validate, then show what applying would add, change and remove
  apply <dir|file...> [--by NAME] validate, then store the configuration in the database, online:
                                  checks still configured keep their state, history and schedule
  history [--site NAME] [--limit N]
                                  the configuration changes applied: who, when, what changed
  rollback <change> [--dry-run] [--by NAME]
                                  apply the files of an earlier change again, as a new change
  import-nagios <nagios.cfg> [--out DIR] [--native] [--plugin-path DIR] [--map-path FROM=TO]
                                  convert a Nagios configuration into Vigil site XML; prints what
                                  was converted and what was skipped, with the reason
  help                            this text

diff, apply, history and rollback work on the database at DATABASE_URL, or else on the local
embedded one in .vigil/ (--data-dir DIR to use another).

Exit codes: 0 valid (warnings allowed), 1 errors in the configuration, 2 usage or system error.`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  validate,
  diff: async (args) => (await import('./changes-command.ts')).diffCommand(args),
  apply: async (args) => (await import('./apply-command.ts')).applyCommand(args),
  history: async (args) => (await import('./changes-command.ts')).historyCommand(args),
  rollback: async (args) => (await import('./changes-command.ts')).rollbackCommand(args),
  'import-nagios': async (args) => (await import('./import-nagios-command.ts')).importNagiosCommand(args),
  help: async () => {
    console.log(USAGE);
    return 0;
  },
};

async function validate(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { quiet: { type: 'boolean', short: 'q' } } });
  if (positionals.length === 0) return usageError('validate needs at least one directory or file');
  const loaded = await loadFiles(positionals);
  if (!loaded) return 2;
  const { diagnostics, sites } = loaded;
  for (const d of diagnostics.sorted()) {
    if (d.severity === 'error' || !values.quiet) console.error(formatDiagnostic(d));
  }
  for (const site of sites) {
    const counts = countObjects(site);
    const templates = Object.values(site.templateCounts).reduce((a, b) => a + b, 0);
    console.log(`site ${site.name}: ${Object.entries(counts).map(([kind, n]) => `${n} ${kind}`).join(', ')}; ${templates} templates`);
  }
  console.log(`${loaded.fileCount} files, ${diagnostics.errorCount} errors, ${diagnostics.warningCount} warnings`);
  return diagnostics.errorCount === 0 ? 0 : 1;
}

/** Reads and resolves configuration, or prints why the paths could not be read. */
export async function loadFiles(paths: string[]) {
  try {
    const files = await readConfigFiles(paths);
    if (files.length === 0) {
      console.error(`vigil: no .xml files found under ${paths.join(', ')}`);
      return undefined;
    }
    return { ...loadConfiguration(files), fileCount: files.length };
  } catch (error) {
    if (error instanceof ConfigPathError) {
      console.error(`vigil: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}

function usageError(message: string): number {
  console.error(`vigil: ${message}\n\n${USAGE}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') return COMMANDS.help!([]);
  const command = COMMANDS[name];
  if (!command) return usageError(`unknown command '${name}'`);
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return usageError(error.message);
    console.error(`vigil: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}
