// SQLite's sort order of values (datatype3.html §4.1 "Sort Order"): NULL < INTEGER/REAL
// (compared by exact numeric value) < TEXT (BINARY collation: UTF-8 byte order) < BLOB (memcmp).
import type { ColumnValue } from './schema.js';

function classRank(v: ColumnValue): number {
  if (v === null) return 0;
  if (typeof v === 'bigint' || typeof v === 'number') return 1;
  if (typeof v === 'string') return 2;
  return 3;
}

/** Negative, zero or positive as `a` sorts before, with, or after `b`. NaN sorts below every other number. */
export function compareValues(a: ColumnValue, b: ColumnValue): number {
  const ra = classRank(a);
  const rb = classRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareNumeric(a as bigint | number, b as bigint | number);
    case 2:
      return compareUtf8(a as string, b as string);
    default:
      return compareByteStrings(a as Uint8Array, b as Uint8Array);
  }
}

/** Lexicographic order of two key tuples by {@link compareValues}; a prefix sorts first. */
export function compareKeys(a: readonly ColumnValue[], b: readonly ColumnValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareValues(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Exact order of two numbers of either class, as SQLite's sqlite3IntFloatCompare: a bigint
 * beyond 2^53 is not rounded to a double first. NaN sorts below every other number.
 */
export function compareNumeric(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'bigint') return -compareRealInt(b as number, a);
  return compareRealInt(a, b as bigint);
}

function compareRealInt(r: number, i: bigint): number {
  if (Number.isNaN(r)) return -1;
  if (r === Infinity) return 1;
  if (r === -Infinity) return -1;
  const floor = Math.floor(r);
  const f = BigInt(floor);
  if (f !== i) return f < i ? -1 : 1;
  return floor === r ? 0 : 1;
}

/** UTF-8 byte order of two strings, which is code point order (Parquet STRING order too). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogates UTF-16 order is code point order; a surrogate (a code point
    // above U+FFFF) sorts after every other BMP unit except U+E000..U+FFFF.
    return codePointOrderUnit(x) - codePointOrderUnit(y);
  }
  return a.length - b.length;
}

function codePointOrderUnit(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000; // surrogates move above U+FFFF's units
  if (u >= 0xe000) return u - 0x800;
  return u;
}

/** memcmp order (unsigned bytes, shorter prefix first). */
export function compareByteStrings(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
