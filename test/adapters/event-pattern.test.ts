/**
 * EventBridge event patterns: a table of (pattern, event, matches?) scenarios, most of them the
 * examples of EventBridge's user guide, and the mistakes a pattern check must name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileEventPattern, EventPatternError } from '#adapters/local/event-pattern.ts';

/** An EventBridge envelope around a CheckStateChanged detail. */
const EVENT = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CheckStateChanged',
  source: 'vigil',
  account: '111122223333',
  time: '2025-01-06T12:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:vigil:check/1', 'arn:vigil:check/2'],
  detail: {
    siteId: 'site-1',
    checkName: 'http',
    kind: 'service',
    hostName: 'web-1.example.com',
    fromStatus: 'OK',
    toStatus: 'CRITICAL',
    recovery: false,
    atMs: 1736164800000,
    attempt: 3,
    ratio: 0.25,
    groups: ['web', 'production'],
    version: '',
    ack: null,
    location: { name: 'eu-west', region: 'eu-west-1' },
    readings: [
      { name: 'time', value: 1.5, unit: 's' },
      { name: 'size', value: 2048, unit: 'B' },
    ],
  },
};

const SCENARIOS: [string, unknown, boolean][] = [
  // Exact values: a list is OR, fields are AND.
  ['source', { source: ['vigil'] }, true],
  ['source, one of several', { source: ['aws.ec2', 'vigil'] }, true],
  ['source, wrong', { source: ['aws.ec2'] }, false],
  ['source and detail-type', { source: ['vigil'], 'detail-type': ['CheckStateChanged'] }, true],
  ['source right, detail-type wrong', { source: ['vigil'], 'detail-type': ['Other'] }, false],
  ['nested detail field', { detail: { toStatus: ['CRITICAL', 'WARNING'] } }, true],
  ['deeper nesting', { detail: { location: { region: ['eu-west-1'] } } }, true],
  ['deeper nesting, wrong', { detail: { location: { region: ['us-east-1'] } } }, false],
  ['case matters', { detail: { toStatus: ['critical'] } }, false],
  ['a missing field does not match a value', { detail: { nothing: ['x'] } }, false],
  ['a missing object does not match', { detail: { nowhere: { region: ['x'] } } }, false],
  // Types: "3" is not 3, numbers compare as numbers, null and "" differ.
  ['number', { detail: { attempt: [3] } }, true],
  ['number as string', { detail: { attempt: ['3'] } }, false],
  ['number written 3.0', { detail: { attempt: [3.0] } }, true],
  ['boolean', { detail: { recovery: [false] } }, true],
  ['boolean as string', { detail: { recovery: ['false'] } }, false],
  ['null', { detail: { ack: [null] } }, true],
  ['null is not ""', { detail: { ack: [''] } }, false],
  ['"" is not null', { detail: { version: [null] } }, false],
  ['empty string', { detail: { version: [''] } }, true],
  // Arrays in events: any element.
  ['array element', { detail: { groups: ['production'] } }, true],
  ['array, no element', { detail: { groups: ['staging'] } }, false],
  ['array against a list: non-empty intersection', { resources: ['arn:vigil:check/9', 'arn:vigil:check/2'] }, true],
  ['array of objects, one element', { detail: { readings: { name: ['size'], unit: ['B'] } } }, true],
  ['array of objects: fields from different elements do not combine', { detail: { readings: { name: ['time'], unit: ['B'] } } }, false],
  // prefix, suffix, equals-ignore-case
  ['prefix', { region: [{ prefix: 'eu-' }] }, true],
  ['prefix, wrong', { region: [{ prefix: 'us-' }] }, false],
  ['prefix on a number never matches', { detail: { attempt: [{ prefix: '3' }] } }, false],
  ['prefix on array elements', { detail: { groups: [{ prefix: 'prod' }] } }, true],
  ['suffix', { detail: { hostName: [{ suffix: '.example.com' }] } }, true],
  ['suffix, wrong', { detail: { hostName: [{ suffix: '.example.org' }] } }, false],
  ['equals-ignore-case', { detail: { toStatus: [{ 'equals-ignore-case': 'critical' }] } }, true],
  // anything-but
  ['anything-but a value', { detail: { toStatus: [{ 'anything-but': 'OK' }] } }, true],
  ['anything-but the value', { detail: { toStatus: [{ 'anything-but': 'CRITICAL' }] } }, false],
  ['anything-but a list', { detail: { toStatus: [{ 'anything-but': ['OK', 'CRITICAL'] }] } }, false],
  ['anything-but a number', { detail: { attempt: [{ 'anything-but': 3 }] } }, false],
  ['anything-but other numbers', { detail: { attempt: [{ 'anything-but': [1, 2] }] } }, true],
  ['anything-but a prefix', { region: [{ 'anything-but': { prefix: 'us-' } }] }, true],
  ['anything-but the prefix', { region: [{ 'anything-but': { prefix: 'eu-' } }] }, false],
  ['anything-but a suffix', { detail: { hostName: [{ 'anything-but': { suffix: '.org' } }] } }, true],
  ['anything-but never matches a missing field', { detail: { nothing: [{ 'anything-but': 'x' }] } }, false],
  ['anything-but on an array: one other element is enough', { detail: { groups: [{ 'anything-but': 'web' }] } }, true],
  ['anything-but on an array: every element excluded', { detail: { groups: [{ 'anything-but': ['web', 'production'] }] } }, false],
  // numeric
  ['numeric range', { detail: { attempt: [{ numeric: ['>', 0, '<=', 5] }] } }, true],
  ['numeric range, outside', { detail: { attempt: [{ numeric: ['>', 3, '<=', 5] }] } }, false],
  ['numeric equal', { detail: { attempt: [{ numeric: ['=', 3] }] } }, true],
  ['numeric, fraction', { detail: { ratio: [{ numeric: ['<', 0.5] }] } }, true],
  ['numeric, large', { detail: { atMs: [{ numeric: ['>=', 1736164800000] }] } }, true],
  ['numeric on a string never matches', { detail: { toStatus: [{ numeric: ['>', 0] }] } }, false],
  ['numeric on a missing field never matches', { detail: { nothing: [{ numeric: ['>', 0] }] } }, false],
  ['numeric on array of objects', { detail: { readings: { value: [{ numeric: ['>', 1000] }] } } }, true],
  // exists
  ['exists: true', { detail: { hostName: [{ exists: true }] } }, true],
  ['exists: true, missing', { detail: { nothing: [{ exists: true }] } }, false],
  ['exists: true, null counts as present', { detail: { ack: [{ exists: true }] } }, true],
  ['exists: false, missing', { detail: { nothing: [{ exists: false }] } }, true],
  ['exists: false, present', { detail: { hostName: [{ exists: false }] } }, false],
  ['exists: false inside a missing object', { detail: { nowhere: { deeper: [{ exists: false }] } } }, true],
  ['exists: true on an object (leaves only)', { detail: { location: [{ exists: true }] } }, false],
  ['exists: false or a value: missing', { detail: { nothing: [{ exists: false }, 'x'] } }, true],
  ['exists: false or a value: the value', { detail: { toStatus: [{ exists: false }, 'CRITICAL'] } }, true],
  // $or
  ['$or, second alternative', { detail: { $or: [{ toStatus: ['OK'] }, { attempt: [{ numeric: ['>=', 3] }] }] } }, true],
  ['$or, neither', { detail: { $or: [{ toStatus: ['OK'] }, { attempt: [{ numeric: ['>', 3] }] }] } }, false],
  ['$or with a sibling field (AND)', { source: ['vigil'], $or: [{ 'detail-type': ['Other'] }, { detail: { kind: ['service'] } }] }, true],
  ['$or with a failing sibling', { source: ['aws.ec2'], $or: [{ 'detail-type': ['CheckStateChanged'] }, { detail: { kind: ['service'] } }] }, false],
];

