// The autocommit statement that completes synchronously (Session.execAutocommit): db.run and
// Statement.run of an INSERT / UPDATE / DELETE whose rows are in memory and whose commit the
// write path made durable at once answer with one resolved promise. It must keep what the
// general path (execPrepared) keeps: statements of a handle run one at a time in call order,
// a statement inside the session's BEGIN is not committed on its own, a failed statement is
// undone and frees the session, changes() / last rowid as SQLite's (better-sqlite3 oracle).
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB } from '../src/index.js';
import { createTriggerExecutor, createTriggerRegistry } from '../src/triggers/index.js';
import { Prng } from '../src/util/prng.js';

type Db = ReturnType<typeof DB>;

/** Microtask ticks until `p` settles (at most `max`): a count, not a time. */
async function ticksToSettle(p: Promise<unknown>, max: number): Promise<number> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i <= max; i++) {
    if (done) return i;
    await Promise.resolve();
  }
  return max + 1;
}

async function outcome(p: Promise<{ changes: number; lastInsertRowId: number | bigint }>): Promise<string> {
  try {
    const r = await p;
    return `ok ${r.changes} ${Number(r.lastInsertRowId)}`;
  } catch (e) {
    return `err ${(e as { code?: string }).code === 'CONSTRAINT_UNIQUE' || (e as { code?: string }).code === 'CONSTRAINT_NOTNULL' || /constraint/i.test(String((e as Error).message)) ? 'constraint' : String((e as Error).message)}`;
  }
}

function oracle(s: Sqlite.Database, sql: string, params: (string | number | null)[]): string {
  try {
    const r = s.prepare(sql).run(...params);
    return `ok ${r.changes} ${Number(r.lastInsertRowid)}`;
  } catch {
    return 'err constraint';
  }
}

async function rows(db: Db): Promise<unknown[]> {
  return db.query('SELECT id, k, v FROM t ORDER BY id');
}

describe('autocommit statements answered at once (Session.execAutocommit)', () => {
  it('an autocommit INSERT in memory settles one microtask after db.run / Statement.run returns', async () => {
    const db = DB('acn-ticks', { storage: 'memory', durability: 'normal' });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v REAL)');
      const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      let quick = 0;
      for (let i = 0; i < 100; i++) {
        const p = i % 2 ? db.run('INSERT INTO t VALUES (?, ?, ?)', [i, `k${i}`, i / 3]) : ins.run(i, `k${i}`, i / 3);
        // A commit may yield to the event loop now and then (the engine's budget): most do not.
        if ((await ticksToSettle(p, i % 2 ? 1 : 3)) <= (i % 2 ? 1 : 3)) quick++;
        await p;
      }
      expect(quick).toBeGreaterThan(80);
      expect((await db.query<{ n: number }>('SELECT count(*) AS n FROM t'))[0]!.n).toBe(100);
    } finally {
      await db.close();
    }
  });

  it('equals SQLite on random autocommit DML, awaited one by one and fired without awaiting', async () => {
    for (const seed of [1, 2, 3]) {
      const rnd = new Prng(seed);
      const db = DB(`acn-diff-${seed}`, { storage: 'memory', durability: 'normal' });
      const s = new Sqlite(':memory:');
      try {
        const ddl = 'CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v REAL NOT NULL)';
        await db.exec(ddl);
        s.exec(ddl);
        const stmt = (): [string, (string | number | null)[]] => {
          const id = rnd.int(60);
          const k = `k${rnd.int(60)}`;
          switch (rnd.int(5)) {
            case 0:
              return ['INSERT INTO t(k, v) VALUES (?, ?)', [k, rnd.int(100)]];
            case 1:
              return ['INSERT INTO t VALUES (?, ?, ?)', [id, k, rnd.int(10) === 0 ? null : rnd.int(100) / 7]];
            case 2:
              return ['UPDATE t SET v = v + 1, k = ? WHERE id = ?', [k, id]];
            case 3:
              return ['DELETE FROM t WHERE id = ?', [id]];
            default:
              return ['INSERT OR REPLACE INTO t VALUES (?, ?, ?)', [id, k, 1]];
          }
        };
        for (let round = 0; round < 30; round++) {
          const batch = Array.from({ length: 1 + rnd.int(6) }, stmt);
          // Fired without awaiting: they must run (and commit) in call order, as SQLite's.
          const got = await Promise.all(batch.map(([sql, p]) => outcome(db.run(sql, p))));
          const want = batch.map(([sql, p]) => oracle(s, sql, p));
          expect(got).toEqual(want);
        }
        expect(await rows(db)).toEqual(s.prepare('SELECT id, k, v FROM t ORDER BY id').all());
      } finally {
        s.close();
        await db.close();
      }
    }
  });

  it("a statement inside the session's BEGIN is not committed on its own; a failed one is undone and frees the session", async () => {
    const db = DB('acn-begin', { storage: 'memory', durability: 'normal' });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v REAL)');
      await db.run("INSERT INTO t VALUES (1, 'a', 1)");
      // BEGIN, a write and ROLLBACK fired without awaiting, then an autocommit write: in order.
      const ps = [db.run('BEGIN'), db.run("INSERT INTO t VALUES (2, 'b', 2)"), db.run('ROLLBACK'), db.run("INSERT INTO t VALUES (3, 'c', 3)")];
      await Promise.all(ps);
      expect(await rows(db)).toEqual([
        { id: 1, k: 'a', v: 1 },
        { id: 3, k: 'c', v: 3 },
      ]);
      await db.run('BEGIN');
      await db.prepare('INSERT INTO t VALUES (?, ?, ?)').run(4, 'd', 4);
      expect(db.inTransaction).toBe(true);
      await db.run('ROLLBACK');
      expect((await rows(db)).length).toBe(2);
      // A multi-row INSERT failing at its second row keeps nothing; the next statement runs.
      await expect(db.run("INSERT INTO t VALUES (5, 'e', 5), (6, 'a', 6)")).rejects.toMatchObject({ code: expect.stringMatching(/CONSTRAINT/) });
      await db.run("INSERT INTO t VALUES (7, 'g', 7)");
      expect((await rows(db)).map((r) => (r as { id: number }).id)).toEqual([1, 3, 7]);
    } finally {
      await db.close();
    }
  });

  it('AFTER triggers of the committed statement have run when db.run / Statement.run resolves', async () => {
    const db = DB('acn-after', { storage: 'memory', durability: 'normal' });
    try {
      await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v REAL)');
      const seen: number[] = [];
      const registry = createTriggerRegistry();
      registry.register({ name: 'seen', table: 't', timing: 'after', events: ['insert'], handler: (ctx) => void seen.push(ctx.new!.id as number) });
      createTriggerExecutor(db, registry);
      const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (let i = 0; i < 20; i++) {
        if (i % 2) await db.run('INSERT INTO t VALUES (?, ?, ?)', [i, `k${i}`, i]);
        else await ins.run(i, `k${i}`, i);
        expect(seen).toEqual(Array.from({ length: i + 1 }, (_, j) => j));
      }
    } finally {
      await db.close();
    }
  });
});
