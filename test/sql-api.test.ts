// The DB() API end to end on the in-memory store, checked against SQLite (better-sqlite3)
// where SQLite defines the answer.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, ManualClock } from '../src/index.js';

const SETUP = `
  CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE emp(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, dept INTEGER, salary REAL, tag TEXT COLLATE NOCASE);
  CREATE INDEX emp_dept ON emp(dept);
  INSERT INTO dept(name) VALUES ('eng'), ('ops'), ('sales');
  INSERT INTO emp(name, dept, salary, tag) VALUES
    ('ann', 1, 120.5, 'A'), ('bob', 1, 99, 'b'), ('cid', 2, 80, NULL), ('dee', NULL, 50, 'a'), ('eve', 3, 130, 'B');
`;

const QUERIES = [
  'SELECT * FROM emp ORDER BY id',
  'SELECT name, salary * 2, salary / 3, typeof(salary) FROM emp ORDER BY name',
  'SELECT d.name, count(e.id), sum(e.salary), avg(e.salary), min(e.name), max(e.name) FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.name ORDER BY d.name',
  'SELECT e.name, d.name FROM emp e JOIN dept d ON d.id = e.dept WHERE d.name IN (\'eng\', \'sales\') ORDER BY 1',
  'SELECT name FROM emp WHERE dept IS NULL OR salary > (SELECT avg(salary) FROM emp) ORDER BY name',
  'SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM dept d WHERE d.id = e.dept AND d.name LIKE \'e%\') ORDER BY name',
  'SELECT tag, count(*) FROM emp GROUP BY tag ORDER BY tag',
  'SELECT DISTINCT dept FROM emp ORDER BY dept DESC NULLS LAST',
  'SELECT name FROM emp ORDER BY salary DESC LIMIT 2 OFFSET 1',
  'SELECT name FROM emp WHERE tag = \'a\' ORDER BY name',
  'SELECT dept, group_concat(name) FROM (SELECT * FROM emp ORDER BY name) GROUP BY dept HAVING count(*) > 1',
  'SELECT name FROM emp UNION SELECT name FROM dept ORDER BY 1',
  'SELECT name FROM emp EXCEPT SELECT \'bob\' ORDER BY 1',
  'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT sum(x), count(*) FROM n',
  'SELECT CASE WHEN salary > 100 THEN \'high\' WHEN salary > 60 THEN \'mid\' ELSE \'low\' END AS band, count(*) FROM emp GROUP BY band ORDER BY band',
  'SELECT id, name FROM emp WHERE id BETWEEN 2 AND 4 ORDER BY id',
  'SELECT CAST(salary AS INTEGER), CAST(\'12abc\' AS INTEGER), 7 / 2, 7 % 3, -7 / 2, 1 / 0 FROM emp WHERE id = 1',
  'SELECT e1.name, e2.name FROM emp e1, emp e2 WHERE e1.dept = e2.dept AND e1.id < e2.id ORDER BY 1, 2',
];

