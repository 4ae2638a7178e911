// The names seed code uses, so it runs as written (issue 21, "the seeds' names"): `lastRowId`
// beside `lastInsertRowId` (seed 004), `createSnapshot()` returning an `id` (seed 003),
// `branch(name, { fromLSN })` taking a bigint (seeds 000-002), and merge conflicts readable as
// `conflict.main` / `conflict.branch` with seed 001's `resolveConflict(c.id, c.branch)` flow
// completing the merge.
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, snapshot, type Database } from '../src/index.js';

describe('seed names', () => {
  it('lastRowId is lastInsertRowId on db.run, tx.run and Statement.run, as SQLite reports it', async () => {
    const db = DB('rowid', { storage: 'memory' });
    const lite = new Sqlite(':memory:');
    const ddl = 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT UNIQUE)';
    await db.exec(ddl);
    lite.exec(ddl);
    const steps: [string, unknown[]][] = [
      ["INSERT INTO t (v) VALUES ('a')", []],
      ['INSERT INTO t (id, v) VALUES (?, ?)', [40, 'b']],
      ["INSERT INTO t (v) VALUES ('c'), ('d')", []],
      ["INSERT OR REPLACE INTO t (v) VALUES ('a')", []],
      ["UPDATE t SET v = 'z' WHERE id = 40", []],
    ];
    for (const [sql, params] of steps) {
      const r = await db.run(sql, params as never);
      const expected = Number(lite.prepare(sql).run(...params).lastInsertRowid);
      expect([r.lastRowId, r.lastInsertRowId], sql).toEqual([expected, expected]);
    }
    const s = await db.prepare("INSERT INTO t (v) VALUES ('e')").run();
    expect(s.lastRowId).toBe(s.lastInsertRowId);
    expect(s.lastRowId).toBe(Number(lite.prepare("INSERT INTO t (v) VALUES ('e')").run().lastInsertRowid));
    const t = await db.transaction((tx) => tx.run("INSERT INTO t (v) VALUES ('f')"));
    expect(t.lastRowId).toBe(t.lastInsertRowId);
    expect(t.lastRowId).toBe(Number(lite.prepare("INSERT INTO t (v) VALUES ('f')").run().lastInsertRowid));
    lite.close();
    await db.close();
  });

  it('createSnapshot() returns an id that names the snapshot everywhere a snapshot is named (seed 003)', async () => {
    const db = DB('snap', { storage: 'memory' });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    await db.run('INSERT INTO t VALUES (1)');
    const snap = await db.createSnapshot();
    // Seed 003's backup manifest.
    const manifest = { snapshotId: snap.id, lsn: snap.lsn };
    expect(manifest.snapshotId).toBe(snap.name);
    await db.run('INSERT INTO t VALUES (2)');
    expect((await db.resolve(snapshot(manifest.snapshotId))).lsn).toBe(manifest.lsn);
    await db.branch('restore', { from: manifest.snapshotId });
    await db.checkout('restore');
    expect(await db.query('SELECT id FROM t')).toEqual([{ id: 1 }]);
    await db.checkout('main');
    expect((await db.createSnapshot('nightly')).id).toBe('nightly');
    await db.deleteSnapshot(snap.id);
    expect((await db.listSnapshots()).map((s) => s.name)).toEqual(['nightly']);
    await db.close();
  });

  it('branch(name, { fromLSN }) takes a bigint LSN as the same number (seed 001: fromLSN: 12345n)', async () => {
    const db = DB('fromlsn', { storage: 'memory', retention: 'forever' });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const { lsn } = await db.run('INSERT INTO t VALUES (1)');
    await db.run('INSERT INTO t VALUES (2)');
    const big = await db.branch('rollback', { fromLSN: BigInt(lsn) });
    const num = await db.branch('rollback2', { fromLSN: lsn });
    expect(big.baseLsn).toBe(lsn);
    expect(num.baseLsn).toBe(lsn);
    await db.checkout('rollback');
    expect(await db.query('SELECT id FROM t')).toEqual([{ id: 1 }]);
    await db.checkout('main');
    for (const bad of [-1n, 2n ** 53n]) {
      const e = await db.branch(`bad${bad}`, { fromLSN: bad }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DoSQLError);
      expect((e as DoSQLError).code).toBe('INVALID_ARGUMENT');
      expect((e as DoSQLError).message).toMatch(/option fromLSN must be an LSN from 0 to 2\^53 - 1/);
    }
    await db.close();
  });

  /** Main and feature-x with cell conflicts and both kinds of whole-row conflict (deleted on one side, updated on the other). */
  async function diverged(name: string): Promise<Database> {
    const db = DB(name, { storage: 'memory' });
    await db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, role TEXT, score INTEGER)');
    await db.run("INSERT INTO users VALUES (1, 'Ada', 'admin', 1), (2, 'Bob', 'member', 2), (3, 'Cy', 'member', 3), (4, 'Di', 'member', 4)");
    await db.branch('feature-x');
    await db.checkout('feature-x');
    await db.run("UPDATE users SET role = 'owner', score = 10 WHERE id = 1");
    await db.run('DELETE FROM users WHERE id = 2');
    await db.run('UPDATE users SET score = 30 WHERE id = 3');
    await db.run("UPDATE users SET name = 'Dee' WHERE id = 4");
    await db.checkout('main');
    await db.run("UPDATE users SET role = 'root', score = 11 WHERE id = 1");
    await db.run('UPDATE users SET score = 20 WHERE id = 2');
    await db.run('DELETE FROM users WHERE id = 3');
    return db;
  }

  const table = (db: Database): Promise<unknown[]> => db.query('SELECT * FROM users ORDER BY id');

  for (const side of ['branch', 'main'] as const) {
    it(`seed 001's manual merge, resolving every conflict with conflict.${side}, equals strategy '${side === 'branch' ? 'theirs' : 'ours'}'`, async () => {
      const db = await diverged(`seed-${side}`);
      // Seed 001, "Merge Conflict Resolution", as written (logging aside).
      const seen: unknown[] = [];
      await db.checkout('main');
      const result = await db.merge('feature-x', { strategy: 'manual' });
      if (result.conflicts.length > 0) {
        for (const conflict of result.conflicts) {
          seen.push([conflict.table, conflict.key, conflict.column, conflict.main, conflict.branch]);
          await db.resolveConflict(conflict.id, conflict[side]);
        }
        await db.completeMerge();
      }
      const oracle = await diverged(`oracle-${side}`);
      await oracle.merge('feature-x', { strategy: side === 'branch' ? 'theirs' : 'ours' });
      expect(await table(db)).toEqual(await table(oracle));
      expect(seen).toEqual([
        ['users', [1], 'role', 'root', 'owner'],
        ['users', [1], 'score', 11n, 10n],
        ['users', [2], '*', '{"id":2,"name":"Bob","role":"member","score":20}', undefined],
        ['users', [3], '*', undefined, '{"id":3,"name":"Cy","role":"member","score":30}'],
      ]);
      await db.close();
      await oracle.close();
    });
  }

  it('a whole-row conflict takes only a side; a cell conflict still takes any value', async () => {
    const db = await diverged('row-values');
    const r = await db.merge('feature-x', { strategy: 'manual' });
    const row = r.conflicts.find((c) => c.column === '*')!;
    const e = (() => {
      try {
        db.resolveConflict(row.id, 'something else');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).message).toMatch(/is over a whole row: pass 'ours' or 'theirs' \(or the conflict's main or branch\)/);
    for (const c of r.conflicts) db.resolveConflict(c.id, c.column === 'role' ? 'manager' : c.column === 'score' ? 99n : 'ours');
    await db.completeMerge();
    expect(await db.query('SELECT role, score FROM users WHERE id = 1')).toEqual([{ role: 'manager', score: 99 }]);
    await db.close();
  });
});
