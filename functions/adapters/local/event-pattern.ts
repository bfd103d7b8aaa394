/**
 * EventBridge event patterns, matched in process (for the local event bus), with EventBridge's
 * semantics:
 * - a pattern has the shape of the events it matches; every field it names must match (AND);
 * - a field's pattern is a list of values and operators; one match is enough (OR);
 * - when the event's value is an array, the field matches when any element matches; an object
 *   pattern over an array of objects matches when one element matches it all;
 * - values match by type and value: "5" is not 5, 5 is 5.0, null is not "";
 * - operators: `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or
 *   `{ prefix }` / `{ suffix }`), `numeric` (`[">", 0, "<=", 5]`), `exists`, and `$or` between
 *   whole sub-patterns.
 * Only present leaf values match, so `anything-but` and `numeric` never match a missing field,
 * and `{ "exists": false }` matches a missing field, an empty array, or an object.
 *
 * Patterns are checked when compiled: a mistake (an unknown operator, a bare value instead of a
 * list) is an error naming where it is, not a rule that silently never matches.
 *
 * @example
 * const matches = compileEventPattern({ source: ['vigil'], detail: { toStatus: [{ 'anything-but': 'OK' }] } });
 * matches({ source: 'vigil', detail: { toStatus: 'CRITICAL' } }); // true
 */

/** Whether an event (EventBridge's envelope: source, detail-type, detail...) matches. */
export type EventMatcher = (event: unknown) => boolean;

export class EventPatternError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`event pattern ${path}: ${message}`);
    this.name = 'EventPatternError';
  }
}

type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;
/** Tests one field: its leaf values (those of an array, or the one value) and whether it exists. */
type FieldTest = (values: Leaf[]) => boolean;

const NUMERIC_OPERATORS: Record<string, (value: number, bound: number) => boolean> = {
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '=': (value, bound) => value === bound,
  '>=': (value, bound) => value >= bound,
  '>': (value, bound) => value > bound,
};

