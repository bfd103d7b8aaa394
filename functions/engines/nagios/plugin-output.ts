/**
 * What a Nagios plugin prints, read the way Nagios reads it (Nagios plugin guidelines, Nagios 3
 * multi-line format):
 *
 * ```text
 * DISK OK - free space: / 3326 MB (56%) | /=2643MB;5948;5958;0;5968
 * / 15272 MB (77%);
 * /boot 68 MB (69%) | /boot=68MB;88;93;0;98
 * /home=69357MB;253404;253409;0;253414
 * ```
 *
 * The first line is the output, with performance data after a `|`. Later lines are long output
 * until one holds a `|`: the text before it is the last long-output line, and everything after it,
 * on that line and every line below, is performance data.
 *
 * Performance data items are `'label'=value[UOM];[warn];[crit];[min];[max]`. An item that does not
 * parse is skipped, not fatal: one odd item must not cost the check its result or its other
 * readings. What a reading keeps:
 * - the unit as the plugin wrote it (`s`, `ms`, `%`, `B`, `KB`, `c`...): no conversion, so a
 *   reading means what the plugin said and a graph's axis is the plugin's;
 * - for warning and critical, one number from the range: its upper bound when it has one
 *   (`10`, `10:20`, `~:20`, `@10:20` keep 10, 20, 20, 20), else its lower bound (`10:` keeps 10).
 *   Nagios ranges mean "alert outside" (or inside with `@`); a reading has room for one line on a
 *   graph, and the bound that has a number is the line worth drawing.
 */
import type { Status } from '#core/status.ts';
import type { EngineResult, Reading } from '../engine.ts';

export interface PluginOutput {
  /** The first line, without its performance data. */
  output: string;
  /** The further lines, without performance data; undefined when there are none. */
  longOutput?: string;
  readings: Reading[];
}

/** Exit codes 0-3, as the plugin guidelines define them. */
const STATUS_OF_CODE: readonly Status[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

/** Splits a plugin's output into output, long output and readings. */
export function parsePluginOutput(text: string): PluginOutput {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  const [first = '', ...rest] = lines;
  const perfData: string[] = [];

  const firstPipe = first.indexOf('|');
  const output = (firstPipe < 0 ? first : first.slice(0, firstPipe)).trim();
  if (firstPipe >= 0) perfData.push(first.slice(firstPipe + 1));

  const long: string[] = [];
  const pipeLine = rest.findIndex((line) => line.includes('|'));
  const longLines = pipeLine < 0 ? rest : rest.slice(0, pipeLine + 1);
  for (const [index, line] of longLines.entries()) {
    const pipe = index === pipeLine ? line.indexOf('|') : -1;
    if (pipe < 0) {
      long.push(line);
      continue;
    }
    long.push(line.slice(0, pipe).trimEnd());
    perfData.push(line.slice(pipe + 1));
  }
  if (pipeLine >= 0) perfData.push(...rest.slice(pipeLine + 1));

  while (long.length > 0 && long[long.length - 1]!.trim() === '') long.pop();
  const result: PluginOutput = { output, readings: parsePerfData(perfData.join(' ')) };
  if (long.length > 0) result.longOutput = long.join('\n');
  return result;
}

/**
 * Performance data to readings; items that do not parse are skipped.
 * @example parsePerfData("time=0.12s;1;2;0 'free space'=42%") // two readings
 */
export function parsePerfData(text: string): Reading[] {
  const readings: Reading[] = [];
  let position = 0;
  while (position < text.length) {
    if (/\s/.test(text[position]!)) {
      position++;
      continue;
    }
    const item = readItem(text, position);
    position = item.end;
    if (item.label === undefined || item.label === '') continue;
    const reading = readingOf(item.label, item.value);
    if (reading) readings.push(reading);
  }
  return readings;
}

interface RawItem {
  /** Undefined when the item is malformed (no `=`, or an unterminated quote). */
  label?: string;
  value: string;
  /** Where the next item may start. */
  end: number;
}

/** One `label=value;...` item starting at `start`. */
function readItem(text: string, start: number): RawItem {
  let position = start;
  let label = '';
  if (text[position] === "'") {
    position++;
    for (;;) {
      if (position >= text.length) return { value: '', end: position };
      const char = text[position]!;
      if (char === "'" && text[position + 1] === "'") {
        label += "'";
        position += 2;
      } else if (char === "'") {
        position++;
        break;
      } else {
        label += char;
        position++;
      }
    }
    if (text[position] !== '=') return { value: '', end: skipToken(text, position) };
  } else {
    while (position < text.length && text[position] !== '=' && !/\s/.test(text[position]!)) label += text[position++]!;
    if (text[position] !== '=') return { value: '', end: skipToken(text, position) };
  }
  position++; // '='
  const valueEnd = skipToken(text, position);
  return { label, value: text.slice(position, valueEnd), end: valueEnd };
}

function skipToken(text: string, position: number): number {
  while (position < text.length && !/\s/.test(text[position]!)) position++;
  return position;
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
/** A value and its unit: anything after the number that has no digit in it (`s`, `%`, `KB`, `c`). */
const VALUE_WITH_UNIT = new RegExp(`^(${NUMBER})([^\\d;=]*)$`);
const PLAIN_NUMBER = new RegExp(`^${NUMBER}$`);

function readingOf(name: string, field: string): Reading | undefined {
  const [valueText = '', warning, critical, min, max] = field.split(';');
  const match = VALUE_WITH_UNIT.exec(valueText);
  if (!match) return undefined; // "U" (undetermined), "1,5", an empty value...
  const value = Number(match[1]);
  if (!Number.isFinite(value)) return undefined;
  const reading: Reading = { name, value };
  if (match[2]) reading.unit = match[2];
  const bounds = { warning: thresholdOf(warning), critical: thresholdOf(critical), min: numberOf(min), max: numberOf(max) };
  for (const [key, bound] of Object.entries(bounds) as [keyof typeof bounds, number | undefined][]) {
    if (bound !== undefined) reading[key] = bound;
  }
  return reading;
}

function numberOf(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed || !PLAIN_NUMBER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The number a Nagios range is kept as: its upper bound, else its lower bound (see above). */
export function thresholdOf(range: string | undefined): number | undefined {
  const text = range?.trim().replace(/^@/, '');
  if (!text) return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) return numberOf(text);
  const lower = text.slice(0, colon);
  const upper = text.slice(colon + 1);
  if (upper !== '') return numberOf(upper);
  return lower === '~' ? undefined : numberOf(lower);
}

/**
 * A plugin's result from its exit code and output: 0-3 are OK, WARNING, CRITICAL, UNKNOWN; any
 * other code is UNKNOWN and says so, as Nagios does.
 */
export function pluginResult(exitCode: number, text: string): EngineResult {
  const parsed = parsePluginOutput(text);
  const known = STATUS_OF_CODE[exitCode];
  const output = parsed.output === '' ? '(no output returned from plugin)' : parsed.output;
  const result: EngineResult = {
    status: known ?? 'UNKNOWN',
    output: known ? output : `${output} (return code ${exitCode} is out of bounds)`,
    readings: parsed.readings,
  };
  if (parsed.longOutput !== undefined) result.longOutput = parsed.longOutput;
  return result;
}
