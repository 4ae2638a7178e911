// Window functions against SQLite (better-sqlite3 is the oracle): every built-in window
// function and aggregate over every frame type, bound and EXCLUDE option, on data with NULLs,
// ties, case variants under NOCASE, INTEGER/REAL/TEXT/BLOB mixes, one-row and empty
// partitions; then the WINDOW clause, windows inside expressions and the query's ORDER BY,
// GROUP BY/HAVING underneath and DISTINCT/LIMIT on top, and SQLite's error messages.
// Rows are compared in order: both engines sort each window stably from the table's rowid
// order, so even ties come out the same.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { diffResults, showRows } from './support/sql-gen/result-compare.js';
import type { SqlValue } from '../src/sql/types/value.js';

const SETUP = [
  'CREATE TABLE w(id INTEGER PRIMARY KEY, g TEXT, k INTEGER, x REAL, v, s TEXT COLLATE NOCASE)',
  `INSERT INTO w VALUES
    (1, 'a', 1, 1.5, 10, 'apple'),
    (2, 'a', 2, 2.5, 'ten', 'Apple'),
    (3, 'a', 2, NULL, 2.5, 'banana'),
    (4, 'a', NULL, 4.0, NULL, NULL),
    (5, 'b', 5, 0.5, X'6869', 'cherry'),
    (6, 'b', 5, 0.5, 7, 'CHERRY'),
    (7, 'b', 7, -1.25, -3, 'date'),
    (8, 'b', NULL, NULL, 'x', 'date'),
    (9, 'b', 10, 12.0, 1.0e3, 'elder'),
    (10, 'c', 3, 3.0, 3, 'fig'),
    (11, NULL, 4, 4.5, NULL, 'grape'),
    (12, NULL, 4, 4.5, 'A', 'Grape'),
    (13, 'd', 0, 0.0, 0, ''),
    (14, 'a', 9, 9.75, 9, 'kiwi'),
    (15, 'b', 3, 7.0, 'y', 'lime'),
    (16, 'a', 1, 1.5, 11, 'mango'),
    (17, 'e', -2, -2.0, X'', 'nut'),
    (18, 'b', 5, 5.5, 5.5, 'olive')`,
  'CREATE TABLE emp(id INTEGER PRIMARY KEY, dept TEXT, name TEXT, salary INTEGER, hired TEXT)',
  `INSERT INTO emp VALUES (1, 'eng', 'ann', 120, '2020-01-05'), (2, 'eng', 'bob', 100, '2021-03-01'),
    (3, 'eng', 'cy', 100, '2019-07-15'), (4, 'ops', 'di', 90, '2022-02-02'), (5, 'ops', 'ed', 95, '2018-11-30'),
    (6, 'sales', 'flo', 70, '2023-05-05'), (7, 'sales', 'gus', 85, '2020-09-09'), (8, 'sales', 'hal', 85, '2021-01-01')`,
  'CREATE TABLE empty(a INTEGER, b TEXT)',
];

/** Functions over window `W` (replaced by each window below). */
const FUNCTIONS = [
  'row_number() OVER W',
  'rank() OVER W',
  'dense_rank() OVER W',
  'percent_rank() OVER W',
  'cume_dist() OVER W',
  'ntile(3) OVER W',
  'ntile(1) OVER W',
  'ntile(100) OVER W',
  'ntile(k + 3) OVER W',
  'lag(v) OVER W',
  'lag(v, 2) OVER W',
  "lag(s, 2, 'none') OVER W",
  'lag(x, 0) OVER W',
  'lead(x, 1, -1) OVER W',
  'lead(v, 3) OVER W',
  'lead(id, k) OVER W',
  "lag(id, '1') OVER W",
  'lead(id, 1.0, s) OVER W',
  'first_value(v) OVER W',
  'last_value(s) OVER W',
  'nth_value(v, 2) OVER W',
  'nth_value(x, 3) OVER W',
  "nth_value(id, '1') OVER W",
  'count(*) OVER W',
  'count(v) OVER W',
  'sum(k) OVER W',
  'sum(x) OVER W',
  'total(k) OVER W',
  'avg(x) OVER W',
  'avg(k) OVER W',
  'min(v) OVER W',
  'max(v) OVER W',
  'min(s) OVER W',
  'max(s) OVER W',
  'max(x) OVER W',
  'group_concat(v) OVER W',
  "group_concat(s, '|') OVER W",
  "string_agg(k, ';') OVER W",
  'sum(k) FILTER (WHERE k > 2) OVER W',
  'count(*) FILTER (WHERE v IS NOT NULL) OVER W',
  "group_concat(id) FILTER (WHERE s < 'd') OVER W",
  'min(x) FILTER (WHERE id % 2 = 0) OVER W',
];

