// Differential test of the storage-class conversions: text rendering, CAST to every affinity
// (via assorted declared type names), the INTEGER/REAL views and truthiness.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { castTo } from './cast.js';
import { toBoolean, toInt64, toReal, toText } from './convert.js';
import { SAMPLE_VALUES, sameValue, showValue } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

function get(sql: string, ...params: SqlValue[]): SqlValue {
  const v = db.prepare(sql).pluck().get(...params) as SqlValue;
  return v instanceof Uint8Array ? new Uint8Array(v) : v;
}

const TYPE_NAMES = [
  'INTEGER', 'INT', 'BIGINT', 'UNSIGNED BIG INT', 'POINT', 'TEXT', 'VARCHAR(10)', 'NCHAR(5)', 'CLOB', 'BLOB',
  'REAL', 'DOUBLE PRECISION', 'FLOAT', 'FLOATING POINT', 'NUMERIC', 'DECIMAL(10,5)', 'BOOLEAN', 'DATE', 'STRING',
  'CHARINT', 'BLOBBY', 'int8', 'Text',
];

describe('conversions match SQLite', () => {
  it('CAST(x AS T) for every sample and type name', () => {
    const bad: string[] = [];
    for (const type of TYPE_NAMES) {
      const stmt = db.prepare(`SELECT CAST(? AS ${type})`).pluck();
      for (const v of SAMPLE_VALUES) {
        let want = stmt.get(v) as SqlValue;
        if (want instanceof Uint8Array) want = new Uint8Array(want);
        const got = castTo(v, type);
        if (!sameValue(got, want)) bad.push(`CAST(${showValue(v)} AS ${type}): got ${showValue(got)}, sqlite ${showValue(want)}`);
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('toText, toInt64, toReal and toBoolean for every sample', () => {
    const bad: string[] = [];
    for (const v of SAMPLE_VALUES) {
      // The views a function sees: sqlite3_value_text / _int64 / _double, and CASE truthiness.
      const checks: [string, SqlValue, SqlValue][] = [
        ['text', toText(v), get('SELECT CAST(? AS TEXT)', v) ?? null],
        ['int64', v === null ? null : toInt64(v), get('SELECT CAST(? AS INTEGER)', v)],
        ['real', v === null ? null : toReal(v), get('SELECT CAST(? AS REAL)', v)],
        ['bool', ((b) => (b === null ? null : b ? 1n : 0n))(toBoolean(v)), get('SELECT CASE WHEN ? THEN 1 WHEN NOT ? THEN 0 END', v, v)],
      ];
      for (const [what, got, want] of checks) {
        if (!sameValue(got, want)) bad.push(`${what}(${showValue(v)}): got ${showValue(got)}, sqlite ${showValue(want)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('documented examples', () => {
    expect(castTo('12abc', 'INTEGER')).toBe(12n);
    expect(castTo(' 12 ', 'NUMERIC')).toBe(12n);
    expect(castTo('1e3', 'NUMERIC')).toBe(1000n);
    expect(castTo('0x10', 'NUMERIC')).toBe(0n);
    expect(castTo(1e20, 'INTEGER')).toBe(2n ** 63n - 1n);
    expect(castTo(-2.9, 'INTEGER')).toBe(-2n);
    expect(castTo(12n, 'BLOB')).toEqual(new Uint8Array([0x31, 0x32]));
    expect(castTo(null, 'TEXT')).toBeNull();
    expect(toBoolean('1abc')).toBe(true);
    expect(toBoolean('abc')).toBe(false);
    expect(toBoolean(null)).toBeNull();
  });
});
