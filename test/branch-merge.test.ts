// Branches: isolation (data and DDL), O(1) creation, and three-way merges with every
// strategy: clean cell-level merges, conflicts, delete vs update, schema changes on one side,
// merges after both sides were compacted, and manual resolution.
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, type Database } from '../src/index.js';

async function setup(name: string): Promise<Database> {
  const db = DB(name, { storage: 'memory', memtableBytes: 8 * 1024, workerThreads: false });
  await db.exec('CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, price REAL, qty INTEGER); CREATE INDEX item_name ON item(name)');
  await db.run("INSERT INTO item VALUES (1, 'pen', 1.5, 10), (2, 'ink', 3, 5), (3, 'cap', 2, 1), (4, 'box', 7, 7)");
  return db;
}

const rows = (db: Database): Promise<unknown[]> => db.query('SELECT * FROM item ORDER BY id');

describe('branches', () => {
  it('isolate writes and DDL; reads see the parent at the base plus own writes; creation copies nothing', async () => {
    const db = await setup('iso');
    const engine = await db.engine();
    const filesBefore = engine.stats().sstBytes;
    await db.branch('b');
    expect(engine.stats().sstBytes).toBe(filesBefore);
    await db.run('UPDATE item SET price = 100 WHERE id = 1'); // on main, after the branch point
    await db.checkout('b');
    expect(db.currentBranch()).toBe('b');
    expect(await db.query('SELECT price FROM item WHERE id = 1')).toEqual([{ price: 1.5 }]);
    await db.exec("ALTER TABLE item ADD COLUMN color TEXT DEFAULT 'red'; CREATE TABLE note(id INTEGER PRIMARY KEY, t TEXT)");
    await db.run("INSERT INTO note VALUES (1, 'only on b')");
    await db.run('DELETE FROM item WHERE id = 2');
    expect(await db.query("SELECT id, color FROM item WHERE name = 'ink'")).toEqual([]);
    expect(await db.query('SELECT count(*) AS n FROM item')).toEqual([{ n: 3 }]);
    await db.checkout('main');
    await expect(db.query('SELECT * FROM note')).rejects.toMatchObject({ code: 'SQL_ERROR' });
    await expect(db.query('SELECT color FROM item')).rejects.toMatchObject({ code: 'SQL_ERROR' });
    expect(await db.query('SELECT id FROM item ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    await expect(db.deleteBranch('b')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.deleteBranch('b', { force: true });
    expect((await db.listBranches()).map((b) => b.name)).toEqual(['main']);
    await db.close();
  });

  it('merges cleanly cell by cell, including inserts, deletes and index maintenance', async () => {
    const db = await setup('clean');
    await db.branch('f');
    await db.checkout('f');
    await db.run('UPDATE item SET qty = 50 WHERE id = 1');
    await db.run("INSERT INTO item VALUES (5, 'mug', 4, 2)");
    await db.run('DELETE FROM item WHERE id = 3');
    await db.run("UPDATE item SET name = 'INK' WHERE id = 2");
    await db.checkout('main');
    await db.run('UPDATE item SET price = 2.5 WHERE id = 1'); // other column of the same row
    expect(await db.compareBranches('main', 'f')).toMatchObject({ ahead: 1, behind: 4, diverged: true });
    const r = await db.merge('f');
    expect(r.merged).toBe(true);
    expect(r.conflicts).toEqual([]);
    expect(await rows(db)).toEqual([
      { id: 1, name: 'pen', price: 2.5, qty: 50 },
      { id: 2, name: 'INK', price: 3, qty: 5 },
      { id: 4, name: 'box', price: 7, qty: 7 },
      { id: 5, name: 'mug', price: 4, qty: 2 },
    ]);
    // The index follows the merged rows.
    expect(await db.query("SELECT id FROM item WHERE name = 'INK'")).toEqual([{ id: 2 }]);
    expect(await db.query("SELECT id FROM item WHERE name = 'ink'")).toEqual([]);
    expect(await db.query("SELECT id FROM item WHERE name = 'mug'")).toEqual([{ id: 5 }]);
    // The merge is one commit and appears in history.
    expect(await db.query(`SELECT count(*) AS n FROM item FOR SYSTEM_TIME AS OF LSN ${r.lsn! - 1}`)).toEqual([{ n: 4 }]);
    expect((await db.listBranches()).find((b) => b.name === 'f')?.merged).toBe(true);
    await db.deleteBranch('f');
    await db.close();
  });

  for (const strategy of ['ours', 'theirs', 'auto', 'manual'] as const) {
    it(`settles a cell conflict and a delete-vs-update conflict with strategy ${strategy}`, async () => {
      const db = await setup(`conf-${strategy}`);
      await db.branch('f');
      await db.checkout('f');
      await db.run('UPDATE item SET price = 9 WHERE id = 1');
      await db.run('UPDATE item SET qty = 0 WHERE id = 2');
      await db.checkout('main');
      await db.run('UPDATE item SET price = 8 WHERE id = 1');
      await db.run('DELETE FROM item WHERE id = 2');
      if (strategy === 'auto') {
        const err = await db.merge('f').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DoSQLError);
        expect((err as DoSQLError).code).toBe('MERGE_CONFLICT');
        const conflicts = (err as DoSQLError).details.conflicts as { table: string; column: string; base: unknown; ours: unknown; theirs: unknown }[];
        expect(conflicts).toEqual([
          expect.objectContaining({ table: 'item', key: [1], column: 'price', base: 1.5, ours: 8, theirs: 9 }),
          expect.objectContaining({ table: 'item', key: [2], column: '*', ours: undefined, theirs: expect.stringContaining('"qty":0') }),
        ]);
        expect(await db.query('SELECT price FROM item WHERE id = 1')).toEqual([{ price: 8 }]);
        await db.close();
        return;
      }
      if (strategy === 'manual') {
        const m = await db.merge('f', { strategy: 'manual' });
        expect(m.merged).toBe(false);
        expect(m.conflicts).toHaveLength(2);
        await expect(db.completeMerge()).rejects.toMatchObject({ code: 'MERGE_CONFLICT' });
        db.resolveConflict(m.conflicts[0]!.id, 8.75);
        db.resolveConflict(m.conflicts[1]!.id, 'theirs');
        await db.completeMerge();
        expect(await db.query('SELECT id, price, qty FROM item WHERE id IN (1, 2) ORDER BY id')).toEqual([
          { id: 1, price: 8.75, qty: 10 },
          { id: 2, price: 3, qty: 0 },
        ]);
      } else {
        await db.merge('f', { strategy });
        const want =
          strategy === 'ours'
            ? [{ id: 1, price: 8, qty: 10 }]
            : [
                { id: 1, price: 9, qty: 10 },
                { id: 2, price: 3, qty: 0 },
              ];
        expect(await db.query('SELECT id, price, qty FROM item WHERE id IN (1, 2) ORDER BY id')).toEqual(want);
      }
      await db.close();
    });
  }

  it('merges a schema change made on one side, after both sides were flushed and compacted', async () => {
    const db = await setup('schema');
    await db.branch('f');
    await db.checkout('f');
    await db.exec("ALTER TABLE item ADD COLUMN color TEXT DEFAULT 'red'");
    await db.run("UPDATE item SET color = 'blue' WHERE id = 3");
    await db.exec('CREATE TABLE note(id INTEGER PRIMARY KEY, t TEXT)');
    await db.run("INSERT INTO note VALUES (1, 'from f')");
    for (let i = 0; i < 40; i++) await db.run('UPDATE item SET qty = ? WHERE id = 4', [i]);
    const engine = await db.engine();
    await engine.flush();
    await engine.compact({ full: true });
    await db.checkout('main');
    await db.run('UPDATE item SET price = 1 WHERE id = 1');
    await engine.flush();
    await engine.compact({ full: true });
    const r = await db.merge('f');
    expect(r.conflicts).toEqual([]);
    expect(await db.query('SELECT id, price, qty, color FROM item ORDER BY id')).toEqual([
      { id: 1, price: 1, qty: 10, color: 'red' },
      { id: 2, price: 3, qty: 5, color: 'red' },
      { id: 3, price: 2, qty: 1, color: 'blue' },
      { id: 4, price: 7, qty: 39, color: 'red' },
    ]);
    expect(await db.query('SELECT * FROM note')).toEqual([{ id: 1, t: 'from f' }]);
    await db.close();
  });

  it('diff shows added, removed and changed rows between two points', async () => {
    const db = await setup('diff');
    const before = await db.createSnapshot();
    await db.run("INSERT INTO item VALUES (9, 'new', 1, 1)");
    await db.run('DELETE FROM item WHERE id = 4');
    await db.run('UPDATE item SET qty = 11 WHERE id = 1');
    const { snapshot } = await import('../src/index.js');
    const d = await db.diff(snapshot(before.name), 'main', { table: 'item' });
    expect(d.added).toEqual([{ id: 9, name: 'new', price: 1, qty: 1 }]);
    expect(d.removed).toEqual([{ id: 4, name: 'box', price: 7, qty: 7 }]);
    expect(d.changed).toEqual([{ before: { id: 1, name: 'pen', price: 1.5, qty: 10 }, after: { id: 1, name: 'pen', price: 1.5, qty: 11 } }]);
    await db.close();
  });
});
