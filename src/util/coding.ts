// Little helpers for the binary formats: LevelDB-style varints (base-128, little-endian
// groups, used for lengths inside blocks and records) and fixed-width big-endian integers.
// Formats that use them say so in docs/format/*.md.

/** Bytes needed for `v` as a uvarint. REQUIRES: 0 <= v <= 2^53 - 1. */
export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` as a uvarint at `off`; returns the offset after it. REQUIRES: 0 <= v <= 2^53 - 1. */
export function putUvarint(buf: Uint8Array, off: number, v: number): number {
  if (v < 0x80) {
    buf[off] = v;
    return off + 1;
  }
  if (v < 0x4000) {
    buf[off] = (v & 0x7f) | 0x80;
    buf[off + 1] = v >>> 7;
    return off + 2;
  }
  while (v >= 0x80) {
    buf[off++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[off++] = v;
  return off;
}

/**
 * Reads a uvarint at `off`. Returns the value; the offset after it is left in `cursor.pos`.
 * Returns -1 when the varint runs past `end` or is longer than 8 bytes (a corrupt length).
 */
export function getUvarint(buf: Uint8Array, cursor: { pos: number }, end: number = buf.length): number {
  let off = cursor.pos;
  if (off < end) {
    const b0 = buf[off]!;
    if (b0 < 0x80) {
      cursor.pos = off + 1;
      return b0;
    }
  }
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (off >= end) return -1;
    const b = buf[off++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      cursor.pos = off;
      return result;
    }
    mul *= 128;
  }
  return -1;
}

export function putU32BE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

export function getU32BE(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function putU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
  buf[off + 2] = v >>> 16;
  buf[off + 3] = v >>> 24;
}

export function getU32LE(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/** Writes an unsigned integer < 2^53 as 8 bytes little-endian. */
export function putU64LE(buf: Uint8Array, off: number, v: number): void {
  putU32LE(buf, off, v >>> 0);
  putU32LE(buf, off + 4, Math.floor(v / 0x1_0000_0000));
}

/** Reads 8 bytes little-endian as a number; values >= 2^53 are not produced by our writers. */
export function getU64LE(buf: Uint8Array, off: number): number {
  return getU32LE(buf, off) + getU32LE(buf, off + 4) * 0x1_0000_0000;
}
