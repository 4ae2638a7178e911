// dosql against SQLite on random schemas, data, queries and data changes
// (test/support/sql-gen): 20 seeds x 150 statements. Each mismatch prints a runnable script
// (minimised setup, the statement, both engines' answers); rerun one with
// `npm run fuzz:sql -- --seed S --queries 150 --per-schema 150`.
import { describe, expect, it } from 'vitest';
import { loadDosql } from '../scripts/slt/dosql-adapter.js';
import { formatMismatch, runDifferential } from './support/sql-gen/differential.js';

/**
 * Seeds 1-22 but 2 and 9, which build queries that meet SQLite defects, not dosql ones: seed 2
 * a GROUP BY column compared with an INTEGER column inside a correlated subquery (SQLite
 * applies that affinity in place and outputs the text '-3' as the integer -3; pinned by 'SQLite
 * applies comparison affinity to a grouped column in place' below), seed 9 a LIKE on an
 * INTEGER PRIMARY KEY in a subquery on the right of a LEFT JOIN (SQLite's LIKE optimisation
 * drops the row: test/sql-left-join-on.test.ts pins it). They can come back once SQLite fixes them.
 */
const SEEDS = Array.from({ length: 22 }, (_, i) => i + 1).filter((s) => s !== 2 && s !== 9);
const STATEMENTS = 150;

describe('dosql agrees with SQLite on random SQL', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    // Fails (does not skip) with a message naming what is missing while the SQL API is incomplete.
    await loadDosql();
    const report = await runDifferential({
      seed,
      queries: STATEMENTS,
      statementsPerSchema: STATEMENTS,
      engineA: 'sqlite',
      engineB: 'dosql',
      maxMismatches: 1,
      minimiseBudget: 60,
      timeoutMs: 20_000,
    });
    expect(report.mismatches.map(formatMismatch)).toEqual([]);
    expect(report.queries + report.changes).toBe(STATEMENTS);
  });
});

describe('oracle defects the seeds avoid', () => {
  it('SQLite applies comparison affinity to a grouped column in place (dosql keeps the stored text)', async () => {
    const { default: Sqlite } = await import('better-sqlite3');
    const { DB } = await import('../src/index.js');
    const setup = "CREATE TABLE t1(a INTEGER, d CLOB, PRIMARY KEY(a, d)) WITHOUT ROWID; INSERT INTO t1 VALUES (14, '10')";
    const sql = 'SELECT (SELECT count(*) FROM t1 AS q2 WHERE q2.a IS q1.d), q1.d, typeof(q1.d) FROM t1 AS q1';
    const lite = new Sqlite(':memory:');
    lite.exec(setup);
    expect(lite.prepare(sql).raw().all()).toEqual([[0, '10', 'text']]);
    expect(lite.prepare(`${sql} GROUP BY q1.d`).raw().all()).toEqual([[0, 10, 'integer']]);
    lite.close();
    const db = DB('oracle-defect', { storage: 'memory' });
    await db.exec(setup);
    expect(await db.prepare(`${sql} GROUP BY q1.d`).raw().all()).toEqual([[0, '10', 'text']]);
    await db.close();
  });
});
