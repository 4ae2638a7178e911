// The columnar path for analytics on a table in cold runs gives SQLite's answers, from the
// runs alone and, after changes, from the runs merged with the hot delta (merge-on-read).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { columnarStats } from '../src/sql/execution/columnar-aggregate-op.js';
import { Prng } from '../src/util/prng.js';

const QUERIES = [
  'SELECT count(*), avg(delay), sum(delay), min(delay), max(delay), sum(dist), avg(dist) FROM f',
  'SELECT origin, count(*), avg(delay) FROM f GROUP BY origin ORDER BY 2 DESC, 1 LIMIT 5',
  "SELECT count(*) FROM f WHERE day >= '2001-03-01' AND day < '2001-04-01'",
  'SELECT count(delay), sum(delay) FROM f WHERE delay > 10 AND dist <= 2500.5',
  "SELECT origin, max(dist), min(delay) FROM f WHERE origin != 'AAA' GROUP BY origin ORDER BY origin",
  'SELECT count(*) FROM f WHERE delay BETWEEN -5 AND 5',
  'SELECT id, count(*) FROM f WHERE id = 7 GROUP BY id',
  'SELECT origin, substr(day, 1, 7) AS m, count(*) FROM f GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 3',
  'SELECT origin, day, count(*) AS n FROM f GROUP BY origin, day ORDER BY n DESC, origin, day LIMIT 7',
  'SELECT delay, origin, count(*), sum(dist) FROM f WHERE delay < 0 GROUP BY delay, origin ORDER BY delay, origin',
];
/** Queries outside the columnar path's shape (they must still answer right, on the row path). */
const ROW_PATH = new Set([QUERIES[7]]);

describe('columnar query path', () => {
  it('answers like SQLite from the cold file, and merged with the hot delta after changes', async () => {
    const r = new Prng(3);
    const setup = 'CREATE TABLE f(id INTEGER PRIMARY KEY, day TEXT, delay INTEGER, dist REAL, origin TEXT)';
    const lite = new Database(':memory:');
    lite.exec(setup);
    const db = DB('col', { storage: 'memory' });
    await db.exec(setup);
    const origins = ['AAA', 'BOS', 'LAX', 'ORD', 'SFO', 'JFK'];
    const rows = Array.from({ length: 3000 }, (_, i) => [
      i + 1,
      `2001-0${1 + r.int(6)}-${String(1 + r.int(28)).padStart(2, '0')} 10:00:00`,
      r.chance(0.05) ? null : r.int(200) - 40,
      r.chance(0.05) ? null : r.int(30000) / 10,
      r.chance(0.03) ? null : origins[r.int(origins.length)]!,
    ]);
    const ins = lite.prepare('INSERT INTO f VALUES (?, ?, ?, ?, ?)');
    for (const row of rows) ins.run(...row);
    await db.transaction(async (tx) => {
      for (const row of rows) await tx.run('INSERT INTO f VALUES (?, ?, ?, ?, ?)', row);
    });
    const check = async (): Promise<void> => {
      for (const q of QUERIES) expect(await db.prepare(q).raw().all(), q).toEqual(lite.prepare(q).raw().all());
    };
    await check(); // row path
    await db.compact({ tier: 'cold' });
    const before = columnarStats.runs;
    await check();
    expect(columnarStats.runs - before).toBe(QUERIES.length - ROW_PATH.size);
    expect((await db.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${QUERIES[0]}`)).map((x) => x.detail)[0]).toContain('COLUMNAR SCAN f');
    // Changes leave the table split between the runs and hot layers: the columnar path still
    // answers, merging the hot delta.
    for (const sql of ['UPDATE f SET delay = delay + 1000 WHERE id % 7 = 0', 'DELETE FROM f WHERE id % 11 = 0', "UPDATE f SET origin = 'ZZZ' WHERE id % 13 = 0"]) {
      await db.run(sql);
      lite.exec(sql);
    }
    const mid = columnarStats.runs;
    const merged = columnarStats.merged;
    await check();
    expect(columnarStats.runs - mid).toBe(QUERIES.length - ROW_PATH.size);
    expect(columnarStats.merged - merged).toBe(QUERIES.length - ROW_PATH.size);
    // Compacted again (history kept: the runs now hold old versions and tombstones), the
    // columnar path picks the visible version of each key and serves the new state.
    await db.compact({ tier: 'cold' });
    const again = columnarStats.runs;
    await check();
    expect(columnarStats.runs - again).toBe(QUERIES.length - ROW_PATH.size);
    expect((await db.engine()).stats().cold.rows).toBeGreaterThan(3000);
    await db.close();
  });
});

describe('columnar query path, random queries', () => {
  for (const seed of [21, 22]) {
    it(`gives SQLite's answers for random aggregates, predicates and groupings (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const setup = 'CREATE TABLE g(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d TEXT)';
      const lite = new Database(':memory:');
      lite.exec(setup);
      const db = DB('colr', { storage: 'memory' });
      await db.exec(setup);
      const texts = ['x', 'y', 'z', 'é', 'Z', ''];
      const rows = Array.from({ length: 2500 }, (_, i) => [
        i + 1,
        r.chance(0.1) ? null : r.int(2000) - 1000,
        r.chance(0.1) ? null : (r.int(2_000_000) - 1_000_000) / 997,
        r.chance(0.1) ? null : texts[r.int(texts.length)]!,
        r.chance(0.05) ? null : `k${r.int(30)}`,
      ]);
      const ins = lite.prepare('INSERT INTO g VALUES (?, ?, ?, ?, ?)');
      for (const row of rows) ins.run(...row);
      await db.transaction(async (tx) => {
        for (const row of rows) await tx.run('INSERT INTO g VALUES (?, ?, ?, ?, ?)', row);
      });
      await db.compact({ tier: 'cold' });
      const aggs = ['count(*)', 'count(a)', 'sum(a)', 'avg(a)', 'min(a)', 'max(a)', 'sum(b)', 'avg(b)', 'min(b)', 'max(b)', 'count(c)', 'count(b)', 'count(DISTINCT d)', 'count(DISTINCT a)'];
      const preds = [
        'a > 10', 'a <= -5', 'b < 3.5', 'b >= -100', "c = 'x'", "c != 'y'", "d >= 'k2'", "d < 'k15'", 'id BETWEEN 100 AND 900', 'a = 7',
        'id NOT BETWEEN 200 AND 2400', 'a IN (3, -7, 11)', "(c = 'z' OR b > 500)", "d LIKE 'k2_'", "d GLOB 'k1*'",
      ];
      const groupCols = ['c', 'd', 'a'];
      const before = columnarStats.runs;
      let n = 0;
      for (let i = 0; i < 60; i++) {
        const sel = Array.from({ length: 1 + r.int(3) }, () => aggs[r.int(aggs.length)]!);
        const where = Array.from({ length: r.int(3) }, () => preds[r.int(preds.length)]!);
        const groups = r.chance(0.5) ? [] : [...new Set(Array.from({ length: 1 + r.int(2) }, () => groupCols[r.int(groupCols.length)]!))];
        const cols = [...groups, ...sel];
        const order = groups.length ? ` ORDER BY ${groups.map((_, k) => k + 1).join(', ')}` : '';
        const sql = `SELECT ${cols.join(', ')} FROM g${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${groups.length ? ` GROUP BY ${groups.join(', ')}` : ''}${order}`;
        expect(await db.prepare(sql).raw().all(), sql).toEqual(lite.prepare(sql).raw().all());
        n++;
      }
      expect(columnarStats.runs - before).toBe(n);
      await db.close();
    });
  }
});
