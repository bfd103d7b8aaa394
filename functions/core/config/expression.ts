/**
 * Bergamot's `#{...}` parameter expressions: `#{host.address}`, `#{arg1}`,
 * `#{coalesce(host.address, host.name)}`, `#{host.location.getParameter('snmp_version')}`,
 * `#{resolve_credentials('snmp_v2').password}`, `#{if(site.deployment_mode == 'cluster', 3, 1)}`.
 *
 * A value is a template: literal text with expressions in it. Templates are parsed once when the
 * configuration is validated (so a bad expression is reported with its place) and evaluated at
 * check time against the check's scope.
 */

export type Expression =
  | { type: 'literal'; value: string | number | boolean | null; offset: number }
  | { type: 'name'; name: string; offset: number }
  | { type: 'member'; object: Expression; property: string; offset: number }
  | { type: 'call'; callee: string; args: Expression[]; offset: number }
  | { type: 'method'; object: Expression; method: string; args: Expression[]; offset: number }
  | { type: 'binary'; op: '==' | '!=' | '&&' | '||' | '+'; left: Expression; right: Expression; offset: number }
  | { type: 'not'; operand: Expression; offset: number };

export type TemplatePart = { text: string } | { expression: Expression; source: string; offset: number };

export interface Template {
  parts: TemplatePart[];
}

export class ExpressionError extends Error {
  /** 0-based offset of the problem within the template text. */
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** Functions every expression may call, with their arity (min, max). */
export const EXPRESSION_FUNCTIONS: Record<string, { min: number; max: number }> = {
  coalesce: { min: 1, max: Infinity },
  if: { min: 3, max: 3 },
  resolve_credentials: { min: 1, max: 1 },
  concat: { min: 1, max: Infinity },
  lower: { min: 1, max: 1 },
  upper: { min: 1, max: 1 },
};

/** Splits a value into literal text and parsed expressions; throws ExpressionError. */
export function parseTemplate(text: string): Template {
  const parts: TemplatePart[] = [];
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('#{', position);
    if (open < 0) {
      parts.push({ text: text.slice(position) });
      break;
    }
    if (open > position) parts.push({ text: text.slice(position, open) });
    const close = findClosingBrace(text, open + 2);
    if (close < 0) throw new ExpressionError("unterminated expression: '#{' has no closing '}'", open);
    const source = text.slice(open + 2, close);
    const expression = new ExpressionParser(source, open + 2).parseWhole();
    parts.push({ expression, source, offset: open });
    position = close + 1;
  }
  return { parts };
}

/** True when the text contains an expression at all (most values are plain text). */
export function hasExpression(text: string): boolean {
  return text.includes('#{');
}

function findClosingBrace(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '}') return i;
  }
  return -1;
}

type Token = { kind: 'name' | 'string' | 'number' | 'op' | 'end'; value: string; offset: number };

