// Order-preserving encoding of primary-key tuples. Byte-for-byte spec: docs/format/keys.md.
// memcmp order of two encodings equals SQLite's comparison order of the tuples
// (NULL < numbers < TEXT < BLOB; numbers compared by exact value across INTEGER and REAL;
// TEXT by UTF-8 bytes, i.e. the BINARY collation), element by element, shorter tuple first.
import { DoSQLError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';
import { utf8Decoder, utf8Encoder } from '../util/bytes.js';

/** One primary-key element: SQLite's storage classes (integers beyond 2^53 as bigint). */
export type KeyValue = null | number | bigint | string | Uint8Array;
export type KeyTuple = readonly KeyValue[];

// Persisted tags: never renumber. Retired: none.
export const TAG_END = 0x00;
export const TAG_NULL = 0x05;
export const TAG_NUM_NEG_HUGE = 0x10; // x < -2^63, as an ordered float64
export const TAG_NUM_NEG_BIG = 0x11; // -2^63 <= x <= -2^53, integral, as an ordered int64
export const TAG_NUM = 0x12; // -2^53 < x < 2^53, as an ordered float64
export const TAG_NUM_POS_BIG = 0x13; // 2^53 <= x < 2^63, integral, as an ordered int64
export const TAG_NUM_POS_HUGE = 0x14; // x >= 2^63, as an ordered float64
export const TAG_TEXT = 0x20; // escaped UTF-8, terminated by 00 00
export const TAG_BLOB = 0x30; // escaped bytes, terminated by 00 00

const TWO53 = 2 ** 53;
const TWO63 = 2 ** 63;
const B_TWO53 = 2n ** 53n;
const B_TWO63 = 2n ** 63n;

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

function writeOrderedDouble(w: ByteWriter, x: number): void {
  f64[0] = x === 0 ? 0 : x; // -0 sorts (and equals) +0
  w.ensure(8);
  const b = w.buf;
  const p = w.pos;
  // Float64Array is little-endian on every platform we run on: reverse into big-endian.
  if (x >= 0) {
    b[p] = f64b[7]! ^ 0x80;
    for (let i = 1; i < 8; i++) b[p + i] = f64b[7 - i]!;
  } else {
    for (let i = 0; i < 8; i++) b[p + i] = ~f64b[7 - i]! & 0xff;
  }
  w.pos = p + 8;
}

function readOrderedDouble(b: Uint8Array, p: number): number {
  if (b[p]! & 0x80) {
    f64b[7] = b[p]! ^ 0x80;
    for (let i = 1; i < 8; i++) f64b[7 - i] = b[p + i]!;
  } else {
    for (let i = 0; i < 8; i++) f64b[7 - i] = ~b[p + i]! & 0xff;
  }
  return f64[0]!;
}

function writeOrderedInt64(w: ByteWriter, v: bigint): void {
  let u = v + B_TWO63; // 0 .. 2^64-1
  w.ensure(8);
  for (let i = 7; i >= 0; i--) {
    w.buf[w.pos + i] = Number(u & 0xffn);
    u >>= 8n;
  }
  w.pos += 8;
}

function readOrderedInt64(b: Uint8Array, p: number): bigint {
  let u = 0n;
  for (let i = 0; i < 8; i++) u = (u << 8n) | BigInt(b[p + i]!);
  return u - B_TWO63;
}

function writeEscaped(w: ByteWriter, bytes: Uint8Array): void {
  w.ensure(bytes.length + 2);
  let hasZero = false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      hasZero = true;
      break;
    }
  }
  if (!hasZero) {
    w.buf.set(bytes, w.pos);
    w.pos += bytes.length;
  } else {
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      w.ensure(2);
      w.buf[w.pos++] = c;
      if (c === 0) w.buf[w.pos++] = 0xff;
    }
  }
  w.ensure(2);
  w.buf[w.pos++] = 0;
  w.buf[w.pos++] = 0;
}