/** Windows: no ordering, partitions, orderings with ties and NULLs, and frames of every kind. */
const WINDOWS = [
  '()',
  '(PARTITION BY g)',
  '(ORDER BY k)',
  '(ORDER BY k DESC)',
  '(ORDER BY k NULLS LAST)',
  '(ORDER BY k DESC NULLS FIRST)',
  '(PARTITION BY g ORDER BY k)',
  '(PARTITION BY g ORDER BY k, id)',
  '(PARTITION BY g ORDER BY x DESC, id)',
  '(ORDER BY s)',
  '(ORDER BY s COLLATE BINARY, id)',
  '(PARTITION BY s ORDER BY id)',
  '(ORDER BY v)',
  '(PARTITION BY k % 2 ORDER BY v DESC)',
  // Numeric PARTITION BY keys (REAL and INTEGER, NULLs, ties across groups): the bucketed sort.
  '(PARTITION BY x ORDER BY k, id)',
  '(PARTITION BY k, g ORDER BY x DESC)',
  '(PARTITION BY x * 0 + k ORDER BY v)',
  '(ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY id ROWS 2 PRECEDING)',
  '(ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING)',
  '(ORDER BY id ROWS BETWEEN 1 PRECEDING AND 3 PRECEDING)',
  '(ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 1 FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING)',
  '(PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)',
  '(ORDER BY id ROWS BETWEEN 0 PRECEDING AND 0 FOLLOWING)',
  '(ORDER BY k GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k GROUPS 2 PRECEDING)',
  '(ORDER BY k GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING)',
  '(ORDER BY k GROUPS BETWEEN 2 PRECEDING AND 1 PRECEDING)',
  '(ORDER BY k GROUPS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)',
  '(PARTITION BY g ORDER BY k DESC GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING)',
  '(GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k RANGE 3 PRECEDING)',
  '(ORDER BY k DESC RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k NULLS LAST RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k DESC NULLS FIRST RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING)',
  '(ORDER BY k RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN 3 FOLLOWING AND 1 FOLLOWING)',
  '(ORDER BY k RANGE BETWEEN 0 PRECEDING AND 0 FOLLOWING)',
  '(ORDER BY x RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING)',
  "(ORDER BY x DESC RANGE BETWEEN '2' PRECEDING AND CURRENT ROW)",
  '(ORDER BY v RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING)',
  '(ORDER BY v DESC NULLS FIRST RANGE BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING)',
  '(ORDER BY s RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(PARTITION BY g ORDER BY k RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING)',
  '(ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW)',
  '(ORDER BY k ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP)',
  '(ORDER BY k ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE TIES)',
  '(ORDER BY k ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE NO OTHERS)',
  '(ORDER BY k RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES)',
  '(ORDER BY k GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP)',
  '(ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW)',
  '(PARTITION BY g ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)',
  '(PARTITION BY g RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP)',
];

