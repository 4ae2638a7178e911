// Differential test of the sort order, the collations and the comparison operators.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isDoSQLError } from '../../errors.js';
import { compareOp, compareValues, getCollation, type Collation, type CompareOperator } from './compare.js';
import { SAMPLE_TEXTS, SAMPLE_VALUES, sameValue, showValue } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

const STRINGS = [
  ...SAMPLE_TEXTS, 'abc ', 'abc  ', 'ABC ', 'abc\t', 'ab', 'Ab', 'aB', '_', '@', '[', '`', '{', 'Z', 'z', 'zz', 'ß', 'SS',
  'É', 'é', '\uffff', '\ue000', '😀', '\ud83d\ude01', 'a\u0000b', 'a\u0000', 'abc\u00a0',
];
const COLLATIONS: readonly Collation[] = ['BINARY', 'NOCASE', 'RTRIM'];

function sortedBySqlite(values: readonly SqlValue[], collation: Collation): SqlValue[] {
  db.exec('DROP TABLE IF EXISTS s; CREATE TABLE s(id INTEGER PRIMARY KEY, x)');
  const ins = db.prepare('INSERT INTO s VALUES (?, ?)');
  values.forEach((v, i) => ins.run(i, v));
  // Ties (equal under the collation) are broken by id so both sides are deterministic.
  const ids = db.prepare(`SELECT id FROM s ORDER BY x COLLATE ${collation}, id`).pluck().all() as bigint[];
  return ids.map((id) => values[Number(id)]!);
}

describe('compareValues', () => {
  it('sorts every sample value as ORDER BY does', () => {
    const values = [...SAMPLE_VALUES];
    const want = sortedBySqlite(values, 'BINARY');
    const got = values.map((v, i) => [v, i] as const).sort((a, b) => compareValues(a[0], b[0]) || a[1] - b[1]).map((p) => p[0]);
    expect(got.map(showValue)).toEqual(want.map(showValue));
  });

  for (const collation of COLLATIONS) {
    it(`orders text under ${collation}`, () => {
      const want = sortedBySqlite(STRINGS, collation);
      const got = STRINGS.map((v, i) => [v, i] as const)
        .sort((a, b) => compareValues(a[0], b[0], collation) || a[1] - b[1])
        .map((p) => p[0]);
      expect(got).toEqual(want);
    });
  }

  it('compareOp matches SQLite operators (no affinity) under each collation', () => {
    const ops: CompareOperator[] = ['=', '!=', '<', '<=', '>', '>=', 'IS', 'IS NOT'];
    const values: SqlValue[] = [...SAMPLE_VALUES.filter((v) => typeof v !== 'string'), ...STRINGS];
    const bad: string[] = [];
    for (const collation of COLLATIONS) {
      const stmt = db.prepare(`SELECT ${ops.map((op) => `? ${op} ? COLLATE ${collation}`).join(', ')}`).raw();
      for (const a of values) {
        for (const b of values) {
          const row = stmt.get(...ops.flatMap(() => [a, b])) as SqlValue[];
          ops.forEach((op, k) => {
            const got = compareOp(op, a, b, collation);
            if (!sameValue(got, row[k]!)) bad.push(`${showValue(a)} ${op} ${showValue(b)} ${collation}: got ${showValue(got)}, sqlite ${showValue(row[k]!)}`);
          });
        }
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('compares integers and reals exactly beyond 2^53', () => {
    expect(compareValues(2n ** 53n + 1n, 2 ** 53)).toBe(1);
    expect(compareValues(2 ** 53, 2n ** 53n + 1n)).toBe(-1);
    expect(compareValues(2n ** 63n - 1n, 2 ** 63)).toBe(-1);
    expect(compareValues(-(2n ** 63n), -(2 ** 63))).toBe(0);
    expect(compareValues(1n, 1.0)).toBe(0);
    expect(compareValues(-0, 0n)).toBe(0);
  });

  it('getCollation resolves names case-insensitively and rejects others', () => {
    expect(getCollation('nocase')).toBe('NOCASE');
    expect(getCollation('Binary')).toBe('BINARY');
    let err: unknown;
    try {
      getCollation('klingon');
    } catch (e) {
      err = e;
    }
    expect(isDoSQLError(err, 'SQL_ERROR')).toBe(true);
    expect((err as Error).message).toBe('sql: no such collation sequence: klingon');
  });
});
