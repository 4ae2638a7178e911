// Resource limits and interruption (docs/limits.md): unbounded queries stream or stop with a
// typed error instead of exhausting memory or the stack; answers SQLite gives are checked
// against better-sqlite3.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));

type Outcome = { ok: true; value: unknown } | { error: { name: string; code?: string; reason?: unknown } };

/**
 * Runs a scenario of test/support/limits-child.ts in its own process with a small heap: without
 * the limits it never returns (killed after `killMs`) or dies out of memory, and this says so.
 */
function runChild(scenario: string, heapMb = 256, killMs = 60_000): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', join(here, 'support', 'limits-child.ts'), scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), killMs);
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return reject(new Error(`scenario ${scenario} did not finish within ${killMs} ms (it hangs)`));
      if (signal) return reject(new Error(`scenario ${scenario} died by ${signal} (out of memory?): ${err.slice(-600)}`));
      if (code !== 0) return reject(new Error(`scenario ${scenario} crashed (exit ${code}): ${err.slice(-600)}`));
      resolve((JSON.parse(out.trim().split('\n').pop()!) as { outcomes: Outcome[] }).outcomes);
    });
  });
}

const interrupted = (reason: 'timeout' | 'abort'): Outcome => ({ error: { name: 'DoSQLError', code: 'INTERRUPTED', reason } });

const lite = new Database(':memory:');

async function sameAsSqlite(sql: string): Promise<void> {
  const db = DB('limits', { storage: 'memory' });
  try {
    expect(await db.query(sql), sql).toEqual(lite.prepare(sql).all());
  } finally {
    await db.close();
  }
}

describe('recursive CTEs stream, so LIMIT stops an unbounded recursion (issue 13 item 6)', () => {
  const C = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)';
  it.each([
    `${C} SELECT x FROM c LIMIT 5`,
    `${C} SELECT x FROM c LIMIT 5 OFFSET 300`,
    `${C} SELECT x * 2 AS y FROM c WHERE x % 7 = 0 LIMIT 4`,
    `${C} SELECT x FROM (SELECT x FROM c) LIMIT 3`,
    `${C} SELECT x FROM c UNION ALL SELECT 0 LIMIT 5`,
    `${C} SELECT (SELECT x FROM c LIMIT 1 OFFSET 9) AS tenth`,
    `${C} SELECT count(*) AS n, sum(x) AS s FROM (SELECT x FROM c LIMIT 20)`,
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c) SELECT x FROM c LIMIT 5',
    'WITH RECURSIVE f(a, b) AS (SELECT 0, 1 UNION ALL SELECT b, a + b FROM f) SELECT a FROM f LIMIT 10',
  ])('%s', async (sql) => {
    await sameAsSqlite(sql);
  });
});