/** Whole statements: the WINDOW clause, expressions, GROUP BY underneath, DISTINCT/LIMIT on top, subqueries. */
const STATEMENTS = [
  'SELECT id, sum(k) OVER w, count(*) OVER w FROM w WINDOW w AS (PARTITION BY g ORDER BY id) ORDER BY id',
  'SELECT id, sum(k) OVER (w ORDER BY id) FROM w WINDOW w AS (PARTITION BY g) ORDER BY id',
  'SELECT id, sum(k) OVER (w ROWS 1 PRECEDING) FROM w WINDOW w AS (PARTITION BY g ORDER BY id) ORDER BY id',
  'SELECT id, avg(x) OVER w2 FROM w WINDOW w1 AS (PARTITION BY g), w2 AS (w1 ORDER BY x, id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) ORDER BY id',
  'SELECT id, sum(k) OVER W1 FROM w WINDOW w1 AS (ORDER BY id DESC) ORDER BY id',
  'SELECT id, sum(k) OVER w FROM w WINDOW w AS (ORDER BY k), w AS (ORDER BY id) ORDER BY id',
  'SELECT id, sum(k) OVER w1 FROM w WINDOW w1 AS (nosuch ORDER BY id) ORDER BY id',
  'SELECT id, row_number() OVER w * 2, 100 - rank() OVER (ORDER BY k) FROM w WINDOW w AS (ORDER BY id DESC) ORDER BY id',
  'SELECT id, CASE WHEN row_number() OVER (PARTITION BY g ORDER BY id) = 1 THEN s ELSE NULL END FROM w ORDER BY id',
  'SELECT id, coalesce(lag(k) OVER (ORDER BY id), 0) + coalesce(lead(k) OVER (ORDER BY id), 0) FROM w ORDER BY id',
  'SELECT id, s FROM w ORDER BY row_number() OVER (ORDER BY s DESC, id)',
  'SELECT id, rank() OVER (ORDER BY k) AS r FROM w ORDER BY r DESC, id',
  'SELECT g, count(*) AS n, sum(count(*)) OVER (ORDER BY g) FROM w GROUP BY g ORDER BY g',
  'SELECT g, sum(k), rank() OVER (ORDER BY sum(k) DESC) FROM w GROUP BY g ORDER BY g',
  'SELECT g, max(x), lag(max(x)) OVER (ORDER BY g) FROM w GROUP BY g HAVING count(*) > 1 ORDER BY g',
  'SELECT g, count(*) OVER () FROM w GROUP BY g ORDER BY g',
  'SELECT count(*) OVER (), count(*) FROM w',
  'SELECT sum(count(*)) OVER (ORDER BY count(*)), max(k) FROM w',
  'SELECT k % 3 AS m, group_concat(id) OVER (PARTITION BY k % 3 ORDER BY id) FROM w GROUP BY id HAVING k IS NOT NULL ORDER BY id',
  'SELECT DISTINCT g, count(*) OVER (PARTITION BY g) FROM w ORDER BY 1',
  'SELECT DISTINCT dense_rank() OVER (ORDER BY k) FROM w ORDER BY 1',
  'SELECT id, row_number() OVER (ORDER BY id DESC) FROM w ORDER BY id LIMIT 5 OFFSET 3',
  'SELECT g, count(*) OVER (PARTITION BY g) FROM w LIMIT 4',
  'SELECT id, sum(k) OVER (ORDER BY id) FROM w WHERE k > 2 ORDER BY id',
  'SELECT id, row_number() OVER () FROM w',
  'SELECT id, sum(k) OVER (PARTITION BY g) FROM w',
  'SELECT id, rank() OVER (PARTITION BY x ORDER BY k), sum(id) OVER (PARTITION BY k ORDER BY id ROWS UNBOUNDED PRECEDING) FROM w',
  'SELECT id, rank() OVER (ORDER BY k), row_number() OVER (ORDER BY s, id), sum(x) OVER (PARTITION BY g ORDER BY id) FROM w',
  'SELECT a, row_number() OVER (ORDER BY a), sum(a) OVER () FROM empty',
  'SELECT count(*) OVER (), ntile(0) OVER () FROM empty',
  'SELECT sum(a) OVER (ROWS -1 PRECEDING) FROM empty',
  'SELECT row_number() OVER ()',
  'SELECT sum(3) OVER (), lag(1, 1, 9) OVER ()',
  'SELECT id, (SELECT count(*) FROM w AS u WHERE u.k < w.k), row_number() OVER (ORDER BY (SELECT count(*) FROM w AS u WHERE u.k < w.k), id) FROM w ORDER BY id',
  'SELECT id, sum((SELECT max(k) FROM w AS u WHERE u.g = w.g)) OVER (ORDER BY id) FROM w ORDER BY id',
  'SELECT id, (SELECT row_number() OVER (ORDER BY u.id DESC) FROM w AS u WHERE u.id = w.id) FROM w ORDER BY id',
  'SELECT r, count(*) FROM (SELECT ntile(4) OVER (ORDER BY id) AS r FROM w) GROUP BY r ORDER BY r',
  'SELECT id, x FROM (SELECT id, x, rank() OVER (PARTITION BY g ORDER BY x DESC) AS r FROM w) WHERE r = 1 ORDER BY id',
  'WITH c AS (SELECT id, k, sum(k) OVER (ORDER BY id) AS run FROM w) SELECT id, run, run - lag(run, 1, 0) OVER (ORDER BY id) FROM c ORDER BY id',
  'SELECT id, sum(k) OVER (ORDER BY id ROWS ? PRECEDING) FROM w ORDER BY id',
  'SELECT id, sum(k) OVER (ORDER BY k RANGE BETWEEN 1e400 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY id',
  'SELECT id, sum(k) OVER (ORDER BY id ROWS 9223372036854775807 PRECEDING) FROM w ORDER BY id',
  "SELECT id, sum(k) OVER (ORDER BY id ROWS '2' PRECEDING), sum(k) OVER (ORDER BY id ROWS CAST('1' AS INTEGER) PRECEDING) FROM w ORDER BY id",
  'SELECT id, sum(k) OVER (ORDER BY id ROWS true PRECEDING) FROM w ORDER BY id',
  'SELECT id, row_number() OVER (ROWS -1 PRECEDING) FROM w ORDER BY id',
  'SELECT dept, name, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC), sum(salary) OVER (PARTITION BY dept ORDER BY hired ROWS UNBOUNDED PRECEDING) FROM emp ORDER BY dept, name',
  'SELECT name, percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary), ntile(3) OVER (ORDER BY salary DESC, name) FROM emp ORDER BY name',
  'SELECT name, salary - lag(salary) OVER (PARTITION BY dept ORDER BY hired), first_value(name) OVER (PARTITION BY dept ORDER BY salary DESC, name) FROM emp ORDER BY name',
  'SELECT name, avg(salary) OVER (ORDER BY hired ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM emp ORDER BY name',
  'SELECT id, sum(k) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS a, sum(k) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE NO OTHERS) AS b FROM w ORDER BY id',
  'SELECT id, typeof(sum(v) OVER (ORDER BY id ROWS 1 PRECEDING)), typeof(max(v) OVER (ORDER BY id ROWS 1 PRECEDING)), typeof(max(v) OVER (ORDER BY id)) FROM w ORDER BY id',
  "SELECT id, group_concat(s, CASE WHEN id % 2 THEN '-' ELSE '+++' END) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM w ORDER BY id",
];