function writeText(w: ByteWriter, s: string): void {
  // ASCII fast path without NULs: write char codes directly.
  const n = s.length;
  w.ensure(n + 2);
  const b = w.buf;
  let p = w.pos;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c >= 0x80) break;
    b[p++] = c;
  }
  if (i === n) {
    b[p++] = 0;
    b[p++] = 0;
    w.pos = p;
    return;
  }
  w.pos = p;
  writeEscaped(w, utf8Encoder.encode(s.slice(i)));
}

/** Appends one tuple element. Throws INVALID_ARGUMENT for NaN, non-integral bigint-range misuse or other types. */
export function writeKeyValue(w: ByteWriter, v: KeyValue): void {
  if (v === null) {
    w.u8(TAG_NULL);
  } else if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new DoSQLError('INVALID_ARGUMENT', 'key: NaN cannot be a key value');
    if (v > -TWO53 && v < TWO53) {
      w.u8(TAG_NUM);
      writeOrderedDouble(w, v);
    } else if (v < -TWO63) {
      w.u8(TAG_NUM_NEG_HUGE);
      writeOrderedDouble(w, v);
    } else if (v >= TWO63) {
      w.u8(TAG_NUM_POS_HUGE);
      writeOrderedDouble(w, v);
    } else {
      // |v| in [2^53, 2^63]: every such double is an integer, exactly an int64.
      w.u8(v < 0 ? TAG_NUM_NEG_BIG : TAG_NUM_POS_BIG);
      writeOrderedInt64(w, BigInt(v));
    }
  } else if (typeof v === 'bigint') {
    if (v > -B_TWO53 && v < B_TWO53) {
      w.u8(TAG_NUM);
      writeOrderedDouble(w, Number(v));
    } else {
      if (v < -B_TWO63 || v >= B_TWO63) throw new DoSQLError('INVALID_ARGUMENT', `key: integer ${v} is outside the 64-bit range`);
      w.u8(v < 0n ? TAG_NUM_NEG_BIG : TAG_NUM_POS_BIG);
      writeOrderedInt64(w, v);
    }
  } else if (typeof v === 'string') {
    w.u8(TAG_TEXT);
    writeText(w, v);
  } else if (v instanceof Uint8Array) {
    w.u8(TAG_BLOB);
    writeEscaped(w, v);
  } else {
    throw new DoSQLError('INVALID_ARGUMENT', `key: unsupported key value type ${typeof v}`);
  }
}

/** Appends a whole tuple and its terminator. */
export function writeKeyTuple(w: ByteWriter, tuple: KeyTuple): void {
  for (let i = 0; i < tuple.length; i++) writeKeyValue(w, tuple[i]!);
  w.u8(TAG_END);
}

const scratch = new ByteWriter(256);

/** The encoding of `tuple` as a fresh array. */
export function encodeKeyTuple(tuple: KeyTuple): Uint8Array {
  scratch.reset();
  writeKeyTuple(scratch, tuple);
  return scratch.toBytes();
}

function unescape(b: Uint8Array, p: number, end: number): { bytes: Uint8Array; next: number } {
  // Find the terminator 00 00, undoing 00 FF escapes.
  let q = p;
  let escapes = 0;
  for (;;) {
    if (q + 1 >= end + 1 || q >= end) throw new DoSQLError('CORRUPTION', 'key: unterminated text/blob in key');
    if (b[q] === 0) {
      if (b[q + 1] === 0) break;
      if (b[q + 1] !== 0xff) throw new DoSQLError('CORRUPTION', 'key: bad escape in key');
      escapes++;
      q += 2;
    } else q++;
  }
  if (escapes === 0) return { bytes: b.slice(p, q), next: q + 2 };
  const out = new Uint8Array(q - p - escapes);
  let o = 0;
  for (let i = p; i < q; i++) {
    out[o++] = b[i]!;
    if (b[i] === 0) i++;
  }
  return { bytes: out, next: q + 2 };
}

