// Hot tables on the columnar path (issue 17): a table without columnar runs whose rows sit in
// SSTables (several, with overlapping versions and tombstones, across levels) and in the
// memtable is read through the SSTables' columnar images (src/cold/hot-scan.ts). Random
// columnar-shaped aggregates must take the columnar path and answer exactly as SQLite does on
// the same data (a copy kept per checkpoint LSN for FOR SYSTEM_TIME AS OF) and as dosql's row
// path (the same query with `AND 1`, which the columnar path does not take) — now, AS OF past
// LSNs, on a branch whose base is in SSTables, after compactions delete the imaged files, and
// with an image cache too small to keep anything.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { imageCache } from '../src/cold/sstable-images.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { Prng } from '../src/util/prng.js';
import { apply, PREDS, randomChange as changeOf, randomQuery as queryOf, randomRow, SHAPES, whereSql, type Change, type ChangeMix, type Shape, type Value } from './support/columnar-gen.js';

// Sums and averages of the REAL column need key order, which images do not keep: those run on the row path.
const AGGS = ['count(*)', 'count(a)', 'sum(a)', 'avg(a)', 'min(a)', 'max(a)', 'min(b)', 'max(b)', 'count(c)', 'count(b)', 'count(DISTINCT a)', 'count(DISTINCT c)', 'count(DISTINCT b)', 'sum(b)', 'avg(b)'];
const ROWS = 900;
const MIX: ChangeMix = { rows: ROWS, rangeSet: 'a = a + 1', updateSpan: 30, deleteSpan: 20 };
const randomChange = (r: Prng, s: Shape): Change => changeOf(r, s, MIX);
function randomQuery(r: Prng, s: Shape): { sel: string; where: string[]; tail: string; ordered: boolean } {
  const q = queryOf(r, s, ROWS, AGGS, PREDS);
  return { ...q, ordered: q.aggregates.some((a) => a === 'sum(b)' || a === 'avg(b)') };
}

