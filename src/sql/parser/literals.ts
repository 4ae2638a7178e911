// Values of numeric and blob literals, as SQLite computes them
// (https://sqlite.org/lang_expr.html#literal_values_constants_):
// - a decimal integer that fits in a signed 64-bit integer is an INTEGER, otherwise a REAL;
// - a hex integer (0x...) is the 64-bit two's complement of its digits and must fit in 64 bits;
// - a literal with `.` or an exponent is a REAL.
import { INT64_MAX } from '../types/value.js';

/** Decimal integer digits (no sign, no separators) as INTEGER, or REAL beyond int64. */
export function decimalIntegerValue(digits: string): bigint | number {
  if (digits.length < 19) return BigInt(digits);
  const v = BigInt(digits);
  return v <= INT64_MAX ? v : Number(digits);
}

/** `0x...` (separators removed) as a signed 64-bit INTEGER, or null when more than 64 bits are needed. */
export function hexIntegerValue(text: string): bigint | null {
  const v = BigInt(text);
  if (v > 0xffff_ffff_ffff_ffffn) return null;
  return BigInt.asIntN(64, v);
}

/** Hex digits of an X'..' literal (even count, checked by the lexer) as bytes. */
export function blobValue(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
