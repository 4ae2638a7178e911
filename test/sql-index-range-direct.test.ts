// The engine's direct range path (src/lsm/range-direct.ts: a range whose only source is one
// memtable is read by walking that memtable, visibility resolved inline) against SQLite, in
// the state bench/sql.ts leaves: rows flushed to SSTables, then the index built, so its
// entries sit in the memtable alone. Each step changes what a range sees through that one
// memtable (newer versions, tombstones, LSNs past a read point), or adds a second source of
// the range (entries flushed, a tombstone in the memtable over them) where the direct path
// must step aside; ranges longer than one batch resume where the previous batch stopped.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

const N = 1200;

describe('index ranges read by the direct memtable path', () => {
  for (const seed of [5, 6]) {
    it(`equal SQLite's answers through updates, deletes, AS OF, own writes and a flush (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const db = DB(`ixd${seed}`, { storage: 'memory', retention: 'forever' });
      const lite = new Database(':memory:');
      const both = async (sql: string, p: (number | string)[] = []): Promise<number> => {
        const res = await db.run(sql, p);
        lite.prepare(sql).run(...p);
        return res.lsn;
      };
      await both('CREATE TABLE t(id INTEGER PRIMARY KEY, s REAL, n TEXT)');
      await db.transaction(async (tx) => {
        for (let i = 0; i < N; i++) {
          const row = [i, Math.floor(i / 4) / 2, `n${i}`];
          await tx.run('INSERT INTO t VALUES (?, ?, ?)', row);
          lite.prepare('INSERT INTO t VALUES (?, ?, ?)').run(...row);
        }
      });
      const engine = await db.engine();
      await engine.flush();
      await both('CREATE INDEX t_s ON t(s)');
      const sql = 'SELECT id, s, n FROM t WHERE s BETWEEN ? AND ? ORDER BY id';
      // Short ranges and ranges over several batches (256 entries).
      const ranges = (): [number, number][] => Array.from({ length: 12 }, (_, i) => {
        const lo = r.int(150);
        return [lo, lo + (i % 3 === 0 ? 100 : r.int(6))];
      });
      const check = async (phase: string): Promise<void> => {
        expect(JSON.stringify(await db.query(`EXPLAIN QUERY PLAN ${sql}`, [1, 2]))).toContain('USING INDEX');
        for (const [lo, hi] of ranges()) expect(await db.query(sql, [lo, hi]), `${phase} ${lo}..${hi}`).toEqual(lite.prepare(sql).all(lo, hi));
      };
      await check('index in the memtable');
      // A read point before the changes, and every answer at it.
      const at = (await db.run('UPDATE t SET n = n WHERE id = 0')).lsn;
      lite.prepare('UPDATE t SET n = n WHERE id = 0').run();
      const past = ranges().map(([lo, hi]) => ({ lo, hi, want: lite.prepare(sql).all(lo, hi) }));
      for (let i = 0; i < 150; i++) {
        const id = r.int(N);
        if (r.chance(0.4)) await both('DELETE FROM t WHERE id = ?', [id]);
        else if (r.chance(0.5)) await both('UPDATE t SET s = ? WHERE id = ?', [r.int(300) / 2, id]);
        else await both('INSERT OR REPLACE INTO t VALUES (?, ?, ?)', [id, r.int(300) / 2, `r${i}`]);
      }
      await check('newer versions and tombstones in the memtable');
      const asOf = `SELECT id, s, n FROM t FOR SYSTEM_TIME AS OF LSN ${at} WHERE s BETWEEN ? AND ? ORDER BY id`;
      for (const p of past) expect(await db.query(asOf, [p.lo, p.hi]), `AS OF ${at} ${p.lo}..${p.hi}`).toEqual(p.want);
      // Own uncommitted writes in the range.
      await db.transaction(async (tx) => {
        await tx.run('UPDATE t SET s = 3.25 WHERE id IN (1, 2, 3)');
        await tx.run('DELETE FROM t WHERE s = 4');
        const got = await tx.query(sql, [3, 4]);
        const ids = (got as { id: number }[]).map((x) => x.id);
        expect(ids).toEqual(expect.arrayContaining([1, 2, 3]));
        expect((got as { s: number }[]).some((x) => x.s === 4)).toBe(false);
        throw new Error('rollback');
      }).catch((e: Error) => expect(e.message).toBe('rollback'));
      await check('after a rolled-back transaction');
      // The index entries flushed; tombstones and new entries in the memtable over them.
      await engine.flush();
      await check('index flushed');
      for (const p of past) expect(await db.query(asOf, [p.lo, p.hi]), `AS OF ${at} from the flushed file ${p.lo}..${p.hi}`).toEqual(p.want);
      for (let i = 0; i < 100; i++) {
        const id = r.int(N);
        if (r.chance(0.5)) await both('DELETE FROM t WHERE id = ?', [id]);
        else await both('UPDATE t SET s = ? WHERE id = ?', [r.int(300) / 2, id]);
      }
      await check('tombstones in the memtable over flushed index entries');
      for (const p of past) expect(await db.query(asOf, [p.lo, p.hi]), `AS OF ${at} after the flush ${p.lo}..${p.hi}`).toEqual(p.want);
      await db.close();
      lite.close();
    });
  }
});
