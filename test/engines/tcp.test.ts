import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { tcpEngine } from '#engines/tcp.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { createTestPki, type TestPki } from '../helpers/tls-fixtures.ts';

/** A line protocol in the style of SMTP: a banner, PING answered with PONG. */
function greeter(socket: net.Socket): void {
  socket.write('220 vigil-test ready\r\n');
  socket.setEncoding('utf8');
  socket.on('data', (data: string) => {
    if (data.includes('PING\r\n')) socket.write('PONG\r\n');
  });
  socket.on('error', () => {});
}

describe('tcp engine', () => {
  const servers: net.Server[] = [];
  let pki: TestPki;
  const serve = async (server: net.Server) => {
    servers.push(server);
    return String(await listenOnLoopback(server));
  };
  let greeterPort: string;
  const silentSockets: net.Socket[] = [];

  before(async () => {
    pki = await createTestPki();
    greeterPort = await serve(net.createServer(greeter));
  });
  after(async () => {
    for (const socket of silentSockets) socket.destroy();
    await Promise.all(servers.map(closeServer));
    await pki.remove();
  });

  test("connecting is OK, with the connect time as reading; host defaults to the check's host address", async () => {
    const result = await runEngine(tcpEngine, { port: greeterPort });
    assert.equal(result.status, 'OK', result.output);
    assert.match(result.output, new RegExp(`^TCP connected to 127\\.0\\.0\\.1:${greeterPort} in \\d+\\.\\d{3} s$`));
    assert.deepEqual(result.readings.map((r) => [r.name, r.unit]), [['time', 's']]);
  });

  test('send and expect, with escapes', async () => {
    const banner = await runEngine(tcpEngine, { host: 'localhost', port: greeterPort, expect: '220 vigil' });
    assert.equal(banner.status, 'OK', banner.output);
    assert.match(banner.output, /; received "220 vigil"$/);
    const ping = await runEngine(tcpEngine, { port: greeterPort, send: 'PING\\r\\n', expect: 'PONG\\r\\n' });
    assert.equal(ping.status, 'OK', ping.output);
  });

  test('what is sent without an expect still reaches the server', async () => {
    let received = '';
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const port = await serve(net.createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => (received += data));
      socket.on('close', () => closed());
    }));
    const result = await runEngine(tcpEngine, { port, send: 'HELLO vigil\\r\\n' });
    assert.equal(result.status, 'OK', result.output);
    await done;
    assert.equal(received, 'HELLO vigil\r\n');
  });

  test('an expected text that never comes before the server closes is CRITICAL, quoting what it sent', async () => {
    const port = await serve(net.createServer((socket) => socket.end('500 go away\r\n')));
    const result = await runEngine(tcpEngine, { port, expect: '220' });
    assert.equal(result.status, 'CRITICAL');
    assert.match(result.output, /; expected "220", but the server sent "500 go away\\r\\n" then closed the connection$/);
  });

  test('a server that sends more than 64 KiB without the expected text is CRITICAL, and only its start is quoted', async () => {
    const port = await serve(net.createServer((socket) => {
      socket.on('error', () => {});
      socket.write('x'.repeat(70 * 1024));
    }));
    const result = await runEngine(tcpEngine, { port, expect: 'ready' });
    assert.equal(result.status, 'CRITICAL');
    assert.match(result.output, /but the server sent "x+…" and more than 65536 bytes without it$/);
    assert.ok(result.output.length < 300);
  });

  test('waiting for an expected text stops at the deadline (TIMEOUT) and closes the connection', async () => {
    const port = await serve(net.createServer((socket) => {
      silentSockets.push(socket);
      socket.on('error', () => {});
    }));
    const result = await runEngine(tcpEngine, { port, expect: 'hello' }, { timeoutMs: 200 });
    assert.equal(result.status, 'TIMEOUT');
    const socket = silentSockets.at(-1);
    assert.ok(socket);
    if (!socket.destroyed) await once(socket, 'close');
  });

  test('connect time thresholds', async () => {
    const relaxed = await runEngine(tcpEngine, { port: greeterPort, warning_connect_time: '10s', critical_connect_time: '20000' });
    assert.equal(relaxed.status, 'OK');
    assert.deepEqual([relaxed.readings[0]?.warning, relaxed.readings[0]?.critical], [10, 20]);
    const slow = await runEngine(tcpEngine, { port: greeterPort, warning_connect_time: '0' });
    assert.equal(slow.status, 'WARNING');
    assert.match(slow.output, /; connect time \S+ s is over 0\.000 s$/);
  });

  test('connection refused is CRITICAL', async () => {
    const port = await closedPort();
    const result = await runEngine(tcpEngine, { port: String(port) });
    assert.equal(result.status, 'CRITICAL');
    assert.equal(result.output, `TCP connection to 127.0.0.1:${port} failed: connection refused by 127.0.0.1:${port}`);
  });

  test('a missing or impossible port is a configuration error', async () => {
    for (const port of [undefined, '0', '70000', 'http']) {
      const result = await runEngine(tcpEngine, port === undefined ? {} : { port });
      assert.equal(result.status, 'ERROR', String(port));
      assert.match(result.output, /parameter 'port'/);
    }
  });

  test('metadata addresses are refused unless the site allows them', async () => {
    for (const host of ['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
      const result = await runEngine(tcpEngine, { host, port: '80' });
      assert.equal(result.status, 'ERROR', host);
      assert.match(result.output, /refusing to connect/);
    }
    const viaHost = await runEngine(tcpEngine, { port: '80' }, { check: { host: { name: 'imds', address: '169.254.169.254' } } });
    assert.equal(viaHost.status, 'ERROR');
  });

  describe('TLS', () => {
    const tlsServer = (certificate: { cert: string; key: string }) => serve(tls.createServer(certificate, greeter));

    test('verifies the certificate against ca and speaks through TLS', async () => {
      const port = await tlsServer(pki.valid);
      const result = await runEngine(tcpEngine, { host: 'localhost', port, ssl: 'yes', ca: pki.ca, send: 'PING\\r\\n', expect: 'PONG' });
      assert.equal(result.status, 'OK', result.output);
    });

    test('a certificate that does not verify is CRITICAL unless permit_invalid_certs', async () => {
      const port = await tlsServer(pki.selfSigned);
      const refused = await runEngine(tcpEngine, { host: 'localhost', port, ssl: 'yes' });
      assert.equal(refused.status, 'CRITICAL');
      assert.match(refused.output, /failed: TLS certificate of localhost:\d+ not accepted: self[- ]signed certificate/);
      const permitted = await runEngine(tcpEngine, { host: 'localhost', port, ssl: 'yes', permit_invalid_certs: 'yes', expect: '220' });
      assert.equal(permitted.status, 'OK', permitted.output);
    });

    test('virtual_host is the name checked against the certificate', async () => {
      const port = await tlsServer(pki.wrongHost);
      const wrong = await runEngine(tcpEngine, { port, ssl: 'yes', ca: pki.ca });
      assert.equal(wrong.status, 'CRITICAL');
      const named = await runEngine(tcpEngine, { port, ssl: 'yes', ca: pki.ca, virtual_host: 'other.example' });
      assert.equal(named.status, 'OK', named.output);
    });

    test('TLS to a port that does not speak it is CRITICAL', async () => {
      const plain = await serve(net.createServer((socket) => {
        socket.on('error', () => {});
        socket.resume(); // read the ClientHello, so the client's close is seen too
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      }));
      const result = await runEngine(tcpEngine, { port: plain, ssl: 'yes' });
      assert.equal(result.status, 'CRITICAL', result.output);
      assert.match(result.output, /^TCP connection to 127\.0\.0\.1:\d+ failed: /);
    });
  });
});
