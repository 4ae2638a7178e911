// Point lookups by key on columnar runs (src/cold/cold-group.ts: the typed key search through
// ColdRowDecoder.keyOf, dictionary pages read value by value through columnar/page-view.ts)
// answer exactly as SQLite does on the same data: random tables of each key shape, a cold
// compaction, random hot DML over them (updated and deleted keys in the memtable and in
// flushed SSTables overriding the cold row, inserts between and beyond the runs' keys), a
// second cold compaction (runs holding several versions of a key), then lookups of present,
// absent and changed keys now, FOR SYSTEM_TIME AS OF past LSNs (a SQLite copy kept at each)
// and on a branch whose base is cold.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { coldDecodeStats } from '../src/cold/cold-group.js';
import { Prng } from '../src/util/prng.js';
import { apply, randomChange, randomRow, SHAPES, type ChangeMix, type Shape, type Value } from './support/columnar-gen.js';

const ROWS = 3000;
const MIX: ChangeMix = { rows: ROWS, rangeSet: 'b = b + 1', updateSpan: 6, deleteSpan: 4 };

/**
 * What a lookup reads: whole rows or some columns (a run's point read then decodes only those
 * columns' pages: ColdRowDecoder.reads), in expressions too.
 */
const PROJECTIONS = ['*', 'b', 'a, d', 'c, id', "d || '/' || a", 'b + a, c', 'count(*)'];

/** A lookup of one key (present, absent between two keys, or beyond either end), by the table's key. */
function lookup(r: Prng, s: Shape): { sql: string; param: Value } {
  const cols = PROJECTIONS[r.int(PROJECTIONS.length)]!;
  if (s.explicitKey) return { sql: `SELECT ${cols} FROM t{from} WHERE id = ?`, param: s.key(r.int(2 * ROWS + 8) - 4) };
  return { sql: `SELECT rowid, ${cols} FROM t{from} WHERE rowid = ?`, param: r.int(ROWS + 60) - 4 };
}

describe('cold point lookups', () => {
  for (const [i, shape] of SHAPES.entries()) {
    it(`answer like SQLite now, AS OF past LSNs and on a branch whose base is cold (${shape.label})`, async () => {
      const r = new Prng(700 + i);
      const lite = new Database(':memory:');
      lite.exec(shape.setup);
      const db = DB(`pt${i}`, { storage: 'memory', retention: 'forever' });
      await db.exec(shape.setup);
      const ins = 'INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)';
      const rows = Array.from({ length: ROWS }, (_, k) => [shape.key(2 * k), ...randomRow(r)]);
      for (const row of rows) lite.prepare(ins).run(...row);
      await db.transaction(async (tx) => {
        for (const row of rows) await tx.run(ins, row);
      });
      await db.compact({ tier: 'cold' });
      const engine = await db.engine();
      const points: { lsn: number; lite: Database.Database }[] = [{ lsn: engine.lastVisibleLsn, lite: new Database(lite.serialize()) }];
      const changes = async (n: number, target: Database.Database = lite): Promise<void> => {
        for (let k = 0; k < n; k++) {
          const lsn = await apply(db, target, randomChange(r, shape, MIX));
          if (k % 10 === 9) await engine.flush();
          if (target === lite && k % 15 === 14) points.push({ lsn, lite: new Database(lite.serialize()) });
        }
      };
      const check = async (target: Database.Database, from: string, n: number): Promise<void> => {
        const typed = coldDecodeStats.typedSeeks;
        for (let k = 0; k < n; k++) {
          const q = lookup(r, shape);
          const want = target.prepare(q.sql.replace('{from}', '')).raw().all(q.param);
          const sql = q.sql.replace('{from}', from);
          expect(await db.prepare(sql).raw().all(q.param), `${sql} [${String(q.param)}]`).toEqual(want);
        }
        // The lookups searched the runs' typed key columns.
        expect(coldDecodeStats.typedSeeks, from).toBeGreaterThan(typed);
      };
      // One version per key in the runs; first lookups on a fresh cache.
      await check(lite, '', 150);
      await changes(60);
      await check(lite, '', 150);
      await db.branch('b');
      const liteB = new Database(lite.serialize());
      await changes(30);
      await db.checkout('b');
      await changes(30, liteB);
      await db.checkout('main');
      // Runs holding several versions per key, then more hot DML above them.
      await db.compact({ tier: 'cold' });
      await changes(45);
      await check(lite, '', 200);
      for (const p of points) await check(p.lite, ` FOR SYSTEM_TIME AS OF LSN ${p.lsn}`, 80);
      await check(liteB, " FOR SYSTEM_TIME AS OF BRANCH 'b'", 100);
      await db.checkout('b');
      await check(liteB, '', 100);
      // Value columns' dictionary pages were read value by value.
      expect(coldDecodeStats.viewPages).toBeGreaterThan(0);
      await db.close();
    }, 120_000);
  }

  it('a lookup of some columns decodes only their pages; the rest decode when a later read asks for them', async () => {
    const db = DB('ptcols', { storage: 'memory' });
    await db.exec(SHAPES[0]!.setup);
    const r = new Prng(7);
    await db.transaction(async (tx) => {
      for (let k = 0; k < ROWS; k++) await tx.run('INSERT INTO t(id, a, b, c, d) VALUES (?, ?, ?, ?, ?)', [k, ...randomRow(r)]);
    });
    const whole = (await db.prepare('SELECT * FROM t WHERE id = ?').raw().all(5)) as unknown[][];
    await db.compact({ tier: 'cold' });
    const pages = coldDecodeStats.pages;
    expect(await db.prepare('SELECT b FROM t WHERE id = ?').raw().all(5)).toEqual([[whole[0]![2]]]);
    // b's page, not a, c and d's (nor the slot counts': one value in the group, by its statistics).
    expect(coldDecodeStats.pages - pages).toBe(1);
    expect(await db.prepare('SELECT * FROM t WHERE id = ?').raw().all(5)).toEqual(whole);
    expect(coldDecodeStats.pages - pages).toBe(4);
    await db.close();
  });
});
