// How sqllogictest prints a value: by its column's type letter, not by its storage class,
// the way SQLite's C API converts (https://sqlite.org/c3ref/column_blob.html):
//   I  sqlite3_column_int: the value as a 64-bit integer (CAST AS INTEGER rules), then its low 32 bits
//   R  sqlite3_column_double, printed with sqlite3_snprintf("%.3f")
//   T  sqlite3_column_text; every byte outside printable ASCII becomes '@'
// NULL prints "NULL" whatever the letter; an empty text prints "(empty)".
import { INT64_MAX, INT64_MIN, type SqlValue } from '../../src/sql/types/value.js';

export type TypeLetter = 'I' | 'R' | 'T';

export function formatValue(v: SqlValue, letter: string): string {
  if (v === null) return 'NULL';
  if (letter === 'I') return String(BigInt.asIntN(32, toInt64(v)));
  if (letter === 'R') return formatFixed3(toReal(v));
  return printable(v);
}

/** sqlite3_column_int64: reals truncate toward zero and saturate; text and blobs take their integer prefix. */
export function toInt64(v: Exclude<SqlValue, null>): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 0n;
    if (v >= 9223372036854775807) return INT64_MAX;
    if (v <= -9223372036854775808) return INT64_MIN;
    return BigInt(Math.trunc(v));
  }
  return integerPrefix(typeof v === 'string' ? v : latin1(v));
}

/** sqlite3_column_double: integers convert exactly-as-possible; text and blobs take their numeric prefix. */
export function toReal(v: Exclude<SqlValue, null>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return realPrefix(typeof v === 'string' ? v : latin1(v));
}

// SQLite's sqlite3Isspace: ASCII whitespace only.
const INTEGER_PREFIX = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/;
const REAL_PREFIX = /^[ \t\n\v\f\r]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/;

/** sqlite3Atoi64: optional whitespace, sign and digits; no digits gives 0; out of range saturates. */
export function integerPrefix(s: string): bigint {
  const m = INTEGER_PREFIX.exec(s);
  if (m === null) return 0n;
  const n = m[1] === '-' ? -BigInt(m[2]!) : BigInt(m[2]!);
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}

/** sqlite3AtoF: the longest prefix that reads as a decimal number; none gives 0.0. */
export function realPrefix(s: string): number {
  const m = REAL_PREFIX.exec(s);
  return m === null ? 0 : Number(m[1]!);
}

/**
 * sqlite3_snprintf("%.3f", x): the exact value rounded half away from zero to 3 decimals,
 * except that SQLite's printf keeps at most 16 significant digits and pads the rest with
 * zeros (1.2345678901234567e25 prints 12345678901234570000000000.000).
 */
export function formatFixed3(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  const a = Math.abs(x);
  // Below 1e13 the integer part and three decimals fit in 16 digits: plain exact rounding.
  if (a < 1e13) return x.toFixed(3);
  const { digits, exp } = significantDigits(a, 16);
  const intLen = exp + 1;
  const int = digits.slice(0, intLen).padEnd(intLen, '0');
  const frac = digits.slice(intLen).padEnd(3, '0');
  return `${x < 0 ? '-' : ''}${int}.${frac}`;
}

/**
 * sqlite3_snprintf("%!.15g", x), how SQLite renders a REAL as text: 15 significant digits,
 * trailing zeros dropped but at least one digit after the point ("100.0"), exponent form
 * outside 1e-4..1e15 with a signed, at least two-digit exponent ("1.0e+20", "1.5e-05").
 */
export function realToText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits: all, exp } = significantDigits(Math.abs(x), 15);
  const digits = all.replace(/0+$/, '');
  if (exp < -4 || exp > 14) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}.${digits.slice(1) || '0'}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${int}.${digits.slice(exp + 1) || '0'}`;
}

/** `n` significant decimal digits of a positive finite x (correctly rounded) and the decimal exponent of the first. */
function significantDigits(x: number, n: number): { digits: string; exp: number } {
  const [mant, e] = x.toExponential(n - 1).split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** sqlite3_column_text with sqllogictest's substitutions: "(empty)" and '@' per non-printable UTF-8 byte. */
export function printable(v: Exclude<SqlValue, null>): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realToText(v);
  if (typeof v === 'string') {
    if (v === '') return '(empty)';
    if (PRINTABLE.test(v)) return v;
    let out = '';
    for (const ch of v) {
      const cp = ch.codePointAt(0)!;
      if (cp >= 0x20 && cp <= 0x7e) out += ch;
      else out += '@'.repeat(cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
    }
    return out;
  }
  if (v.length === 0) return '(empty)';
  let out = '';
  for (const b of v) out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '@';
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}
