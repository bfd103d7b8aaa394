import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nrpeEngine } from '#engines/nrpe/nrpe-engine.ts';
import { encodePacket, PacketReader, RESPONSE_PACKET, type NrpePacket } from '#engines/nrpe/packet.ts';
import { runEngine } from '../helpers/engine-check.ts';
import { closedPort, closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { missingNrpe, startNrpeDaemon, type NrpeDaemon } from '../helpers/nrpe-peer.ts';
import { DEBIAN_PLUGIN_DIR } from '../helpers/plugins.ts';
import { createTestPki, type TestPki } from '../helpers/tls-fixtures.ts';

const DUMMY = `${DEBIAN_PLUGIN_DIR}/check_dummy`;
const COMMANDS = {
  check_ok: `${DUMMY} 0 "all fine"`,
  check_warning: `${DUMMY} 1 "load is high"`,
  check_critical: `${DUMMY} 2 "disk full"`,
  // nrpe runs command lines through /bin/sh, so printf and its escapes work here.
  check_perf: `/usr/bin/printf 'DISK OK - 42%% used | /=4200MB;8000;9000;0;10000\\n/ on sda1\\n/var on sda2 | /var=10MB\\n'`,
  check_long: `/usr/bin/printf 'OK %03000d\\n' 7`,
  check_slow: '/bin/sleep 5',
};

const skip = missingNrpe() ?? false;

describe('nrpe engine against a real daemon', { skip }, () => {
  let tlsDaemon: NrpeDaemon;
  let plainDaemon: NrpeDaemon;
  before(async () => {
    [tlsDaemon, plainDaemon] = await Promise.all([startNrpeDaemon({ commands: COMMANDS }), startNrpeDaemon({ commands: COMMANDS, plain: true })]);
  });
  after(() => Promise.all([tlsDaemon?.stop(), plainDaemon?.stop()]));

  const tls = (command: string, extra: Record<string, string> = {}, timeoutMs?: number) =>
    runEngine(nrpeEngine, { command, port: String(tlsDaemon.port), ...extra }, timeoutMs ? { timeoutMs } : {});

  test('over TLS with anonymous DH (the daemon default): result codes map to statuses', async () => {
    const results = await Promise.all(['check_ok', 'check_warning', 'check_critical'].map((command) => tls(command)));
    assert.deepEqual(results.map((r) => [r.status, r.output]), [
      ['OK', 'OK: all fine'],
      ['WARNING', 'WARNING: load is high'],
      ['CRITICAL', 'CRITICAL: disk full'],
    ]);
  });

  test('performance data become readings, in the multi-line format too', async () => {
    const result = await tls('check_perf');
    assert.equal(result.status, 'OK');
    assert.equal(result.output, 'DISK OK - 42% used');
    assert.equal(result.longOutput, '/ on sda1\n/var on sda2');
    assert.deepEqual(result.readings, [
      { name: '/', value: 4200, unit: 'MB', warning: 8000, critical: 9000, min: 0, max: 10000 },
      { name: '/var', value: 10, unit: 'MB' },
    ]);
  });

  test('output longer than a version 2 packet arrives whole (version 4 is spoken)', async () => {
    const result = await tls('check_long');
    assert.equal(result.status, 'OK');
    // Version 2 would hold 1023 characters; runCheck's cap (1023 and an ellipsis) shows more came.
    assert.equal(result.output, `OK ${'7'.padStart(3000, '0')}`.slice(0, 1023) + '…');
  });

  test('a command the daemon does not define is UNKNOWN, in its words', async () => {
    const result = await tls('check_nothing');
    assert.deepEqual([result.status, result.output], ['UNKNOWN', "NRPE: Command 'check_nothing' not defined"]);
  });

  test('arguments: Debian\'s daemon refuses them, and the result says why', async () => {
    const result = await tls('check_ok', { 'nrpe-arg1': 'x', 'nrpe-arg2': 'y' });
    assert.equal(result.status, 'UNKNOWN');
    assert.equal(
      result.output,
      `NRPE check_ok on 127.0.0.1:${tlsDaemon.port}: the daemon closed the connection without answering; perhaps it refuses command arguments unless built to accept them and configured with dont_blame_nrpe=1 (Debian's nrpe never accepts them), or this address is not in its allowed_hosts`,
    );
  });

  test('a slow command gives TIMEOUT at the deadline', async () => {
    const result = await tls('check_slow', {}, 300);
    assert.equal(result.status, 'TIMEOUT');
    assert.match(result.output, /did not finish within 300ms/);
  });

  test('plain TCP with ssl=false against a daemon run with -n', async () => {
    const result = await runEngine(nrpeEngine, { command: 'check_warning', port: String(plainDaemon.port), ssl: 'false' });
    assert.deepEqual([result.status, result.output], ['WARNING', 'WARNING: load is high']);
  });

  test('a TLS mismatch either way is UNKNOWN with a hint', async () => {
    const tlsToPlain = await runEngine(nrpeEngine, { command: 'check_ok', port: String(plainDaemon.port) });
    assert.equal(tlsToPlain.status, 'UNKNOWN');
    assert.match(tlsToPlain.output, /closed the connection during the TLS handshake; perhaps it runs without TLS \(nrpe -n: set ssl=false\)/);
    const plainToTls = await tls('check_ok', { ssl: 'false' });
    assert.equal(plainToTls.status, 'UNKNOWN');
    assert.match(plainToTls.output, /closed the connection without answering; perhaps this address is not in its allowed_hosts, or it expects TLS \(ssl=false is set\)$/);
  });

  test('a daemon that does not allow this address', async () => {
    const strict = await startNrpeDaemon({ commands: COMMANDS, allowedHosts: '192.0.2.1' });
    try {
      const result = await runEngine(nrpeEngine, { command: 'check_ok', port: String(strict.port) });
      assert.equal(result.status, 'UNKNOWN');
      assert.match(result.output, /allowed_hosts/);
    } finally {
      await strict.stop();
    }
  });

  test('nothing listening is CRITICAL', async () => {
    const port = await closedPort();
    const result = await runEngine(nrpeEngine, { command: 'check_ok', port: String(port) });
    assert.deepEqual([result.status, result.output], ['CRITICAL', `NRPE check_ok on 127.0.0.1:${port} failed: connection refused by 127.0.0.1:${port}`]);
  });

  describe('with a daemon certificate', () => {
    let pki: TestPki;
    let certDaemon: NrpeDaemon;
    before(async () => {
      pki = await createTestPki();
      certDaemon = await startNrpeDaemon({ commands: COMMANDS, certificate: pki.valid });
    });
    after(async () => {
      await certDaemon?.stop();
      await pki?.remove();
    });

    test('verified against its CA', async () => {
      const result = await runEngine(nrpeEngine, { command: 'check_ok', port: String(certDaemon.port), ssl_ca: pki.ca });
      assert.deepEqual([result.status, result.output], ['OK', 'OK: all fine']);
    });

    test('a certificate the CA did not sign is CRITICAL', async () => {
      const result = await runEngine(nrpeEngine, { command: 'check_ok', port: String(certDaemon.port), ssl_ca: pki.selfSigned.cert });
      assert.equal(result.status, 'CRITICAL');
      assert.match(result.output, /TLS certificate of 127\.0\.0\.1:\d+ not accepted/);
    });

    test('without a CA the connection is encrypted but unverified, as check_nrpe does by default', async () => {
      const result = await runEngine(nrpeEngine, { command: 'check_ok', port: String(certDaemon.port) });
      assert.deepEqual([result.status, result.output], ['OK', 'OK: all fine']);
    });
  });
});

/**
 * Daemons older than nrpe 3 know only version 2 packets: they close the connection on a version 4
 * query (or, like NSClient++, answer that they do not know it). A small stand-in shows the engine
 * then asks again with version 2, as check_nrpe does.
 */
describe('nrpe engine falls back to version 2 packets', () => {
  async function oldDaemon(onVersion4: 'close' | 'complain'): Promise<{ port: number; queries: NrpePacket[]; close(): Promise<void> }> {
    const queries: NrpePacket[] = [];
    const server = createServer((socket: Socket) => {
      const reader = new PacketReader();
      socket.on('data', (chunk) => {
        const query = reader.push(chunk);
        if (!query) return;
        queries.push(query);
        if (query.version === 2) socket.end(encodePacket({ version: 2, type: RESPONSE_PACKET, resultCode: 0, text: `OK - v2 ran ${query.text}|x=1` }));
        else if (onVersion4 === 'complain') socket.end(encodePacket({ version: 2, type: RESPONSE_PACKET, resultCode: 3, text: 'Invalid packet version.3' }));
        else socket.destroy();
      });
    });
    const port = await listenOnLoopback(server);
    return { port, queries, close: () => closeServer(server) };
  }

  for (const behaviour of ['close', 'complain'] as const) {
    test(`when the daemon ${behaviour === 'close' ? 'closes on' : 'complains about'} version 4`, async () => {
      const daemon = await oldDaemon(behaviour);
      try {
        const result = await runEngine(nrpeEngine, { command: 'check_x', port: String(daemon.port), ssl: 'false', 'nrpe-arg2': 'b', 'nrpe-arg10': 'c', 'nrpe-arg1': 'a' });
        assert.deepEqual([result.status, result.output, result.readings], ['OK', 'OK - v2 ran check_x!a!b!c', [{ name: 'x', value: 1 }]]);
        assert.deepEqual(daemon.queries.map((query) => query.version), [4, 2]);
      } finally {
        await daemon.close();
      }
    });
  }
});
