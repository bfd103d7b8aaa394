import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import snmp from 'net-snmp';
import { CounterRates } from '#engines/snmp/counter-rates.ts';
import { formatUptime, snmpValueOf } from '#engines/snmp/snmp-value.ts';

describe('counter rates', () => {
  const COUNTER32 = 1n << 32n;
  const COUNTER64 = 1n << 64n;

  const cases: [string, { value: bigint; modulus?: bigint; atMs: number }[], string][] = [
    ['the first sample has no rate', [{ value: 5n, modulus: COUNTER32, atMs: 0 }], 'first'],
    ['a counter that grew', [{ value: 1_000n, modulus: COUNTER32, atMs: 0 }, { value: 3_000n, modulus: COUNTER32, atMs: 10_000 }], 'rate 200'],
    ['a Counter32 that wrapped', [{ value: COUNTER32 - 100n, modulus: COUNTER32, atMs: 0 }, { value: 900n, modulus: COUNTER32, atMs: 1_000 }], 'rate 1000'],
    ['a Counter64 that wrapped', [{ value: COUNTER64 - 1n, modulus: COUNTER64, atMs: 0 }, { value: 1n, modulus: COUNTER64, atMs: 2_000 }], 'rate 1'],
    ['a counter that went back further than a wrap explains was reset', [{ value: 1_000_000n, modulus: COUNTER32, atMs: 0 }, { value: 10n, modulus: COUNTER32, atMs: 1_000 }], 'reset'],
    ['a gauge that fell has a negative rate', [{ value: 100n, atMs: 0 }, { value: 40n, atMs: 2_000 }], 'rate -30'],
    ['samples at the same moment have no rate', [{ value: 1n, modulus: COUNTER32, atMs: 5 }, { value: 2n, modulus: COUNTER32, atMs: 5 }], 'first'],
    ['a counter that changed type starts over', [{ value: 1n, modulus: COUNTER32, atMs: 0 }, { value: 2n, modulus: COUNTER64, atMs: 1_000 }], 'first'],
  ];
  for (const [name, samples, expected] of cases) {
    test(name, () => {
      const rates = new CounterRates();
      let last = '';
      for (const sample of samples) {
        const result = rates.update('k', sample);
        last = result.kind === 'rate' ? `rate ${result.perSecond}` : result.kind;
      }
      assert.equal(last, expected);
    });
  }

  test('a Counter64 beyond 2^53 keeps its exact delta', () => {
    const rates = new CounterRates();
    const base = (1n << 60n) + 7n;
    rates.update('k', { value: base, modulus: COUNTER64, atMs: 0 });
    assert.deepEqual(rates.update('k', { value: base + 3n, modulus: COUNTER64, atMs: 1_000 }), { kind: 'rate', perSecond: 3 });
  });

  test('the oldest samples go first beyond the limit', () => {
    const rates = new CounterRates(2);
    rates.update('a', { value: 1n, atMs: 0 });
    rates.update('b', { value: 1n, atMs: 0 });
    rates.update('a', { value: 2n, atMs: 1_000 }); // a is now the newest
    rates.update('c', { value: 1n, atMs: 0 }); // evicts b
    assert.equal(rates.size, 2);
    assert.equal(rates.update('b', { value: 2n, atMs: 1_000 }).kind, 'first');
  });
});

describe('SNMP values', () => {
  const { ObjectType } = snmp;
  test('types to text, numbers and integers', () => {
    const cases: [Parameters<typeof snmpValueOf>[0], object][] = [
      [{ oid: '1.1', type: ObjectType.OctetString, value: Buffer.from('web-1') }, { type: 'OctetString', display: '"web-1"', text: 'web-1' }],
      [{ oid: '1.1', type: ObjectType.OctetString, value: Buffer.from('0.15') }, { type: 'OctetString', display: '"0.15"', text: '0.15', number: 0.15 }],
      [{ oid: '1.1', type: ObjectType.OctetString, value: Buffer.from('padded\0\0') }, { type: 'OctetString', display: '"padded"', text: 'padded' }],
      [{ oid: '1.1', type: ObjectType.OctetString, value: Buffer.from([0x00, 0x1a, 0x2b, 0xff]) }, { type: 'OctetString', display: '00:1a:2b:ff', text: '00:1a:2b:ff' }],
      [{ oid: '1.1', type: ObjectType.Integer, value: -5 }, { type: 'Integer', display: '-5', text: '-5', number: -5, integer: -5n }],
      [{ oid: '1.1', type: ObjectType.Counter, value: 4294967295 }, { type: 'Counter32', display: '4294967295', text: '4294967295', number: 4294967295, integer: 4294967295n }],
      [{ oid: '1.1', type: ObjectType.Counter64, value: Buffer.from('0100000000000001', 'hex') }, { type: 'Counter64', display: '72057594037927937', text: '72057594037927937', number: 72057594037927937, integer: 72057594037927937n }],
      [{ oid: '1.1', type: ObjectType.TimeTicks, value: 9378400 }, { type: 'TimeTicks', display: '1d 2h 3m 4s (9378400 ticks)', text: '9378400', number: 93784, integer: 9378400n }],
      [{ oid: '1.1', type: ObjectType.IpAddress, value: '10.0.0.1' }, { type: 'IpAddress', display: '10.0.0.1', text: '10.0.0.1' }],
      [{ oid: '1.1', type: ObjectType.NoSuchInstance, value: null }, { missing: 'noSuchInstance' }],
    ];
    for (const [varbind, expected] of cases) assert.deepEqual(snmpValueOf(varbind), { oid: '1.1', ...expected }, String(varbind.type));
  });

  test('uptimes', () => {
    assert.deepEqual([0, 59, 60, 3_600, 93_784.99].map(formatUptime), ['0s', '59s', '1m 0s', '1h 0m 0s', '1d 2h 3m 4s']);
  });
});
