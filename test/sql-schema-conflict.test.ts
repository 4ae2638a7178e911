// A transaction whose schema changed under it must not commit writes planned against the old
// schema (they would miss a new index's entries): the commit claims the catalog's key range
// (src/sql/txn/transaction.ts, claimSchema) and fails with WRITE_CONFLICT, retryable. The other
// way round, an index built from the rows as of its read LSN must not commit when the table
// changed since (it claims the table's keys, src/sql/planner/plan-ddl.ts backfill).
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';

describe('schema changes and concurrent transactions', () => {
  it('a transaction that began before a CREATE INDEX committed retries instead of skipping the index', async () => {
    const db = DB('schema1', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let attempts = 0;
    const tx = db.transaction(
      async (t) => {
        attempts++;
        await t.run('INSERT INTO t(id, a) VALUES (?, 5)', [attempts]);
        if (attempts === 1) await gate;
      },
      { retries: 1 },
    );
    // Let the transaction write, then change the schema under it.
    await new Promise((r) => setTimeout(r, 10));
    await db.run('CREATE UNIQUE INDEX ta ON t(a)');
    release();
    await tx;
    expect(attempts).toBe(2);
    // The retried insert maintained the index: a second row with a = 5 violates it.
    await expect(db.run('INSERT INTO t(id, a) VALUES (9, 5)')).rejects.toMatchObject({ code: 'CONSTRAINT_UNIQUE' });
    await db.close();
  });

  it('a transaction begun while its handle commits a schema change (catalog not reloaded yet) plans against the new schema', async () => {
    const db = DB('schema2', { storage: 'memory' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER)');
    const engine = await db.engine();
    let started: Promise<void> | undefined;
    // Runs when the CREATE INDEX commit becomes visible, before the handle has reloaded its
    // catalog: the transaction reads at the new LSN, so it must plan against the new schema.
    const off = engine.onCommit(() => {
      if (started) return;
      started = db.transaction(async (t) => {
        await t.run('INSERT INTO t(id, a) VALUES (1, 5)');
      });
    });
    await db.run('CREATE UNIQUE INDEX ta ON t(a)');
    off();
    await started;
    // Its row has its index entry: a second row with a = 5 violates the index, and a lookup
    // through the index finds it.
    await expect(db.run('INSERT INTO t(id, a) VALUES (2, 5)')).rejects.toMatchObject({ code: 'CONSTRAINT_UNIQUE' });
    expect(await db.query('SELECT id FROM t INDEXED BY ta WHERE a = 5')).toEqual([{ id: 1 }]);
    await db.close();
  });

  it('a CREATE INDEX whose table another transaction changed after its read LSN conflicts instead of missing the change', async () => {
    for (const change of ['INSERT INTO t VALUES (2, 20)', 'UPDATE t SET v = 30 WHERE id = 1', 'DELETE FROM t WHERE id = 1']) {
      const db = DB('schema3', { storage: 'memory' });
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)');
      await db.run('INSERT INTO t VALUES (1, 10)');
      let attempts = 0;
      // The index is built from the rows as of the read LSN; the change commits before it.
      await db.transaction(
        async (t) => {
          attempts++;
          await t.run('CREATE INDEX tv ON t(v)');
          if (attempts === 1) await db.run(change);
        },
        { retries: 1 },
      );
      expect(attempts, change).toBe(2);
      // The index agrees with the table for every value.
      for (const v of [10, 20, 30]) {
        expect(await db.query('SELECT id FROM t INDEXED BY tv WHERE v = ?', [v]), `${change}: v = ${v}`).toEqual(await db.query('SELECT id FROM t WHERE v + 0 = ?', [v]));
      }
      await db.close();
    }
  });
});
