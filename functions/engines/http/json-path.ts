/**
 * A small JSON path for HTTP checks: `$` is the document, `.name` a member, `[2]` an array
 * element (`[-1]` the last), `['a name']` or `["a.name"]` a member whose name is not a plain word.
 * No wildcards, filters or recursion: an assertion names one value.
 *
 * @example evaluateJsonPath({ a: { b: [{ c: 1 }] } }, parseJsonPath('$.a.b[0].c')) // { found: true, value: 1 }
 */

export type JsonPathStep = { member: string } | { index: number };

export class JsonPathError extends Error {
  constructor(
    readonly path: string,
    readonly column: number,
    problem: string,
  ) {
    super(`bad JSON path '${path}' at column ${column}: ${problem}`);
    this.name = 'JsonPathError';
  }
}

export type JsonPathResult = { found: true; value: unknown } | { found: false };

const MEMBER = /^[A-Za-z_$][\w$-]*/;
const INDEX = /^\[(-?\d+)\]/;
const QUOTED = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/;

/** Parses a path; throws JsonPathError with the column (1-based) of the first problem. */
export function parseJsonPath(path: string): JsonPathStep[] {
  if (!path.startsWith('$')) throw new JsonPathError(path, 1, "a path starts with '$'");
  const steps: JsonPathStep[] = [];
  let at = 1;
  while (at < path.length) {
    const rest = path.slice(at);
    let match: RegExpExecArray | null;
    if (rest.startsWith('.')) {
      match = MEMBER.exec(rest.slice(1));
      if (!match) throw new JsonPathError(path, at + 2, "expected a member name after '.'");
      steps.push({ member: match[0] });
      at += 1 + match[0].length;
    } else if ((match = INDEX.exec(rest))) {
      steps.push({ index: Number.parseInt(match[1]!, 10) });
      at += match[0].length;
    } else if ((match = QUOTED.exec(rest))) {
      steps.push({ member: (match[1] ?? match[2]!).replace(/\\(.)/g, '$1') });
      at += match[0].length;
    } else {
      throw new JsonPathError(path, at + 1, "expected '.name', '[index]' or '[\"name\"]'");
    }
  }
  return steps;
}

/** Follows the steps through a parsed JSON document. */
export function evaluateJsonPath(document: unknown, steps: readonly JsonPathStep[]): JsonPathResult {
  let value = document;
  for (const step of steps) {
    if ('index' in step) {
      if (!Array.isArray(value)) return { found: false };
      const index = step.index < 0 ? value.length + step.index : step.index;
      if (index < 0 || index >= value.length) return { found: false };
      value = value[index];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, step.member)) return { found: false };
      value = (value as Record<string, unknown>)[step.member];
    }
  }
  return { found: true, value };
}
