// EXCEPT and INTERSECT run their right side only once the left side has a row, as SQLite
// does: an empty left is the whole answer, so a right side that would fail at run time (a
// window frame offset that is not a non-negative integer, an integer overflow) is never run
// and the statement succeeds with no rows. UNION runs both sides. better-sqlite3 is the oracle
// for rows and for whether the statement fails.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const SETUP = ['CREATE TABLE t0(id INTEGER PRIMARY KEY, v INTEGER)', 'CREATE TABLE empty(x)', 'INSERT INTO t0 VALUES (2, 5), (3, 7)'];
const BAD_FRAME = 'SELECT avg(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND NULL FOLLOWING) FROM t0';
const OVERFLOW = 'SELECT abs(-9223372036854775808)';

const QUERIES = [
  `SELECT 1 FROM empty EXCEPT ${BAD_FRAME}`,
  `SELECT 1 FROM empty INTERSECT ${BAD_FRAME}`,
  `SELECT 1 FROM empty UNION ${BAD_FRAME}`,
  `SELECT 1 EXCEPT ${BAD_FRAME}`,
  `SELECT 1 FROM empty EXCEPT ${OVERFLOW}`,
  `SELECT v FROM t0 EXCEPT SELECT v FROM t0 EXCEPT ${OVERFLOW}`,
  `SELECT v FROM t0 INTERSECT SELECT v FROM t0 WHERE 0 INTERSECT ${OVERFLOW}`,
  `SELECT v FROM t0 EXCEPT SELECT 5 EXCEPT ${OVERFLOW}`,
  `SELECT v FROM t0 WHERE v > 100 EXCEPT SELECT v FROM t0 ORDER BY 1 LIMIT 1`,
  'SELECT v FROM t0 EXCEPT SELECT 5 ORDER BY 1',
  'SELECT v FROM t0 INTERSECT SELECT 7 UNION SELECT 1 ORDER BY 1',
];

describe('EXCEPT / INTERSECT with an empty left side', () => {
  const lite = new Database(':memory:');
  let db: ReturnType<typeof DB>;
  beforeAll(async () => {
    db = DB('compound-lazy', { storage: 'memory' });
    for (const s of SETUP) {
      lite.exec(s);
      await db.exec(s);
    }
  });
  afterAll(async () => {
    await db.close();
    lite.close();
  });

  for (const sql of QUERIES) {
    it(sql, async () => {
      let want: unknown[] | 'error';
      try {
        want = lite.prepare(sql).raw().all();
      } catch {
        want = 'error';
      }
      let got: unknown[] | 'error';
      try {
        got = await db.prepare(sql).raw().all();
      } catch {
        got = 'error';
      }
      expect(got).toEqual(want);
    });
  }

  it('the oracle does fail on the right sides alone (the cases above are not vacuous)', () => {
    expect(() => lite.prepare(BAD_FRAME).all()).toThrow(/frame ending offset/);
    expect(() => lite.prepare(OVERFLOW).all()).toThrow(/integer overflow/);
  });
});
