// db.execute() and db.batch() in the embedded API (seed 003, D1's batch) and the
// `lastInsertRowid` spelling of better-sqlite3 and libsql beside `lastInsertRowId`.
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError } from '../src/index.js';

describe('db.execute / db.batch', () => {
  it('execute returns rows and effect together; run spells lastInsertRowid as better-sqlite3 does', async () => {
    const db = DB('b', { storage: 'memory' });
    const oracle = new Sqlite(':memory:');
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    oracle.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const r = await db.run('INSERT INTO t (v) VALUES (?)', ['a']);
    const o = oracle.prepare('INSERT INTO t (v) VALUES (?)').run('a');
    expect(r.lastInsertRowid).toBe(o.lastInsertRowid);
    expect(r.lastInsertRowId).toBe(r.lastInsertRowid);
    expect(r.changes).toBe(o.changes);
    const e = await db.execute('INSERT INTO t (v) VALUES (?), (?) RETURNING id, v', ['b', 'c']);
    expect(e).toMatchObject({ columns: ['id', 'v'], rows: oracle.prepare('INSERT INTO t (v) VALUES (?), (?) RETURNING id, v').all('b', 'c'), changes: 2, lastInsertRowid: 3 });
    expect(await db.execute('SELECT count(*) AS n FROM t')).toMatchObject({ rows: [{ n: 3 }], changes: 0 });
    await db.close();
  });

  it('batch is one transaction: all statements or none, results in order; inside BEGIN it joins it', async () => {
    const db = DB('b2', { storage: 'memory' });
    await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const res = await db.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', params: ['a'] }, { sql: 'INSERT INTO t (v) VALUES (?)', params: ['b'] }, { sql: 'SELECT v FROM t ORDER BY id' }]);
    expect(res.map((r) => r.changes)).toEqual([1, 1, 0]);
    expect(res[2]!.rows).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(res[0]!.lsn).toBe(res[2]!.lsn);
    const err = await db.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', params: ['c'] }, { sql: 'INSERT INTO t (v) VALUES (NULL)' }]).catch((x: unknown) => x);
    expect((err as DoSQLError).code).toBe('CONSTRAINT_NOTNULL');
    expect(await db.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 'a' }, { v: 'b' }]);
    await db.exec('BEGIN');
    await db.batch([{ sql: "INSERT INTO t (v) VALUES ('in-tx')" }]);
    await db.exec('ROLLBACK');
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
    await expect(db.batch([{ sql: 1 } as never])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.close();
  });
});