class ExpressionParser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(source: string, private readonly base: number) {
    this.tokens = tokenize(source, base);
  }

  parseWhole(): Expression {
    if (this.peek().kind === 'end') throw new ExpressionError('empty expression', this.base);
    const expression = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw new ExpressionError(`unexpected '${next.value}'`, next.offset);
    return expression;
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.accept('||')) left = { type: 'binary', op: '||', left, right: this.parseAnd(), offset: left.offset };
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseEquality();
    while (this.accept('&&')) left = { type: 'binary', op: '&&', left, right: this.parseEquality(), offset: left.offset };
    return left;
  }

  private parseEquality(): Expression {
    let left = this.parseConcat();
    for (;;) {
      const op = this.accept('==') ? '==' : this.accept('!=') ? '!=' : undefined;
      if (!op) return left;
      left = { type: 'binary', op, left, right: this.parseConcat(), offset: left.offset };
    }
  }

  private parseConcat(): Expression {
    let left = this.parseUnary();
    while (this.accept('+')) left = { type: 'binary', op: '+', left, right: this.parseUnary(), offset: left.offset };
    return left;
  }

  private parseUnary(): Expression {
    const token = this.peek();
    if (this.accept('!')) return { type: 'not', operand: this.parseUnary(), offset: token.offset };
    return this.parsePostfix();
  }

  private parsePostfix(): Expression {
    let expression = this.parsePrimary();
    while (this.accept('.')) {
      const property = this.next();
      if (property.kind !== 'name') throw new ExpressionError(`expected a property name after '.', found '${property.value || 'end'}'`, property.offset);
      if (this.accept('(')) {
        expression = { type: 'method', object: expression, method: property.value, args: this.parseArguments(), offset: property.offset };
      } else {
        expression = { type: 'member', object: expression, property: property.value, offset: property.offset };
      }
    }
    return expression;
  }

  private parsePrimary(): Expression {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { type: 'literal', value: token.value, offset: token.offset };
      case 'number':
        return { type: 'literal', value: Number(token.value), offset: token.offset };
      case 'name':
        if (token.value === 'true' || token.value === 'false') return { type: 'literal', value: token.value === 'true', offset: token.offset };
        if (token.value === 'null') return { type: 'literal', value: null, offset: token.offset };
        if (this.accept('(')) return this.checkedCall(token, this.parseArguments());
        return { type: 'name', name: token.value, offset: token.offset };
      case 'op':
        if (token.value === '(') {
          const inner = this.parseOr();
          this.expect(')');
          return inner;
        }
        throw new ExpressionError(`unexpected '${token.value}'`, token.offset);
      case 'end':
        throw new ExpressionError('expression ends too early', token.offset);
    }
  }

  private checkedCall(token: Token, args: Expression[]): Expression {
    const signature = EXPRESSION_FUNCTIONS[token.value];
    if (!signature) {
      throw new ExpressionError(`unknown function '${token.value}' (known: ${Object.keys(EXPRESSION_FUNCTIONS).join(', ')})`, token.offset);
    }
    if (args.length < signature.min || args.length > signature.max) {
      const expected = signature.min === signature.max ? `${signature.min}` : `at least ${signature.min}`;
      throw new ExpressionError(`${token.value}() takes ${expected} argument(s), got ${args.length}`, token.offset);
    }
    return { type: 'call', callee: token.value, args, offset: token.offset };
  }

  private parseArguments(): Expression[] {
    const args: Expression[] = [];
    if (this.accept(')')) return args;
    do args.push(this.parseOr());
    while (this.accept(','));
    this.expect(')');
    return args;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private accept(op: string): boolean {
    const token = this.peek();
    if (token.kind === 'op' && token.value === op) {
      this.index++;
      return true;
    }
    return false;
  }

  private expect(op: string): void {
    const token = this.peek();
    if (!this.accept(op)) throw new ExpressionError(`expected '${op}', found '${token.value || 'end of expression'}'`, token.offset);
  }
}

function tokenize(source: string, base: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < source.length && source[j] !== c; j++) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        value += source[j];
      }
      if (j >= source.length) throw new ExpressionError('unterminated string', base + i);
      tokens.push({ kind: 'string', value, offset: base + i });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ kind: 'number', value: match[0], offset: base + i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      // A trailing '-' belongs to an operator-free name only when followed by a name character.
      const name = match[0].replace(/-+$/, '');
      tokens.push({ kind: 'name', value: name, offset: base + i });
      i += name.length;
    } else {
      const two = source.slice(i, i + 2);
      if (['==', '!=', '&&', '||'].includes(two)) {
        tokens.push({ kind: 'op', value: two, offset: base + i });
        i += 2;
      } else if ('().,!+'.includes(c)) {
        tokens.push({ kind: 'op', value: c, offset: base + i });
        i++;
      } else {
        throw new ExpressionError(`unexpected character '${c}'`, base + i);
      }
    }
  }
  tokens.push({ kind: 'end', value: '', offset: base + source.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** An object an expression can read properties of and call methods on (host, location, site...). */
export interface ExpressionObject {
  readonly isExpressionObject: true;
  get(property: string): ExpressionValue;
  call(method: string, args: ExpressionValue[]): ExpressionValue;
}

export type ExpressionValue = string | number | boolean | null | ExpressionObject;

/** What names mean while evaluating: the check's world. */
export interface ExpressionScope {
  /** A bare name: an object (`host`, `site`) or a parameter (`arg1`). Undefined when unknown. */
  name(name: string): ExpressionValue | undefined;
  /** `resolve_credentials('x')`. */
  credentials(name: string): ExpressionValue;
  /** Called when a secret value (a password) flows into the result. */
  onSecret?(): void;
}

export function isExpressionObject(value: ExpressionValue | undefined): value is ExpressionObject {
  return typeof value === 'object' && value !== null && 'isExpressionObject' in value;
}

/** Renders a template to text. Missing values render as empty text, as in Bergamot. */
export function renderTemplate(template: Template, scope: ExpressionScope): string {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) out += part.text;
    else out += toText(evaluate(part.expression, scope));
  }
  return out;
}