/** Checks a pattern and returns its matcher; throws EventPatternError naming the first mistake. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  if (!isObject(pattern) || Object.keys(pattern).length === 0) throw new EventPatternError('(root)', 'must be a JSON object with at least one field');
  const test = compileObject(pattern, '');
  return (event) => test(isObject(event) ? event : {});
}

type ObjectTest = (value: Record<string, unknown>) => boolean;

function compileObject(pattern: Record<string, unknown>, path: string): ObjectTest {
  const tests: ObjectTest[] = Object.entries(pattern).map(([key, sub]) => {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '$or') return compileOr(sub, at);
    if (Array.isArray(sub)) {
      const field = compileField(sub, at);
      return (value) => field(leavesOf(value[key]));
    }
    if (isObject(sub)) {
      const nested = compileObject(sub, at);
      return (value) => {
        const candidates = objectsOf(value[key]);
        // No object there: the nested fields are all missing, which only `exists: false` matches.
        return candidates.length === 0 ? nested({}) : candidates.some(nested);
      };
    }
    throw new EventPatternError(at, `must be a list of values (write [${JSON.stringify(sub)}]) or a nested pattern`);
  });
  return (value) => tests.every((test) => test(value));
}

function compileOr(alternatives: unknown, path: string): ObjectTest {
  if (!Array.isArray(alternatives) || alternatives.length < 2 || !alternatives.every(isObject)) {
    throw new EventPatternError(path, 'must be a list of at least two patterns (objects)');
  }
  const tests = alternatives.map((alternative, i) => compileObject(alternative, `${path}[${i}]`));
  return (value) => tests.some((test) => test(value));
}

function compileField(matchers: unknown[], path: string): FieldTest {
  if (matchers.length === 0) throw new EventPatternError(path, 'an empty list matches nothing; give at least one value');
  const leafTests: LeafTest[] = [];
  let matchesMissing = false;
  let matchesPresent = false;
  matchers.forEach((matcher, i) => {
    const at = `${path}[${i}]`;
    if (isLeaf(matcher)) leafTests.push(equalTo(matcher));
    else if (isObject(matcher)) {
      const entries = Object.entries(matcher);
      if (entries.length !== 1) throw new EventPatternError(at, `an operator object holds exactly one operator, not ${entries.length}`);
      const [operator, argument] = entries[0]!;
      if (operator === 'exists') {
        if (typeof argument !== 'boolean') throw new EventPatternError(at, '"exists" takes true or false');
        if (argument) matchesPresent = true;
        else matchesMissing = true;
      } else leafTests.push(compileOperator(operator, argument, at));
    } else throw new EventPatternError(at, 'must be a string, number, boolean, null or an operator object');
  });
  return (values) => {
    if (values.length === 0) return matchesMissing;
    return matchesPresent || values.some((value) => leafTests.some((test) => test(value)));
  };
}

function compileOperator(operator: string, argument: unknown, path: string): LeafTest {
  switch (operator) {
    case 'prefix': {
      const prefix = text(argument, path, operator);
      return (value) => typeof value === 'string' && value.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = text(argument, path, operator);
      return (value) => typeof value === 'string' && value.endsWith(suffix);
    }
    case 'equals-ignore-case': {
      const expected = text(argument, path, operator).toLowerCase();
      return (value) => typeof value === 'string' && value.toLowerCase() === expected;
    }
    case 'anything-but':
      return compileAnythingBut(argument, path);
    case 'numeric':
      return compileNumeric(argument, path);
    default:
      throw new EventPatternError(path, `unknown operator "${operator}"; Vigil matches prefix, suffix, equals-ignore-case, anything-but, numeric and exists`);
  }
}

function compileAnythingBut(argument: unknown, path: string): LeafTest {
  if (isObject(argument)) {
    const [entry, ...more] = Object.entries(argument);
    if (entry === undefined || more.length > 0 || (entry[0] !== 'prefix' && entry[0] !== 'suffix')) {
      throw new EventPatternError(path, '"anything-but" takes a value, a list of values, { "prefix": ... } or { "suffix": ... }');
    }
    const [kind, affix] = [entry[0], text(entry[1], path, `anything-but ${entry[0]}`)];
    return (value) => !(typeof value === 'string' && (kind === 'prefix' ? value.startsWith(affix) : value.endsWith(affix)));
  }
  const excluded = Array.isArray(argument) ? argument : [argument];
  if (excluded.length === 0 || !excluded.every((value) => typeof value === 'string' || typeof value === 'number')) {
    throw new EventPatternError(path, '"anything-but" takes strings or numbers');
  }
  const tests = excluded.map((value) => equalTo(value as string | number));
  return (value) => !tests.some((test) => test(value));
}

function compileNumeric(argument: unknown, path: string): LeafTest {
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0 || argument.length > 4) {
    throw new EventPatternError(path, '"numeric" takes one or two comparisons: [">", 0, "<=", 5]');
  }
  const comparisons: ((value: number) => boolean)[] = [];
  for (let i = 0; i < argument.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(argument[i])];
    const bound = argument[i + 1];
    if (compare === undefined) throw new EventPatternError(path, `"numeric" comparison ${JSON.stringify(argument[i])} is not one of ${Object.keys(NUMERIC_OPERATORS).join(' ')}`);
    if (typeof bound !== 'number' || !Number.isFinite(bound)) throw new EventPatternError(path, `"numeric" bound ${JSON.stringify(bound)} is not a number`);
    comparisons.push((value) => compare(value, bound));
  }
  return (value) => typeof value === 'number' && comparisons.every((compare) => compare(value));
}

function equalTo(expected: Leaf): LeafTest {
  return (value) => value === expected;
}

function text(argument: unknown, path: string, operator: string): string {
  if (typeof argument !== 'string') throw new EventPatternError(path, `"${operator}" takes a string`);
  return argument;
}

/** A field's leaf values: the value itself, or the leaves of an array (nested arrays flattened). */
function leavesOf(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
}

function objectsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  return isObject(value) ? [value] : [];
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
