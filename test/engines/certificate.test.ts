import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { certificateEngine } from '#engines/certificate.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { createTestPki, type TestCertificate, type TestPki } from '../helpers/tls-fixtures.ts';

describe('certificate engine', () => {
  let pki: TestPki;
  const servers: net.Server[] = [];
  const ports = new Map<string, string>();

  before(async () => {
    pki = await createTestPki();
    const certificates: Record<string, TestCertificate> = {
      valid: pki.valid, expiringSoon: pki.expiringSoon, expired: pki.expired, wrongHost: pki.wrongHost, selfSigned: pki.selfSigned,
    };
    for (const [name, certificate] of Object.entries(certificates)) {
      const server = tls.createServer(certificate, (socket) => socket.end());
      servers.push(server);
      ports.set(name, String(await listenOnLoopback(server)));
    }
  });
  after(async () => {
    await Promise.all(servers.map(closeServer));
    await pki.remove();
  });

  const check = (name: string, parameters: Record<string, string> = {}) =>
    runEngine(certificateEngine, { host: 'localhost', port: ports.get(name)!, ca: pki.ca, ...parameters });
  const days = (result: { readings: { name: string; value: number }[] }) => result.readings.find((r) => r.name === 'days')?.value;

  test('a valid certificate is OK and says when it expires; days is a reading', async () => {
    const result = await check('valid');
    assert.equal(result.status, 'OK', result.output);
    assert.match(result.output, /^TLS certificate of localhost:\d+ \(CN=localhost, issued by CN=Vigil Test CA\) expires in 36[45] days, on \d{4}-\d{2}-\d{2}$/);
    assert.ok([364, 365].includes(days(result)!), String(days(result)));
    assert.deepEqual(result.readings[0], { name: 'days', value: days(result), unit: 'd', warning: 30, critical: 14 });
    assert.match(result.longOutput ?? '', /^subject: CN=localhost\nissuer: CN=Vigil Test CA\nnames: DNS:localhost, IP Address:127\.0\.0\.1\nvalid: .* to .*\nserial: \w+\nsha256: [0-9A-F:]+$/);
  });

  test('an address as host: no SNI, and the certificate must cover the address', async () => {
    const result = await check('valid', { host: '127.0.0.1' });
    assert.equal(result.status, 'OK', result.output);
  });

  describe('days left', () => {
    const scenarios: { parameters: Record<string, string>; status: string; output?: RegExp }[] = [
      { parameters: {}, status: 'CRITICAL', output: /expires in [45] days, on .*; fewer than 14 days left$/ },
      { parameters: { critical_days: '3' }, status: 'WARNING', output: /; fewer than 30 days left$/ },
      { parameters: { warning_days: '3', critical_days: '1' }, status: 'OK' },
      // Bergamot's certificate-check calls the warning threshold expires_in.
      { parameters: { expires_in: '7', critical_days: '1' }, status: 'WARNING', output: /fewer than 7 days left/ },
      { parameters: { expires_in: '3', critical_days: '1' }, status: 'OK' },
    ];
    for (const { parameters, status, output } of scenarios) {
      test(`expiring in 5 days with ${JSON.stringify(parameters)} is ${status}`, async () => {
        const result = await check('expiringSoon', parameters);
        assert.equal(result.status, status, result.output);
        if (output) assert.match(result.output, output);
      });
    }

    test('critical_days above warning_days is a configuration error', async () => {
      const result = await check('valid', { warning_days: '10', critical_days: '20' });
      assert.equal(result.status, 'ERROR');
      assert.match(result.output, /parameter 'critical_days'/);
    });
  });

  test('an expired certificate is CRITICAL, with negative days', async () => {
    const result = await check('expired');
    assert.equal(result.status, 'CRITICAL');
    assert.match(result.output, /expired \d+ days ago, on 2020-02-01; it has expired$/);
    assert.ok(days(result)! < -365);
  });

  test('a certificate that does not cover the name is CRITICAL; virtual_host names the site', async () => {
    const wrong = await check('wrongHost');
    assert.equal(wrong.status, 'CRITICAL');
    assert.match(wrong.output, /\(CN=other\.example, issued by CN=Vigil Test CA\) .*; it does not cover localhost \(DNS:other\.example\)$/);
    const named = await check('wrongHost', { host: '127.0.0.1', virtual_host: 'other.example' });
    assert.equal(named.status, 'OK', named.output);
  });

  test('an untrusted chain is CRITICAL unless the CA is given or verify_chain=false', async () => {
    const selfSigned = await check('selfSigned');
    assert.equal(selfSigned.status, 'CRITICAL');
    assert.match(selfSigned.output, /; chain not trusted: self-signed \(trust its CA with ca, or set verify_chain=false\)$/);
    const unverified = await check('selfSigned', { verify_chain: 'false' });
    assert.equal(unverified.status, 'OK', unverified.output);
    const unknownCa = await runEngine(certificateEngine, { host: 'localhost', port: ports.get('valid')! });
    assert.equal(unknownCa.status, 'CRITICAL');
    assert.match(unknownCa.output, /chain not trusted: unknown issuer, a private CA or a missing intermediate certificate/);
  });

  test('every problem is reported together', async () => {
    const result = await runEngine(certificateEngine, { host: '127.0.0.1', virtual_host: 'www.example.com', port: ports.get('expired')! });
    assert.equal(result.status, 'CRITICAL');
    assert.match(result.output, /; it has expired; it does not cover www\.example\.com \(.*\)(; chain not trusted: .*)?$/);
  });

  test('connection failures are CRITICAL, metadata addresses refused', async () => {
    const closed = await closedPort();
    const refused = await runEngine(certificateEngine, { port: String(closed) });
    assert.equal(refused.status, 'CRITICAL');
    assert.equal(refused.output, `TLS connection to 127.0.0.1:${closed} failed: connection refused by 127.0.0.1:${closed}`);

    const plain = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.resume();
      socket.end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    servers.push(plain);
    const plainPort = await listenOnLoopback(plain);
    const notTls = await runEngine(certificateEngine, { port: String(plainPort) });
    assert.equal(notTls.status, 'CRITICAL');
    assert.match(notTls.output, /failed: TLS handshake with 127\.0\.0\.1:\d+ did not complete \(.+\)$/);

    for (const host of ['169.254.169.254', 'fd00:ec2::254']) {
      const blocked = await runEngine(certificateEngine, { host });
      assert.equal(blocked.status, 'ERROR', host);
      assert.match(blocked.output, /refusing to connect/);
    }
  });
});
