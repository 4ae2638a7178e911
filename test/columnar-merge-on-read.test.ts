// Merge-on-read (issue 17): after a cold compaction, hot DML — updates, deletes, inserts of
// keys inside and outside the runs' key range, in memtables and flushed SSTables, on main and
// on a branch whose base is cold — leaves the table split between runs and hot layers. Random
// columnar-shaped aggregates must then run on the columnar path (columnarStats: taken, with a
// hot delta) and answer exactly as SQLite does on the same data (a copy kept per checkpoint
// LSN for FOR SYSTEM_TIME AS OF) and as dosql's row path (the same query with `AND 1`, which
// the columnar path does not take).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { columnarScanStats } from '../src/sql/execution/columnar-scan-op.js';
import { Prng } from '../src/util/prng.js';
import { apply, PREDS as BASE_PREDS, randomChange as changeOf, randomQuery as queryOf, randomRow, SHAPES, whereSql, type Change, type ChangeMix, type Shape } from './support/columnar-gen.js';

const AGGS = ['count(*)', 'count(a)', 'sum(a)', 'avg(a)', 'min(a)', 'max(a)', 'sum(b)', 'avg(b)', 'min(b)', 'max(b)', 'count(c)', 'count(b)', 'count(DISTINCT a)', 'count(DISTINCT c)', 'count(DISTINCT b)'];
const PREDS = [...BASE_PREDS, "((c = 'x' AND a > 0) OR d = 'k3')", "d NOT LIKE '%2'"];
const ROWS = 1200;
const MIX: ChangeMix = { rows: ROWS, rangeSet: 'b = b + 1', updateSpan: 6, deleteSpan: 4 };
const randomChange = (r: Prng, s: Shape): Change => changeOf(r, s, MIX);
const randomQuery = (r: Prng, s: Shape): { sel: string; where: string[]; tail: string } => queryOf(r, s, ROWS, AGGS, PREDS);

/** Queries the aggregate path does not take: projections, expressions, other aggregates (the columnar scan reads for them). */
function randomScanQuery(r: Prng, s: Shape): { sel: string; where: string[]; tail: string } {
  const SELS = ['*', 'id, a, c', 'a + 1, upper(c), b', 'd, count(*), total(b)', 'substr(d, 1, 2), max(c)', 'rowid, id, b'];
  const sel = SELS[r.int(SELS.length - (s.explicitKey && s.label.includes('WITHOUT') ? 1 : 0))]!;
  const where = Array.from({ length: r.int(3) }, () => PREDS[r.int(PREDS.length)]!);
  if (r.chance(0.3)) where.push('a > ?');
  if (r.chance(0.2)) where.push("length(c) = 1");
  const grouped = sel.includes('count') || sel.includes('max(');
  const order = grouped ? ' GROUP BY 1 ORDER BY 1' : r.chance(0.5) ? ` ORDER BY b DESC, id LIMIT ${1 + r.int(40)}` : r.chance(0.5) ? ` LIMIT ${1 + r.int(30)}` : '';
  return { sel: `SELECT ${sel} FROM t`, where, tail: order };
}

