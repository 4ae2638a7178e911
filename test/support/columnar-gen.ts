// Random tables, changes and columnar-shaped queries shared by the columnar differential tests
// (test/columnar-merge-on-read.test.ts over cold runs plus a hot delta,
// test/columnar-hot-images.test.ts over SSTable images plus the memtable): each runs the same
// statements on dosql and better-sqlite3 and compares answers.
import type Database from 'better-sqlite3';
import type { Database as DosqlDatabase } from '../../src/index.js';
import type { Prng } from '../../src/util/prng.js';

export type Value = string | number | null;

export interface Shape {
  readonly label: string;
  readonly setup: string;
  /** The key of the row numbered n (rows 0..N-1 are loaded with even n: odd ones fit between). */
  key(n: number): Value;
  /** A WHERE term selecting key numbers in [lo, hi]. */
  keyRange(lo: number, hi: number): string;
  /** Whether `id` is the key (false: the key is a hidden rowid). */
  readonly explicitKey: boolean;
}

const pad = (n: number): string => String(n).padStart(6, '0');
export const SHAPES: Shape[] = [
  { label: 'INTEGER PRIMARY KEY', setup: 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT)', key: (n) => n, keyRange: (lo, hi) => `id BETWEEN ${lo} AND ${hi}`, explicitKey: true },
  { label: 'hidden rowid', setup: 'CREATE TABLE t(id INTEGER, a INTEGER, b REAL, c TEXT, d TEXT)', key: (n) => n, keyRange: (lo, hi) => `id BETWEEN ${lo} AND ${hi}`, explicitKey: false },
  {
    label: 'TEXT key, WITHOUT ROWID',
    setup: 'CREATE TABLE t(id TEXT PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT) WITHOUT ROWID',
    key: (n) => `k${n < 0 ? `-${pad(-n)}` : pad(n)}`,
    keyRange: (lo, hi) => `id >= 'k${pad(Math.max(0, lo))}' AND id <= 'k${pad(Math.max(0, hi))}'`,
    explicitKey: true,
  },
];

export const TEXTS = ['x', 'y', 'z', 'é', 'Z', ''];
/** Predicates every columnar test draws from (tests may add their own). */
export const PREDS = [
  'a > 10', 'a <= -5', 'b < 3.5', 'b >= -100', "c = 'x'", "c != 'y'", "d >= 'k2'", "d < 'k15'", 'a = 7',
  'a IN (1, 7, -5, 300, 2.5)', "c NOT IN ('x', 'é')", '(a > 100 OR b < -50)', "d LIKE 'K1%'", "c GLOB '[xy]*'", 'a NOT BETWEEN -100 AND 100',
];
const GROUP_COLS = ['c', 'd', 'a'];

/** One statement, run on both engines. */
export interface Change {
  readonly sql: string;
  readonly params: Value[];
}

/** Values of columns a, b, c, d (NULLs included). */
export function randomRow(r: Prng): Value[] {
  return [
    r.chance(0.1) ? null : r.int(2000) - 1000,
    r.chance(0.1) ? null : (r.int(2_000_000) - 1_000_000) / 997,
    r.chance(0.1) ? null : TEXTS[r.int(TEXTS.length)]!,
    r.chance(0.05) ? null : `k${r.int(30)}`,
  ];
}

/** How a test's changes look: `rows` loaded rows, the SET of a range update, the key spans of range updates and deletes. */
export interface ChangeMix {
  readonly rows: number;
  readonly rangeSet: string;
  readonly updateSpan: number;
  readonly deleteSpan: number;
}

/** A random change: point and range updates and deletes, inserts inside and outside the loaded key range. */
export function randomChange(r: Prng, s: Shape, mix: ChangeMix): Change {
  const n = r.int(mix.rows * 2);
  switch (r.int(7)) {
    case 0:
    case 1:
      return { sql: `UPDATE t SET a = ?, b = ? WHERE id = ?`, params: [r.int(500), r.int(100_000) / 7, s.key(n & ~1)] };
    case 2:
      return { sql: `UPDATE t SET ${mix.rangeSet}, c = ? WHERE ${s.keyRange(n, n + mix.updateSpan)}`, params: [TEXTS[r.int(TEXTS.length)]!] };
    case 3:
      return { sql: `DELETE FROM t WHERE id = ?`, params: [s.key(n & ~1)] };
    case 4:
      return { sql: `DELETE FROM t WHERE ${s.keyRange(n, n + mix.deleteSpan)}`, params: [] };
    default: {
      // Inside the range (an odd number, between loaded keys), above it or below it.
      const where = r.int(3);
      const m = where === 0 ? n | 1 : where === 1 ? mix.rows * 2 + r.int(500) : -1 - r.int(500);
      if (s.explicitKey) return { sql: 'INSERT OR REPLACE INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)', params: [s.key(m), ...randomRow(r)] };
      // A hidden rowid: replace a loaded row (rowids 1..rows) or add one above or below them.
      const rowid = where === 0 ? 1 + r.int(mix.rows) : where === 1 ? mix.rows + 1 + r.int(500) : -r.int(500);
      return { sql: 'INSERT OR REPLACE INTO t(rowid, id, a, b, c, d) VALUES (?, ?, ?, ?, ?, ?)', params: [rowid, s.key(m), ...randomRow(r)] };
    }
  }
}

/** A random aggregate query over t: `sel` (with FROM t), WHERE terms, GROUP BY/ORDER BY tail, and the aggregates it picked. */
export function randomQuery(r: Prng, s: Shape, rows: number, aggs: readonly string[], preds: readonly string[]): { sel: string; where: string[]; tail: string; aggregates: string[] } {
  const aggregates = Array.from({ length: 1 + r.int(3) }, () => aggs[r.int(aggs.length)]!);
  const where = Array.from({ length: r.int(3) }, () => preds[r.int(preds.length)]!);
  if (r.chance(0.2)) where.push(s.keyRange(r.int(rows), rows + r.int(rows)));
  const groups = r.chance(0.5) ? [] : [...new Set(Array.from({ length: 1 + r.int(2) }, () => GROUP_COLS[r.int(GROUP_COLS.length)]!))];
  const cols = [...groups, ...aggregates].join(', ');
  const tail = groups.length ? ` GROUP BY ${groups.join(', ')} ORDER BY ${groups.map((_, k) => k + 1).join(', ')}` : '';
  return { sel: `SELECT ${cols} FROM t`, where, tail, aggregates };
}

export const whereSql = (w: readonly string[]): string => (w.length ? ` WHERE ${w.join(' AND ')}` : '');

/** Runs `c` on SQLite and dosql; dosql's commit LSN. */
export async function apply(db: DosqlDatabase, lite: Database.Database, c: Change): Promise<number> {
  lite.prepare(c.sql).run(...c.params);
  return (await db.run(c.sql, c.params)).lsn;
}
