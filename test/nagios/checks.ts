/**
 * Helpers for the Nagios import tests: writing small configurations to a temporary directory,
 * and the two sides of the equivalence test. Each side lists the checks a configuration
 * schedules as comparable lines: host, service, the plugin's argv, and the timing.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SiteModel } from '#core/config/model.ts';
import { resolveCheckParameters } from '#core/config/parameters.ts';
import { splitCommandLine } from '#engines/nagios/command-line.ts';
import { valueOf } from '../../functions/nagios/inherit.ts';
import { expandNagios } from '../../functions/nagios/macros.ts';
import { type NagiosModel, checkTiming, nagiosChecks, serviceValue, splitCheckCommand } from '../../functions/nagios/model.ts';

export const FIXTURES = join(import.meta.dirname, '../fixtures/nagios');

/** Writes `files` (path -> text) under a fresh temporary directory; returns its path. */
export function writeConfig(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-nagios-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A check as a line: `host | service | argv | timing`, for set comparisons with readable diffs. */
function line(host: string, service: string, argv: string[], timing: string): string {
  return `${host} | ${service} | ${JSON.stringify(argv)} | ${timing}`;
}

function timingText(enabled: boolean, every: number, changing: number, retry: number, attempts: number, period: string | undefined): string {
  return enabled ? `every ${every}s, soft ${changing}s, hard problem ${retry}s, ${attempts} attempts, period ${period ?? 'always'}` : 'not scheduled';
}

/**
 * What Nagios runs: every check with a command, its command line with macros expanded the way
 * Nagios expands them (`$USER1$` is where the converter says plugins are), split into argv.
 */
export function nagiosSide(model: NagiosModel, pluginPath: string): string[] {
  const user = new Map([...model.resources].map(([name, setting]) => [name, setting.value]));
  user.set('USER1', pluginPath);
  const lines: string[] = [];
  for (const check of nagiosChecks(model)) {
    const host = model.hosts.get(check.host)!;
    const value = (d: string) => (check.source ? serviceValue(check.resolved, host.resolved, d) : valueOf(check.resolved, d));
    const command = value('check_command');
    if (command === undefined) continue;
    const { name, args } = splitCheckCommand(command);
    const commandLine = model.commands.get(name)!.line;
    const custom = (r: typeof host.resolved) => new Map([...r.custom].map(([k, v]) => [k, v.value ?? '']));
    const expanded = expandNagios(commandLine, {
      hostName: host.name,
      ...(valueOf(host.resolved, 'address') !== undefined ? { hostAddress: valueOf(host.resolved, 'address')! } : {}),
      ...(valueOf(host.resolved, 'alias') !== undefined ? { hostAlias: valueOf(host.resolved, 'alias')! } : {}),
      ...(check.service !== undefined ? { serviceDescription: check.service } : {}),
      args,
      user,
      hostCustom: custom(host.resolved),
      serviceCustom: check.source ? custom(check.resolved) : new Map(),
    });
    const timing = checkTiming(model, value);
    lines.push(line(check.host, check.service ?? '', splitCommandLine(expanded), timingText(timing.active, timing.everyS, timing.retryS > 0 ? timing.retryS : timing.everyS, timing.everyS, timing.attempts, timing.period)));
  }
  return lines.sort();
}

/** What Vigil runs: every host and service with a command, parameters resolved as a worker resolves them. */
export function vigilSide(site: SiteModel): string[] {
  const lines: string[] = [];
  for (const host of site.hosts) {
    for (const check of [host, ...host.services]) {
      if (!check.command) continue;
      const { values } = resolveCheckParameters({ site, check, host });
      const argv = splitCommandLine(values.command_line ?? '');
      const { schedule, state } = check;
      lines.push(line(host.name, check === host ? '' : check.name, argv, timingText(check.enabled, schedule.everyS, schedule.changingEveryS, schedule.retryEveryS, state.failedAfter, schedule.timePeriod)));
    }
  }
  return lines.sort();
}
