// The planner's use of indexes on expressions and partial indexes, against SQLite
// (better-sqlite3 is the oracle): every query's rows equal SQLite's, and EXPLAIN QUERY PLAN
// names the same index (or the same full scan) SQLite's does. SQLite's rules: an indexed
// expression serves a term comparing that very expression (expridx.html §2); a partial index
// serves a query only when the query's terms imply its WHERE by SQLite's conservative test
// (partialindex.html §3): an identical term, one side of an OR, or `z IS NOT NULL` implied by
// a comparison on z.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import type { SqlValue } from '../src/sql/types/value.js';
import { diffResults, showRows } from './support/sql-gen/result-compare.js';

const SETUP = [
  'CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, a INT, b, c TEXT COLLATE NOCASE, active INT)',
  'CREATE TABLE u(id INTEGER PRIMARY KEY, k)',
  'CREATE INDEX t_lower ON t(lower(name))',
  'CREATE INDEX t_sum ON t(a + b)',
  'CREATE INDEX t_active ON t(a) WHERE active = 1',
  'CREATE INDEX t_b_nn ON t(b) WHERE b IS NOT NULL',
  'CREATE INDEX t_c_or ON t(c) WHERE a > 10 OR active = 1',
  'CREATE INDEX t_len ON t(length(c), abs(a))',
  'CREATE INDEX t_lc ON t(lower(c))',
];

const NAMES = ['Ann', 'ann', 'ANN', 'bob', 'Bob', 'carl', null, '', 'dora', '5'];
function rows(): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 120; i++) {
    const name = NAMES[i % NAMES.length];
    const a = i % 7 === 0 ? 'NULL' : String((i * 13) % 23);
    const b = i % 5 === 0 ? 'NULL' : i % 4 === 0 ? `'${i % 9}'` : i % 3 === 0 ? String((i % 9) + 0.5) : String(i % 9);
    const c = ['x', 'X', 'yy', 'YY', 'zzz', null][i % 6];
    out.push(`(${i}, ${name === null ? 'NULL' : `'${name}'`}, ${a}, ${b}, ${c === null ? 'NULL' : `'${c}'`}, ${i % 3 === 0 ? 1 : 0})`);
  }
  return [`INSERT INTO t VALUES ${out.join(', ')}`, "INSERT INTO u VALUES (1, 'ann'), (2, 'BOB'), (3, 'nobody'), (4, NULL)"];
}

/** Queries and the index SQLite's plan uses for `t` (undefined: a full scan). */
const QUERIES: { sql: string; index?: string }[] = [
  // Expressions: the same expression, either side, any qualifier; not a different one.
  { sql: "SELECT * FROM t WHERE lower(name) = 'ann'", index: 't_lower' },
  { sql: "SELECT * FROM t WHERE 'bob' = LOWER(t.name)", index: 't_lower' },
  { sql: "SELECT x.* FROM t AS x WHERE lower(x.name) = '5'", index: 't_lower' },
  { sql: "SELECT * FROM t WHERE upper(name) = 'ANN'" },
  { sql: "SELECT * FROM t WHERE lower(name) = 5" , index: 't_lower' },
  { sql: 'SELECT * FROM t WHERE a + b = 9', index: 't_sum' },
  { sql: "SELECT * FROM t WHERE a + b = '9'", index: 't_sum' },
  { sql: 'SELECT * FROM t WHERE a + coalesce(b, 0) = 9' },
  { sql: 'SELECT * FROM t WHERE a + b = 9.5', index: 't_sum' },
  { sql: 'SELECT * FROM t WHERE length(c) = 2 AND abs(a) = 4', index: 't_len' },
  { sql: 'SELECT * FROM t WHERE length(c) = 3', index: 't_len' },
  { sql: 'SELECT * FROM t WHERE abs(a) = 4' },
  // A function's result has no collation of its own (c is NOCASE; lower(c) compares BINARY).
  { sql: "SELECT * FROM t WHERE lower(c) = 'X'", index: 't_lc' },
  { sql: "SELECT * FROM t WHERE lower(c) = 'yy'", index: 't_lc' },
  { sql: "SELECT id, nullif(c, 'q') = 'X', min(c, 'zzz') = 'YY', max(c, 'Y'), likely(c) = 'x' FROM t" },
  // Partial indexes: implied WHERE only.
  { sql: 'SELECT * FROM t WHERE a = 4 AND active = 1', index: 't_active' },
  { sql: 'SELECT * FROM t WHERE active = 1 AND a = 17', index: 't_active' },
  { sql: 'SELECT * FROM t WHERE a = 4' },
  { sql: 'SELECT * FROM t WHERE a = 4 AND active = 0' },
  { sql: 'SELECT * FROM t WHERE a = 4 AND active >= 1' },
  { sql: 'SELECT * FROM t WHERE b = 3', index: 't_b_nn' },
  { sql: "SELECT * FROM t WHERE b = '4'", index: 't_b_nn' },
  { sql: 'SELECT * FROM t WHERE 2 = b', index: 't_b_nn' },
  { sql: 'SELECT * FROM t WHERE b IS 3' },
  { sql: "SELECT * FROM t WHERE c = 'yy' AND a > 10", index: 't_c_or' },
  { sql: "SELECT * FROM t WHERE c = 'X' AND active = 1", index: 't_c_or' },
  { sql: "SELECT * FROM t WHERE c = 'x'" },
  { sql: "SELECT * FROM t WHERE c = 'x' AND a > 11" },
  // In a join, from a bound value.
  { sql: 'SELECT u.id, t.* FROM u CROSS JOIN t ON lower(t.name) = u.k', index: 't_lower' },
  // u.k with TEXT affinity would convert lower(t.name): no index (the probe must not change the indexed side).
  { sql: 'SELECT u.id, t.* FROM u CROSS JOIN t ON lower(t.name) = CAST(u.k AS TEXT)' },
];

describe('expression and partial indexes serve lookups as in SQLite', () => {
  let lite: Database.Database;
  let db: ReturnType<typeof DB>;
  beforeAll(async () => {
    lite = new Database(':memory:');
    lite.defaultSafeIntegers(true);
    db = DB('index-lookups', { storage: 'memory' });
    for (const s of [...SETUP, ...rows()]) {
      lite.exec(s);
      await db.exec(s);
    }
  });
  afterAll(async () => {
    lite.close();
    await db.close();
  });

  for (const q of QUERIES) {
    it(`${q.sql}: SQLite's rows and plan`, async () => {
      const want = lite.prepare(q.sql).raw(true).all() as SqlValue[][];
      const got = (await db.prepare(q.sql).raw(true).safeIntegers(true).all()) as SqlValue[][];
      const d = diffResults(want, got, false);
      expect(d, `${d}\nsqlite:\n${showRows(want)}\ndosql:\n${showRows(got)}`).toBeUndefined();
      const litePlan = (lite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all() as { detail: string }[]).map((r) => r.detail);
      const plan = (await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${q.sql}`)).map((r) => r.detail);
      // dosql labels an aliased table "t AS x" where SQLite says "x", and marks its hash joins.
      const onT = (lines: string[]): string | undefined =>
        lines
          .find((l) => /^(SEARCH|SCAN) (t|x)\b/.test(l))
          ?.replace(/^(SEARCH|SCAN) t AS x\b/, '$1 x')
          .replace(/ \(HASH JOIN\)$/, '');
      // The oracle's plan is the expectation; the table above says what it is, as a check on the case.
      expect(onT(litePlan)).toContain(q.index ? `USING INDEX ${q.index} (` : 'SCAN');
      expect(onT(plan)).toBe(onT(litePlan));
    });
  }
});
