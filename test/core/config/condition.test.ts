import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Condition, ConditionError, evaluateCondition, parseCondition } from '#core/config/condition.ts';
import type { Status } from '#core/status.ts';
import { diagnosticLines, loadXml } from '../../helpers/config.ts';

const parses: [string, Condition][] = [
  ["majority of hosts in pool 'bergamot-ui-cluster'", { quantifier: { kind: 'majority' }, hosts: { kind: 'pool', name: 'bergamot-ui-cluster' } }],
  ["one or more of service 'bergamot-ui-daemon' on hosts in pool 'ui'", { quantifier: { kind: 'at-least', count: 1 }, service: 'bergamot-ui-daemon', hosts: { kind: 'pool', name: 'ui' } }],
  ["all of hosts 'db-1', 'db-2'", { quantifier: { kind: 'all' }, hosts: { kind: 'hosts', names: ['db-1', 'db-2'] } }],
  ["at least 2 of hosts in group 'web'", { quantifier: { kind: 'at-least', count: 2 }, hosts: { kind: 'group', name: 'web' } }],
  ["3 or more of service \"http\" on hosts in group 'web'", { quantifier: { kind: 'at-least', count: 3 }, service: 'http', hosts: { kind: 'group', name: 'web' } }],
  ["ANY of host 'a'", { quantifier: { kind: 'any' }, hosts: { kind: 'hosts', names: ['a'] } }],
];

for (const [text, expected] of parses) {
  test(`parses: ${text}`, () => assert.deepEqual(parseCondition(text), expected));
}

const rejects: [string, string, number][] = [
  ["most of hosts in pool 'x'", "unknown quantifier 'most'", 0],
  ["majority hosts in pool 'x'", "expected 'of', found 'hosts'", 9],
  ["majority of hosts in pool x", "expected a quoted pool name, found 'x'", 26],
  ["majority of hosts in cluster 'x'", "expected 'pool' or 'group', found 'cluster'", 21],
  ["at least 0 of hosts 'a'", "expected a number of members, found '0'", 9],
  ["majority of hosts in pool 'x' please", "unexpected 'please'", 30],
  ["majority of hosts in pool 'x", 'unterminated quoted name', 26],
];

for (const [text, message, offset] of rejects) {
  test(`rejects: ${text}`, () => {
    assert.throws(() => parseCondition(text), (error: unknown) => {
      assert.ok(error instanceof ConditionError);
      assert.ok(error.message.startsWith(message), error.message);
      assert.equal(error.offset, offset);
      return true;
    });
  });
}

const evaluations: [string, Status[], Status][] = [
  ["majority of hosts 'a'", ['OK', 'OK', 'CRITICAL'], 'OK'],
  ["majority of hosts 'a'", ['OK', 'CRITICAL', 'WARNING'], 'CRITICAL'],
  ["majority of hosts 'a'", ['OK', 'TIMEOUT'], 'TIMEOUT'],
  ["all of hosts 'a'", ['OK', 'INFO'], 'OK'],
  ["all of hosts 'a'", ['OK', 'WARNING'], 'WARNING'],
  ["one or more of hosts 'a'", ['CRITICAL', 'OK'], 'OK'],
  ["one or more of hosts 'a'", ['CRITICAL', 'ERROR'], 'ERROR'],
  ["at least 2 of hosts 'a'", ['OK', 'PENDING', 'CRITICAL'], 'CRITICAL'],
  ["majority of hosts 'a'", ['PENDING', 'PENDING'], 'PENDING'],
  ["majority of hosts 'a'", ['OK', 'PENDING', 'PENDING'], 'OK'],
];

for (const [text, members, expected] of evaluations) {
  test(`${text} over ${members.join(', ')} is ${expected}`, () => {
    assert.equal(evaluateCondition(parseCondition(text), members).status, expected);
  });
}

test('a bad condition is reported at its word in the file', () => {
  const loaded = loadXml({ 'f.xml': `<cluster name="c"><condition>majority of hosts in pool x</condition></cluster>` });
  assert.deepEqual(diagnosticLines(loaded).map((l) => l.split(';')[0]), ["f.xml:2:56 error: bad condition: expected a quoted pool name, found 'x'"]);
});

test("a concrete cluster's condition must name existing groups and hosts; an empty pool is a warning", () => {
  const loaded = loadXml({
    'f.xml': `<group name="web"/><host name="h" resource-pool="p"/>
<cluster name="c1"><condition>majority of hosts in group 'wbe'</condition></cluster>
<cluster name="c2"><condition>all of hosts 'h', 'nope'</condition></cluster>
<cluster name="c3"><condition>majority of hosts in pool 'q'</condition><resource name="r"><condition>all of service 's' on hosts in pool 'p'</condition></resource></cluster>`,
  });
  assert.deepEqual(diagnosticLines(loaded), [
    "f.xml:3:31 error: unknown group 'wbe' (in the condition of cluster 'c1')",
    "f.xml:4:31 error: unknown host 'nope' (in the condition of cluster 'c2')",
    "f.xml:5:31 warning: no host is in pool 'q' (in the condition of cluster 'c3')",
  ]);
});
