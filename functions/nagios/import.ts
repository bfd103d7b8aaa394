/**
 * The Nagios import as one call: read the main file and everything it references, work out what
 * the configuration means, and convert it; plus the summary `vigil import-nagios` prints.
 */
import { Diagnostics } from '#core/config/diagnostics.ts';
import { type Conversion, type ConvertOptions, convertModel } from './convert.ts';
import { type NagiosModel, buildModel } from './model.ts';
import { type NagiosFiles, type ReadOptions, readNagiosConfig } from './parse.ts';

export interface ImportOptions extends ConvertOptions, ReadOptions {}

export interface ImportResult {
  diagnostics: Diagnostics;
  files: NagiosFiles;
  model: NagiosModel;
  /** Absent when the Nagios configuration has errors: nothing is converted from a configuration Nagios would refuse. */
  conversion?: Conversion;
}

export function importNagios(mainPath: string, options: ImportOptions = {}): ImportResult {
  const diagnostics = new Diagnostics();
  const files = readNagiosConfig(mainPath, diagnostics, options);
  const model = buildModel(files, diagnostics);
  if (diagnostics.errorCount > 0) return { diagnostics, files, model };
  return { diagnostics, files, model, conversion: convertModel(model, options) };
}

/** The summary: what was read, what became what, what was skipped and why, and notes. */
export function formatSummary(result: ImportResult, verbose = false): string {
  const lines: string[] = [];
  const { files, conversion } = result;
  lines.push(`read ${files.objectFiles.length} object file${files.objectFiles.length === 1 ? '' : 's'}${files.resourceFiles.length > 0 ? ` and ${files.resourceFiles.join(', ')}` : ''}: ${files.definitions.length} definitions`);
  const byType = new Map<string, { read: number; templates: number }>();
  for (const object of result.model.objects) {
    const entry = byType.get(object.type) ?? { read: 0, templates: 0 };
    entry.read++;
    if (!object.register) entry.templates++;
    byType.set(object.type, entry);
  }
  lines.push(`  ${[...byType].map(([type, { read, templates }]) => `${read} ${type}${templates > 0 ? ` (${templates} template${templates === 1 ? '' : 's'})` : ''}`).join(', ')}`);
  if (!conversion) return lines.join('\n');
  const { outcomes, notes, written } = conversion.summary;
  const converted = outcomes.filter((o) => o.converted !== undefined);
  const skipped = outcomes.filter((o) => o.converted === undefined);
  lines.push(`converted ${converted.length} of ${outcomes.length}: ${Object.entries(written).map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  if (verbose) for (const o of converted) lines.push(`  ${o.object.at.file}:${o.object.at.line}: ${o.label} -> ${o.converted}`);
  lines.push(`skipped ${skipped.length}${skipped.length > 0 ? ':' : ''}`);
  for (const o of skipped) lines.push(`  ${o.object.at.file}:${o.object.at.line}: ${o.label}: ${o.skipped}`);
  if (notes.length > 0) {
    lines.push('notes:');
    for (const note of notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n');
}
