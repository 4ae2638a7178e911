// SQLite's total order on values and its collating sequences (https://sqlite.org/datatype3.html
// §4.1 "Sort Order", §7 "Collating Sequences"; sqlite3MemCompare in vdbeaux.c), plus the
// comparison operators with SQL's NULL rules (lang_expr.html "Binary operators").
//
// Order: NULL < INTEGER and REAL (compared numerically and exactly, so 2^53 + 1 > 2^53 as a
// REAL) < TEXT (by collation) < BLOB (memcmp, then length).
import { DoSQLError } from '../../errors.js';
import { compareCodeUnits, compareUtf8 } from './utf8.js';
import type { SqlValue } from './value.js';

/** The built-in collating sequences. */
export type Collation = 'BINARY' | 'NOCASE' | 'RTRIM';

/**
 * Resolves a collation name (case-insensitive). Throws SQL_ERROR
 * "no such collation sequence: X" for anything but BINARY, NOCASE and RTRIM.
 */
export function getCollation(name: string): Collation {
  const upper = name.toUpperCase();
  if (upper === 'BINARY' || upper === 'NOCASE' || upper === 'RTRIM') return upper;
  throw new DoSQLError('SQL_ERROR', `sql: no such collation sequence: ${name}`, { details: { collation: name } });
}

/**
 * Compares two values in SQLite's sort order; negative, zero or positive. `collation`
 * (default BINARY) applies only when both are TEXT. No affinity is applied here: callers
 * that implement `=`/`<` apply comparison affinity first (see affinity.ts).
 */
export function compareValues(a: SqlValue, b: SqlValue, collation?: Collation): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' && tb === 'string') return compareText(a as string, b as string, collation);
  if (ta === 'bigint' || ta === 'number') {
    if (tb === ta) return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    if (tb === 'bigint') return -compareIntReal(b as bigint, a as number) | 0;
    if (tb === 'number') return compareIntReal(a as bigint, b as number);
    return b === null ? 1 : -1;
  }
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  if (tb === 'bigint' || tb === 'number') return 1;
  if (ta === 'string') return -1; // TEXT < BLOB
  if (tb === 'string') return 1;
  return compareBytes(a as Uint8Array, b as Uint8Array);
}

/** Exact INTEGER vs REAL comparison (sqlite3IntFloatCompare), fast when the integer fits a double. */
function compareIntReal(i: bigint, r: number): number {
  const x = Number(i);
  if (x !== r || (x < 9007199254740992 && x > -9007199254740992)) return x < r ? -1 : x > r ? 1 : 0;
  // Rounding made them look equal: compare exactly (mixed relational operators are exact).
  return (i as unknown as number) < r ? -1 : (i as unknown as number) > r ? 1 : 0;
}

/** Compares two TEXT values under a collation (default BINARY: memcmp of UTF-8). */
export function compareText(a: string, b: string, collation?: Collation): number {
  if (collation === undefined || collation === 'BINARY') return compareUtf8(a, b);
  if (collation === 'NOCASE') return compareNoCase(a, b);
  return compareRtrim(a, b);
}

/** memcmp() then length, as SQLite compares BLOBs. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** NOCASE folds only ASCII A-Z to lower case, then compares like BINARY (sqlite3StrNICmp). */
function compareNoCase(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 65 && ca <= 90) ca += 32;
    if (cb >= 65 && cb <= 90) cb += 32;
    if (ca !== cb) return compareCodeUnits(ca, cb);
  }
  return a.length - b.length;
}

/** RTRIM ignores trailing spaces (U+0020 only), then compares like BINARY. */
function compareRtrim(a: string, b: string): number {
  let na = a.length;
  let nb = b.length;
  while (na > 0 && a.charCodeAt(na - 1) === 32) na--;
  while (nb > 0 && b.charCodeAt(nb - 1) === 32) nb--;
  const n = na < nb ? na : nb;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return compareCodeUnits(ca, cb);
  }
  return na - nb;
}

/** The comparison operators compareOp() evaluates. */
export type CompareOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IS' | 'IS NOT';

/**
 * Evaluates `a op b` as SQL does, returning 1n, 0n or null: `=`, `!=`, `<`, ... are NULL
 * when either side is NULL; `IS` / `IS NOT` treat NULLs as equal to each other and never
 * return NULL. Affinity must already have been applied (affinity.ts).
 */
export function compareOp(op: CompareOperator, a: SqlValue, b: SqlValue, collation?: Collation): bigint | null {
  if (a === null || b === null) {
    if (op === 'IS') return a === b ? 1n : 0n;
    if (op === 'IS NOT') return a === b ? 0n : 1n;
    return null;
  }
  const c = compareValues(a, b, collation);
  switch (op) {
    case '=':
    case 'IS':
      return c === 0 ? 1n : 0n;
    case '!=':
    case 'IS NOT':
      return c !== 0 ? 1n : 0n;
    case '<':
      return c < 0 ? 1n : 0n;
    case '<=':
      return c <= 0 ? 1n : 0n;
    case '>':
      return c > 0 ? 1n : 0n;
    case '>=':
      return c >= 0 ? 1n : 0n;
  }
}