/**
 * Decodes the tuple starting at `start`; returns its values and the offset after the
 * terminator. Integers beyond 2^53 in magnitude come back as bigint, all others as number.
 */
export function decodeKeyTuple(b: Uint8Array, start = 0, end = b.length): { values: KeyValue[]; next: number } {
  const values: KeyValue[] = [];
  let p = start;
  for (;;) {
    if (p >= end) throw new DoSQLError('CORRUPTION', 'key: tuple runs past its end');
    const tag = b[p++]!;
    switch (tag) {
      case TAG_END:
        return { values, next: p };
      case TAG_NULL:
        values.push(null);
        break;
      case TAG_NUM:
      case TAG_NUM_NEG_HUGE:
      case TAG_NUM_POS_HUGE:
        values.push(readOrderedDouble(b, p));
        p += 8;
        break;
      case TAG_NUM_NEG_BIG:
      case TAG_NUM_POS_BIG:
        values.push(readOrderedInt64(b, p));
        p += 8;
        break;
      case TAG_TEXT: {
        const r = unescape(b, p, end);
        values.push(utf8Decoder.decode(r.bytes));
        p = r.next;
        break;
      }
      case TAG_BLOB: {
        const r = unescape(b, p, end);
        values.push(r.bytes);
        p = r.next;
        break;
      }
      default:
        throw new DoSQLError('CORRUPTION', `key: unknown tag 0x${tag.toString(16)} at ${p - 1}`);
    }
  }
}

/**
 * The offset after the first `count` values of the tuple starting at `start`, without
 * decoding them (an index key's table-key suffix is then the bytes from there on).
 */
export function skipKeyValues(b: Uint8Array, start: number, count: number): number {
  let p = start;
  for (let n = 0; n < count; n++) {
    if (p >= b.length) throw new DoSQLError('CORRUPTION', 'key: tuple runs past its end');
    const tag = b[p++]!;
    switch (tag) {
      case TAG_NULL:
        break;
      case TAG_NUM:
      case TAG_NUM_NEG_HUGE:
      case TAG_NUM_POS_HUGE:
      case TAG_NUM_NEG_BIG:
      case TAG_NUM_POS_BIG:
        p += 8;
        break;
      case TAG_TEXT:
      case TAG_BLOB:
        // Escaped bytes up to the terminator 00 00 (a 00 inside is escaped as 00 FF).
        for (;;) {
          if (p + 1 >= b.length) throw new DoSQLError('CORRUPTION', 'key: unterminated text/blob in key');
          if (b[p] === 0) {
            if (b[p + 1] === 0) break;
            if (b[p + 1] !== 0xff) throw new DoSQLError('CORRUPTION', 'key: bad escape in key');
          }
          p += b[p] === 0 ? 2 : 1;
        }
        p += 2;
        break;
      default:
        throw new DoSQLError('CORRUPTION', `key: unexpected tag 0x${tag.toString(16)} at ${p - 1}`);
    }
  }
  return p;
}

/**
 * Order-preserving unsigned varint for small ids (branch, table): values below 248 take one
 * byte; larger ones a length byte 0xF7+n followed by n big-endian bytes (n = 1..7).
 */
export function writeOrderedUvarint(w: ByteWriter, v: number): void {
  if (v < 248) {
    w.u8(v);
    return;
  }
  let n = 0;
  for (let x = v; x > 0; x = Math.floor(x / 256)) n++;
  w.ensure(n + 1);
  w.buf[w.pos++] = 0xf7 + n;
  for (let i = n - 1; i >= 0; i--) w.buf[w.pos++] = Math.floor(v / 256 ** i) % 256;
}

export function readOrderedUvarint(b: Uint8Array, cursor: { pos: number }): number {
  const first = b[cursor.pos++]!;
  if (first < 248) return first;
  const n = first - 0xf7;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[cursor.pos++]!;
  return v;
}
