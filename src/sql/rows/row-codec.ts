// Row value codec. Byte-for-byte spec: docs/format/row.md.
import { DoSQLError } from '../../errors.js';
import { ByteWriter } from '../../util/byte-writer.js';
import { getUvarint, putUvarint } from '../../util/coding.js';
import { utf8Decoder, utf8Encoder } from '../../util/bytes.js';
import type { SqlValue } from '../types/value.js';

export const ROW_MAGIC = 0xd1;
export const ROW_VERSION = 1;

// Persisted tags: never renumber. Retired: none.
const TAG_NULL = 0x00;
const TAG_INT32 = 0x01;
const TAG_INT64 = 0x02;
const TAG_REAL = 0x03;
const TAG_TEXT = 0x04;
const TAG_BLOB = 0x05;
const TAG_ZERO = 0x06;
const TAG_ONE = 0x07;

const writer = new ByteWriter(256);
/**
 * 8-byte slots are encoded and decoded through these typed-array views of one scratch buffer instead of a
 * DataView per row: the format is little-endian, as are the platforms dosql runs on (x64 and
 * arm64 Node, workerd).
 */
const scratchBytes = new Uint8Array(8);
const scratchF64 = new Float64Array(scratchBytes.buffer);
const scratchI64 = new BigInt64Array(scratchBytes.buffer);

/**
 * Encodes column slots (index = column id) into a fresh row value.
 * `slots` may contain `undefined` for ids with no column (dropped): they encode as NULL.
 * `pooled`: the value may share its ArrayBuffer (ByteWriter.toPooledBytes), for values that
 * are copied soon (a transaction's write set, copied into the memtable at commit).
 */
export function encodeRow(slots: readonly (SqlValue | undefined)[], pooled = false): Uint8Array {
  const w = writer;
  w.reset();
  writeRow(w, slots);
  return pooled ? w.toPooledBytes() : w.toBytes();
}

/** Appends the row value of `slots` (as `encodeRow` encodes it) to `w`: for encoders that reuse one buffer (the bulk loader). */
export function writeRow(w: ByteWriter, slots: readonly (SqlValue | undefined)[]): void {
  w.u8(ROW_MAGIC);
  w.u8(ROW_VERSION);
  w.uvarint(slots.length);
  for (let i = 0; i < slots.length; i++) writeSlot(w, slots[i] ?? null);
}

/**
 * writeRow, except that a slot whose `ints` flag is 1 holds a safe integer (|n| < 2^53, not
 * -0) as a JS number and is written as the INTEGER the bigint BigInt(n) would be: the same
 * bytes, without a BigInt per integer (the bulk loader's path).
 */
export function writeRowInts(w: ByteWriter, slots: readonly (SqlValue | undefined)[], ints: Uint8Array): void {
  w.u8(ROW_MAGIC);
  w.u8(ROW_VERSION);
  w.uvarint(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const v = slots[i] ?? null;
    if (ints[i] === 1) writeSafeInt(w, v as number);
    else writeSlot(w, v);
  }
}

/** The INTEGER slot of a safe integer held as a number (writeSlot's bigint case, same bytes). */
function writeSafeInt(w: ByteWriter, n: number): void {
  if (n === 0) w.u8(TAG_ZERO);
  else if (n === 1) w.u8(TAG_ONE);
  else if (n >= -2147483648 && n <= 2147483647) {
    w.ensure(5);
    const b = w.buf;
    const p = w.pos;
    b[p] = TAG_INT32;
    b[p + 1] = n;
    b[p + 2] = n >> 8;
    b[p + 3] = n >> 16;
    b[p + 4] = n >> 24;
    w.pos = p + 5;
  } else {
    // Two's complement int64, little-endian: hi = floor(n / 2^32) (fits in int32 for |n| <
    // 2^53), lo = n - hi * 2^32 in [0, 2^32).
    w.ensure(9);
    const b = w.buf;
    const p = w.pos;
    const hi = Math.floor(n / 4294967296);
    const lo = n - hi * 4294967296;
    b[p] = TAG_INT64;
    b[p + 1] = lo;
    b[p + 2] = lo >>> 8;
    b[p + 3] = lo >>> 16;
    b[p + 4] = lo >>> 24;
    b[p + 5] = hi;
    b[p + 6] = hi >> 8;
    b[p + 7] = hi >> 16;
    b[p + 8] = hi >> 24;
    w.pos = p + 9;
  }
}

function writeSlot(w: ByteWriter, v: SqlValue): void {
  if (v === null) {
    w.u8(TAG_NULL);
    return;
  }
  switch (typeof v) {
    case 'bigint': {
      // Number(v) is exact inside the 32-bit range and rounds monotonically outside it, so
      // the range test on it classifies every bigint as the bigint comparisons would.
      const n = Number(v);
      if (n >= -2147483648 && n <= 2147483647) writeSafeInt(w, n);
      else {
        w.ensure(9);
        w.buf[w.pos++] = TAG_INT64;
        scratchI64[0] = v;
        copy8(w);
      }
      return;
    }
    case 'number': {
      w.ensure(9);
      w.buf[w.pos++] = TAG_REAL;
      scratchF64[0] = v;
      copy8(w);
      return;
    }
    case 'string': {
      w.u8(TAG_TEXT);
      writeText(w, v);
      return;
    }
    default:
      w.u8(TAG_BLOB);
      w.lenBytes(v);
  }
}

