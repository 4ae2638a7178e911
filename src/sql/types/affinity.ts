// Type affinity: the preferred storage class of a column, and the conversions SQLite applies
// when storing into a column and before comparing. (https://sqlite.org/datatype3.html §3-4)
import { numericAffinityOfText, integerIfExact, toText } from './convert.js';
import type { SqlValue } from './value.js';

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/**
 * Affinity of a declared column type or CAST target, by the five rules of datatype3.html
 * §3.1, first match wins, case-insensitive (ASCII): contains "INT" → INTEGER; "CHAR",
 * "CLOB" or "TEXT" → TEXT; "BLOB" or no type at all → BLOB; "REAL", "FLOA" or "DOUB" →
 * REAL; otherwise NUMERIC. `undefined` and '' mean "no type" (a column declared without
 * one).
 */
export function affinityOfDeclaredType(typeName: string | undefined): Affinity {
  if (typeName === undefined || typeName === '') return 'BLOB';
  const t = asciiUpper(typeName);
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB')) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

function asciiUpper(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : s[i];
  }
  return out;
}

/** True for the affinities that convert TEXT to numbers: NUMERIC, INTEGER, REAL. */
export function isNumericAffinity(a: Affinity | undefined): boolean {
  return a === 'NUMERIC' || a === 'INTEGER' || a === 'REAL';
}

/**
 * The value a column with `affinity` stores for `v` (datatype3.html §3):
 * - TEXT: INTEGER/REAL become their text; BLOB and NULL unchanged.
 * - NUMERIC/INTEGER: TEXT that is a well-formed number (surrounding whitespace allowed,
 *   no hex) becomes INTEGER when it is integral and fits ('3.0e+5' → 300000), else REAL;
 *   REAL that is integral and strictly inside the int64 range becomes INTEGER; other
 *   values unchanged.
 * - REAL: as NUMERIC, then INTEGER becomes REAL (SQLite keeps integral REALs as integers
 *   on disk but reads them back as REAL, so this is the observable value; -0.0 reads
 *   back as 0.0).
 * - BLOB: unchanged.
 */
export function applyAffinity(v: SqlValue, affinity: Affinity): SqlValue {
  switch (affinity) {
    case 'BLOB':
      return v;
    case 'TEXT':
      return typeof v === 'bigint' || typeof v === 'number' ? toText(v) : v;
    case 'REAL': {
      const n = typeof v === 'string' ? numericAffinityOfText(v, false) : v;
      if (typeof n === 'bigint') return Number(n);
      // Stored as the integer 0 and read back as 0.0, so -0.0 loses its sign.
      return n === 0 ? 0 : n;
    }
    default:
      if (typeof v === 'string') return numericAffinityOfText(v, true);
      if (typeof v === 'number') return integerIfExact(v);
      return v;
  }
}

/**
 * The affinity applied to both operands of a comparison (`=`, `<`, `IN`, `BETWEEN`, ...)
 * by datatype3.html §4.2, or `undefined` when no conversion happens.
 *
 * Each operand's affinity is passed as: the column's affinity for a (possibly
 * COLLATE-wrapped) column reference; the CAST target's affinity for `CAST(x AS T)`;
 * `undefined` for every other expression (literals, parameters, arithmetic, function
 * calls, `+col`). Rules: if either side has INTEGER, REAL or NUMERIC affinity and the
 * other has TEXT, BLOB or none, NUMERIC is applied; if one side has TEXT and the other
 * none, TEXT is applied; otherwise nothing. Apply the result to both operands with
 * {@link applyComparisonAffinity} before calling `compareValues`.
 */
export function comparisonAffinity(left: Affinity | undefined, right: Affinity | undefined): 'NUMERIC' | 'TEXT' | undefined {
  if (left !== undefined && right !== undefined) {
    return isNumericAffinity(left) || isNumericAffinity(right) ? 'NUMERIC' : undefined;
  }
  const one = left ?? right;
  if (one === undefined || one === 'BLOB') return undefined;
  return one === 'TEXT' ? 'TEXT' : 'NUMERIC';
}

/**
 * Converts one comparison operand (OP_Lt & co. in vdbe.c): under NUMERIC, TEXT that is a
 * well-formed number becomes INTEGER or REAL ('1.0' stays REAL 1.0); under TEXT,
 * INTEGER/REAL become text. BLOB and NULL are never converted.
 */
export function applyComparisonAffinity(v: SqlValue, affinity: 'NUMERIC' | 'TEXT' | undefined): SqlValue {
  if (affinity === 'NUMERIC') return typeof v === 'string' ? numericAffinityOfText(v, false) : v;
  if (affinity === 'TEXT') return typeof v === 'bigint' || typeof v === 'number' ? toText(v) : v;
  return v;
}
