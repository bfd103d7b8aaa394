/**
 * Reading Nagios configuration: the main file (`nagios.cfg`: `cfg_file`, `cfg_dir`,
 * `resource_file` and settings), resource files (`$USER1$=...`) and object files
 * (`define host { ... }`). Everything read keeps its place (file:line), and every problem is
 * collected, so one run reports a whole configuration's mistakes.
 *
 * Object file syntax, as Nagios Core reads it:
 * - a line ending in `\` continues on the next line;
 * - `;` starts a comment anywhere (write `\;` for a literal semicolon); a line whose first
 *   character is `#` is a comment;
 * - `define <type> {` opens a definition, a `}` closes it; inside, each line is
 *   `directive value`, split at the first whitespace.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { type Diagnostics, type SourcePosition, suggestion } from '#core/config/diagnostics.ts';
import { OBJECT_TYPES, type NagiosObjectType, isObjectType } from './directives.ts';

export interface Directive {
  name: string;
  value: string;
  at: SourcePosition;
}

export interface RawDefinition {
  type: NagiosObjectType;
  directives: Directive[];
  /** Where `define` is written. */
  at: SourcePosition;
}

export interface Setting {
  value: string;
  at: SourcePosition;
}

export interface NagiosFiles {
  /** The main file's settings, last one wins (`interval_length`, `allow_empty_hostgroup_assignment`...). */
  settings: Map<string, Setting>;
  /** `$USERn$` macros by name (`USER1`). */
  resources: Map<string, Setting>;
  definitions: RawDefinition[];
  /** Object files read, as shown in messages. */
  objectFiles: string[];
  resourceFiles: string[];
  /** The main file's directory and the directory paths are shown relative to (absolute). */
  mainDirectory: string;
  cwd: string;
}

export interface ReadOptions {
  /** `[from, to]` path prefixes rewritten before a referenced file is opened (`@sysconfdir@/objects` -> `template-object`). */
  pathMap?: readonly (readonly [string, string])[];
  /** Paths in messages are relative to this directory. */
  cwd?: string;
}

/**
 * Reads a main configuration file and everything it references. A referenced file that does
 * not exist is an error at the directive naming it; `X.in` is read when `X` is missing (the
 * autoconf templates of Nagios's own sample configuration), and `@sysconfdir@` stands for the
 * main file's directory.
 */