describe('hot tables on the columnar path: SSTable images plus the memtable', () => {
  for (const [i, shape] of SHAPES.entries()) {
    for (const seed of [1, 2]) {
      it(`answers like SQLite and the row path, now, AS OF past LSNs, on a branch, across compactions (${shape.label}, seed ${seed})`, async () => {
        const r = new Prng(300 * i + seed);
        const lite = new Database(':memory:');
        lite.exec(shape.setup);
        const db = DB(`hot${i}${seed}`, { storage: 'memory', retention: 'forever' });
        await db.exec(shape.setup);
        const rows = Array.from({ length: ROWS }, (_, k) => [shape.key(2 * k), ...randomRow(r)]);
        const ins = 'INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)';
        for (const row of rows) lite.prepare(ins).run(...row);
        // Loaded in three transactions, each flushed: several SSTables.
        for (let k = 0; k < ROWS; k += ROWS / 3) {
          await db.transaction(async (tx) => {
            for (const row of rows.slice(k, k + ROWS / 3)) await tx.run(ins, row);
          });
          await (await db.engine()).flush();
        }
        const engine = await db.engine();
        const points: { lsn: number; lite: Database.Database }[] = [{ lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) }];
        const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const lsn = await apply(db, target, randomChange(r, shape));
            if (k % 10 === 9) await engine.flush();
            if (target === lite && k % 8 === 7) points.push({ lsn, lite: new Database(lite.serialize()) });
          }
        };
        const check = async (target: Database.Database, from: string, n: number): Promise<void> => {
          for (let k = 0; k < n; k++) {
            const q = randomQuery(r, shape);
            const sql = `${q.sel}${from}${whereSql(q.where)}${q.tail}`;
            const want = target.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all() as unknown[][];
            const runs = columnarStats.runs;
            const got = (await db.prepare(sql).raw().all()) as unknown[][];
            expect(got, sql).toEqual(want);
            if (!q.ordered) expect(columnarStats.runs - runs, `columnar path for ${sql}`).toBe(1);
            const rowSql = `${q.sel}${from}${whereSql([...q.where, '1'])}${q.tail}`;
            const before = { ...columnarStats };
            expect(await db.prepare(rowSql).raw().all(), rowSql).toEqual(got);
            expect(columnarStats, `row path for ${rowSql}`).toEqual(before);
          }
        };
        await changes(40);
        // Several SSTables with overlapping versions and tombstones, some rows only in the memtable.
        await check(lite, '', 15);
        // A branch whose base is in SSTables, with changes of its own (flushed and not) and main's.
        await db.branch('b');
        const liteB = new Database(lite.serialize());
        await changes(20);
        await db.checkout('b');
        await changes(15, liteB);
        await db.checkout('main');
        await check(lite, '', 10);
        // Compaction: the imaged files are deleted, their versions merged into new files.
        await engine.compact({ full: r.chance(0.5) });
        await changes(25);
        await check(lite, '', 15);
        for (const p of points) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 4);
        await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'", 6);
        await db.checkout('b');
        await check(liteB, '', 8);
        await db.checkout('main');
        // An image cache too small to keep any image: every read builds what it needs.
        const cache = imageCache((engine as unknown as { tables: Parameters<typeof imageCache>[0] }).tables);
        const capacity = cache.capacityBytes;
        cache.capacityBytes = 1;
        try {
          await changes(10);
          await check(lite, '', 6);
          for (const p of points.slice(-2)) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 3);
          expect(cache.size).toBeLessThanOrEqual(1);
        } finally {
          cache.capacityBytes = capacity;
        }
        await db.close();
      });
    }
  }

  it('reads a column added after the SSTables were imaged as SQLite does (its default in older rows)', async () => {
    const lite = new Database(':memory:');
    const db = DB('hotadd', { storage: 'memory' });
    const run = async (sql: string, params: Value[] = []): Promise<void> => {
      lite.prepare(sql).run(...params);
      await db.run(sql, params);
    };
    await run('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, c TEXT)');
    for (let k = 0; k < 300; k++) await run('INSERT INTO t VALUES (?, ?, ?)', [k, k % 13, `c${k % 4}`]);
    const engine = await db.engine();
    await engine.flush();
    const same = async (sql: string): Promise<void> => {
      expect(await db.prepare(sql).raw().all(), sql).toEqual(lite.prepare(sql).raw().all());
    };
    await same('SELECT c, count(*), sum(a) FROM t GROUP BY c ORDER BY 1');
    await run('ALTER TABLE t ADD COLUMN e INTEGER DEFAULT 5');
    await run('UPDATE t SET e = a * 2 WHERE id < 40');
    await engine.flush();
    await run('INSERT INTO t VALUES (1000, 1, ?, 7)', ['c9']);
    await same('SELECT c, count(*), sum(e), min(e), max(e), count(e) FROM t GROUP BY c ORDER BY 1');
    await same('SELECT count(*), sum(a), sum(e) FROM t WHERE e > 4');
    // Once every row has the column, the columnar path reads it.
    await run('UPDATE t SET e = a + 1');
    await engine.compact({ full: true });
    const runs = columnarStats.runs;
    await same('SELECT c, count(*), sum(e), max(e) FROM t GROUP BY c ORDER BY 1');
    expect(columnarStats.runs - runs).toBe(1);
    await db.close();
  });

  it('answers while compactions replace and delete the imaged SSTables', async () => {
    const r = new Prng(77);
    const shape = SHAPES[0]!;
    const lite = new Database(':memory:');
    lite.exec(shape.setup);
    const db = DB('hotcompact', { storage: 'memory' });
    await db.exec(shape.setup);
    const engine = await db.engine();
    const ins = 'INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)';
    for (let k = 0; k < ROWS; k++) {
      const row = [shape.key(2 * k), ...randomRow(r)];
      lite.prepare(ins).run(...row);
      await db.run(ins, row);
      if (k % 150 === 149) await engine.flush();
    }
    for (let round = 0; round < 6; round++) {
      for (let k = 0; k < 15; k++) await apply(db, lite, randomChange(r, shape));
      await engine.flush();
      const queries = Array.from({ length: 4 }, () => randomQuery(r, shape)).filter((q) => !q.ordered);
      const runs = columnarStats.runs;
      // Queries started before a compaction that deletes the files they read.
      const answers = queries.map((q) => db.prepare(`${q.sel}${whereSql(q.where)}${q.tail}`).raw().all());
      await Promise.all([engine.compact({ full: round % 2 === 0 }), ...answers]);
      for (const [k, q] of queries.entries()) {
        const sql = `${q.sel}${whereSql(q.where)}${q.tail}`;
        expect(await answers[k], sql).toEqual(lite.prepare(sql).raw().all());
        expect(await db.prepare(sql).raw().all(), sql).toEqual(lite.prepare(sql).raw().all());
      }
      expect(columnarStats.runs - runs).toBe(2 * queries.length);
    }
    await db.close();
  });
});
