// Parameter binding (issue 13, item 5) against better-sqlite3: the same statements called with
// the same arguments must throw in dosql exactly when they throw in better-sqlite3 (too few or
// too many values, a missing named value, values of unbindable types, named values outside a
// plain object), and return the same rows otherwise. dosql's refusals are INVALID_ARGUMENT
// naming the parameter. Documented differences (bind-params.ts): ?NNN binds positionally,
// booleans bind as 1/0, prefixed keys are accepted; those are tested on their own.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTimeTravelSession, DB, DoSQLError, lsn } from '../src/index.js';
import { Prng } from '../src/util/prng.js';

const STATEMENTS = [
  'SELECT 1 AS one',
  'SELECT ? AS p',
  'SELECT ?, ?',
  'SELECT ?, ?, ?',
  'SELECT :a',
  'SELECT :a, :b',
  'SELECT :a, :a',
  'SELECT @a, $b',
  'SELECT ?, :a',
  'SELECT :a, ?',
  'SELECT ?, :a, ?, :b',
  'SELECT :constructor, :toString',
];

type Atom = unknown;

/** A random call argument: a value, an array of values, a plain object of named values, or something unbindable. */
function atom(r: Prng): Atom {
  const values: (() => unknown)[] = [() => r.int(100), () => `s${r.int(9)}`, () => null, () => undefined, () => r.int(1000) / 8, () => BigInt(r.int(1e6)) << 20n, () => new Uint8Array([r.int(256), 7])];
  const value = (): unknown => values[r.int(values.length)]!();
  switch (r.int(9)) {
    case 0:
    case 1:
    case 2:
      return value();
    case 3:
    case 4:
      return Array.from({ length: r.int(4) }, value);
    case 5:
    case 6: {
      const o: Record<string, unknown> = r.chance(0.1) ? (Object.create(null) as Record<string, unknown>) : {};
      for (const k of ['a', 'b', 'c', 'constructor', 'toString']) if (r.chance(0.5)) o[k] = value();
      return o;
    }
    case 7:
      return [new Date(0), new Map(), Object.create({ a: 1 }) as unknown, () => 1, Symbol('s'), [[1]], [{ a: 1 }]][r.int(7)];
    default:
      return [];
  }
}