/** Statements SQLite rejects: the message must be SQLite's. */
const ERRORS = [
  'SELECT id FROM w WHERE row_number() OVER () > 1',
  'SELECT sum(row_number() OVER ()) FROM w',
  'SELECT row_number() OVER (ORDER BY row_number() OVER ()) FROM w',
  'SELECT sum(k) OVER (PARTITION BY rank() OVER ()) FROM w',
  'SELECT g FROM w GROUP BY row_number() OVER ()',
  'SELECT g FROM w GROUP BY g HAVING rank() OVER () > 1',
  'SELECT id, row_number() OVER (ORDER BY id) AS r FROM w WHERE r > 2',
  'SELECT row_number() FROM w',
  'SELECT rank(*) FROM w',
  'SELECT lag(id) FROM w',
  'SELECT sum(k) OVER nosuch FROM w',
  'SELECT sum(k) OVER (nosuch ORDER BY id) FROM w',
  'SELECT id FROM w WINDOW a AS (PARTITION BY g), b AS (nosuch)',
  'SELECT sum(k) OVER (w PARTITION BY id) FROM w WINDOW w AS (PARTITION BY g)',
  'SELECT sum(k) OVER (w ORDER BY id) FROM w WINDOW w AS (ORDER BY k)',
  'SELECT sum(k) OVER (w) FROM w WINDOW w AS (ORDER BY k ROWS 1 PRECEDING)',
  'SELECT row_number(1) OVER () FROM w',
  'SELECT ntile() OVER () FROM w',
  'SELECT nth_value(k) OVER () FROM w',
  'SELECT lag() OVER () FROM w',
  'SELECT lead(k, 1, 2, 3) OVER () FROM w',
  'SELECT count(DISTINCT k) OVER () FROM w',
  'SELECT row_number() FILTER (WHERE k > 1) OVER () FROM w',
  'SELECT first_value(k) FILTER (WHERE k > 1) OVER () FROM w',
  "SELECT group_concat(s ORDER BY id) OVER () FROM w",
  'SELECT nosuch(k) OVER () FROM w',
  'SELECT abs(k) OVER () FROM w',
  'SELECT min(k, x) OVER () FROM w',
  'SELECT sum(k, x) OVER () FROM w',
  'SELECT sum(k) OVER (ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM w',
  'SELECT sum(k) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS 1 FOLLOWING) FROM w',
  'SELECT id FROM w WINDOW x AS (ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING)',
  'SELECT sum(k) OVER (RANGE 1 PRECEDING) FROM w',
  'SELECT sum(k) OVER (ORDER BY k, id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w',
  'SELECT row_number() OVER (ORDER BY k, id RANGE 1 PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS -1 PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS k PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS abs(1) PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS (SELECT 1) PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS 1.5 PRECEDING) FROM w',
  'SELECT sum(k) OVER (ROWS BETWEEN 1 PRECEDING AND NULL FOLLOWING) FROM w',
  'SELECT sum(k) OVER (GROUPS BETWEEN 1 PRECEDING AND -1 FOLLOWING) FROM w',
  "SELECT sum(k) OVER (ORDER BY k RANGE 'x' PRECEDING) FROM w",
  "SELECT sum(k) OVER (ORDER BY k RANGE X'01' PRECEDING) FROM w",
  'SELECT sum(k) OVER (ORDER BY k RANGE BETWEEN 1 PRECEDING AND -0.5 FOLLOWING) FROM w',
  'SELECT ntile(0) OVER () FROM w',
  'SELECT ntile(-1) OVER (ORDER BY id) FROM w',
  "SELECT ntile('x') OVER () FROM w",
  'SELECT nth_value(k, 0) OVER () FROM w',
  'SELECT nth_value(k, 1.5) OVER () FROM w',
  'SELECT nth_value(k, NULL) OVER (ORDER BY id) FROM w',
  "SELECT nth_value(k, 'two') OVER (ORDER BY id ROWS 1 PRECEDING EXCLUDE CURRENT ROW) FROM w",
  'SELECT sum(v) OVER (ORDER BY id ROWS 1 PRECEDING) FROM (SELECT id, 9223372036854775807 AS v FROM w)',
];

