// Result-column names of column references, against better-sqlite3: SQLite names a reference by
// the declared column, and `rowid`, `oid` and `_rowid_` after a table's INTEGER PRIMARY KEY
// (`rowid` where there is none) — the names drivers key row objects by.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dosql-rowid-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCHEMA = [
  'CREATE TABLE t(id INTEGER PRIMARY KEY, x)',
  'CREATE TABLE u(a, b)',
  'CREATE TABLE w(k INTEGER PRIMARY KEY, rowid TEXT)',
  'CREATE TABLE v(Key INTEGER PRIMARY KEY DESC, y)',
  "INSERT INTO t VALUES (1, 'a')",
  'INSERT INTO u VALUES (1, 2)',
  "INSERT INTO w VALUES (5, 'r')",
  'INSERT INTO v VALUES (7, 8)',
  'CREATE VIRTUAL TABLE f USING fts5(body)',
  "INSERT INTO f(rowid, body) VALUES (3, 'x y')",
];

const names = ['rowid', 'ROWID', 'oid', '_rowid_', 'OiD'];
const queries: string[] = [];
for (const n of names) {
  for (const tbl of ['t', 'u', 'w', 'v', 'f']) {
    queries.push(`SELECT ${n} FROM ${tbl}`, `SELECT ${tbl}.${n}, * FROM ${tbl}`, `SELECT ${n} AS r FROM ${tbl}`, `SELECT z.${n} FROM ${tbl} AS z`, `SELECT ${n} + 0 FROM ${tbl}`);
  }
  queries.push(`SELECT t.${n}, u.${n} FROM t, u`, `SELECT ${n} FROM t WHERE ${n} IN (SELECT ${n} FROM u)`);
}
// Any column reference is named by the declared column, not the query's spelling.
queries.push('SELECT X FROM t', 'SELECT t.X, ID FROM t', 'SELECT A, B FROM u', 'SELECT X FROM (SELECT x FROM t)', 'SELECT K, ROWID FROM w', 'SELECT (SELECT T.X) FROM t', 'SELECT a FROM u JOIN u AS u2 USING (A)');

describe('column-reference result names', () => {
  it(`${queries.length} queries name their columns as SQLite does`, async () => {
    const lite = new Sqlite(':memory:');
    for (const s of SCHEMA) lite.exec(s);
    const db = DB('names', { path: join(dir, 'db') });
    for (const s of SCHEMA) await db.exec(s);
    const diffs: string[] = [];
    for (const q of queries) {
      const want = lite.prepare(q).columns().map((c) => c.name);
      const got = (await db.execute(q)).columns;
      if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${q}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
    }
    await db.close();
    expect(diffs).toEqual([]);
  });
});
