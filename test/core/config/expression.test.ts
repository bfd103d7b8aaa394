import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ExpressionObject,
  type ExpressionScope,
  type ExpressionValue,
  ExpressionError,
  parseTemplate,
  renderTemplate,
} from '#core/config/expression.ts';

function objectOf(properties: Record<string, ExpressionValue>, text = ''): ExpressionObject {
  return {
    isExpressionObject: true,
    get: (p) => properties[p] ?? null,
    call: (m, args) => (m === 'getParameter' ? (properties[String(args[0])] ?? null) : null),
    toString: () => text,
  } as ExpressionObject;
}

const scope: ExpressionScope = {
  name: (name) =>
    ({
      host: objectOf({ name: 'web-1', address: '10.0.0.1', empty: '' }, 'web-1'),
      nohost: objectOf({ name: 'n' }),
      site: objectOf({ deployment_mode: 'cluster', name: 's' }),
      arg1: '5,4,3',
      'nagios.path': '/opt/nagios',
    })[name],
  credentials: (name) => (name === 'api' ? objectOf({ username: 'u', password: 'p' }) : null),
};

const renders: [template: string, expected: string][] = [
  ['plain text', 'plain text'],
  ['#{host.address}', '10.0.0.1'],
  ['-H #{host.address} -w #{arg1}', '-H 10.0.0.1 -w 5,4,3'],
  ['#{coalesce(host.missing, host.empty, host.name)}', 'web-1'],
  ["#{coalesce(host.missing, 'fallback')}", 'fallback'],
  ["#{host.getParameter('address')}", '10.0.0.1'],
  ["#{if(site.deployment_mode == 'cluster', 3, 1)}", '3'],
  ["#{if(site.deployment_mode != 'cluster', 3, 1)}", '1'],
  ["#{resolve_credentials('api').username}", 'u'],
  ["#{resolve_credentials('nope').username}", ''],
  ['#{unknown}', ''],
  ['#{nagios.path}/check_ping', '/opt/nagios/check_ping'],
  ['#{host}', 'web-1'],
  ["#{'a' + 'b'}", 'ab'],
  ['#{1 + 2}', '3'],
  ["#{!host.missing && host.name == 'web-1'}", 'true'],
  ['#{upper(host.name)}', 'WEB-1'],
  ["#{concat(host.name, '.example.com')}", 'web-1.example.com'],
  ["#{'brace } in a string'}", 'brace } in a string'],
];

for (const [template, expected] of renders) {
  test(`renders ${template}`, () => {
    assert.equal(renderTemplate(parseTemplate(template), scope), expected);
  });
}

const errors: [template: string, message: string, offset: number][] = [
  ['#{host.address', "unterminated expression: '#{' has no closing '}'", 0],
  ['#{}', 'empty expression', 2],
  ['x #{host.}', "expected a property name after '.', found 'end'", 9],
  ['#{nope(1)}', "unknown function 'nope' (known: coalesce, if, resolve_credentials, concat, lower, upper)", 2],
  ['#{if(1, 2)}', 'if() takes 3 argument(s), got 2', 2],
  ["#{'open}", "unterminated expression: '#{' has no closing '}'", 0],
  ['#{host.address host.name}', "unexpected 'host'", 15],
  ['#{a @ b}', "unexpected character '@'", 4],
];

for (const [template, message, offset] of errors) {
  test(`rejects ${template}`, () => {
    assert.throws(() => parseTemplate(template), (error: unknown) => {
      assert.ok(error instanceof ExpressionError);
      assert.equal(error.message, message);
      assert.equal(error.offset, offset);
      return true;
    });
  });
}
