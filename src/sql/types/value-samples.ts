// Edge-case SQL values for differential tests of the value semantics against SQLite: integers
// at the int64 limits and around 2^53, reals including -0.0, infinities, subnormals and
// integral reals, numeric-looking text (' 12', '1e3', '0x1A', '12abc'), blobs and NULL.
// Also the equality that tests use to compare our results with SQLite's (storage class and
// exact value).
import { INT64_MAX, INT64_MIN, type SqlValue } from './value.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

export const SAMPLE_INTEGERS: readonly bigint[] = [
  0n, 1n, -1n, 2n, 3n, 7n, -7n, 10n, 63n, 64n, -64n, 255n, 1000000n, 2n ** 31n, -(2n ** 31n),
  2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 62n, INT64_MAX, INT64_MAX - 1n, INT64_MIN, INT64_MIN + 1n,
];

export const SAMPLE_REALS: readonly number[] = [
  0, -0, 1, -1, 0.5, 1.5, -2.5, 2.5, 0.1, 0.3, 1 / 3, 3.14159, 123.456, -0.001, 1e15 + 0.3, 4503599627370496.5,
  2 ** 53, 2 ** 63, -(2 ** 63), 9223372036854774784, 1e20, 1e308, -1e308, 1e-300, 5e-324, 1.5e-7, 1e100,
  Infinity, -Infinity,
];

export const SAMPLE_TEXTS: readonly string[] = [
  '', ' ', '12', ' 12', '12 ', ' 12 ', '\t3\n', '1e3', '3.0e+5', '0x1A', '12abc', 'abc', 'ABC', 'a', 'A', 'a b ',
  '1.0', '-5', '+5', '.5', '5.', '1e', '-0', '0.0', '00012', '1,5', 'Inf', 'NaN', '1e400', '-1e400',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '12345678901234567890123', '0.1e1', '1.5x', 'é', 'Ünïcødé', '日本語', '😀x', "it's", 'a%b_c', '[x]', '-',
];

export const SAMPLE_BLOBS: readonly Uint8Array[] = [
  bytes(), bytes(0), bytes(0x31, 0x32), bytes(0x61, 0x62, 0x63), bytes(0xff, 0x00, 0x7f), bytes(0x31, 0x2e, 0x35),
];

/** All samples plus NULL. */
export const SAMPLE_VALUES: readonly SqlValue[] = [null, ...SAMPLE_INTEGERS, ...SAMPLE_REALS, ...SAMPLE_TEXTS, ...SAMPLE_BLOBS];

/**
 * True when `a` and `b` have the same storage class and the same value (REAL by Object.is,
 * so -0.0 differs from 0.0; BLOB by bytes).
 */
export function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return Object.is(a, b);
}

/** A readable rendering of a value for test failure messages. */
export function showValue(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0.0(real)' : `${v}(real)`;
  if (typeof v === 'string') return JSON.stringify(v);
  return `x'${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}'`;
}
