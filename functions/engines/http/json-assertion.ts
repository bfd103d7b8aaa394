/**
 * Assertions on a JSON response, one per `json:<path>` parameter whose value says what to expect:
 *
 * | value            | passes when the value at the path...                       |
 * |------------------|------------------------------------------------------------|
 * | `ok`, `== ok`    | equals `ok` (a string), or the JSON `ok` parses to         |
 * | `"a b"`          | is the string `a b` (quotes keep spaces and operators)     |
 * | `!= down`        | is anything but `down`                                     |
 * | `< 100`, `>= 1`  | is a number in that relation (`<`, `<=`, `>`, `>=`)        |
 * | `exists`         | is there at all, whatever its value (even null)            |
 *
 * So `json:$.status` = `ok`, `json:$.checks[0].healthy` = `true`, `json:$.queue.depth` = `< 100`.
 */
import { isDeepStrictEqual } from 'node:util';
import { ParameterError } from '../parameters.ts';
import { evaluateJsonPath, JsonPathError, parseJsonPath, type JsonPathStep } from './json-path.ts';

export type JsonOperator = 'exists' | '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface JsonAssertion {
  path: string;
  steps: JsonPathStep[];
  operator: JsonOperator;
  /** The expected value as written, quotes removed. */
  expected: string;
  /** Whether it was written in quotes, and so is a string whatever it looks like. */
  quoted: boolean;
}

/** Longest operators first, so `<=` is not read as `<` followed by `=...`. */
const OPERATOR = /^(==|!=|<=|>=|<|>|=)\s*/;
/** How much of an unexpected value an output quotes. */
const MAX_SHOWN_CHARS = 80;

/**
 * Reads one assertion; a bad path or an ordering against something that is not a number throws
 * a ParameterError naming `parameter`.
 */
export function parseJsonAssertion(parameter: string, path: string, expectation: string): JsonAssertion {
  let steps: JsonPathStep[];
  try {
    steps = parseJsonPath(path);
  } catch (error) {
    if (error instanceof JsonPathError) throw new ParameterError(parameter, error.message);
    throw error;
  }
  const text = expectation.trim();
  if (text === 'exists') return { path, steps, operator: 'exists', expected: '', quoted: false };
  const operatorMatch = OPERATOR.exec(text);
  const written = operatorMatch?.[1];
  const operator: JsonOperator = written === undefined || written === '=' ? '==' : (written as JsonOperator);
  const rest = text.slice(operatorMatch?.[0].length ?? 0);
  const quoted = rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"');
  const expected = quoted ? rest.slice(1, -1) : rest;
  if (isOrdering(operator) && !isNumeric(expected)) {
    throw new ParameterError(parameter, `'${operator}' compares numbers, but '${expected}' is not a number`);
  }
  return { path, steps, operator, expected, quoted };
}

/** What is wrong with the document by this assertion, or undefined when it holds. */
export function checkJsonAssertion(document: unknown, assertion: JsonAssertion): string | undefined {
  const { path, operator, expected } = assertion;
  const result = evaluateJsonPath(document, assertion.steps);
  if (!result.found) return `${path} is missing`;
  const actual = result.value;
  switch (operator) {
    case 'exists':
      return undefined;
    case '==':
      return matches(actual, assertion) ? undefined : `${path} is ${show(actual)}, expected ${showExpected(assertion)}`;
    case '!=':
      return matches(actual, assertion) ? `${path} is ${show(actual)}, expected anything else` : undefined;
    default: {
      if (typeof actual !== 'number') return `${path} is ${show(actual)}, expected a number ${operator} ${expected}`;
      return compare(actual, operator, Number(expected)) ? undefined : `${path} is ${show(actual)}, expected ${operator} ${expected}`;
    }
  }
}

/** A string compares as text; anything else against the expected value read as JSON (1.0 == 1). */
function matches(actual: unknown, assertion: JsonAssertion): boolean {
  if (typeof actual === 'string') return actual === assertion.expected;
  if (assertion.quoted) return false;
  try {
    return isDeepStrictEqual(actual, JSON.parse(assertion.expected));
  } catch {
    return false;
  }
}

function compare(actual: number, operator: JsonOperator, expected: number): boolean {
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}

function isOrdering(operator: JsonOperator): boolean {
  return operator === '<' || operator === '<=' || operator === '>' || operator === '>=';
}

function isNumeric(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS - 1)}…`;
}

function showExpected(assertion: JsonAssertion): string {
  return assertion.quoted || !isJsonLiteral(assertion.expected) ? JSON.stringify(assertion.expected) : assertion.expected;
}

function isJsonLiteral(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
