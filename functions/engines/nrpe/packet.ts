/**
 * NRPE packets, as nrpe and check_nrpe 4.x write them (network byte order; CRC-32 over the whole
 * packet with its CRC field zeroed):
 *
 * ```text
 * version 2 (always 1036 bytes)          version 3/4 (16-byte header, then the buffer)
 *  0 int16  packet version (2)            0 int16  packet version (4; 3 is rejected by nrpe 4.1)
 *  2 int16  type (1 query, 2 response)    2 int16  type
 *  4 uint32 CRC-32                        4 uint32 CRC-32
 *  8 int16  result code                   8 int16  result code
 * 10 char[1024] buffer, NUL-terminated   10 int16  alignment (0)
 * 1034 2 bytes of structure padding      12 int32  buffer length
 *                                         16 char[length] buffer
 * ```
 *
 * check_nrpe makes a version 4 query at least as long as a version 2 packet (a 1020-byte buffer),
 * so that a daemon expecting version 2 reads one whole packet and answers or closes, and fills a
 * version 2 query's result code and padding with random bytes; we zero them (nrpe ignores both).
 * Responses from nrpe 4.1 carry the output and its NUL in `length` bytes.
 */
import zlib from 'node:zlib';

export const QUERY_PACKET = 1;
export const RESPONSE_PACKET = 2;
export type PacketVersion = 2 | 3 | 4;

export const V2_PACKET_BYTES = 1036;
const V2_BUFFER_BYTES = 1024;
const HEADER_BYTES = 16;
/** Buffers above this are refused; nrpe 4 sends at most 64 KiB of output. */
export const MAX_BUFFER_BYTES = 1 << 20;

export interface NrpePacket {
  version: PacketVersion;
  type: number;
  resultCode: number;
  /** The buffer's text, up to its first NUL. */
  text: string;
}

export class NrpeProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NrpeProtocolError';
  }
}

/**
 * CRC-32 (IEEE 802.3, as zlib and nrpe compute it). `zlib.crc32` exists from Node 20.15; the table
 * version is for older Node 20 releases.
 */
// A default import, since a named import of an export that an older Node lacks fails to load.
export const crc32: (data: Uint8Array) => number = typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

let crcTable: Uint32Array | undefined;
export function tableCrc32(data: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The bytes of a packet, as nrpe or check_nrpe would send it. */
export function encodePacket(packet: NrpePacket): Buffer {
  const text = Buffer.from(packet.text, 'utf8');
  let bytes: Buffer;
  if (packet.version === 2) {
    if (text.length > V2_BUFFER_BYTES - 1) throw new NrpeProtocolError(`${text.length} bytes do not fit a version 2 packet (at most ${V2_BUFFER_BYTES - 1})`);
    bytes = Buffer.alloc(V2_PACKET_BYTES);
    text.copy(bytes, 10);
  } else {
    if (text.length + 1 > MAX_BUFFER_BYTES) throw new NrpeProtocolError(`${text.length} bytes are more than an NRPE packet may carry`);
    // As check_nrpe: the text and its NUL, and never shorter than a version 2 packet.
    const length = packet.type === QUERY_PACKET ? Math.max(text.length + 1, V2_PACKET_BYTES - HEADER_BYTES) : text.length + 1;
    bytes = Buffer.alloc(HEADER_BYTES + length);
    bytes.writeInt32BE(length, 12);
    text.copy(bytes, HEADER_BYTES);
  }
  bytes.writeInt16BE(packet.version, 0);
  bytes.writeInt16BE(packet.type, 2);
  bytes.writeInt16BE(packet.resultCode, 8);
  bytes.writeUInt32BE(crc32(bytes), 4);
  return bytes;
}

/** A query for `command` with its arguments, joined with `!` as check_nrpe -a does. */
export function encodeQuery(version: PacketVersion, command: string, args: readonly string[] = []): Buffer {
  return encodePacket({ version, type: QUERY_PACKET, resultCode: 0, text: [command, ...args].join('!') });
}

/**
 * Reads one packet from bytes as they arrive. `push` returns the packet once all of it is there,
 * undefined while more is needed, and throws NrpeProtocolError for bytes that are not a packet.
 */
export class PacketReader {
  private buffered = Buffer.alloc(0);

  /** Bytes received so far. */
  get received(): number {
    return this.buffered.length;
  }

  push(chunk: Buffer): NrpePacket | undefined {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    if (this.buffered.length < HEADER_BYTES) return undefined;
    const version = this.buffered.readInt16BE(0);
    if (version === 2) return this.buffered.length >= V2_PACKET_BYTES ? decode(this.buffered.subarray(0, V2_PACKET_BYTES), 2) : undefined;
    if (version !== 3 && version !== 4) throw new NrpeProtocolError(`unknown packet version ${version}`);
    const length = this.buffered.readInt32BE(12);
    if (length < 0 || length > MAX_BUFFER_BYTES) throw new NrpeProtocolError(`packet announces ${length} bytes of output (at most ${MAX_BUFFER_BYTES} accepted)`);
    const total = HEADER_BYTES + length;
    return this.buffered.length >= total ? decode(this.buffered.subarray(0, total), version) : undefined;
  }
}

function decode(bytes: Buffer, version: PacketVersion): NrpePacket {
  const zeroed = Buffer.from(bytes);
  zeroed.writeUInt32BE(0, 4);
  if (version !== 2) zeroed.writeInt16BE(0, 10); // check_nrpe ignores the alignment field in the CRC too
  if (crc32(zeroed) !== bytes.readUInt32BE(4)) throw new NrpeProtocolError('packet has a bad CRC-32');
  const buffer = version === 2 ? bytes.subarray(10, 10 + V2_BUFFER_BYTES) : bytes.subarray(HEADER_BYTES);
  const nul = buffer.indexOf(0);
  return {
    version,
    type: bytes.readInt16BE(2),
    resultCode: bytes.readInt16BE(8),
    text: buffer.subarray(0, nul < 0 ? buffer.length : nul).toString('utf8'),
  };
}
