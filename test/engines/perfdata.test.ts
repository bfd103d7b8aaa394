import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Reading } from '#engines/engine.ts';
import { parsePerfData, parsePluginOutput, pluginResult, thresholdOf } from '#engines/nagios/plugin-output.ts';

describe('performance data', () => {
  const cases: [string, string, Reading[]][] = [
    ['a value with every field', 'time=0.12s;1;2;0;10', [{ name: 'time', value: 0.12, unit: 's', warning: 1, critical: 2, min: 0, max: 10 }]],
    ['several items, units kept as written', 'rta=0.05ms;100;500 pl=0% size=1024B hits=42c', [
      { name: 'rta', value: 0.05, unit: 'ms', warning: 100, critical: 500 },
      { name: 'pl', value: 0, unit: '%' },
      { name: 'size', value: 1024, unit: 'B' },
      { name: 'hits', value: 42, unit: 'c' },
    ]],
    ['larger byte units and microseconds', 'used=1.5TB free=300KB lat=25us', [
      { name: 'used', value: 1.5, unit: 'TB' },
      { name: 'free', value: 300, unit: 'KB' },
      { name: 'lat', value: 25, unit: 'us' },
    ]],
    ['a quoted label with spaces and an escaped quote', "'free space'=42% 'it''s'=1", [
      { name: 'free space', value: 42, unit: '%' },
      { name: "it's", value: 1 },
    ]],
    ['trailing semicolons and empty fields', 'load1=0.650;1000.000;2000.000;0; load5=0.5;;;;', [
      { name: 'load1', value: 0.65, warning: 1000, critical: 2000, min: 0 },
      { name: 'load5', value: 0.5 },
    ]],
    ['negative values and exponents', 'offset=-0.0012s;0.5;1 big=1.5e3', [
      { name: 'offset', value: -0.0012, unit: 's', warning: 0.5, critical: 1 },
      { name: 'big', value: 1500 },
    ]],
    ['ranges keep their upper bound, else their lower bound', 'a=5;10:20;@30:40 b=5;~:7;10: c=5;@5;~:', [
      { name: 'a', value: 5, warning: 20, critical: 40 },
      { name: 'b', value: 5, warning: 7, critical: 10 },
      { name: 'c', value: 5, warning: 5 },
    ]],
    ['invalid items are skipped, the rest kept', "good=1 U=U bad=abc comma=1,5 noequals 'open=2 ok=3", [{ name: 'good', value: 1 }]],
    ['an invalid min or max is dropped, the item kept', 'x=1;2;3;zero;lots', [{ name: 'x', value: 1, warning: 2, critical: 3 }]],
    ['an empty label is skipped', "=5 ''=6 y=7", [{ name: 'y', value: 7 }]],
    ['nothing', '   ', []],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => assert.deepEqual(parsePerfData(text), expected));
  }

  test('threshold ranges', () => {
    const table: [string | undefined, number | undefined][] = [
      ['10', 10], ['10:20', 20], ['~:20', 20], ['@10:20', 20], ['10:', 10], ['@10', 10], ['~:', undefined],
      ['', undefined], [undefined, undefined], ['x:y', undefined], ['1e2', 100],
    ];
    for (const [range, expected] of table) assert.equal(thresholdOf(range), expected, `range ${range}`);
  });
});

describe('plugin output', () => {
  test('one line with performance data', () => {
    assert.deepEqual(parsePluginOutput('PING OK - Packet loss = 0%, RTA = 0.05 ms|rta=0.05ms;100;500;0 pl=0%;20;60;0\n'), {
      output: 'PING OK - Packet loss = 0%, RTA = 0.05 ms',
      readings: [
        { name: 'rta', value: 0.05, unit: 'ms', warning: 100, critical: 500, min: 0 },
        { name: 'pl', value: 0, unit: '%', warning: 20, critical: 60, min: 0 },
      ],
    });
  });

  test('the Nagios 3 multi-line format: long output, then performance data after the first | in it', () => {
    const text = [
      'DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968',
      '/ 15272 MB (77%);',
      '/boot 68 MB (69%); | /boot=68MB;88;93;0;98',
      '/home=69357MB;253404;253409;0;253414',
      "'/var log'=818MB;970;975;0;980",
    ].join('\n');
    assert.deepEqual(parsePluginOutput(text), {
      output: 'DISK OK - free space: / 3326 MB (56%);',
      longOutput: '/ 15272 MB (77%);\n/boot 68 MB (69%);',
      readings: [
        { name: '/', value: 2643, unit: 'MB', warning: 5948, critical: 5958, min: 0, max: 5968 },
        { name: '/boot', value: 68, unit: 'MB', warning: 88, critical: 93, min: 0, max: 98 },
        { name: '/home', value: 69357, unit: 'MB', warning: 253404, critical: 253409, min: 0, max: 253414 },
        { name: '/var log', value: 818, unit: 'MB', warning: 970, critical: 975, min: 0, max: 980 },
      ],
    });
  });

  test('long output without performance data, CRLF line ends, trailing blank lines dropped', () => {
    assert.deepEqual(parsePluginOutput('WARNING - 2 of 5 down\r\nweb1 down\r\nweb2 down\r\n\r\n'), {
      output: 'WARNING - 2 of 5 down',
      longOutput: 'web1 down\nweb2 down',
      readings: [],
    });
  });

  test('empty output', () => {
    assert.deepEqual(parsePluginOutput(''), { output: '', readings: [] });
  });
});

describe('plugin exit codes', () => {
  test('0-3 are OK, WARNING, CRITICAL, UNKNOWN', () => {
    assert.deepEqual([0, 1, 2, 3].map((code) => pluginResult(code, 'text').status), ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN']);
  });

  test('any other code is UNKNOWN and says so; no output says so too', () => {
    assert.deepEqual(pluginResult(42, 'weird|x=1'), {
      status: 'UNKNOWN',
      output: 'weird (return code 42 is out of bounds)',
      readings: [{ name: 'x', value: 1 }],
    });
    assert.equal(pluginResult(0, '\n').output, '(no output returned from plugin)');
  });
});
