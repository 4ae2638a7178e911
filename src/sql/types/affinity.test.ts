// Differential test of type affinity: the affinity of declared types, the value a typed
// column stores, and comparison affinity for every combination of column affinities and
// affinity-less expressions (datatype3.html §3-4).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { affinityOfDeclaredType, applyAffinity, applyComparisonAffinity, comparisonAffinity, type Affinity } from './affinity.js';
import { compareOp, type CompareOperator } from './compare.js';
import { SAMPLE_VALUES, sameValue, showValue } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

/** Columns of table v: name, declared type, affinity. */
const COLUMNS: readonly [string, string, Affinity][] = [
  ['ci', 'INTEGER', 'INTEGER'],
  ['cr', 'REAL', 'REAL'],
  ['cn', 'NUMERIC', 'NUMERIC'],
  ['ct', 'TEXT', 'TEXT'],
  ['cb', 'BLOB', 'BLOB'],
  ['cx', '', 'BLOB'],
];

db.exec(`CREATE TABLE v(id INTEGER PRIMARY KEY, ${COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`);
const insert = db.prepare(`INSERT INTO v VALUES (?, ${COLUMNS.map(() => '?').join(', ')})`);
SAMPLE_VALUES.forEach((value, i) => insert.run(i, ...COLUMNS.map(() => value)));

describe('affinity', () => {
  it('affinityOfDeclaredType follows the five rules', () => {
    const cases: [string | undefined, Affinity][] = [
      ['INT', 'INTEGER'], ['integer', 'INTEGER'], ['TINYINT', 'INTEGER'], ['UNSIGNED BIG INT', 'INTEGER'], ['POINT', 'INTEGER'],
      ['CHARINT', 'INTEGER'], ['VARCHAR(255)', 'TEXT'], ['NCHAR(55)', 'TEXT'], ['CLOB', 'TEXT'], ['text', 'TEXT'],
      ['BLOB', 'BLOB'], [undefined, 'BLOB'], ['', 'BLOB'], ['REAL', 'REAL'], ['DOUBLE PRECISION', 'REAL'], ['FLOAT', 'REAL'],
      ['NUMERIC', 'NUMERIC'], ['DECIMAL(10,5)', 'NUMERIC'], ['BOOLEAN', 'NUMERIC'], ['DATETIME', 'NUMERIC'], ['STRING', 'NUMERIC'],
      ['CHARBLOB', 'TEXT'], ['FLOATBLOB', 'BLOB'], ['BLOBREAL', 'BLOB'],
    ];
    for (const [type, want] of cases) expect([type, affinityOfDeclaredType(type)]).toEqual([type, want]);
    // CAST uses the same rules; SQLite's answer distinguishes all five affinities.
    for (const [type, want] of cases) {
      if (!type) continue;
      const got = db.prepare(`SELECT typeof(CAST('1.5' AS ${type})) || ',' || typeof(CAST('2' AS ${type}))`).pluck().get();
      const expected = { INTEGER: 'integer,integer', REAL: 'real,real', NUMERIC: 'real,integer', TEXT: 'text,text', BLOB: 'blob,blob' }[want];
      expect([type, got]).toEqual([type, expected]);
    }
  });

  it('applyAffinity gives the value a typed column stores', () => {
    const read = db.prepare(`SELECT ${COLUMNS.map(([c]) => c).join(', ')} FROM v WHERE id = ?`).raw();
    const bad: string[] = [];
    SAMPLE_VALUES.forEach((value, i) => {
      const stored = read.get(i) as SqlValue[];
      COLUMNS.forEach(([c, , aff], k) => {
        let want = stored[k]!;
        if (want instanceof Uint8Array) want = new Uint8Array(want);
        const got = applyAffinity(value, aff);
        if (!sameValue(got, want)) bad.push(`${c} <- ${showValue(value)}: got ${showValue(got)}, sqlite ${showValue(want)}`);
      });
    });
    expect(bad).toEqual([]);
  });

  it('comparisons apply affinity for every column / expression combination', () => {
    const ops: CompareOperator[] = ['<', '='];
    // Operands: each column (with its affinity), or a bound parameter (no affinity).
    type Operand = { sql: (side: 'L' | 'R') => string; aff: Affinity | undefined };
    const operands: Operand[] = [
      ...COLUMNS.map(([c, , aff]) => ({ sql: (side: 'L' | 'R') => `${side}.${c}`, aff })),
      { sql: () => '?', aff: undefined },
    ];
    const exprs: { sql: string; params: number; l: Operand; r: Operand; op: CompareOperator }[] = [];
    for (const l of operands) {
      for (const r of operands) {
        for (const op of ops) {
          const params = (l.aff === undefined ? 1 : 0) + (r.aff === undefined ? 1 : 0);
          exprs.push({ sql: `${l.sql('L')} ${op} ${r.sql('R')}`, params, l, r, op });
        }
      }
    }
    const stmt = db.prepare(`SELECT ${exprs.map((e) => e.sql).join(', ')} FROM v L, v R WHERE L.id = ? AND R.id = ?`).raw();
    const bad: string[] = [];
    let checked = 0;
    SAMPLE_VALUES.forEach((a, i) => {
      SAMPLE_VALUES.forEach((b, j) => {
        const params: SqlValue[] = [];
        for (const e of exprs) {
          if (e.l.aff === undefined) params.push(a);
          if (e.r.aff === undefined) params.push(b);
        }
        const row = stmt.get(...params, i, j) as SqlValue[];
        exprs.forEach((e, k) => {
          // A column operand holds the stored value; a parameter the raw one.
          const left = e.l.aff === undefined ? a : applyAffinity(a, e.l.aff);
          const right = e.r.aff === undefined ? b : applyAffinity(b, e.r.aff);
          const aff = comparisonAffinity(e.l.aff, e.r.aff);
          const got = compareOp(e.op, applyComparisonAffinity(left, aff), applyComparisonAffinity(right, aff));
          checked++;
          if (!sameValue(got, row[k]!)) {
            bad.push(`${e.sql} with L=${showValue(a)} R=${showValue(b)}: got ${showValue(got)}, sqlite ${showValue(row[k]!)}`);
          }
        });
      });
    });
    expect(checked).toBeGreaterThan(100000);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
