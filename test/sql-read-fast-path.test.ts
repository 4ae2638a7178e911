// The read fast path of prepared point selects (statement-runner.ts tryRead, core.ts
// tryBeginRead): it reuses one read transaction while nothing was committed, so these check
// that every read still sees the latest commit, the current schema (TEMP tables shadowing
// main ones included) and its own transaction's writes, against SQLite, and that no read
// view stays pinned (or is released twice) afterwards.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

describe('prepared point selects on the read fast path', () => {
  it('answer as SQLite through random writes, flushes, transactions and TEMP shadowing', async () => {
    const db = DB('fastpath', { storage: 'memory' });
    const lite = new Database(':memory:');
    const setup = 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, u INTEGER UNIQUE); CREATE TABLE w(a TEXT, b INTEGER, PRIMARY KEY(a, b)) WITHOUT ROWID';
    await db.exec(setup);
    lite.exec(setup);
    const reads = [
      'SELECT * FROM t WHERE id = ?',
      'SELECT v, rowid AS r FROM t WHERE rowid = ?',
      'SELECT id, v FROM t WHERE u = ?',
      'SELECT * FROM w WHERE a = ? AND b = ?',
    ];
    const dReads = reads.map((q) => db.prepare(q));
    const sReads = reads.map((q) => lite.prepare(q));
    const rng = new Prng(17);
    const engine = await db.engine();
    let tempT = false;
    const read = async (i: number, k: number): Promise<void> => {
      const args = i === 3 ? [`k${k % 5}`, k] : [k];
      const got = await dReads[i]!.get(...args);
      const want = sReads[i]!.get(...args);
      expect(got, `${reads[i]} ${JSON.stringify(args)}`).toEqual(want);
      expect(await dReads[i]!.all(...args)).toEqual(sReads[i]!.all(...args));
    };
    for (let step = 0; step < 600; step++) {
      const k = rng.int(20);
      const op = rng.int(12);
      if (op < 5) await read(rng.int(reads.length), k);
      else if (op < 8) {
        const sql = ['INSERT OR REPLACE INTO t VALUES (?, ?, ?)', 'DELETE FROM t WHERE id = ?', 'INSERT OR IGNORE INTO w VALUES (?, ?)'][op - 5]!;
        const args = op === 5 ? [k, `v${step}`, rng.int(30)] : op === 6 ? [k] : [`k${k % 5}`, k];
        // UNIQUE(u) may refuse a row: both must then refuse it.
        let dErr = '';
        let sErr = '';
        try {
          await db.run(sql, args);
        } catch {
          dErr = 'failed';
        }
        try {
          lite.prepare(sql).run(...args);
        } catch {
          sErr = 'failed';
        }
        expect(dErr, sql).toBe(sErr);
      } else if (op === 8) await engine.flush();
      else if (op === 9) {
        // Reads inside a transaction see its own writes (the general path), then the commit.
        await db.transaction(async (tx) => {
          await tx.run('UPDATE t SET v = ? WHERE id = ?', [`tx${step}`, k]);
          expect(await tx.queryOne('SELECT v FROM t WHERE id = ?', [k])).toEqual(lite.transaction(() => {
            lite.prepare('UPDATE t SET v = ? WHERE id = ?').run(`tx${step}`, k);
            return lite.prepare('SELECT v FROM t WHERE id = ?').get(k);
          })());
        });
        await read(0, k);
      } else if (op === 10) {
        // A TEMP table of the same name shadows main's: the same prepared text reads it.
        const sql = tempT ? 'DROP TABLE temp.t' : 'CREATE TEMP TABLE t(id INTEGER PRIMARY KEY, v TEXT, u INTEGER)';
        await db.exec(sql);
        lite.exec(sql);
        tempT = !tempT;
        if (tempT) {
          await db.run('INSERT INTO temp.t VALUES (?, ?, ?)', [k, 'temp', 1]);
          lite.prepare('INSERT INTO temp.t VALUES (?, ?, ?)').run(k, 'temp', 1);
        }
        await read(0, k);
      } else {
        // Several reads at once: some may wait for I/O while others reuse the view.
        await Promise.all([0, 1, 2].map((i) => read(i, (k + i) % 20)));
      }
    }
    expect(engine.stats().openReadViews).toBe(0);
    await db.close();
    lite.close();
  });

  it('pins no read view once reads end, and leaves an open transaction pinned', async () => {
    const db = DB('fastpath-pins', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.run('INSERT INTO t VALUES (1, ?)', ['a']);
    const engine = await db.engine();
    const get = db.prepare('SELECT v FROM t WHERE id = ?');
    for (let i = 0; i < 10; i++) expect(await get.get(1)).toEqual({ v: 'a' });
    expect(engine.stats().openReadViews).toBe(0);
    // A transaction reading the same commit as the reused view: its pin must survive the reads.
    const kv = engine.begin();
    expect(engine.stats().openReadViews).toBe(1);
    for (let i = 0; i < 10; i++) expect(await get.get(1)).toEqual({ v: 'a' });
    expect(engine.stats().openReadViews).toBe(1);
    kv.rollback();
    expect(engine.stats().openReadViews).toBe(0);
    // What the fast path does with its transaction: released, pinned again for the next read.
    kv.reacquire();
    expect(kv.released).toBe(false);
    expect(engine.stats().openReadViews).toBe(1);
    kv.release();
    kv.release();
    expect(engine.stats().openReadViews).toBe(0);
    const w = engine.begin();
    w.put(new Uint8Array([200, 1]), new Uint8Array([1]));
    w.release();
    expect(() => w.reacquire()).toThrow(/never wrote/);
    await db.close();
  });
});