describe('DB() API vs SQLite', () => {
  it('answers like SQLite on a small schema', async () => {
    const db = DB('api', { storage: 'memory' });
    const lite = new Database(':memory:');
    lite.exec(SETUP);
    await db.exec(SETUP);
    for (const q of QUERIES) {
      const want = lite.prepare(q).all();
      const got = await db.query(q);
      expect(got, q).toEqual(want);
    }
    await db.close();
  });

  it('reports changes, lastInsertRowId and the commit LSN; RETURNING; UPSERT', async () => {
    const db = DB('api2', { storage: 'memory' });
    await db.exec('CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER, n INTEGER DEFAULT 0)');
    const a = await db.run('INSERT INTO kv(k, v) VALUES (?, ?), (?, ?)', ['a', 1, 'b', 2]);
    expect(a.changes).toBe(2);
    expect(a.lastInsertRowId).toBe(2);
    const b = await db.run('UPDATE kv SET v = v + 10 WHERE k = ?', ['a']);
    expect(b.changes).toBe(1);
    expect(b.lsn).toBeGreaterThan(a.lsn);
    await db.run('INSERT INTO kv(k, v) VALUES (:k, :v) ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1', { k: 'a', v: 5 });
    expect(await db.query('SELECT k, v, n FROM kv ORDER BY k')).toEqual([
      { k: 'a', v: 5, n: 1 },
      { k: 'b', v: 2, n: 0 },
    ]);
    const ret = await db.query('DELETE FROM kv WHERE v < 3 RETURNING k, v');
    expect(ret).toEqual([{ k: 'b', v: 2 }]);
    const stmt = db.prepare('SELECT v FROM kv WHERE k = ?');
    expect(await stmt.get('a')).toEqual({ v: 5 });
    expect(await stmt.raw().all('a')).toEqual([[5]]);
    await db.close();
  });

  it('gives typed errors: syntax with position, constraints by name, unknown names', async () => {
    const db = DB('api3', { storage: 'memory', clock: new ManualClock(Date.UTC(2025, 0, 2, 3, 4, 5)) });
    await db.exec('CREATE TABLE t(a INTEGER NOT NULL, b TEXT CHECK (length(b) < 3), c TEXT DEFAULT CURRENT_TIMESTAMP)');
    await expect(db.run('SELEC 1')).rejects.toMatchObject({ code: 'SQL_SYNTAX' });
    await expect(db.run('INSERT INTO t(a) VALUES (NULL)')).rejects.toMatchObject({ code: 'CONSTRAINT_NOTNULL', message: expect.stringContaining('t.a') });
    await expect(db.run("INSERT INTO t(a, b) VALUES (1, 'long')")).rejects.toMatchObject({ code: 'CONSTRAINT_CHECK' });
    await expect(db.query('SELECT nope FROM t')).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringContaining('no such column: nope') });
    await expect(db.query('SELECT * FROM missing')).rejects.toBeInstanceOf(DoSQLError);
    await db.run('INSERT INTO t(a) VALUES (1)');
    expect(await db.queryOne('SELECT c FROM t')).toEqual({ c: '2025-01-02 03:04:05' });
    await db.close();
  });

  it('keeps 64-bit integers exact', async () => {
    const db = DB('api4', { storage: 'memory' });
    await db.exec('CREATE TABLE big(x INTEGER)');
    await db.run('INSERT INTO big VALUES (?)', [9223372036854775807n]);
    expect(await db.prepare('SELECT x, x - 1 FROM big').safeIntegers().raw().get()).toEqual([9223372036854775807n, 9223372036854775806n]);
    await expect(db.query('SELECT x FROM big')).rejects.toMatchObject({ code: 'RANGE' });
    await db.close();
  });

  it('resolves conflicts like SQLite: OR ABORT / FAIL / IGNORE / REPLACE / ROLLBACK', async () => {
    const steps = [
      'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT UNIQUE, c NOT NULL DEFAULT 0)',
      "INSERT INTO t VALUES (1, 'x', 1)",
      "INSERT OR FAIL INTO t VALUES (2, 'y', 1), (1, 'z', 1), (3, 'w', 1)",
      "INSERT OR ABORT INTO t VALUES (4, 'q', 1), (1, 'z', 1)",
      "INSERT OR IGNORE INTO t VALUES (5, 'x', 1), (6, 'v', 1)",
      "INSERT OR REPLACE INTO t VALUES (7, 'y', 1)",
      'INSERT OR REPLACE INTO t(a, b, c) VALUES (8, \'n\', NULL)',
      "UPDATE OR IGNORE t SET b = 'x' WHERE a = 7",
      'BEGIN',
      "INSERT INTO t VALUES (10, 'k', 1)",
      "INSERT OR ROLLBACK INTO t VALUES (1, 'dup', 1)",
      'COMMIT',
    ];
    const lite = new Database(':memory:');
    const db = DB('conf', { storage: 'memory' });
    for (const sql of steps) {
      let want: string;
      let got: string;
      try {
        lite.exec(sql);
        want = 'ok';
      } catch (e) {
        want = `error ${(e as Error).message}`;
      }
      try {
        await db.exec(sql);
        got = 'ok';
      } catch (e) {
        got = `error ${(e as Error).message.replace(/^sql: /, '')}`;
      }
      expect(got.slice(0, 40), sql).toBe(want.slice(0, 40));
      expect(await db.query('SELECT * FROM t ORDER BY a'), sql).toEqual(lite.prepare('SELECT * FROM t ORDER BY a').all());
    }
    await db.close();
  });

  it('shows the plan and refuses what it cannot do yet (typed NOT_SUPPORTED, no wrong answers)', async () => {
    const db = DB('plan', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT); CREATE INDEX t_a ON t(a)');
    const detail = async (sql: string): Promise<string> => (await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)).map((r) => r.detail).join(' | ');
    expect(await detail('SELECT * FROM t WHERE id = 5')).toContain('SEARCH t USING INTEGER PRIMARY KEY (rowid=?)');
    expect(await detail('SELECT * FROM t WHERE a = 5')).toContain('SEARCH t USING INDEX t_a (a=?)');
    expect(await detail('SELECT * FROM t WHERE b = 5')).toContain('SCAN t');
    expect(await detail('SELECT * FROM t x JOIN t y ON y.id = x.a')).toMatch(/SCAN t AS x \| SEARCH t AS y USING INTEGER PRIMARY KEY/);
    for (const sql of [
      'UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t FOR SYSTEM_TIME AS OF LSN 1)',
      'ALTER TABLE t ADD COLUMN g AS (a + 1)',
    ]) {
      await expect(db.exec(sql), sql).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    }
    await db.close();
  });

  it('evaluates correlated subqueries in joins correctly when the engine yields often (regression)', async () => {
    // A join level once re-ran a predicate whose first evaluation was still in flight: two
    // runs of one correlated subquery then raced over shared state whenever a scan yielded.
    const setup = `CREATE TABLE a(d INTEGER, x INTEGER, PRIMARY KEY(d, x)) WITHOUT ROWID;
      CREATE TABLE b(p INTEGER, d INTEGER, e);
      INSERT INTO a VALUES (1,1),(1,5),(2,1),(3,0),(3,4),(3,7),(4,5),(5,8),(7,6),(7,7),(12,10),(14,2);
      INSERT INTO b VALUES (5,3,-77),(14,9,1),(3,14,2),(9,4,3),(13,1,4),(7,9,5),(6,NULL,6),(14,8,7),(9,NULL,8),(4,15,9);`;
    const q = 'SELECT b.p, a.x, b.e FROM a, b WHERE EXISTS (SELECT 1 FROM a AS c WHERE c.d IS b.d) ORDER BY 1, 2, 3';
    const lite = new Database(':memory:');
    lite.exec(setup);
    for (const every of [1, 2, 3, 5]) {
      const db = DB(`yield${every}`, { storage: 'memory', yieldEveryOps: every });
      await db.exec(setup);
      expect(await db.prepare(q).raw().all(), `yield every ${every}`).toEqual(lite.prepare(q).raw().all());
      await db.close();
    }
  });

  it('WITH clauses on INSERT, UPDATE and DELETE (recursive too), like SQLite', async () => {
    const steps = [
      'CREATE TABLE t(x INTEGER)',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) INSERT INTO t SELECT x FROM c',
      'WITH d AS (SELECT 2 AS y) DELETE FROM t WHERE x IN (SELECT y FROM d)',
      'WITH u AS (SELECT 3 AS y) UPDATE t SET x = x * 10 WHERE x IN (SELECT y FROM u)',
    ];
    const lite = new Database(':memory:');
    const db = DB('with', { storage: 'memory' });
    for (const sql of steps) {
      lite.exec(sql);
      await db.exec(sql);
    }
    expect(await db.query('SELECT x FROM t ORDER BY x')).toEqual(lite.prepare('SELECT x FROM t ORDER BY x').all());
    await db.close();
  });
});
