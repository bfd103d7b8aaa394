/**
 * SNMP values as a check reads them: text for people, a number for thresholds and readings, and
 * the exact integer for counter rates. Counter64 values arrive as 8-byte buffers and may exceed
 * 2^53, so the integer is kept as a bigint; the number is only for comparing and graphing.
 */
import snmp from 'net-snmp';
import type { Varbind } from 'net-snmp';

export type SnmpType =
  | 'Boolean' | 'Integer' | 'OctetString' | 'Null' | 'OID' | 'IpAddress'
  | 'Counter32' | 'Gauge32' | 'TimeTicks' | 'Opaque' | 'Counter64';

const TYPE_NAMES: Partial<Record<number, SnmpType>> = {
  [snmp.ObjectType.Boolean]: 'Boolean',
  [snmp.ObjectType.Integer]: 'Integer',
  [snmp.ObjectType.OctetString]: 'OctetString',
  [snmp.ObjectType.Null]: 'Null',
  [snmp.ObjectType.OID]: 'OID',
  [snmp.ObjectType.IpAddress]: 'IpAddress',
  [snmp.ObjectType.Counter]: 'Counter32',
  [snmp.ObjectType.Gauge]: 'Gauge32',
  [snmp.ObjectType.TimeTicks]: 'TimeTicks',
  [snmp.ObjectType.Opaque]: 'Opaque',
  [snmp.ObjectType.Counter64]: 'Counter64',
};

/** Where each counter type wraps to zero. */
export const COUNTER_MODULUS: Partial<Record<SnmpType, bigint>> = { Counter32: 1n << 32n, Counter64: 1n << 64n };

export interface SnmpValue {
  oid: string;
  type: SnmpType;
  /** For people: `"vigil-test"`, `42`, `3d 4h 5m 6s`, `00:1a:2b:3c:4d:5e`. */
  display: string;
  /** The value as text, for `expect` and `match` (an OctetString's characters, unquoted). */
  text: string;
  /** For thresholds and readings; TimeTicks in seconds. Undefined when not a number. */
  number?: number;
  /** The exact value of an integer type, for rates. */
  integer?: bigint;
}

export interface MissingValue {
  oid: string;
  /** `noSuchObject`, `noSuchInstance` or `endOfMibView`. */
  missing: string;
}

const MISSING: Partial<Record<number, string>> = {
  [snmp.ObjectType.NoSuchObject]: 'noSuchObject',
  [snmp.ObjectType.NoSuchInstance]: 'noSuchInstance',
  [snmp.ObjectType.EndOfMibView]: 'endOfMibView',
};

const NUMERIC_TEXT = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

export function snmpValueOf(varbind: Varbind): SnmpValue | MissingValue {
  const missing = MISSING[varbind.type ?? -1];
  if (missing) return { oid: varbind.oid, missing };
  const type = TYPE_NAMES[varbind.type ?? -1] ?? 'Opaque';
  const raw = varbind.value;
  switch (type) {
    case 'Integer':
    case 'Counter32':
    case 'Gauge32':
    case 'Counter64': {
      const integer = toBigInt(raw);
      return { oid: varbind.oid, type, display: String(integer), text: String(integer), number: Number(integer), integer };
    }
    case 'TimeTicks': {
      const integer = toBigInt(raw);
      const seconds = Number(integer) / 100;
      return { oid: varbind.oid, type, display: `${formatUptime(seconds)} (${integer} ticks)`, text: String(integer), number: seconds, integer };
    }
    case 'Boolean':
      return { oid: varbind.oid, type, display: String(raw), text: String(raw), number: raw ? 1 : 0 };
    case 'OctetString': {
      const text = octetsToText(raw);
      const value: SnmpValue = { oid: varbind.oid, type, display: text.printable ? JSON.stringify(text.text) : text.text, text: text.text };
      // Agents often serve numbers as strings (UCD-SNMP's load averages): let thresholds use them.
      if (text.printable && NUMERIC_TEXT.test(text.text)) value.number = Number(text.text);
      return value;
    }
    case 'Null':
      return { oid: varbind.oid, type, display: 'null', text: '' };
    case 'Opaque':
      return { oid: varbind.oid, type, display: hex(raw), text: hex(raw) };
    default: // OID, IpAddress: net-snmp gives their text
      return { oid: varbind.oid, type, display: String(raw), text: String(raw) };
  }
}

export function isMissing(value: SnmpValue | MissingValue): value is MissingValue {
  return 'missing' in value;
}

function toBigInt(raw: Varbind['value']): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number') return BigInt(Math.trunc(raw));
  if (Buffer.isBuffer(raw)) return raw.length === 0 ? 0n : BigInt(`0x${raw.toString('hex')}`);
  throw new Error(`expected an integer, got ${typeof raw}`);
}

/** An OctetString as text when it is printable UTF-8 (names, descriptions), else as hex (MAC addresses). */
function octetsToText(raw: Varbind['value']): { text: string; printable: boolean } {
  if (typeof raw === 'string') return { text: raw, printable: true };
  if (!Buffer.isBuffer(raw)) return { text: String(raw), printable: true };
  // Some agents pad strings with NULs; they are not part of the text.
  const text = raw.toString('utf8').replace(/\0+$/, '');
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
  return printable ? { text, printable } : { text: hex(raw), printable };
}

function hex(raw: Varbind['value']): string {
  return Buffer.isBuffer(raw) ? [...raw].map((byte) => byte.toString(16).padStart(2, '0')).join(':') : String(raw);
}

/** 93784 -> "1d 2h 3m 4s". */
export function formatUptime(totalSeconds: number): string {
  let rest = Math.floor(totalSeconds);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (rest >= size || parts.length > 0) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  parts.push(`${rest}s`);
  return parts.join(' ');
}
