// Conversions between storage classes, following SQLite's vdbemem.c: what sqlite3_value_text,
// _int64, _double return for each class, numeric conversion for arithmetic, CAST, and
// truthiness. (https://sqlite.org/datatype3.html §3-4, lang_expr.html "CAST expressions"
// and "Boolean expressions")
import { ATOF_REAL, atof, atoi64, type NumberSlot } from './numeric-text.js';
import { realToText } from './real-format.js';
import { utf8Decode, utf8Encode } from './utf8.js';
import { INT64_MAX, INT64_MIN, type SqlValue } from './value.js';

const slot: NumberSlot = { real: 0, int: 0n };

/** ±(the largest double below 2^63): beyond these sqlite3RealToI64 saturates to the int64 bounds. */
const REAL_I64_LOW = -9223372036854774784;
const REAL_I64_HIGH = 9223372036854774784;

/** TEXT view of a value (sqlite3_value_text): REAL as "%!.17g", BLOB bytes as UTF-8; NULL → null. */
export function toText(v: SqlValue): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      return realToText(v);
    default:
      return v === null ? null : utf8Decode(v);
  }
}

/** BLOB view of a value (sqlite3_value_blob): TEXT as UTF-8 bytes, numbers via their text; NULL → null. */
export function toBlob(v: SqlValue): Uint8Array | null {
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  return utf8Encode(typeof v === 'string' ? v : toText(v)!);
}

/**
 * INTEGER view (sqlite3_value_int64): REAL truncates toward zero and saturates at the int64
 * bounds; TEXT/BLOB use the longest integer prefix ('12abc' → 12, '1e3' → 1); NULL → 0.
 */
export function toInt64(v: SqlValue): bigint {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return realToInt64(v);
    case 'string':
      atoi64(v, slot);
      return slot.int;
    default:
      if (v === null) return 0n;
      atoi64(utf8Decode(v), slot);
      return slot.int;
  }
}

/** REAL view (sqlite3_value_double): TEXT/BLOB use the longest numeric prefix; NULL → 0.0. */
export function toReal(v: SqlValue): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'string':
      atof(v, slot);
      return slot.real;
    default:
      if (v === null) return 0;
      atof(utf8Decode(v), slot);
      return slot.real;
  }
}

/** sqlite3RealToI64: truncate toward zero, saturating at the int64 bounds (NaN → 0). */
export function realToInt64(r: number): bigint {
  if (r < REAL_I64_LOW) return INT64_MIN;
  if (r > REAL_I64_HIGH) return INT64_MAX;
  if (r !== r) return 0n;
  return BigInt(Math.trunc(r));
}

/**
 * The number arithmetic sees (numericType in vdbe.c): TEXT/BLOB become INTEGER when their
 * prefix reads as an in-range integer without '.'/exponent ('12abc' → 12, 'abc' → 0),
 * else REAL ('1e3' → 1000.0, '1.5x' → 1.5). NULL → null.
 */
export function toNumeric(v: SqlValue): bigint | number | null {
  if (typeof v === 'bigint' || typeof v === 'number' || v === null) return v;
  return textToNumeric(typeof v === 'string' ? v : utf8Decode(v));
}

function textToNumeric(text: string): bigint | number {
  const rc = atof(text, slot);
  const real = slot.real;
  if (rc <= 0) {
    if ((rc & ATOF_REAL) === 0 && atoi64(text, slot) <= 1) return slot.int;
    return real;
  }
  if ((rc & ATOF_REAL) === 0 && atoi64(text, slot) === 0) return slot.int;
  return real;
}

/**
 * applyNumericAffinity (vdbe.c): a TEXT that is entirely a well-formed number (surrounding
 * whitespace allowed) becomes INTEGER or REAL; anything else stays TEXT. With `tryForInt`,
 * integral REALs become INTEGER too ('48.00' → 48), as storing into a NUMERIC column does;
 * without it ('48.00' stays 48.0), as comparisons do.
 */
export function numericAffinityOfText(text: string, tryForInt: boolean): SqlValue {
  const rc = atof(text, slot);
  if (rc <= 0) return text;
  const real = slot.real;
  if ((rc & ATOF_REAL) === 0) {
    const asInt = alsoAnInt(text, real);
    if (asInt !== undefined) return asInt;
  }
  return tryForInt ? integerIfExact(real) : real;
}

function alsoAnInt(text: string, real: number): bigint | undefined {
  if (realSameAsInt(real)) return BigInt(real);
  return atoi64(text, slot) === 0 ? slot.int : undefined;
}

/** sqlite3RealSameAsInt: zero, or an integer of magnitude below 2^51. */
export function realSameAsInt(r: number): boolean {
  return r === 0 || (Number.isInteger(r) && r >= -2251799813685248 && r < 2251799813685248);
}

/**
 * sqlite3VdbeIntegerAffinity: an integral REAL strictly inside the int64 range becomes
 * INTEGER (-0.0 → 0); others stay REAL.
 */
export function integerIfExact(r: number): bigint | number {
  if (Number.isInteger(r) && r > -9223372036854775808 && r < 9223372036854775808) {
    return BigInt(r);
  }
  return r;
}

/**
 * SQL truthiness (sqlite3VdbeBooleanValue): NULL → null; numbers are true when non-zero;
 * TEXT/BLOB are read as a REAL prefix first ('1abc' true, 'abc' false, '0.0' false).
 */
export function toBoolean(v: SqlValue): boolean | null {
  switch (typeof v) {
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    default:
      return v === null ? null : toReal(v) !== 0;
  }
}

/**
 * `v` in the storage class a typed column holds — `'double'` (REAL), `'long'` (INTEGER),
 * `'string'` (TEXT), as Iceberg names them — where SQLite would convert it losslessly
 * (lang_datatype3, "Type Affinity"); anything else is returned unchanged. Used where rows leave
 * for typed columnar files (Iceberg export, the lake).
 */
export function fitColumnType(v: SqlValue, type: string): SqlValue {
  if (v === null) return null;
  switch (type) {
    case 'double':
      return typeof v === 'bigint' ? Number(v) : v;
    case 'long':
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
    case 'string':
      return typeof v === 'bigint' || typeof v === 'number' ? toText(v) : v;
    default:
      return v;
  }
}
