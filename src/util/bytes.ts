// Byte-string helpers on the hot paths (key comparison, concatenation). Plain loops:
// for the short keys of an LSM a JS loop beats a native call's fixed cost.

/** memcmp order of a[aStart, aEnd) and b[bStart, bEnd): negative, zero or positive. */
export function compareRange(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  const n = aLen < bLen ? aLen : bLen;
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

/** memcmp order of two whole byte strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length, b, 0, b.length);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Copies src[0, n) to dst[0, n). Short runs by a loop: creating the subarray view `set`
 * needs costs more than copying the few bytes of a key (hot in SSTable and run writers).
 */
export function copyPrefix(dst: Uint8Array, src: Uint8Array, n: number): void {
  if (n <= 64) for (let i = 0; i < n; i++) dst[i] = src[i]!;
  else dst.set(n === src.length ? src : src.subarray(0, n));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new RangeError(`odd-length hex string (${s.length})`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = parseInt(s.substr(i * 2, 2), 16);
    if (Number.isNaN(v)) throw new RangeError(`bad hex at ${i * 2}`);
    out[i] = v;
  }
  return out;
}

export const utf8Encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the data (stored TEXT, keys, names), never a byte-order mark to drop.
export const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** memcmp order of two byteString keys (negative, zero or positive): the order of the bytes they stand for. */
export function compareByteStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Map key for bytes: one UTF-16 unit per byte (equal strings iff equal bytes; same order as memcmp). */
export function byteString(b: Uint8Array): string {
  // One call builds a flat string for short keys (appending char by char makes a rope that
  // is flattened again when the string is hashed as a Map key).
  if (b.length <= 64) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
