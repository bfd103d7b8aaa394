import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { dnsEngine } from '#engines/dns.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.ts';

const LONG_TXT = ['k=rsa; p=', 'A'.repeat(250)];

describe('dns engine', () => {
  let server: TestDnsServer;

  before(async () => {
    server = await startDnsServer(
      [
        { name: 'www.example.test', type: 'A', data: '192.0.2.1' },
        { name: 'www.example.test', type: 'A', data: '192.0.2.2' },
        { name: 'www.example.test', type: 'AAAA', data: '2001:db8::1' },
        { name: 'alias.example.test', type: 'CNAME', data: 'www.example.test' },
        { name: 'example.test', type: 'MX', data: { preference: 10, exchange: 'mail.example.test' } },
        { name: 'example.test', type: 'MX', data: { preference: 20, exchange: 'backup.example.test' } },
        { name: 'example.test', type: 'TXT', data: 'v=spf1 ip4:192.0.2.0/24 -all' },
        { name: 'dkim.example.test', type: 'TXT', data: LONG_TXT },
        { name: 'example.test', type: 'NS', data: 'ns1.example.test' },
        { name: 'example.test', type: 'NS', data: 'ns2.example.test' },
      ],
      { serverFailures: ['broken.example.test'], ignored: ['silent.example.test'] },
    );
  });
  after(() => server.close());

  const query = (parameters: Record<string, string>, timeoutMs?: number) =>
    runEngine(dnsEngine, { server: server.address, ...parameters }, timeoutMs === undefined ? {} : { timeoutMs });

  test('an answer is OK and lists what the server said, with the time as reading', async () => {
    const result = await query({ name: 'www.example.test' });
    assert.equal(result.status, 'OK', result.output);
    assert.match(result.output, new RegExp(`^DNS www\\.example\\.test A: 192\\.0\\.2\\.1, 192\\.0\\.2\\.2 from ${server.address.replace(/\./g, '\\.')} in \\d+\\.\\d{3} s$`));
    assert.deepEqual(result.readings.map((r) => [r.name, r.unit]), [['time', 's']]);
    assert.ok(server.questions.includes('www.example.test A'));
  });

  describe('expect: every item present, in any order, other answers allowed', () => {
    const scenarios: { name: string; type: string; expect: string; status: string; output?: RegExp }[] = [
      { name: 'www.example.test', type: 'A', expect: '192.0.2.2, 192.0.2.1', status: 'OK' },
      { name: 'www.example.test', type: 'A', expect: '192.0.2.1', status: 'OK' },
      { name: 'www.example.test', type: 'A', expect: '192.0.2.1, 192.0.2.9', status: 'CRITICAL', output: /; missing 192\.0\.2\.9$/ },
      { name: 'www.example.test', type: 'aaaa', expect: '2001:0DB8:0:0::1', status: 'OK' },
      { name: 'www.example.test', type: 'AAAA', expect: '2001:db8::2', status: 'CRITICAL' },
      { name: 'alias.example.test', type: 'CNAME', expect: 'WWW.Example.Test.', status: 'OK' },
      { name: 'example.test', type: 'MX', expect: 'mail.example.test, 20 backup.example.test', status: 'OK' },
      { name: 'example.test', type: 'MX', expect: '20 mail.example.test', status: 'CRITICAL' },
      { name: 'example.test', type: 'TXT', expect: 'v=spf1', status: 'OK' },
      { name: 'dkim.example.test', type: 'TXT', expect: `p=${'A'.repeat(250)}`, status: 'OK' },
      { name: 'example.test', type: 'TXT', expect: 'v=DMARC1', status: 'CRITICAL' },
      { name: 'example.test', type: 'NS', expect: 'ns2.example.test, ns1.example.test.', status: 'OK' },
      { name: 'example.test', type: 'NS', expect: 'ns3.example.test', status: 'CRITICAL', output: /missing ns3\.example\.test/ },
    ];
    for (const { name, type, expect, status, output } of scenarios) {
      test(`${name} ${type} expecting ${expect.length > 40 ? `${expect.slice(0, 40)}…` : expect} is ${status}`, async () => {
        const result = await query({ name, type, expect });
        assert.equal(result.status, status, result.output);
        if (output) assert.match(result.output, output);
      });
    }
  });

  test('a long TXT record is joined from its strings, and shown cut short', async () => {
    const result = await query({ name: 'dkim.example.test', type: 'TXT' });
    assert.equal(result.status, 'OK');
    assert.match(result.output, /: k=rsa; p=A+… from /);
  });

  test('no such name, no records of the type and server failure are CRITICAL', async () => {
    const nxdomain = await query({ name: 'nothing.example.test' });
    assert.equal(nxdomain.status, 'CRITICAL');
    assert.equal(nxdomain.output, `DNS nothing.example.test A from ${server.address}: no such name (NXDOMAIN)`);
    const nodata = await query({ name: 'www.example.test', type: 'MX' });
    assert.equal(nodata.status, 'CRITICAL');
    assert.match(nodata.output, /: no records of that type$/);
    const servfail = await query({ name: 'broken.example.test' });
    assert.equal(servfail.status, 'CRITICAL');
    assert.match(servfail.output, /SERVFAIL/);
  });

  test('a server that does not answer gives TIMEOUT', async () => {
    const result = await query({ name: 'silent.example.test' }, 300);
    assert.equal(result.status, 'TIMEOUT');
  });

  test('a port where no server listens is CRITICAL', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const { port } = socket.address();
    socket.close();
    const result = await runEngine(dnsEngine, { server: `127.0.0.1:${port}`, name: 'www.example.test' });
    assert.equal(result.status, 'CRITICAL', result.output);
    assert.match(result.output, /connection refused by the server$/);
  });

  test('response time thresholds', async () => {
    const relaxed = await query({ name: 'www.example.test', warning_response_time: '1s', critical_response_time: '2s' });
    assert.equal(relaxed.status, 'OK');
    assert.deepEqual([relaxed.readings[0]?.warning, relaxed.readings[0]?.critical], [1, 2]);
    const slow = await query({ name: 'www.example.test', critical_response_time: '0' });
    assert.equal(slow.status, 'CRITICAL');
  });

  test('bad parameters are configuration errors', async () => {
    const scenarios: [Record<string, string>, RegExp][] = [
      [{ name: 'www.example.test', type: 'SRV' }, /parameter 'type': expected one of A, AAAA, CNAME, MX, TXT, NS/],
      [{ name: 'www.example.test', server: '127.0.0.1:99999' }, /parameter 'server'/],
      [{ name: 'www.example.test', server: '127.0.0.1:dns' }, /parameter 'server'/],
      [{ type: 'A' }, /parameter 'name'/],
    ];
    for (const [parameters, output] of scenarios) {
      const result = await query(parameters);
      assert.equal(result.status, 'ERROR', JSON.stringify(parameters));
      assert.match(result.output, output);
    }
  });
});
