// Scans through branch layers (the branch's own key space over its parent's as of the base
// LSN, batched merge in src/mvcc/layers.ts) equal an in-memory model of each branch:
// writes and deletes on every level, nested branches, batches of 256 crossed many times.
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

describe('branch scans', () => {
  for (const seed of [3, 4]) {
    it(`equal the model on main, a branch and a branch of the branch (seed ${seed})`, async () => {
      const r = new Prng(seed);
      const db = DB('bs', { storage: 'memory', memtableBytes: 32 * 1024 });
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)');
      const models = new Map<string, Map<number, number>>([['main', new Map()]]);
      const step = async (branch: string, n: number): Promise<void> => {
        const m = models.get(branch)!;
        await db.transaction(async (tx) => {
          for (let i = 0; i < n; i++) {
            const id = r.int(1500);
            if (r.chance(0.25)) {
              await tx.run('DELETE FROM t WHERE id = ?', [id]);
              m.delete(id);
            } else {
              const v = r.int(1_000_000);
              await tx.run('INSERT OR REPLACE INTO t VALUES (?, ?)', [id, v]);
              m.set(id, v);
            }
          }
        });
      };
      const check = async (branch: string): Promise<void> => {
        await db.checkout(branch);
        const want = [...models.get(branch)!.entries()].sort((a, b) => a[0] - b[0]).map(([id, v]) => ({ id, v }));
        expect(await db.query('SELECT id, v FROM t ORDER BY id')).toEqual(want);
        expect(await db.query('SELECT count(*) AS n, sum(v) AS s FROM t')).toEqual([{ n: want.length, s: want.length ? want.reduce((a, x) => a + x.v, 0) : null }]);
        expect(await db.query('SELECT id FROM t WHERE id BETWEEN 300 AND 700 ORDER BY id DESC')).toEqual(want.filter((x) => x.id >= 300 && x.id <= 700).reverse().map((x) => ({ id: x.id })));
      };
      await step('main', 1200);
      await db.branch('b1');
      models.set('b1', new Map(models.get('main')!));
      await db.checkout('b1');
      await step('b1', 600);
      await db.branch('b2');
      models.set('b2', new Map(models.get('b1')!));
      await db.checkout('b2');
      await step('b2', 500);
      await db.checkout('main');
      await step('main', 400); // after the branch points: invisible to b1 and b2
      await (await db.engine()).flush();
      for (const b of ['b2', 'b1', 'main']) await check(b);
      await db.checkout('b1');
      await step('b1', 300);
      for (const b of ['b1', 'b2']) await check(b);
      await db.close();
    });
  }

  it('read every parent row once when a key has several versions across a batch boundary', async () => {
    // Each key of main has three versions in the memtable; a branch scan reads main's layer in
    // batches of 256 keys and rewrites each key into the branch's key space. The older
    // versions of a batch's last key come after the batch: they must still be skipped.
    const db = DB('bv', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)');
    const n = 1000;
    for (let round = 0; round < 3; round++) {
      await db.transaction(async (tx) => {
        for (let i = 0; i < n; i++) await tx.run('INSERT OR REPLACE INTO t VALUES (?, ?)', [i, i * 10 + round]);
      });
    }
    const want = [{ n, s: Array.from({ length: n }, (_, i) => i * 10 + 2).reduce((a, b) => a + b, 0) }];
    expect(await db.query('SELECT count(*) AS n, sum(v) AS s FROM t')).toEqual(want);
    await db.branch('b1');
    await db.checkout('b1');
    expect(await db.query('SELECT count(*) AS n, sum(v) AS s FROM t')).toEqual(want);
    expect((await db.query('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => i));
    await db.close();
  });
});
