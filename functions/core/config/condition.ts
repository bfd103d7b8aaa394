import { isOk, type Status, worst } from '../status.ts';

/**
 * Conditions of virtual checks (clusters and resources), as Bergamot writes them:
 *
 *   majority of hosts in pool 'bergamot-ui-cluster'
 *   one or more of service 'bergamot-ui-daemon' on hosts in pool 'bergamot-ui-cluster'
 *   all of hosts 'db-1', 'db-2'
 *   at least 2 of hosts in group 'web-servers'
 *
 * A condition is a quantifier over a set of member checks; the virtual check is OK while enough
 * members are healthy.
 */
export type Quantifier =
  | { kind: 'all' }
  | { kind: 'any' }
  | { kind: 'majority' }
  | { kind: 'at-least'; count: number };

export type MemberSet =
  | { kind: 'pool'; name: string }
  | { kind: 'group'; name: string }
  | { kind: 'hosts'; names: string[] };

export interface Condition {
  quantifier: Quantifier;
  /** Members are the hosts themselves, or the named service on each of them. */
  service?: string;
  hosts: MemberSet;
}

export class ConditionError extends Error {
  /** 0-based offset of the problem in the condition text. */
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'ConditionError';
  }
}

const GRAMMAR = "write e.g. majority of hosts in pool 'name', or all of service 'http' on hosts in group 'web'";

type Token = { text: string; offset: number; quoted: boolean };

/** Parses a condition; throws ConditionError naming the offending word. */
export function parseCondition(text: string): Condition {
  const tokens = tokenize(text);
  let index = 0;
  const peek = () => tokens[index];
  const next = () => tokens[index++];
  const fail = (message: string): never => {
    throw new ConditionError(`${message}; ${GRAMMAR}`, peek()?.offset ?? text.length);
  };
  const word = (expected: string) => {
    const token = peek();
    if (!token || token.quoted || token.text.toLowerCase() !== expected) fail(`expected '${expected}'${token ? `, found '${token.text}'` : ' at the end'}`);
    index++;
  };
  const isWord = (expected: string) => peek()?.quoted === false && peek()!.text.toLowerCase() === expected;
  const quoted = (what: string): string => {
    const token = peek();
    if (!token?.quoted) fail(`expected a quoted ${what}${token ? `, found '${token.text}'` : ' at the end'}`);
    index++;
    return token!.text;
  };

  const quantifier = parseQuantifier();
  word('of');
  let service: string | undefined;
  if (isWord('service')) {
    next();
    service = quoted('service name');
    word('on');
  }
  if (!isWord('hosts') && !isWord('host')) fail(`expected 'hosts'${peek() ? `, found '${peek()!.text}'` : ''}`);
  next();
  let hosts: MemberSet;
  if (isWord('in')) {
    next();
    if (isWord('pool')) {
      next();
      hosts = { kind: 'pool', name: quoted('pool name') };
    } else if (isWord('group')) {
      next();
      hosts = { kind: 'group', name: quoted('group name') };
    } else hosts = fail(`expected 'pool' or 'group'${peek() ? `, found '${peek()!.text}'` : ''}`);
  } else {
    const names = [quoted('host name')];
    while (peek()?.text === ',' && !peek()!.quoted) {
      next();
      names.push(quoted('host name'));
    }
    hosts = { kind: 'hosts', names };
  }
  if (peek()) fail(`unexpected '${peek()!.text}'`);
  return { quantifier, ...(service !== undefined ? { service } : {}), hosts };

  function parseQuantifier(): Quantifier {
    const first = peek();
    if (!first || first.quoted) return fail('expected a quantifier (all, any, majority, one or more, at least N, N or more)');
    const lower = first.text.toLowerCase();
    if (lower === 'all' || lower === 'any' || lower === 'majority') {
      next();
      return { kind: lower };
    }
    if (lower === 'one') {
      next();
      word('or');
      word('more');
      return { kind: 'at-least', count: 1 };
    }
    if (lower === 'at') {
      next();
      word('least');
      return { kind: 'at-least', count: count() };
    }
    if (/^\d+$/.test(lower)) {
      const n = count();
      word('or');
      word('more');
      return { kind: 'at-least', count: n };
    }
    return fail(`unknown quantifier '${first.text}'`);
  }

  function count(): number {
    const token = peek();
    if (!token || token.quoted || !/^[1-9]\d*$/.test(token.text)) fail(`expected a number of members${token ? `, found '${token.text}'` : ''}`);
    index++;
    return Number(token!.text);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ConditionError(`unterminated quoted name; ${GRAMMAR}`, i);
      tokens.push({ text: text.slice(i + 1, end), offset: i, quoted: true });
      i = end + 1;
    } else if (c === ',') {
      tokens.push({ text: ',', offset: i, quoted: false });
      i++;
    } else {
      const match = /^[^\s,'"]+/.exec(text.slice(i))!;
      tokens.push({ text: match[0], offset: i, quoted: false });
      i += match[0].length;
    }
  }
  return tokens;
}

/**
 * The virtual check's status from its members' statuses. Members still PENDING are left out; with
 * none reported the result is PENDING. When the condition holds the status is OK; otherwise it
 * is the worst status among the unhealthy members, so a cluster down because of TIMEOUTs says so.
 */
export function evaluateCondition(condition: Condition, members: readonly Status[]): { status: Status; healthy: number; total: number } {
  const reported: Status[] = members.filter((s) => s !== 'PENDING');
  const healthy = reported.filter(isOk).length;
  const total = reported.length;
  if (total === 0) return { status: 'PENDING', healthy, total };
  if (quantifierHolds(condition.quantifier, healthy, total)) return { status: 'OK', healthy, total };
  // Not holding means at least one member is unhealthy (every quantifier holds when all are).
  const status = reported.filter((s) => !isOk(s)).reduce(worst);
  return { status, healthy, total };
}

function quantifierHolds(quantifier: Quantifier, healthy: number, total: number): boolean {
  switch (quantifier.kind) {
    case 'all':
      return healthy === total;
    case 'any':
      return healthy >= 1;
    case 'majority':
      return healthy * 2 > total;
    case 'at-least':
      return healthy >= quantifier.count;
  }
}