export function readNagiosConfig(mainPath: string, diagnostics: Diagnostics, options: ReadOptions = {}): NagiosFiles {
  const cwd = options.cwd ?? process.cwd();
  const show = (path: string) => relative(cwd, path) || path;
  const mainDirectory = dirname(resolve(cwd, mainPath));
  const files: NagiosFiles = { settings: new Map(), resources: new Map(), definitions: [], objectFiles: [], resourceFiles: [], mainDirectory, cwd };
  const seenObjectFiles = new Set<string>();

  const locate = (written: string, at: SourcePosition, baseDirectory: string): string | undefined => {
    let path = written;
    for (const [from, to] of options.pathMap ?? []) {
      if (path === from || path.startsWith(`${from}/`)) {
        path = join(isAbsolute(to) ? to : resolve(mainDirectory, to), path.slice(from.length));
        break;
      }
    }
    path = path.replaceAll('@sysconfdir@', mainDirectory);
    const placeholder = /@[A-Za-z_]+@/.exec(path);
    if (placeholder) {
      diagnostics.error(at, `'${written}' contains the autoconf placeholder '${placeholder[0]}'`, `map it to a real directory: --map-path ${written.slice(0, placeholder.index + placeholder[0].length)}=DIR`);
      return undefined;
    }
    const absolute = isAbsolute(path) ? path : resolve(baseDirectory, path);
    if (exists(absolute)) return absolute;
    if (exists(`${absolute}.in`)) return `${absolute}.in`;
    const mapped = path === written ? '' : ` (looked for ${show(absolute)})`;
    diagnostics.error(at, `no such file or directory: '${written}'${mapped}`, 'correct the path, or map it with --map-path FROM=TO');
    return undefined;
  };

  const readObjectFile = (path: string): void => {
    if (seenObjectFiles.has(path)) return;
    seenObjectFiles.add(path);
    const text = readText(path, diagnostics, show(path));
    if (text === undefined) return;
    files.objectFiles.push(show(path));
    const parsed = parseObjectFile(show(path), text, diagnostics);
    files.definitions.push(...parsed.definitions);
    for (const include of parsed.includes) {
      const target = locate(include.value, include.at, dirname(path));
      if (!target) continue;
      if (include.directory) for (const file of cfgFilesUnder(target)) readObjectFile(file);
      else readObjectFile(target);
    }
  };

  const mainAbsolute = resolve(cwd, mainPath);
  const mainText = readText(mainAbsolute, diagnostics, show(mainAbsolute));
  if (mainText === undefined) return files;
  for (const line of parseMainLines(show(mainAbsolute), mainText, diagnostics)) {
    switch (line.name) {
      case 'cfg_file': {
        const target = locate(line.value, line.at, mainDirectory);
        if (target) readObjectFile(target);
        break;
      }
      case 'cfg_dir': {
        const target = locate(line.value, line.at, mainDirectory);
        if (target) for (const file of cfgFilesUnder(target)) readObjectFile(file);
        break;
      }
      case 'resource_file': {
        const target = locate(line.value, line.at, mainDirectory);
        if (!target) break;
        const text = readText(target, diagnostics, show(target));
        if (text === undefined) break;
        files.resourceFiles.push(show(target));
        for (const [name, setting] of parseResourceFile(show(target), text, diagnostics)) files.resources.set(name, setting);
        break;
      }
      default:
        files.settings.set(line.name, { value: line.value, at: line.at });
    }
  }
  return files;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function readText(path: string, diagnostics: Diagnostics, shown: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    diagnostics.error({ file: shown, line: 1, column: 1 }, `cannot read ${shown}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Every `.cfg` file (or `.cfg.in`, for unconfigured sources) under a directory, in name order. */
function cfgFilesUnder(directory: string): string[] {
  const info = statSync(directory);
  if (!info.isDirectory()) return [directory];
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...cfgFilesUnder(path));
    else if (entry.name.endsWith('.cfg') || entry.name.endsWith('.cfg.in')) found.push(path);
  }
  return found;
}

/** `name=value` lines of a main configuration file; `#` and `;` lines are comments. */
export function parseMainLines(file: string, text: string, diagnostics: Diagnostics): Directive[] {
  const lines: Directive[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const equals = line.indexOf('=');
    const at = { file, line: index + 1, column: 1 };
    if (equals <= 0) {
      diagnostics.error(at, `expected name=value, found '${line}'`);
      return;
    }
    const value = line.slice(equals + 1).trim();
    lines.push({ name: line.slice(0, equals).trim(), value, at: { ...at, column: raw.indexOf(value, equals) + 1 || equals + 2 } });
  });
  return lines;
}

/** `$USERn$=value` lines of a resource file. */
export function parseResourceFile(file: string, text: string, diagnostics: Diagnostics): Map<string, Setting> {
  const macros = new Map<string, Setting>();
  for (const line of parseMainLines(file, text, diagnostics)) {
    const match = /^\$(USER([1-9][0-9]{0,2}))\$$/.exec(line.name);
    if (!match || Number(match[2]) > 256) {
      diagnostics.error(line.at, `'${line.name}' is not a resource macro`, 'resource files define $USER1$ to $USER256$: $USER1$=/usr/lib/nagios/plugins');
      continue;
    }
    macros.set(match[1]!, { value: line.value, at: line.at });
  }
  return macros;
}

export interface ParsedObjectFile {
  definitions: RawDefinition[];
  includes: { value: string; directory: boolean; at: SourcePosition }[];
}

interface LogicalLine {
  text: string;
  at: SourcePosition;
  /** The raw first physical line, to find columns. */
  raw: string;
}

/**
 * Splits an object file into logical lines: continuation lines joined, comments removed, `\;`
 * turned into `;`, blank lines dropped. Each keeps the place of its first physical line.
 */
function logicalLines(file: string, text: string): LogicalLine[] {
  const physical = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const lines: LogicalLine[] = [];
  for (let index = 0; index < physical.length; index++) {
    const first = physical[index]!;
    const start = index;
    let joined = first;
    while (joined.endsWith('\\') && !joined.endsWith('\\\\') && index + 1 < physical.length) {
      index++;
      joined = joined.slice(0, -1) + physical[index]!;
    }
    let cut = joined.length;
    for (let i = 0; i < joined.length; i++) {
      if (joined[i] === ';' && (i === 0 || joined[i - 1] !== '\\')) {
        cut = i;
        break;
      }
    }
    const content = joined.slice(0, cut).replaceAll('\\;', ';').trim();
    if (content === '' || content.startsWith('#')) continue;
    lines.push({ text: content, at: { file, line: start + 1, column: first.length - first.trimStart().length + 1 }, raw: first });
  }
  return lines;
}

/** Parses one object file; problems go to `diagnostics`, the rest is still returned. */
export function parseObjectFile(file: string, text: string, diagnostics: Diagnostics): ParsedObjectFile {
  const result: ParsedObjectFile = { definitions: [], includes: [] };
  let current: RawDefinition | undefined;
  let skipping: SourcePosition | undefined; // inside a definition of an unknown type
  const close = () => {
    if (current) result.definitions.push(current);
    current = undefined;
    skipping = undefined;
  };
  for (const line of logicalLines(file, text)) {
    const define = /^define\s+([^\s{]+)\s*(\{)?\s*(.*)$/.exec(line.text) ?? (/^define\s*\{/.test(line.text) ? ['', '', '{', ''] : null);
    if (define) {
      if (current || skipping) {
        const open = current?.at ?? skipping!;
        diagnostics.error(open, `unterminated definition: 'define ${current?.type ?? ''}' at line ${open.line} has no closing '}' before the next define at line ${line.at.line}`, "add a line with '}' to close it");
        close();
      }
      const [, type = '', brace, rest = ''] = define;
      if (!brace) {
        diagnostics.error(line.at, `'define ${type}' needs a '{' on the same line`, `write: define ${type} {`);
      }
      if (!isObjectType(type)) {
        const hint = suggestion(type, OBJECT_TYPES);
        diagnostics.error(line.at, type ? `unknown object type '${type}'` : "'define' needs an object type", hint ?? `object types: ${OBJECT_TYPES.join(', ')}`);
        skipping = line.at;
      } else {
        current = { type, directives: [], at: line.at };
      }
      if (rest === '}') close();
      else if (rest !== '' && current) addDirective(current, rest, line, diagnostics);
      continue;
    }
    if (current || skipping) {
      // Only a line that is exactly '}' closes a definition, as in Nagios: a command line may end in '}'.
      if (line.text === '}') close();
      else if (current) addDirective(current, line.text, line, diagnostics);
      continue;
    }
    const include = /^(include_file|include_dir)\s*=\s*(.+)$/.exec(line.text);
    if (include) {
      result.includes.push({ value: include[2]!.trim(), directory: include[1] === 'include_dir', at: line.at });
      continue;
    }
    if (line.text === '}') diagnostics.error(line.at, "'}' without a matching 'define'");
    else diagnostics.error(line.at, `unexpected text outside a definition: '${truncate(line.text)}'`, 'object files hold only define <type> { ... } blocks');
  }
  if (current || skipping) {
    const open = current?.at ?? skipping!;
    diagnostics.error(open, `unterminated definition: 'define ${current?.type ?? ''}' at line ${open.line} has no closing '}' before the end of the file`, "add a line with '}' to close it");
    if (current) result.definitions.push(current);
  }
  return result;
}

function addDirective(definition: RawDefinition, text: string, line: LogicalLine, diagnostics: Diagnostics): void {
  const match = /^(\S+)\s*(.*)$/.exec(text)!;
  const name = match[1]!;
  const value = match[2]!.trim();
  const nameColumn = Math.max(0, line.raw.indexOf(name));
  const after = line.raw.slice(nameColumn + name.length);
  const valueColumn = value === '' ? nameColumn : nameColumn + name.length + (after.length - after.trimStart().length);
  const at = { file: line.at.file, line: line.at.line, column: valueColumn + 1 };
  if (value === '' && definition.type !== 'timeperiod') {
    diagnostics.error({ ...at, column: nameColumn + 1 }, `directive '${name}' has no value`, `write: ${name} <value>, or remove the line`);
    return;
  }
  definition.directives.push({ name, value, at });
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