export function evaluate(expression: Expression, scope: ExpressionScope): ExpressionValue {
  switch (expression.type) {
    case 'literal':
      return expression.value;
    case 'name':
      return scope.name(expression.name) ?? null;
    case 'member': {
      const object = evaluate(expression.object, scope);
      if (isExpressionObject(object)) return object.get(expression.property);
      // `#{nagios.path}` where `nagios` is no object: a parameter whose name has dots in it.
      const path = dottedPath(expression);
      return path === undefined ? null : (scope.name(path) ?? null);
    }
    case 'method': {
      const object = evaluate(expression.object, scope);
      if (!isExpressionObject(object)) return null;
      return object.call(expression.method, expression.args.map((a) => evaluate(a, scope)));
    }
    case 'not':
      return !truthy(evaluate(expression.operand, scope));
    case 'binary':
      return evaluateBinary(expression.op, expression.left, expression.right, scope);
    case 'call':
      return evaluateCall(expression.callee, expression.args, scope);
  }
}

function evaluateBinary(op: '==' | '!=' | '&&' | '||' | '+', left: Expression, right: Expression, scope: ExpressionScope): ExpressionValue {
  switch (op) {
    case '&&':
      return truthy(evaluate(left, scope)) && truthy(evaluate(right, scope));
    case '||':
      return truthy(evaluate(left, scope)) || truthy(evaluate(right, scope));
    case '==':
      return toText(evaluate(left, scope)) === toText(evaluate(right, scope));
    case '!=':
      return toText(evaluate(left, scope)) !== toText(evaluate(right, scope));
    case '+': {
      const a = evaluate(left, scope);
      const b = evaluate(right, scope);
      return typeof a === 'number' && typeof b === 'number' ? a + b : toText(a) + toText(b);
    }
  }
}

function evaluateCall(callee: string, args: Expression[], scope: ExpressionScope): ExpressionValue {
  switch (callee) {
    case 'coalesce':
      // Lazy, so that a later argument is only evaluated (and a secret only touched) when needed.
      for (const arg of args) {
        const value = evaluate(arg, scope);
        if (value !== null && value !== '') return value;
      }
      return null;
    case 'if':
      return truthy(evaluate(args[0]!, scope)) ? evaluate(args[1]!, scope) : evaluate(args[2]!, scope);
    case 'resolve_credentials':
      return scope.credentials(toText(evaluate(args[0]!, scope)));
    case 'concat':
      return args.map((a) => toText(evaluate(a, scope))).join('');
    case 'lower':
      return toText(evaluate(args[0]!, scope)).toLowerCase();
    case 'upper':
      return toText(evaluate(args[0]!, scope)).toUpperCase();
    default:
      return null;
  }
}

function dottedPath(expression: Expression): string | undefined {
  if (expression.type === 'name') return expression.name;
  if (expression.type !== 'member') return undefined;
  const object = dottedPath(expression.object);
  return object === undefined ? undefined : `${object}.${expression.property}`;
}

function truthy(value: ExpressionValue): boolean {
  if (typeof value === 'string') return value !== '' && value !== 'false' && value !== 'no';
  return Boolean(value);
}

export function toText(value: ExpressionValue): string {
  if (value === null) return '';
  // An object reads as its name: `#{host}` is the host's name.
  return String(value);
}
