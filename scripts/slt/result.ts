// Turning a query's rows into sqllogictest's printed values, sorting them as the record asks,
// hashing them, and checking them against the expected lines.
import { createHash } from 'node:crypto';
import type { SqlValue } from './adapter.js';
import type { SortMode } from './parser.js';
import { formatValue } from './value-format.js';

/**
 * Printed values in row-major order, sorted as `sort` says: `rowsort` orders rows by their
 * printed values column by column (strcmp), `valuesort` orders all values individually.
 * Column i is printed by types[i]; columns beyond the type string print as text.
 */
export function formatRows(rows: readonly (readonly SqlValue[])[], types: string, sort: SortMode): string[] {
  const printed = rows.map((row) => row.map((v, i) => formatValue(v, types[i] ?? 'T')));
  if (sort === 'rowsort') printed.sort(compareRows);
  const values = printed.flat();
  if (sort === 'valuesort') values.sort(compareStrings);
  return values;
}

// Printed values are ASCII (non-printable bytes became '@'), so UTF-16 order is strcmp order.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** md5 (lower-case hex) over the values, each followed by "\n": sqllogictest's result hash. */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) h.update(`${v}\n`);
  return h.digest('hex');
}

/** The line sqllogictest writes instead of the values when there are more than the hash threshold. */
export function hashLine(values: readonly string[]): string {
  return `${values.length} values hashing to ${hashValues(values)}`;
}

const HASH_LINE = /^(\d+) values hashing to ([0-9a-f]{32})$/;

/**
 * Whether printed values match a record's expected lines. The expected lines are either the
 * values one per line or a single hash line; a hash line matches when count and md5 agree.
 */
export function matchesExpected(values: readonly string[], expected: readonly string[]): boolean {
  if (expected.length === 1) {
    const m = HASH_LINE.exec(expected[0]!);
    if (m !== null) return Number(m[1]) === values.length && m[2] === hashValues(values);
  }
  if (expected.length !== values.length) return false;
  for (let i = 0; i < values.length; i++) if (values[i] !== expected[i]) return false;
  return true;
}
