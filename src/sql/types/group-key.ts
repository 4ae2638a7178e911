// Hash keys for GROUP BY, DISTINCT, IN lists and hash joins: a JS primitive per value such
// that two values get the same key (under Map's SameValueZero) exactly when
// compareValues(a, b, collation) === 0, i.e. when SQLite would put them in one group.
// (https://sqlite.org/lang_select.html §2.4 "distinct and grouping use the comparison rules")
import type { Collation } from './compare.js';
import type { SqlValue } from './value.js';

/** A Map/Set key: null, bigint, number or string. */
export type GroupKey = null | bigint | number | string;

const TWO_63 = 9223372036854775808;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Key of `v` under BINARY collation.
 * - INTEGER: the bigint itself; a REAL that equals an int64 exactly maps to the same bigint
 *   (1 and 1.0 group together; -0.0 and 0 too); other REALs are their number.
 * - TEXT: the string itself, except strings starting with U+0000, which are prefixed with
 *   "\0t" so they can never meet a BLOB key.
 * - BLOB: "\0b" + hex of the bytes (distinct from any TEXT key, so x'61' and 'a' differ).
 * - NULL: null (NULLs form one group, as in SQLite's GROUP BY and DISTINCT).
 */
export function groupKey(v: SqlValue): GroupKey {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return Number.isInteger(v) && v >= -TWO_63 && v < TWO_63 ? BigInt(v) : v;
    case 'string':
      return v.length > 0 && v.charCodeAt(0) === 0 ? `\0t${v}` : v;
    default:
      return v === null ? null : blobKey(v);
  }
}

function blobKey(b: Uint8Array): string {
  let s = '\0b';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/**
 * Key of `v` under `collation`: like {@link groupKey}, but TEXT is first normalised so that
 * strings equal under the collation share a key (NOCASE: ASCII A-Z lower-cased; RTRIM:
 * trailing spaces removed).
 */
export function groupKeyCollated(v: SqlValue, collation: Collation | undefined): GroupKey {
  if (typeof v !== 'string' || collation === undefined || collation === 'BINARY') return groupKey(v);
  return groupKey(collation === 'NOCASE' ? asciiLower(v) : trimTrailingSpaces(v));
}

function asciiLower(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

function trimTrailingSpaces(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 32) n--;
  return n === s.length ? s : s.slice(0, n);
}

/** True when SQLite's GROUP BY / DISTINCT would treat `a` and `b` as the same value. */
export function valuesEqualForGrouping(a: SqlValue, b: SqlValue, collation?: Collation): boolean {
  const ka = groupKeyCollated(a, collation);
  const kb = groupKeyCollated(b, collation);
  return ka === kb || (ka !== ka && kb !== kb);
}