describe('statement timeout and interruption (issue 13 item 7)', () => {
  it('every entry point stops a statement that never ends at its timeoutMs, and undoes its writes', async () => {
    const o = await runChild('entryPoints');
    expect(o.slice(0, 9)).toEqual(Array(9).fill(interrupted('timeout')));
    // Only the exec script's first INSERT (before the interrupted one) is left.
    expect(o[9]).toEqual({ ok: true, value: [{ n: 1 }] });
  });

  it('an AbortSignal stops a running statement, and one already aborted refuses to start', async () => {
    expect(await runChild('abort')).toEqual([interrupted('abort'), interrupted('abort')]);
  });

  it("the database's default timeout applies when a call gives none", async () => {
    expect(await runChild('dbDefault')).toEqual([interrupted('timeout'), { ok: true, value: [{ two: 2 }] }]);
  });

  it('count(*) over a 3-way cross join of 3,000 rows streams in a 192 MB heap and is stopped by its timeout', async () => {
    expect(await runChild('crossJoin', 192)).toEqual([interrupted('timeout'), { ok: true, value: [{ n: 3000 }] }]);
  });

  it('refuses a malformed timeout or signal', async () => {
    const db = DB('limits', { storage: 'memory' });
    await expect(db.query('SELECT 1', [], { timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.query('SELECT 1', [], { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.close();
  });
});

describe('TEXT and BLOB length limit, checked before the value is built (SQLITE_MAX_LENGTH)', () => {
  it.each([
    'SELECT length(hex(zeroblob(1000000))) AS n',
    "SELECT length(replace(hex(zeroblob(1000)), '0', 'ab')) AS n",
    "SELECT length(printf('%.*c', 100000, 'x')) AS a, length(printf('%100000d', 7)) AS b",
    "SELECT upper('aéBç' || 'xyz') AS u, lower('AÉbÇ') AS l",
    "SELECT length(group_concat(hex(zeroblob(100)), '--')) AS n FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c)",
    'SELECT length(concat(hex(zeroblob(1000)), 1, 2.5)) AS a, length(concat_ws(\',\', hex(zeroblob(10)), NULL, \'x\')) AS b, length(quote(zeroblob(1000))) AS c',
  ])('answers like SQLite under the default limit: %s', async (sql) => {
    await sameAsSqlite(sql);
  });

  const MAX = 1_000_000;
  it.each([
    ['zeroblob', 'SELECT zeroblob(1000001)'],
    ['randomblob', 'SELECT randomblob(1000001)'],
    ['hex', 'SELECT hex(zeroblob(500001))'],
    ['quote', 'SELECT quote(zeroblob(500000))'],
    ['replace', "SELECT replace(hex(zeroblob(1000)), '0', printf('%.*c', 600, 'y'))"],
    ['printf width', "SELECT printf('%1000001d', 1)"],
    ['printf precision', "SELECT printf('%.*c', 1000001, 'x')"],
    ['printf, counted in UTF-8 bytes', "SELECT printf('%.*c', 600000, 'é')"],
    ['||', 'SELECT hex(zeroblob(400000)) || hex(zeroblob(100001))'],
    ['|| on blobs', 'SELECT zeroblob(600000) || zeroblob(400001)'],
    ['concat', 'SELECT concat(hex(zeroblob(400000)), hex(zeroblob(100001)))'],
    ['concat_ws', "SELECT concat_ws('-', hex(zeroblob(400000)), hex(zeroblob(100000)))"],
    ['group_concat', 'SELECT group_concat(hex(zeroblob(1000))) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600) SELECT x FROM c)'],
    ['a stored row', 'INSERT INTO t VALUES (zeroblob(600000), zeroblob(600000))'],
  ])('%s over limits.maxLength is LIMIT_EXCEEDED "string or blob too big"', async (_what, sql) => {
    const db = DB('limits', { storage: 'memory', limits: { maxLength: MAX } });
    await db.exec('CREATE TABLE t(a, b)');
    const err = await db.query(sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, sql).toMatchObject({ name: 'DoSQLError', code: 'LIMIT_EXCEEDED', message: 'sql: string or blob too big', details: { limit: 'maxLength', max: MAX } });
    await db.close();
  });

  it("length(hex(zeroblob(1e8))) answers SQLite's 200000000 in a 768 MB heap; hex(zeroblob(2e8)) is over the default 256 MiB", async () => {
    expect(await runChild('hugeHex', 768)).toEqual([{ ok: true, value: [{ n: 200_000_000 }] }, { error: { name: 'DoSQLError', code: 'LIMIT_EXCEEDED' } }]);
  });

  it('values at the limit are built; char() is checked too', async () => {
    const db = DB('limits', { storage: 'memory', limits: { maxLength: MAX } });
    expect(await db.query('SELECT length(zeroblob(1000000)) AS a, length(hex(zeroblob(500000))) AS b, length(hex(zeroblob(400000)) || hex(zeroblob(100000))) AS c')).toEqual([{ a: MAX, b: MAX, c: MAX }]);
    await db.close();
    const tiny = DB('limits', { storage: 'memory', limits: { maxLength: 100 } });
    expect(await tiny.query(`SELECT length(char(${Array(100).fill(65).join(',')})) AS n`)).toEqual([{ n: 100 }]);
    await expect(tiny.query(`SELECT char(${Array(101).fill(65).join(',')})`)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await tiny.close();
  });

  it('refuses a malformed limits option', () => {
    expect(() => DB('limits', { storage: 'memory', limits: { maxLength: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => DB('limits', { storage: 'memory', limits: { maxLenght: 5 } as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('nesting depth: chained CTEs, views and subqueries are a typed error, never a stack overflow', () => {
  const ctes = (n: number): string => `WITH ${Array.from({ length: n }, (_, i) => (i === 0 ? 'c0 AS (SELECT 1 AS x)' : `c${i} AS (SELECT x + 1 AS x FROM c${i - 1})`)).join(', ')} SELECT x FROM c${n - 1}`;
  const subs = (n: number): string => {
    let s = 'SELECT 1 AS x';
    for (let i = 0; i < n; i++) s = `SELECT x + 1 AS x FROM (${s})`;
    return s;
  };
  const tooDeep = { name: 'DoSQLError', code: 'LIMIT_EXCEEDED', details: { limit: 'maxQueryDepth', max: 150 } };

  it('100 chained CTEs or nested subqueries answer like SQLite', async () => {
    await sameAsSqlite(ctes(100));
    await sameAsSqlite(subs(100));
  });

  it('600 chained CTEs or nested subqueries are LIMIT_EXCEEDED (maxQueryDepth)', async () => {
    const db = DB('limits', { storage: 'memory' });
    await expect(db.query(ctes(600))).rejects.toMatchObject(tooDeep);
    await expect(db.query(subs(600))).rejects.toMatchObject(tooDeep);
    await db.close();
  });

  it('a chain of views stops growing at the limit with LIMIT_EXCEEDED; the views below it answer like SQLite', async () => {
    const db = DB('limits', { storage: 'memory' });
    const ref = new Database(':memory:');
    let failed: unknown;
    let made = 0;
    for (let i = 0; i < 600 && failed === undefined; i++) {
      const sql = i === 0 ? 'CREATE VIEW v0 AS SELECT 1 AS x' : `CREATE VIEW v${i} AS SELECT x + 1 AS x FROM v${i - 1}`;
      try {
        await db.exec(sql);
        ref.exec(sql);
        made++;
      } catch (e) {
        failed = e;
      }
    }
    expect(failed).toMatchObject(tooDeep);
    expect(made).toBe(150);
    const q = `SELECT x FROM v${made - 2}`;
    expect(await db.query(q)).toEqual(ref.prepare(q).all());
    await db.close();
  });

  it('a view that uses the one before it twice (doubling per level) stops at 10,000 planned SELECTs', async () => {
    const db = DB('limits', { storage: 'memory' });
    await db.exec('CREATE VIEW v0 AS SELECT 1 AS x');
    let failed: unknown;
    let level = 1;
    for (; level <= 20 && failed === undefined; level++) {
      await db.exec(`CREATE VIEW v${level} AS SELECT a.x + b.x AS x FROM v${level - 1} a, v${level - 1} b`).catch((e: unknown) => (failed = e));
    }
    // 2^13 copies of v0 plus the levels above them is the first over 10,000.
    expect(level - 1).toBe(13);
    expect(failed).toMatchObject({ name: 'DoSQLError', code: 'LIMIT_EXCEEDED', details: { limit: 'plannedQueries', max: 10_000 } });
    expect(await db.query('SELECT x FROM v12')).toEqual([{ x: 4096 }]);
    await db.close();
  });

  it('the parser bounds expression depth (SQLITE_MAX_EXPR_DEPTH) with SQL_SYNTAX', async () => {
    const db = DB('limits', { storage: 'memory' });
    await expect(db.query(`SELECT ${Array(1100).fill('1').join(' + ')}`)).rejects.toMatchObject({ code: 'SQL_SYNTAX', message: expect.stringContaining('too deeply nested') });
    await expect(db.query(`SELECT ${'('.repeat(1100)}1${')'.repeat(1100)}`)).rejects.toMatchObject({ code: 'SQL_SYNTAX' });
    await db.close();
  });

  it('past a raised limit, running out of stack is still LIMIT_EXCEEDED, not a RangeError', async () => {
    const db = DB('limits', { storage: 'memory', limits: { maxQueryDepth: 1_000_000 } });
    await expect(db.query(ctes(5000))).rejects.toMatchObject({ name: 'DoSQLError', code: 'LIMIT_EXCEEDED', details: { limit: 'maxQueryDepth' } });
    await db.close();
  });
});

describe('column count limit (SQLITE_MAX_COLUMN, 2000)', () => {
  const list = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join(', ');
  it.each([
    ['a result set', `SELECT ${list(2001, (i) => `${i} AS c${i}`)}`],
    ['VALUES', `VALUES (${list(2001, () => '1')})`],
    ['CREATE TABLE', `CREATE TABLE wide(${list(2001, (i) => `c${i}`)})`],
    ['ORDER BY', `SELECT 1 ORDER BY ${list(2001, () => '1')}`],
    ['a join expanded by *', `SELECT * FROM w a, w b`],
    ['CREATE INDEX', `CREATE INDEX wi ON w(${list(2000, (i) => `c${i}`)}, c0)`],
    ['UPDATE SET', `UPDATE w SET ${list(2001, (i) => `c${i % 2000} = 1`)}`],
    ['ALTER TABLE ADD COLUMN', 'ALTER TABLE w ADD COLUMN extra'],
  ])('%s over 2000 columns fails like SQLite, as LIMIT_EXCEEDED', async (_what, sql) => {
    const setup = `CREATE TABLE w(${list(2000, (i) => `c${i}`)})`;
    const ref = new Database(':memory:');
    ref.exec(setup);
    let want = '';
    try {
      ref.prepare(sql).run();
    } catch (e) {
      want = (e as Error).message.replace('sqlite_altertab_', '');
    }
    expect(want).toMatch(/too many/);
    const db = DB('limits', { storage: 'memory' });
    await db.exec(setup);
    await expect(db.query(sql)).rejects.toMatchObject({ name: 'DoSQLError', code: 'LIMIT_EXCEEDED', message: `sql: ${want}`, details: { limit: 'maxColumns', max: 2000 } });
    await db.close();
  });

  it('2000 columns work end to end', async () => {
    const db = DB('limits', { storage: 'memory' });
    const cols = Array.from({ length: 2000 }, (_, i) => `c${i}`);
    await db.exec(`CREATE TABLE w(${cols.join(', ')})`);
    await db.run('INSERT INTO w(c0, c1999) VALUES (1, 2)');
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM (SELECT * FROM w)');
    expect(Object.keys(rows[0]!).length).toBe(2000);
    expect([rows[0]!.c0, rows[0]!.c1999, rows[0]!.c5]).toEqual([1, 2, null]);
    await db.close();
  });
});

describe('memory budget of a statement (limits.maxMemoryBytes)', () => {
  const MAX = 1024 * 1024;
  const rows = (n: number): string => `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT x, printf('%.200c', 'x') || x AS s FROM c`;
  const over = { name: 'DoSQLError', code: 'LIMIT_EXCEEDED', details: { limit: 'maxMemoryBytes', max: MAX } };

  it.each([
    ['ORDER BY', `SELECT x FROM (${rows(20000)}) ORDER BY s DESC LIMIT 1`],
    ['GROUP BY', `SELECT s, count(*) FROM (${rows(20000)}) GROUP BY s LIMIT 1`],
    ['DISTINCT', `SELECT count(*) FROM (SELECT DISTINCT s FROM (${rows(20000)}))`],
    ['count(DISTINCT)', `SELECT count(DISTINCT s) FROM (${rows(20000)})`],
    ['group_concat', `SELECT length(group_concat(s)) FROM (${rows(20000)})`],
    ['UNION', `SELECT count(*) FROM (SELECT s FROM (${rows(10000)}) UNION SELECT s || 'y' FROM (${rows(10000)}))`],
    ['EXCEPT', `SELECT s FROM (${rows(100)}) EXCEPT SELECT s FROM (${rows(20000)})`],
    ['a join build side', `SELECT count(*) FROM (${rows(10)}) a JOIN (${rows(20000)}) b ON a.s = b.s`],
    ['IN (SELECT ...)', `SELECT count(*) FROM (${rows(10)}) WHERE s IN (SELECT s FROM (${rows(20000)}))`],
    ['the result itself', rows(20000)],
    ['INSERT ... SELECT', `INSERT INTO t ${rows(20000)}`],
  ])('%s over the budget is LIMIT_EXCEEDED', async (_what, sql) => {
    const db = DB('limits', { storage: 'memory', limits: { maxMemoryBytes: MAX } });
    await db.exec('CREATE TABLE t(x, s)');
    await expect(db.query(sql)).rejects.toMatchObject(over);
    await db.close();
  });

  it('the same queries fit a larger budget and answer like SQLite; a streamed result is not buffered', async () => {
    const sql = `SELECT s, count(*) AS n FROM (${rows(20000)}) GROUP BY s ORDER BY s DESC LIMIT 3`;
    const db = DB('limits', { storage: 'memory', limits: { maxMemoryBytes: 64 * MAX } });
    expect(await db.query(sql)).toEqual(lite.prepare(sql).all());
    await db.close();
    const small = DB('limits', { storage: 'memory', limits: { maxMemoryBytes: MAX } });
    let n = 0;
    for await (const _ of small.prepare(rows(20000)).iterate()) n++;
    expect(n).toBe(20000);
    // Budgets are per statement: a statement that stayed under it leaves nothing charged behind.
    for (let i = 0; i < 5; i++) expect(await small.query(`SELECT count(*) AS n FROM (SELECT DISTINCT s FROM (${rows(2000)}))`)).toEqual([{ n: 2000 }]);
    await small.close();
  });

  it('an endless recursive CTE with UNION (which keeps what it has seen) stops at the budget', async () => {
    expect(await runChild('unionForever', 256)).toEqual([{ error: { name: 'DoSQLError', code: 'LIMIT_EXCEEDED' } }]);
  });
});
