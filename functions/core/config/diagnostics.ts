/**
 * Problems found in configuration. Validation collects every problem instead of stopping at the
 * first, so a person fixes a whole file in one pass; each problem names its place.
 */
export interface SourcePosition {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic extends SourcePosition {
  severity: Severity;
  message: string;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
}

/** Accumulates diagnostics; one per validation run. */
export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(at: SourcePosition, message: string, hint?: string): void {
    this.add('error', at, message, hint);
  }

  warning(at: SourcePosition, message: string, hint?: string): void {
    this.add('warning', at, message, hint);
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === 'error').length;
  }

  get warningCount(): number {
    return this.items.filter((d) => d.severity === 'warning').length;
  }

  /** Diagnostics in reading order: by file, then line, then column. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
    );
  }

  private add(severity: Severity, at: SourcePosition, message: string, hint?: string): void {
    const { file, line, column } = at;
    this.items.push(hint === undefined ? { severity, file, line, column, message } : { severity, file, line, column, message, hint });
  }
}

/** `file:line:column: error: message (hint)`, the shape editors and terminals link to. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? `\n    ${d.hint}` : '';
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${hint}`;
}

/**
 * Offers the closest known name for a misspelt one: first a name that contains every word of it
 * (`check-zombie-procs` -> `check-nrpe-zombie-procs`), else the nearest by edit distance, up to
 * a third of its length.
 */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  const words = name.toLowerCase().split(/[-_.\s]+/).filter(Boolean);
  const containing = candidates
    .filter((c) => c !== name && words.length > 1 && words.every((w) => c.toLowerCase().includes(w)))
    .sort((a, b) => a.length - b.length);
  if (containing[0] !== undefined) return containing[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** "Did you mean 'x'?" or nothing. */
export function suggestion(name: string, known: Iterable<string>): string | undefined {
  const match = didYouMean(name, known);
  return match === undefined ? undefined : `did you mean '${match}'?`;
}