describe('window functions agree with SQLite', () => {
  let lite: Database.Database;
  let db: ReturnType<typeof DB>;

  beforeAll(async () => {
    lite = new Database(':memory:');
    lite.defaultSafeIntegers(true);
    for (const s of SETUP) lite.exec(s);
    db = DB('window-test', { storage: 'memory' });
    for (const s of SETUP) await db.exec(s);
  });
  afterAll(async () => {
    lite.close();
    await db.close();
  });

  type Outcome = { rows: SqlValue[][] } | { error: string };
  const params = (sql: string): SqlValue[] => (sql.includes('?') ? [2n] : []);
  const oracle = (sql: string): Outcome => {
    try {
      return { rows: lite.prepare(sql).raw(true).all(...params(sql)) as SqlValue[][] };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  const dosql = async (sql: string): Promise<Outcome> => {
    try {
      return { rows: (await db.prepare(sql).raw(true).safeIntegers(true).all(...params(sql))) as SqlValue[][] };
    } catch (e) {
      return { error: (e as Error).message.replace(/^sql: /, '') };
    }
  };
  /** Why the engines disagree on `sql`, or undefined. */
  const disagree = async (sql: string): Promise<string | undefined> => {
    const a = oracle(sql);
    const b = await dosql(sql);
    if ('error' in a || 'error' in b) {
      const ea = 'error' in a ? a.error : `${a.rows.length} rows`;
      const eb = 'error' in b ? b.error : `${b.rows.length} rows`;
      return ea === eb ? undefined : `${sql}\n  sqlite: ${ea}\n  dosql:  ${eb}`;
    }
    const why = diffResults(a.rows, b.rows, true);
    return why && `${sql}\n  ${why}\n  sqlite: ${showRows(a.rows, 20)}\n  dosql:  ${showRows(b.rows, 20)}`;
  };

  it.each(FUNCTIONS)('%s over every window', async (fn) => {
    const bad: string[] = [];
    for (const win of WINDOWS) {
      const sql = `SELECT id, ${fn.replace('OVER W', `OVER ${win}`)} FROM w ORDER BY id`;
      const why = await disagree(sql);
      if (why) bad.push(why);
    }
    expect(bad).toEqual([]);
  });

  it('agrees on whole statements: WINDOW clause, expressions, GROUP BY, DISTINCT, LIMIT, subqueries', async () => {
    const bad: string[] = [];
    for (const sql of STATEMENTS) {
      const why = await disagree(sql);
      if (why) bad.push(why);
    }
    expect(bad).toEqual([]);
  });

  it('rejects misuse with SQLite messages', async () => {
    const bad: string[] = [];
    for (const sql of ERRORS) {
      const a = oracle(sql);
      expect('error' in a, `SQLite accepts ${sql}`).toBe(true);
      const why = await disagree(sql);
      if (why) bad.push(why);
    }
    expect(bad).toEqual([]);
  });
});
