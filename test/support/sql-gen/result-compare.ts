// Comparing two engines' answers. Values must agree exactly, storage class included (bigint
// INTEGER, number REAL, string TEXT, Uint8Array BLOB), except that REALs may differ by a
// relative 1e-12, since two correct engines may add in different orders.
// Without a total ORDER BY, rows are compared as multisets.
import type { SqlValue } from '../../../src/sql/types/value.js';

export const REAL_TOLERANCE = 1e-12;

export function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
    return Math.abs(a - b) <= REAL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return typeof a === typeof b && a === b;
}

export function sameRow(a: readonly SqlValue[], b: readonly SqlValue[]): boolean {
  return a.length === b.length && a.every((v, i) => sameValue(v, b[i]!));
}

// Canonical order for multiset comparison: by class, then value. REALs sort by a rounded
// value so that two nearly-equal results still line up.
const CLASS_RANK = { null: 0, bigint: 1, number: 2, string: 3, blob: 4 } as const;

function rank(v: SqlValue): number {
  if (v === null) return CLASS_RANK.null;
  if (v instanceof Uint8Array) return CLASS_RANK.blob;
  return CLASS_RANK[typeof v as 'bigint' | 'number' | 'string'];
}

function compareValues(a: SqlValue, b: SqlValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') {
    const x = Number(a.toPrecision(10));
    const y = Number(b.toPrecision(10));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  }
  return 0;
}

function compareRows(a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Why two results differ (undefined when they agree). `ordered`: compare row order too. */
export function diffResults(a: readonly (readonly SqlValue[])[], b: readonly (readonly SqlValue[])[], ordered: boolean): string | undefined {
  if (a.length !== b.length) return `row counts differ: ${a.length} vs ${b.length}`;
  const x = ordered ? a : [...a].sort(compareRows);
  const y = ordered ? b : [...b].sort(compareRows);
  for (let i = 0; i < x.length; i++) {
    if (!sameRow(x[i]!, y[i]!)) return `${ordered ? 'row' : 'sorted row'} ${i} differs: ${showRow(x[i]!)} vs ${showRow(y[i]!)}`;
  }
  return undefined;
}

const LONG = 80;

/** A value as a literal-like string that shows its storage class: 1, 1.0, '1', X'31', NULL. Long ones are cut. */
export function showValue(v: SqlValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : String(v);
  if (typeof v === 'string') return v.length > LONG ? `'${v.slice(0, LONG).replaceAll("'", "''")}...' (${v.length} chars)` : `'${v.replaceAll("'", "''")}'`;
  const hex = Buffer.from(v).toString('hex').toUpperCase();
  return hex.length > LONG ? `X'${hex.slice(0, LONG)}...' (${v.length} bytes)` : `X'${hex}'`;
}

export function showRow(r: readonly SqlValue[]): string {
  return `(${r.map(showValue).join(', ')})`;
}

/** Rows for a report, at most `max` of them. */
export function showRows(rows: readonly (readonly SqlValue[])[], max = 12): string {
  const shown = rows.slice(0, max).map(showRow).join(' ');
  return rows.length > max ? `${shown} ... (${rows.length} rows)` : rows.length === 0 ? '(no rows)' : shown;
}
