// Differential test: every arithmetic, bitwise and concatenation operator on every pair of
// sample values, against SQLite (better-sqlite3 with 64-bit integers as bigint).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { add, bitAnd, bitNot, bitOr, concat, divide, multiply, negate, remainder, shiftLeft, shiftRight, subtract } from './arith.js';
import { SAMPLE_VALUES, sameValue, showValue } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

function sqlite(sql: string, params: readonly SqlValue[]): SqlValue | Error {
  try {
    const v = db.prepare(sql).pluck().get(...params) as SqlValue;
    return v instanceof Uint8Array ? new Uint8Array(v) : v;
  } catch (e) {
    return e as Error;
  }
}

function ours(fn: () => SqlValue): SqlValue | Error {
  try {
    return fn();
  } catch (e) {
    return e as Error;
  }
}

function same(a: SqlValue | Error, b: SqlValue | Error): boolean {
  if (a instanceof Error || b instanceof Error) {
    return a instanceof Error && b instanceof Error && a.message === `sql: ${b.message}`;
  }
  return sameValue(a, b);
}

const show = (v: SqlValue | Error): string => (v instanceof Error ? `error(${v.message})` : showValue(v));

const BINARY: readonly [string, (a: SqlValue, b: SqlValue) => SqlValue][] = [
  ['+', add],
  ['-', subtract],
  ['*', multiply],
  ['/', divide],
  ['%', remainder],
  ['&', bitAnd],
  ['|', bitOr],
  ['<<', shiftLeft],
  ['>>', shiftRight],
  ['||', concat],
];

describe('arith operators match SQLite', () => {
  for (const [op, fn] of BINARY) {
    it(`a ${op} b over all sample pairs`, () => {
      const stmt = db.prepare(`SELECT ? ${op} ?`).pluck();
      const bad: string[] = [];
      for (const a of SAMPLE_VALUES) {
        for (const b of SAMPLE_VALUES) {
          let want: SqlValue | Error;
          try {
            const v = stmt.get(a, b) as SqlValue;
            want = v instanceof Uint8Array ? new Uint8Array(v) : v;
          } catch (e) {
            want = e as Error;
          }
          const got = ours(() => fn(a, b));
          if (!same(got, want)) bad.push(`${showValue(a)} ${op} ${showValue(b)}: got ${show(got)}, sqlite ${show(want)}`);
        }
      }
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }

  it('unary -, ~ and + over all samples', () => {
    const bad: string[] = [];
    for (const a of SAMPLE_VALUES) {
      // SQLite folds "-literal" at parse time, so use a parameter to get the run-time operator.
      const cases: [string, SqlValue | Error, SqlValue | Error][] = [
        ['-', ours(() => negate(a)), sqlite('SELECT -(?)', [a])],
        ['~', ours(() => bitNot(a)), sqlite('SELECT ~(?)', [a])],
        ['+', a, sqlite('SELECT +(?)', [a])],
      ];
      for (const [op, got, want] of cases) if (!same(got, want)) bad.push(`${op}${showValue(a)}: got ${show(got)}, sqlite ${show(want)}`);
    }
    expect(bad).toEqual([]);
  });

  it('integer overflow falls back to REAL and division corner cases', () => {
    const max = 2n ** 63n - 1n;
    const min = -(2n ** 63n);
    expect(add(max, 1n)).toBe(9223372036854775808);
    expect(subtract(min, 1n)).toBe(-9223372036854775808);
    expect(multiply(2n ** 32n, 2n ** 32n)).toBe(2 ** 64);
    expect(divide(min, -1n)).toBe(9223372036854775808);
    expect(divide(-7n, 2n)).toBe(-3n);
    expect(remainder(-7n, 2n)).toBe(-1n);
    expect(remainder(min, -1n)).toBe(0n);
    expect(divide(1n, 0n)).toBeNull();
    expect(divide(1.5, 0)).toBeNull();
    expect(remainder(5.5, 2n)).toBe(1);
    expect(negate(min)).toBe(9223372036854775808);
    expect(Object.is(negate(0), 0)).toBe(true);
    expect(subtract(Infinity, Infinity)).toBeNull();
    expect(shiftLeft(1n, 64n)).toBe(0n);
    expect(shiftRight(-1n, 64n)).toBe(-1n);
    expect(shiftRight(-8n, -1n)).toBe(-16n);
    expect(shiftLeft(1n, 63n)).toBe(min);
    expect(concat('a', 1.0)).toBe('a1.0');
    expect(concat(null, 'a')).toBeNull();
  });
});