/** Rows comparable across the two engines (BLOBs as hex). */
function norm(rows: unknown[]): unknown {
  return JSON.parse(JSON.stringify(rows, (_k, v: unknown) => (v instanceof Uint8Array || (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') ? Buffer.from(v instanceof Uint8Array ? v : ((v as { data: number[] }).data)).toString('hex') : v)));
}

type Outcome = { ok: true; rows: unknown } | { ok: false; error: unknown };

async function outcome(f: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, rows: norm((await f()) as unknown[]) };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('parameter binding matches better-sqlite3', () => {
  it('throws exactly when better-sqlite3 throws, else returns the same rows (statement calls and db.query)', async () => {
    const db = DB('params', { storage: 'memory' });
    const lite = new Database(':memory:');
    const r = new Prng(13);
    let agreedThrows = 0;
    let agreedRows = 0;
    for (let i = 0; i < 3000; i++) {
      const sql = STATEMENTS[r.int(STATEMENTS.length)]!;
      const viaQuery = r.chance(0.3);
      const args = viaQuery ? [r.chance(0.5) ? Array.from({ length: r.int(4) }, () => atom(r)).filter((a) => !Array.isArray(a)) : atom(r)] : Array.from({ length: r.int(4) }, () => atom(r));
      const what = `${sql} with ${viaQuery ? 'db.query' : 'stmt.all'}(${String(args.map((a) => (typeof a === 'symbol' ? 'Symbol' : JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))))})`;
      const theirs = await outcome(() => lite.prepare(sql).raw().all(...(args as never[])));
      const mine = await outcome(() => db.prepare(sql).raw().all(...(args as never[])));
      const p = args[0];
      if (viaQuery && p !== null && typeof p === 'object' && (Array.isArray(p) || Object.getPrototypeOf(p) === Object.prototype)) {
        // db.query(sql, params) takes one array or one plain object: the same as stmt.all(params).
        const q = await outcome(() => db.query(sql, p as never));
        expect(q.ok, `db.query: ${what}`).toBe(theirs.ok);
      }
      expect(mine.ok, `${what}: better-sqlite3 ${theirs.ok ? 'ran it' : `threw ${String((theirs as { error: Error }).error)}`}; dosql ${mine.ok ? 'ran it' : `threw ${String((mine as { error: Error }).error)}`}`).toBe(theirs.ok);
      if (mine.ok && theirs.ok) {
        expect(mine.rows, what).toEqual(theirs.rows);
        agreedRows++;
      } else {
        const e = (mine as { error: unknown }).error;
        expect(e, what).toBeInstanceOf(DoSQLError);
        expect((e as DoSQLError).code, what).toBe('INVALID_ARGUMENT');
        agreedThrows++;
      }
    }
    // Both kinds of outcome were exercised in number.
    expect(agreedThrows).toBeGreaterThan(500);
    expect(agreedRows).toBeGreaterThan(200);
    await db.close();
  });

  it('names the missing or extra parameter', async () => {
    const db = DB('params2', { storage: 'memory' });
    await expect(db.query('SELECT ?, ?', [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/missing value for parameter \?2: the statement takes 2 positional values, got 1/) });
    await expect(db.query('SELECT ?', [1, 2])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('too many parameter values: the statement takes 1 positional value, got 2') });
    await expect(db.query('SELECT 1')).resolves.toEqual([{ 1: 1 }]);
    await expect(db.query('SELECT 1', [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.query('SELECT :a, :b', { a: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('missing named parameter :b'), details: { parameter: ':b' } });
    await expect(db.query('SELECT :a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('missing named parameter :a: no object of named values') });
    await expect(db.query('SELECT :a', [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('takes 0 positional values, got 1') });
    await expect(db.query('SELECT ?')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('parameter ?1') });
    await expect(db.run('SELECT ?', 42 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('an array of values or a plain object') });
    await expect(db.prepare('SELECT ?, ?').get(1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('?2') });
    await expect(db.prepare('SELECT ?').run()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const it = db.prepare('SELECT ?').iterate();
    await expect(it.next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.transaction(async (tx) => {
      await expect(tx.query('SELECT ?, ?', [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(tx.run('SELECT :a', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
    await db.exec('CREATE TABLE t(a)');
    const w = await db.run('INSERT INTO t VALUES (?)', [1]);
    const s = await createTimeTravelSession(db, { asOf: lsn(w.lsn) });
    await expect(s.query('SELECT a FROM t WHERE a = ?')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await s.query('SELECT a FROM t WHERE a = ?', [1])).toEqual([{ a: 1 }]);
    await s.close();
    // nothing was written by the refused statements
    await expect(db.run('INSERT INTO t VALUES (?, ?)', [2])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await db.query('SELECT a FROM t')).toEqual([{ a: 1 }]);
    await db.close();
  });

  it('?NNN slots bind positionally (gaps included); booleans bind 1/0; prefixed keys are accepted', async () => {
    const db = DB('params3', { storage: 'memory' });
    await expect(db.query('SELECT ?2 AS x', [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('?2') });
    expect(await db.query('SELECT ?2 AS x', [1, 2])).toEqual([{ x: 2 }]);
    expect(await db.query('SELECT ?3 AS x, ?1 AS y', [1, 2, 3])).toEqual([{ x: 3, y: 1 }]);
    expect(await db.query('SELECT :a AS x, ?1 AS y', { a: 5 })).toEqual([{ x: 5, y: 5 }]);
    expect(await db.query('SELECT ? AS t, ? AS f', [true, false])).toEqual([{ t: 1, f: 0 }]);
    expect(await db.query('SELECT :a AS x, @b AS y', { ':a': 1, b: 2 })).toEqual([{ x: 1, y: 2 }]);
    await db.close();
  });

  it('exec() runs a script binding nothing, as SQLite does, and refuses parameters instead of dropping them', async () => {
    const db = DB('params4', { storage: 'memory' });
    const lite = new Database(':memory:');
    const script = 'CREATE TABLE t(a, b); INSERT INTO t VALUES (?, :x); INSERT INTO t VALUES (1, 2)';
    lite.exec(script);
    await db.exec(script);
    expect(await db.query('SELECT * FROM t')).toEqual(lite.prepare('SELECT * FROM t').all());
    await expect((db.exec as (sql: string, p: unknown) => Promise<void>).call(db, 'INSERT INTO t VALUES (?, ?)', [3, 4])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('exec() runs a script and binds no parameters') });
    await expect((db.exec as (sql: string, p: unknown) => Promise<void>).call(db, 'INSERT INTO t VALUES (:a, :b)', { a: 3, b: 4 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.transaction(async (tx) => {
      await expect((tx.exec as (sql: string, p: unknown) => Promise<void>).call(tx, 'INSERT INTO t VALUES (?, ?)', [3, 4])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
    expect(await db.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
    await db.close();
  });
});
