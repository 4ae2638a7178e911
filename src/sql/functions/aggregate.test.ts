// Differential test of the aggregates on random groups of values (including integer
// overflow, mixed types and NULLs), of min/max under collations, and of `inverse` against
// SQLite's sliding window frames.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Collation } from '../types/compare.js';
import { sameValue, showValue } from '../types/value-samples.js';
import type { SqlValue } from '../types/value.js';
import { aggregateFunctionNames, getAggregateFunction } from './aggregate.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL: SqlValue[] = [
  null, null, 0n, 1n, -1n, 7n, 100n, -250n, 2n ** 53n + 1n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n), 4503599627370497n,
  0.5, -2.25, 0.1, 1e20, -1e20, 1e308, 3.5, Infinity, -Infinity, 'a', 'B', 'b ', '12', ' 3 ', '1.5', 'abc', '9223372036854775807',
  new Uint8Array([0x31, 0x32]), new Uint8Array([]), '',
];
const SEPARATORS: SqlValue[] = [',', ';', '', '--', null, 'é'];

type Outcome = SqlValue | Error;

function run(fn: () => SqlValue): Outcome {
  try {
    return fn();
  } catch (e) {
    return e as Error;
  }
}

function same(a: Outcome, b: Outcome): boolean {
  if (a instanceof Error || b instanceof Error) return a instanceof Error && b instanceof Error && a.message === `sql: ${b.message}`;
  return sameValue(a, b);
}

const show = (v: Outcome): string => (v instanceof Error ? `error(${v.message})` : showValue(v));

/** Aggregate calls: SQL text, our function, and which columns feed its arguments. */
const CALLS: { sql: string; name: string; args: ('x' | 'y')[]; collation?: Collation }[] = [
  { sql: 'count(*)', name: 'count', args: [] },
  { sql: 'count(x)', name: 'count', args: ['x'] },
  { sql: 'sum(x)', name: 'sum', args: ['x'] },
  { sql: 'total(x)', name: 'total', args: ['x'] },
  { sql: 'avg(x)', name: 'avg', args: ['x'] },
  { sql: 'min(x)', name: 'min', args: ['x'] },
  { sql: 'max(x)', name: 'max', args: ['x'] },
  { sql: 'min(x COLLATE NOCASE)', name: 'min', args: ['x'], collation: 'NOCASE' },
  { sql: 'max(x COLLATE RTRIM)', name: 'max', args: ['x'], collation: 'RTRIM' },
  { sql: 'group_concat(x)', name: 'group_concat', args: ['x'] },
  { sql: 'group_concat(x, y)', name: 'group_concat', args: ['x', 'y'] },
  { sql: 'string_agg(x, y)', name: 'string_agg', args: ['x', 'y'] },
];

function makeRows(r: () => number, n: number, pool: readonly SqlValue[]): { x: SqlValue; y: SqlValue }[] {
  return Array.from({ length: n }, () => ({
    x: pool[Math.floor(r() * pool.length)]!,
    y: SEPARATORS[Math.floor(r() * SEPARATORS.length)]!,
  }));
}

describe('aggregates match SQLite', () => {
  it('every aggregate over 300 random groups', () => {
    const r = rng(99);
    db.exec('CREATE TABLE a(g INTEGER, id INTEGER PRIMARY KEY, x, y)');
    const ins = db.prepare('INSERT INTO a(g, x, y) VALUES (?, ?, ?)');
    const groups: { x: SqlValue; y: SqlValue }[][] = [];
    for (let g = 0; g < 300; g++) {
      // Mostly-numeric groups exercise the exact/compensated sum paths.
      const pool = g % 3 === 0 ? POOL : POOL.filter((v) => typeof v === 'bigint' || typeof v === 'number' || v === null);
      const rows = makeRows(r, Math.floor(r() * 9), pool);
      groups.push(rows);
      for (const row of rows) ins.run(g, row.x, row.y);
    }
    const bad: string[] = [];
    for (const call of CALLS) {
      const stmt = db.prepare(`SELECT ${call.sql} FROM (SELECT * FROM a WHERE g = ? ORDER BY id)`).pluck();
      groups.forEach((rows, g) => {
        const want = run(() => {
          const v = stmt.get(g) as SqlValue;
          return v instanceof Uint8Array ? new Uint8Array(v) : v;
        });
        const got = run(() => {
          const acc = getAggregateFunction(call.name)!.create(call.collation);
          for (const row of rows) acc.step(call.args.map((c) => row[c]));
          return acc.result();
        });
        if (!same(got, want)) bad.push(`${call.sql} over [${rows.map((row) => showValue(row.x)).join(', ')}]: got ${show(got)}, sqlite ${show(want)}`);
      });
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('inverse agrees with sliding window frames', () => {
    const r = rng(5);
    const windowCalls = CALLS.filter((c) => getAggregateFunction(c.name)!.invertible);
    const bad: string[] = [];
    for (let seq = 0; seq < 60; seq++) {
      const pool = seq % 2 === 0 ? POOL : POOL.filter((v) => typeof v !== 'number');
      const rows = makeRows(r, 12, pool);
      const width = 1 + (seq % 4);
      db.exec('DROP TABLE IF EXISTS w; CREATE TABLE w(id INTEGER PRIMARY KEY, x, y)');
      const ins = db.prepare('INSERT INTO w(x, y) VALUES (?, ?)');
      for (const row of rows) ins.run(row.x, row.y);
      for (const call of windowCalls) {
        const want = run(() => {
          const vals = db
            .prepare(`SELECT ${call.sql} OVER (ORDER BY id ROWS BETWEEN ${width - 1} PRECEDING AND CURRENT ROW) FROM w ORDER BY id`)
            .pluck()
            .all() as SqlValue[];
          // SQLite's window group_concat of only empty strings returns a 1-byte "\0" text
          // (groupConcatValue passes length 1 for ""); we return '' as the aggregate does.
          return vals.map((v) => showValue(v === '\0' ? '' : v)).join(' | ');
        });
        const got = run(() => {
          const acc = getAggregateFunction(call.name)!.create();
          const out: SqlValue[] = [];
          rows.forEach((row, k) => {
            // SQLite steps the new row, returns the value, then removes the row leaving the frame.
            acc.step(call.args.map((c) => row[c]));
            out.push(acc.result());
            const leaving = rows[k - width + 1];
            if (leaving !== undefined) acc.inverse!(call.args.map((c) => leaving[c]));
          });
          return out.map(showValue).join(' | ');
        });
        if (!same(got, want)) bad.push(`${call.sql} width ${width} over [${rows.map((row) => showValue(row.x)).join(', ')}]:\n got   ${show(got)}\n sqlite ${show(want)}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('registry', () => {
    expect(aggregateFunctionNames()).toEqual(['avg', 'count', 'group_concat', 'json_group_array', 'json_group_object', 'jsonb_group_array', 'jsonb_group_object', 'max', 'min', 'string_agg', 'sum', 'total']);
    expect(getAggregateFunction('SUM')!.name).toBe('sum');
    const sum = getAggregateFunction('sum')!.create();
    sum.step([2n ** 63n - 1n]);
    sum.step([1n]);
    expect(() => sum.result()).toThrow('sql: integer overflow');
    const total = getAggregateFunction('total')!.create();
    expect(total.result()).toBe(0);
  });
});