/** Appends the 8 scratch bytes (room ensured by the caller): little-endian, see scratchF64. */
function copy8(w: ByteWriter): void {
  const b = w.buf;
  const p = w.pos;
  for (let i = 0; i < 8; i++) b[p + i] = scratchBytes[i]!;
  w.pos = p + 8;
}

/** Length-prefixed UTF-8 without an intermediate array (short ASCII strings byte by byte). */
function writeText(w: ByteWriter, v: string): void {
  const n = v.length;
  if (n >= 24) {
    // Longer strings: the platform's encoder beats a JavaScript loop. The bytes go after room
    // for the longest length prefix (3 bytes per UTF-16 unit at most) and move back if the
    // actual prefix is shorter.
    const room = uvarintLength(3 * n);
    w.ensure(room + 3 * n);
    const start = w.pos;
    const len = utf8Encoder.encodeInto(v, w.buf.subarray(start + room, start + room + 3 * n)).written;
    const prefix = uvarintLength(len);
    if (prefix < room) w.buf.copyWithin(start + prefix, start + room, start + room + len);
    putUvarint(w.buf, start, len);
    w.pos = start + prefix + len;
    return;
  }
  if (n < 128) {
    // One pass: copy while the units are ASCII (the length prefix is then the one byte n);
    // at the first other unit, the bytes copied past w.pos are left to be overwritten.
    w.ensure(n + 1);
    const b = w.buf;
    const start = w.pos;
    let p = start + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7f) break;
      b[p++] = c;
    }
    if (i === n) {
      b[start] = n;
      w.pos = p;
      return;
    }
  }
  w.lenBytes(utf8Encoder.encode(v));
}

function uvarintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function corrupt(what: string, offset: number): DoSQLError {
  return new DoSQLError('CORRUPTION', `sql: corrupt row value at offset ${offset}: ${what}`, { details: { offset } });
}

/**
 * Decodes a row value into `out` (index = column id), returning the slot count. With
 * `needed`, slots whose entry is not 1 are skipped (left null).
 * Throws CORRUPTION naming the offset on a bad magic, version or tag.
 */
export function decodeRowInto(b: Uint8Array, out: SqlValue[], needed?: Uint8Array): number {
  if (b.length < 3 || b[0] !== ROW_MAGIC) throw corrupt('bad magic', 0);
  if (b[1] !== ROW_VERSION) throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `sql: row format version ${b[1]} is not supported (this build reads ${ROW_VERSION})`);
  const c = { pos: 2 };
  const n = getUvarint(b, c);
  let p = c.pos;
  for (let i = 0; i < n; i++) {
    if (p >= b.length) throw corrupt('truncated', p);
    const tag = b[p++]!;
    // Slots nobody reads are skipped undecoded (projection pushdown): no string, BigInt or
    // heap number is made for them.
    const skip = needed !== undefined && needed[i] !== 1;
    switch (tag) {
      case TAG_NULL:
        out[i] = null;
        break;
      case TAG_ZERO:
        out[i] = skip ? null : 0n;
        break;
      case TAG_ONE:
        out[i] = skip ? null : 1n;
        break;
      case TAG_INT32:
        if (p + 4 > b.length) throw corrupt('truncated int32', p);
        out[i] = skip ? null : BigInt(b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24));
        p += 4;
        break;
      case TAG_INT64:
        if (p + 8 > b.length) throw corrupt('truncated int64', p);
        if (skip) out[i] = null;
        else {
          for (let j = 0; j < 8; j++) scratchBytes[j] = b[p + j]!;
          out[i] = scratchI64[0]!;
        }
        p += 8;
        break;
      case TAG_REAL:
        if (p + 8 > b.length) throw corrupt('truncated real', p);
        if (skip) out[i] = null;
        else {
          for (let j = 0; j < 8; j++) scratchBytes[j] = b[p + j]!;
          out[i] = scratchF64[0]!;
        }
        p += 8;
        break;
      case TAG_TEXT:
      case TAG_BLOB: {
        c.pos = p;
        const len = getUvarint(b, c);
        p = c.pos;
        if (p + len > b.length) throw corrupt('truncated string', p);
        if (skip) out[i] = null;
        else out[i] = tag === TAG_TEXT ? utf8Decoder.decode(b.subarray(p, p + len)) : b.slice(p, p + len);
        p += len;
        break;
      }
      default:
        throw corrupt(`unknown tag 0x${tag.toString(16)}`, p - 1);
    }
  }
  return n;
}

/** Decodes a row value into a new array of slots. */
export function decodeRow(b: Uint8Array): SqlValue[] {
  const out: SqlValue[] = [];
  decodeRowInto(b, out);
  return out;
}