describe('merge-on-read: columnar runs plus the hot delta', () => {
  for (const [i, shape] of SHAPES.entries()) {
    for (const seed of [1, 2]) {
      it(`answers like SQLite and the row path, now, AS OF past LSNs and on a branch (${shape.label}, seed ${seed})`, async () => {
        const r = new Prng(100 * i + seed);
        const lite = new Database(':memory:');
        lite.exec(shape.setup);
        const db = DB(`mor${i}${seed}`, { storage: 'memory', retention: 'forever' });
        await db.exec(shape.setup);
        const rows = Array.from({ length: ROWS }, (_, k) => [shape.key(2 * k), ...randomRow(r)]);
        const ins = 'INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)';
        for (const row of rows) lite.prepare(ins).run(...row);
        await db.transaction(async (tx) => {
          for (const row of rows) await tx.run(ins, row);
        });
        await db.compact({ tier: 'cold' });
        const engine = await db.engine();
        const points: { lsn: number; lite: Database.Database }[] = [{ lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) }];
        const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const lsn = await apply(db, target, randomChange(r, shape));
            if (k % 12 === 11) await engine.flush();
            if (target === lite && k % 8 === 7) points.push({ lsn, lite: new Database(lite.serialize()) });
          }
        };
        const check = async (target: Database.Database, from: string, n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const q = randomQuery(r, shape);
            const sql = `${q.sel}${from}${whereSql(q.where)}${q.tail}`;
            const want = target.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all();
            const runs = columnarStats.runs;
            const merged = columnarStats.merged;
            expect(await db.prepare(sql).raw().all(), sql).toEqual(want);
            expect(columnarStats.runs - runs, `columnar path for ${sql}`).toBe(1);
            if (from === '') expect(columnarStats.merged - merged, `hot delta for ${sql}`).toBe(1);
            const rowSql = `${q.sel}${from}${whereSql([...q.where, '1'])}${q.tail}`;
            const before = { ...columnarStats };
            expect(await db.prepare(rowSql).raw().all(), rowSql).toEqual(want);
            expect(columnarStats, `row path for ${rowSql}`).toEqual(before);
          }
        };
        const checkScans = async (target: Database.Database, from: string, n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const q = randomScanQuery(r, shape);
            const params = q.where.includes('a > ?') ? [r.int(400) - 200] : [];
            const sql = `${q.sel}${from}${whereSql(q.where)}${q.tail}`;
            const want = target.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all(...params);
            const scans = columnarScanStats.runs;
            expect(await db.prepare(sql).raw().all(...params), sql).toEqual(want);
            expect(columnarScanStats.runs - scans, `columnar scan for ${sql}`).toBe(1);
          }
        };
        await changes(30);
        // Runs of one version per key with a hot delta above them.
        await check(lite, '', 15);
        await checkScans(lite, '', 15);
        // A branch whose base is cold, with a hot delta of its own and main's.
        await db.branch('b');
        const liteB = new Database(lite.serialize());
        await changes(20);
        await db.checkout('b');
        await changes(15, liteB);
        await db.checkout('main');
        // Runs holding several versions per key, then more hot DML above them.
        await db.compact({ tier: 'cold' });
        await changes(25);

        await check(lite, '', 25);
        await checkScans(lite, '', 15);
        for (const p of points) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 6);
        for (const p of points.slice(-2)) await checkScans(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 5);
        await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'", 8);
        await db.checkout('b');
        await check(liteB, '', 10);
        await checkScans(liteB, '', 8);
        await db.close();
      });
    }
  }
});

describe('merge-on-read: repeated filters', () => {
  it('compares each distinct text value of runs and delta with a literal once per query shape, answers like SQLite', async () => {
    const { dictVerdictStats } = await import('../src/sql/execution/columnar-filters.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'dosql-mor-verdicts-'));
    const db = DB('v', { path: dir });
    const lite = new Database(':memory:');
    const r = new Prng(41);
    const schema = 'CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c TEXT)';
    await db.exec(schema);
    lite.exec(schema);
    const run = async (sql: string, params: unknown[]): Promise<void> => {
      await db.query(sql, params as never);
      lite.prepare(sql).run(...(params as never[]));
    };
    const day = (n: number): string => `2001-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')} ${String(n % 24).padStart(2, '0')}:00`;
    await db.transaction(async (tx) => {
      for (let i = 0; i < 3000; i++) await tx.run('INSERT INTO t VALUES (?, ?, ?)', [i, r.int(100), day(r.int(5000))]);
    });
    for (const row of await db.query('SELECT * FROM t')) lite.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...(Object.values(row) as never[]));
    await db.compact({ tier: 'cold' });
    for (let i = 0; i < 60; i++) await run('UPDATE t SET c = ? WHERE id = ?', [day(r.int(5000)), r.int(3000)]);
    for (let i = 0; i < 20; i++) await run('INSERT INTO t VALUES (?, ?, ?)', [5000 + i, r.int(100), day(r.int(5000))]);
    for (let i = 0; i < 20; i++) await run('DELETE FROM t WHERE id = ?', [r.int(3000)]);
    const q = (lo: string, hi: string): string => `SELECT count(*) AS n, sum(a) AS s FROM t WHERE c >= '${lo}' AND c < '${hi}'`;
    const want = (sql: string): unknown => lite.prepare(sql).all().map((x) => Object.values(x as object).map(Number));
    const got = async (sql: string): Promise<unknown> => (await db.query(sql)).map((x) => Object.values(x).map(Number));
    const merged = columnarStats.merged;
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    expect(columnarStats.merged).toBeGreaterThan(merged);
    const first = dictVerdictStats.computed;
    expect(first).toBeGreaterThan(0);
    // The same query again: every dictionary's verdicts are remembered.
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    expect(dictVerdictStats.computed).toBe(first);
    // Other literals are other verdicts, and exact.
    expect(await got(q('2001-05-01', '2001-07-15'))).toEqual(want(q('2001-05-01', '2001-07-15')));
    expect(dictVerdictStats.computed).toBeGreaterThan(first);
    // A later write changes the delta: its new dictionary gets verdicts of its own.
    await run('UPDATE t SET c = ? WHERE id = ?', ['2001-03-09 00:00', 7]);
    expect(await got(q('2001-03-01', '2001-04-01'))).toEqual(want(q('2001-03-01', '2001-04-01')));
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