describe('event patterns', () => {
  for (const [name, pattern, expected] of SCENARIOS) {
    it(`${expected ? 'matches' : 'does not match'}: ${name}`, () => {
      assert.equal(compileEventPattern(pattern)(EVENT), expected, JSON.stringify(pattern));
    });
  }

  it('treats an event that is not an object as having no fields', () => {
    assert.equal(compileEventPattern({ source: ['vigil'] })(null), false);
    assert.equal(compileEventPattern({ source: [{ exists: false }] })('text'), true);
  });

  const MISTAKES: [unknown, RegExp][] = [
    [{}, /\(root\): must be a JSON object with at least one field/],
    [['vigil'], /\(root\): must be a JSON object/],
    [{ source: 'vigil' }, /source: must be a list of values \(write \["vigil"\]\)/],
    [{ detail: { state: [] } }, /detail\.state: an empty list matches nothing/],
    [{ detail: { state: [{ sufix: '.png' }] } }, /detail\.state\[0\]: unknown operator "sufix"/],
    [{ detail: { state: [{ prefix: 'a', suffix: 'b' }] } }, /exactly one operator, not 2/],
    [{ detail: { state: [{ prefix: 3 }] } }, /"prefix" takes a string/],
    [{ detail: { state: [['nested']] } }, /detail\.state\[0\]: must be a string, number, boolean, null or an operator object/],
    [{ detail: { n: [{ numeric: ['>', 0, '<'] }] } }, /one or two comparisons/],
    [{ detail: { n: [{ numeric: ['>>', 0] }] } }, /comparison ">>" is not one of/],
    [{ detail: { n: [{ numeric: ['>', '0'] }] } }, /bound "0" is not a number/],
    [{ detail: { n: [{ exists: 'yes' }] } }, /"exists" takes true or false/],
    [{ detail: { n: [{ 'anything-but': { wildcard: '*' } }] } }, /"anything-but" takes a value, a list of values/],
    [{ detail: { n: [{ 'anything-but': [] }] } }, /"anything-but" takes strings or numbers/],
    [{ $or: [{ source: ['a'] }] }, /\$or: must be a list of at least two patterns/],
    [{ $or: [{ source: ['a'] }, { source: 'b' }] }, /\$or\[1\]\.source: must be a list/],
  ];
  for (const [pattern, message] of MISTAKES) {
    it(`refuses ${JSON.stringify(pattern)}`, () => {
      assert.throws(() => compileEventPattern(pattern), (error: unknown) => error instanceof EventPatternError && message.test(error.message));
    });
  }
});
