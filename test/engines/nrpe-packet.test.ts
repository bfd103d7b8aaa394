import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32, encodePacket, encodeQuery, NrpeProtocolError, PacketReader, RESPONSE_PACKET, tableCrc32, V2_PACKET_BYTES } from '#engines/nrpe/packet.ts';
import { closeServer, listenOnLoopback } from '../helpers/loopback.ts';
import { CHECK_NRPE } from '../helpers/nrpe-peer.ts';
import { seededRandom } from '../helpers/random.ts';

/** The packets check_nrpe sends, one per connection; each connection is closed unanswered. */
async function captureCheckNrpe(args: string[]): Promise<Buffer[]> {
  const packets: Buffer[] = [];
  const server = createServer((socket: Socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      // A whole query is at least a version 2 packet long; then hang up without answering.
      if (Buffer.concat(chunks).length >= V2_PACKET_BYTES) {
        packets.push(Buffer.concat(chunks));
        socket.destroy();
      }
    });
  });
  const port = await listenOnLoopback(server);
  try {
    // check_nrpe reports the unanswered query and exits 3: the packets are what we are after.
    await promisify(execFile)(CHECK_NRPE, ['-H', '127.0.0.1', '-p', String(port), '-n', ...args]).catch(() => undefined);
  } finally {
    await closeServer(server);
  }
  return packets;
}

describe('NRPE packets', () => {
  test('the version 4 query is byte for byte what check_nrpe sends, and its fallback is the version 2 query', { skip: existsSync(CHECK_NRPE) ? false : `${CHECK_NRPE} not installed (apt-get install nagios-nrpe-plugin)` }, async () => {
    // Unanswered, check_nrpe sends version 4 first, then retries with version 2 on a new connection.
    const [v4, v2] = await captureCheckNrpe(['-c', 'check_disk', '-a', 'x y', 'z']);
    assert.ok(v4 && v2, 'check_nrpe sent two queries');
    assert.deepEqual(encodeQuery(4, 'check_disk', ['x y', 'z']), v4);

    // Version 2: check_nrpe fills the result code and the structure padding with random bytes,
    // and its CRC covers them. Everything else must match, and its CRC must be right.
    const ours = encodeQuery(2, 'check_disk', ['x y', 'z']);
    assert.equal(ours.length, v2.length);
    const random = [8, 9, 1034, 1035];
    const withTheirRandomBytes = Buffer.from(ours);
    for (const offset of random) withTheirRandomBytes[offset] = v2[offset]!;
    withTheirRandomBytes.writeUInt32BE(0, 4);
    withTheirRandomBytes.writeUInt32BE(crc32(withTheirRandomBytes), 4);
    assert.deepEqual(withTheirRandomBytes, v2);
  });

  test('a query layout: command and arguments joined with !, NUL-terminated, at least 1036 bytes', () => {
    const query = encodeQuery(4, 'check_load', ['5,4,3', '10,8,6']);
    assert.equal(query.length, 1036);
    assert.deepEqual([query.readInt16BE(0), query.readInt16BE(2), query.readInt16BE(8), query.readInt16BE(10), query.readInt32BE(12)], [4, 1, 0, 0, 1020]);
    assert.equal(query.subarray(16, 16 + 24).toString(), 'check_load!5,4,3!10,8,6\0');

    const long = encodeQuery(4, 'c', ['x'.repeat(3000)]);
    assert.equal(long.readInt32BE(12), 3003); // 'c!' + 3000 + NUL
    assert.equal(long.length, 16 + 3003);
    assert.throws(() => encodeQuery(2, 'c', ['x'.repeat(3000)]), /3002 bytes do not fit a version 2 packet \(at most 1023\)/);
  });

  test('responses decode, whole or a byte at a time, in both versions', () => {
    for (const version of [2, 4] as const) {
      const bytes = encodePacket({ version, type: RESPONSE_PACKET, resultCode: 1, text: 'WARNING - load | load1=5' });
      const whole = new PacketReader().push(bytes);
      assert.deepEqual(whole, { version, type: RESPONSE_PACKET, resultCode: 1, text: 'WARNING - load | load1=5' });
      const reader = new PacketReader();
      let packet;
      for (const byte of bytes) {
        assert.equal(packet, undefined, 'no packet before its last byte');
        packet = reader.push(Buffer.from([byte]));
      }
      assert.deepEqual(packet, whole);
    }
  });

  test('corrupt packets are refused', () => {
    const good = encodePacket({ version: 4, type: RESPONSE_PACKET, resultCode: 0, text: 'OK' });
    const flipped = Buffer.from(good);
    flipped[17] = flipped[17]! ^ 0xff;
    assert.throws(() => new PacketReader().push(flipped), new NrpeProtocolError('packet has a bad CRC-32'));
    const version9 = Buffer.from(good);
    version9.writeInt16BE(9, 0);
    assert.throws(() => new PacketReader().push(version9), /unknown packet version 9/);
    const huge = Buffer.from(good);
    huge.writeInt32BE(0x7fffffff, 12);
    assert.throws(() => new PacketReader().push(huge), /announces 2147483647 bytes of output/);
  });

  test('the table CRC-32 (for Node before 20.15) agrees with zlib', () => {
    const random = seededRandom(7);
    for (const size of [0, 1, 15, 1036, 5000]) {
      const data = Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
      assert.equal(tableCrc32(data), crc32(data), `${size} bytes`);
    }
    assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
  });
});
