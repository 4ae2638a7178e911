// CREATE INDEX over existing rows, against SQLite (found by test/sql-stale-schema-model.test.ts):
// a UNIQUE index over duplicate values must fail with the constraint and leave no index (the
// backfill's check used to stop at the row's own key, so the index was created over the
// duplicates), and IF NOT EXISTS does not excuse a missing table (SQLite looks the table up first).
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const CASES: { name: string; setup: string[]; sql: string }[] = [
  { name: 'rowid table', setup: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER)', 'INSERT INTO t VALUES (11, 0), (3, 0), (5, 1)'], sql: 'CREATE UNIQUE INDEX i ON t(a)' },
  { name: 'table without an INTEGER PRIMARY KEY', setup: ['CREATE TABLE t(a INTEGER, b TEXT)', "INSERT INTO t VALUES (1, 'x'), (2, 'y'), (1, 'z')"], sql: 'CREATE UNIQUE INDEX i ON t(a)' },
  { name: 'WITHOUT ROWID table', setup: ["CREATE TABLE t(k TEXT PRIMARY KEY, a INTEGER) WITHOUT ROWID", "INSERT INTO t VALUES ('p', 7), ('q', 7)"], sql: 'CREATE UNIQUE INDEX i ON t(a)' },
  { name: 'two columns', setup: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b INTEGER)', 'INSERT INTO t VALUES (1, 1, 1), (2, 1, 2), (3, 1, 1)'], sql: 'CREATE UNIQUE INDEX i ON t(a, b)' },
  { name: 'added column', setup: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER)', 'INSERT INTO t VALUES (1, 1)', 'ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 8', 'INSERT INTO t(id, a) VALUES (2, 2)'], sql: 'CREATE UNIQUE INDEX i ON t(c)' },
  { name: 'NULLs are distinct', setup: ['CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER)', 'INSERT INTO t VALUES (1, NULL), (2, NULL)'], sql: 'CREATE UNIQUE INDEX i ON t(a)' },
  { name: 'IF NOT EXISTS on a missing table', setup: ['CREATE TABLE u(a INTEGER)', 'CREATE INDEX i ON u(a)'], sql: 'CREATE INDEX IF NOT EXISTS i ON t(a)' },
];

/** The error class of a statement, or 'ok'. */
function liteOutcome(lite: Sqlite.Database, sql: string): string {
  try {
    lite.exec(sql);
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    return /UNIQUE constraint failed/.test(m) ? 'unique' : /no such table/.test(m) ? 'no such table' : m;
  }
}

describe('CREATE INDEX over existing rows agrees with SQLite', () => {
  it.each(CASES)('$name', async ({ setup, sql }) => {
    const lite = new Sqlite(':memory:');
    for (const s of setup) lite.exec(s);
    const want = liteOutcome(lite, sql);
    const db = DB('create-index', { storage: 'memory' });
    for (const s of setup) await db.exec(s);
    let got = 'ok';
    try {
      await db.exec(sql);
    } catch (e) {
      const m = (e as Error).message;
      got = /UNIQUE constraint failed/.test(m) ? 'unique' : /no such table/.test(m) ? 'no such table' : m;
    }
    expect(got).toBe(want);
    // A failed CREATE leaves no index: both have index i, or neither has.
    const liteHas = lite.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'i'").get() !== undefined;
    const dosqlHas = await db.exec('DROP INDEX i').then(
      () => true,
      () => false,
    );
    expect(dosqlHas).toBe(liteHas);
    lite.close();
    await db.close();
  });
});
