// Several Database handles on one engine: each plans against its branch's schema as of its
// transaction's read LSN, however long ago it last read the schema itself (core.ts begin(),
// src/sql/catalog/schema-watch.ts). A handle that planned against the schema it had cached
// re-created tables another handle had created (their rows orphaned), wrote rows in the
// layout of a dropped or altered table, and did not see new tables. What SQLite does with one
// connection per handle on one file is the reference (test/sql-stale-schema-model.test.ts
// compares random runs with it); these are the named cases.
import { describe, expect, it } from 'vitest';
import { Database, DB } from '../src/index.js';
import { LsmEngine } from '../src/lsm/engine.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

/** `n` handles on one engine, each opened (its schema read) before anything else runs. */
async function handles(n: number): Promise<{ engine: Promise<LsmEngine>; dbs: Database[]; fresh: () => Promise<Database> }> {
  const engine = LsmEngine.open({ store: new MemoryObjectStore() });
  const dbs = Array.from({ length: n }, () => new Database(() => engine, 'stale'));
  await Promise.all(dbs.map((d) => d.open()));
  return { engine, dbs, fresh: () => new Database(() => engine, 'stale').open() };
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string; retryable?: boolean }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string; retryable?: boolean };
  }
  throw new Error('expected an error');
}

describe('a handle whose cached schema another handle changed', () => {
  it('CREATE TABLE IF NOT EXISTS on a stale handle keeps the table another handle created, and its rows', async () => {
    // The public way to a second handle: a Database over the first one's engine.
    const a = DB('stale-repro', { storage: 'memory' });
    await a.open();
    const b = await new Database(() => a.engine(), 'stale-repro').open();
    await a.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await a.run("INSERT INTO t VALUES (1, 'one')");
    await b.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)');
    await b.run("INSERT INTO t VALUES (2, 'two')");
    const c = await new Database(() => a.engine(), 'stale-repro').open();
    expect(await c.query('SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
    ]);
    expect(await a.query('SELECT * FROM t ORDER BY id')).toEqual(await c.query('SELECT * FROM t ORDER BY id'));
    // A plain CREATE TABLE from the stale handle is refused as SQLite refuses it.
    expect((await errorOf(b.exec('CREATE TABLE t(id INTEGER PRIMARY KEY)'))).message).toMatch(/table t already exists/);
    // Closing a handle closes the engine it shares.
    await a.close();
  });

  it("sees another handle's new table in every way it reads (fast path, prepared, iterate, BEGIN)", async () => {
    const { dbs: [a, b] } = await handles(2);
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await a!.run("INSERT INTO t VALUES (1, 'one')");
    expect(await b!.query('SELECT v FROM t WHERE id = 1')).toEqual([{ v: 'one' }]);
    expect(await b!.prepare('SELECT v FROM t WHERE id = ?').all(1)).toEqual([{ v: 'one' }]);
    const seen: unknown[] = [];
    await a!.run("INSERT INTO t VALUES (2, 'two')");
    for await (const r of b!.prepare('SELECT id FROM t ORDER BY id').iterate()) seen.push(r);
    expect(seen).toEqual([{ id: 1 }, { id: 2 }]);
    await a!.exec('CREATE TABLE u(id INTEGER PRIMARY KEY)');
    await b!.exec('BEGIN');
    await b!.run('INSERT INTO u VALUES (7)');
    await b!.exec('COMMIT');
    expect(await a!.query('SELECT id FROM u')).toEqual([{ id: 7 }]);
  });

  it("writes into a table another handle altered in the table's new layout, never the old one", async () => {
    const { dbs: [a, b], fresh } = await handles(2);
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await b!.run("INSERT INTO t VALUES (1, 'one')");
    const ins = b!.prepare('INSERT INTO t(id, v) VALUES (?, ?)');
    await ins.run(2, 'two');
    await a!.exec('ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 9');
    // As SQLite: the statement is planned again against the table's three columns.
    expect((await errorOf(b!.run("INSERT INTO t VALUES (3, 'three')"))).message).toMatch(/table t has 3 columns but 2 values were supplied/);
    await ins.run(3, 'three');
    await b!.run("INSERT INTO t VALUES (4, 'four', 4)");
    await b!.run('UPDATE t SET w = 5 WHERE id = 1');
    const c = await fresh();
    const want = [
      { id: 1, v: 'one', w: 5 },
      { id: 2, v: 'two', w: 9 },
      { id: 3, v: 'three', w: 9 },
      { id: 4, v: 'four', w: 4 },
    ];
    expect(await c.query('SELECT * FROM t ORDER BY id')).toEqual(want);
    expect(await b!.query('SELECT * FROM t ORDER BY id')).toEqual(want);
    expect(await a!.query('SELECT * FROM t ORDER BY id')).toEqual(want);
  });

  it('a prepared statement of a stale handle follows drops, re-creations and new indexes', async () => {
    const { dbs: [a, b], fresh } = await handles(2);
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const sel = b!.prepare('SELECT * FROM t ORDER BY id');
    const ins = b!.prepare('INSERT INTO t VALUES (?, ?)');
    await ins.run(1, 'one');
    expect(await sel.all()).toEqual([{ id: 1, v: 'one' }]);
    await a!.exec('DROP TABLE t');
    expect((await errorOf(sel.all())).message).toMatch(/no such table: t/);
    expect((await errorOf(ins.run(2, 'two'))).message).toMatch(/no such table: t/);
    // Re-created with its columns the other way round: rows go where the new table says.
    await a!.exec('CREATE TABLE t(v TEXT, id INTEGER PRIMARY KEY)');
    await ins.run('two', 2);
    expect(await sel.all()).toEqual([{ v: 'two', id: 2 }]);
    // A unique index another handle made is maintained and enforced by this handle's writes.
    await a!.exec('CREATE UNIQUE INDEX tv ON t(v)');
    await ins.run('three', 3);
    expect((await errorOf(ins.run('three', 4))).code).toBe('CONSTRAINT_UNIQUE');
    const c = await fresh();
    expect(await c.query('SELECT id FROM t INDEXED BY tv WHERE v = ?', ['three'])).toEqual([{ id: 3 }]);
    expect(await c.query('SELECT * FROM t ORDER BY id')).toEqual([
      { v: 'two', id: 2 },
      { v: 'three', id: 3 },
    ]);
  });

  it('a schema change committed after a transaction began makes its commit a retryable WRITE_CONFLICT; the retry uses the new schema', async () => {
    const { dbs: [a, b], fresh } = await handles(2);
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await b!.run("INSERT INTO t VALUES (1, 'one')");
    for (const ddl of ['ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7', 'CREATE UNIQUE INDEX tv ON t(v)', 'DROP TABLE t']) {
      // b's transaction plans and writes against the schema as of its read LSN; a changes the
      // schema before b commits.
      let attempts = 0;
      const tx = b!.transaction(
        async (t) => {
          attempts++;
          await t.run('INSERT INTO t(id, v) VALUES (?, ?)', [10 + attempts, 'x']);
          if (attempts === 1) await a!.exec(ddl);
        },
        { retries: 0 },
      );
      const e = await errorOf(tx);
      expect(e, ddl).toMatchObject({ code: 'WRITE_CONFLICT', retryable: true });
      expect(e.message).toMatch(/the schema/);
      // Nothing of it was written, in any layout.
      const c = await fresh();
      if (ddl.startsWith('DROP')) expect((await errorOf(c.query('SELECT * FROM t'))).message).toMatch(/no such table/);
      else expect(await c.query('SELECT id FROM t WHERE id > 1')).toEqual([]);
    }
    // With retries, the second attempt plans against the new schema.
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    let attempts = 0;
    await b!.transaction(
      async (t) => {
        attempts++;
        await t.run('INSERT INTO t(id, v) VALUES (?, ?)', [attempts, 'x']);
        if (attempts === 1) await a!.exec('ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7');
      },
      { retries: 1 },
    );
    expect(attempts).toBe(2);
    expect(await (await fresh()).query('SELECT * FROM t')).toEqual([{ id: 2, v: 'x', w: 7 }]);
  });

  it("handles on one branch see each other's schema; another branch's schema changes are not theirs", async () => {
    const { dbs: [a, b, m], fresh } = await handles(3);
    await a!.branch('feature');
    await a!.checkout('feature');
    await b!.checkout('feature');
    await a!.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await a!.run("INSERT INTO t VALUES (1, 'one')");
    await b!.exec('CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)');
    await b!.run("INSERT INTO t VALUES (2, 'two')");
    // Main's own table of the same name is another table.
    await m!.exec('CREATE TABLE t(x INTEGER)');
    await m!.run('INSERT INTO t VALUES (42)');
    expect(await b!.query('SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'one' },
      { id: 2, v: 'two' },
    ]);
    const c = await fresh();
    await c.checkout('feature');
    expect(await c.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
    await c.checkout('main');
    expect(await c.query('SELECT * FROM t')).toEqual([{ x: 42 }]);
  });
});
