// TEMP tables are the handle's own, as SQLite's are the connection's (lang_createtable.html,
// "temp" schema; src/sql/txn/temp-store.ts): two dosql handles on one folder against two
// better-sqlite3 connections on one file, step by step, plus what SQLite cannot show: no
// temp row or schema object reaches the shared engine, its WAL or change data capture.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createCDC, type WALEntry } from '../src/cdc/index.js';
import { encodeTablePrefix } from '../src/mvcc/internal-key.js';
import { Transaction as KvTransaction } from '../src/mvcc/transaction.js';
import { DB } from '../src/node/db.js';
import { Database as DosqlDatabase } from '../src/sql/api/database.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-temp-tables-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Step = readonly ['A' | 'B', string];

/** What a statement gives: its rows (values as numbers/strings) or that it failed. */
function norm(rows: readonly Record<string, unknown>[]): unknown[][] {
  return rows.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

function sqliteRun(db: Database.Database, sql: string): unknown {
  try {
    const st = db.prepare(sql);
    if (st.reader) return norm(st.all() as Record<string, unknown>[]);
    st.run();
    return 'ok';
  } catch {
    return 'error';
  }
}

async function dosqlRun(db: DosqlDatabase, sql: string): Promise<unknown> {
  try {
    if (/^\s*(SELECT|WITH)/i.test(sql)) return norm(await db.query(sql));
    await db.run(sql);
    return 'ok';
  } catch {
    return 'error';
  }
}

const SCRIPT: Step[] = [
  ['A', 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)'],
  ['A', "INSERT INTO t VALUES (1, 'main')"],
  ['A', 'CREATE TABLE m(k INTEGER PRIMARY KEY, w TEXT)'],
  ['A', "INSERT INTO m VALUES (1, 'one'), (2, 'two'), (3, 'three')"],
  // Shadowing: unqualified names resolve to temp first; B sees the main table.
  ['A', 'CREATE TEMP TABLE t(id INTEGER PRIMARY KEY, v TEXT)'],
  ['A', "INSERT INTO t VALUES (2, 'temp')"],
  ['A', 'SELECT * FROM t ORDER BY id'],
  ['A', 'SELECT * FROM temp.t ORDER BY id'],
  ['B', 'SELECT * FROM t ORDER BY id'],
  ['B', "INSERT INTO t VALUES (3, 'b-main')"],
  ['A', 'SELECT * FROM t ORDER BY id'],
  // A temp table with an index, filled from a main table; joined with one.
  ['A', 'CREATE TEMP TABLE x(a INTEGER, b TEXT)'],
  ['A', 'CREATE INDEX xb ON x(b)'],
  ['A', 'INSERT INTO x SELECT k, w FROM m WHERE k < 3'],
  ['A', "SELECT a FROM x WHERE b = 'two'"],
  ['A', 'SELECT x.a, m.w FROM x JOIN m ON m.k = x.a ORDER BY x.a'],
  ['A', 'SELECT m.k, x.b FROM m LEFT JOIN temp.x ON x.a = m.k ORDER BY m.k'],
  ['B', 'SELECT * FROM x'],
  ['B', 'CREATE TABLE x(q)'],
  ['B', 'INSERT INTO x VALUES (42)'],
  ['A', 'SELECT * FROM x ORDER BY a'],
  ['B', 'SELECT * FROM x'],
  // Transactions undo temp changes.
  ['A', 'BEGIN'],
  ['A', 'INSERT INTO x VALUES (9, \'nine\')'],
  ['A', "UPDATE x SET b = 'ONE' WHERE a = 1"],
  ['A', 'DELETE FROM x WHERE a = 2'],
  ['A', 'SELECT * FROM x ORDER BY a'],
  ['A', 'ROLLBACK'],
  ['A', 'SELECT * FROM x ORDER BY a'],
  ['A', 'BEGIN'],
  ['A', 'INSERT INTO x VALUES (5, \'five\')'],
  ['A', 'SAVEPOINT s'],
  ['A', 'INSERT INTO x VALUES (6, \'six\')'],
  ['A', "INSERT INTO m VALUES (4, 'four')"],
  ['A', 'ROLLBACK TO s'],
  ['A', 'INSERT INTO x VALUES (7, \'seven\')'],
  ['A', 'COMMIT'],
  ['A', 'SELECT * FROM x ORDER BY a'],
  ['A', "SELECT a FROM x WHERE b = 'seven'"],
  ['B', 'SELECT * FROM m ORDER BY k'],
  // A temp table created inside a rolled-back transaction is gone.
  ['A', 'BEGIN'],
  ['A', 'CREATE TEMP TABLE gone(z)'],
  ['A', 'INSERT INTO gone VALUES (1)'],
  ['A', 'ROLLBACK'],
  ['A', 'SELECT * FROM gone'],
  // The schemas: temp objects only in sqlite_temp_schema, and only on A.
  ['A', 'SELECT type, name, tbl_name FROM sqlite_temp_schema ORDER BY name'],
  ['A', 'SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name'],
  ['B', 'SELECT type, name, tbl_name FROM sqlite_temp_schema ORDER BY name'],
  ['B', 'SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name'],
  ['A', 'CREATE TEMP VIEW tv AS SELECT a * 10 AS a10 FROM x'],
  ['A', 'SELECT * FROM tv ORDER BY a10'],
  ['B', 'SELECT * FROM tv'],
  // temp.name forms; a trigger on a temp table is the temp schema's, and may write main tables.
  ['A', 'CREATE TABLE temp.y(a)'],
  ['A', 'INSERT INTO temp.y VALUES (1), (2)'],
  ['A', 'UPDATE temp.y SET a = a + 10'],
  ['A', 'SELECT * FROM temp.y ORDER BY a'],
  ['A', 'SELECT * FROM temp.m'],
  ['A', 'DROP TABLE temp.m'],
  ['A', 'DROP TABLE IF EXISTS temp.m'],
  ['A', 'SELECT count(*) FROM m'],
  ['A', 'ALTER TABLE temp.y ADD COLUMN extra'],
  ['A', 'SELECT * FROM temp.y ORDER BY a'],
  ['B', 'SELECT * FROM y'],
  ['A', "CREATE TRIGGER yt AFTER INSERT ON y BEGIN INSERT INTO m VALUES (NEW.a + 1000, 'from-temp-trigger'); END"],
  ['A', 'INSERT INTO y VALUES (5)'],
  ['B', 'SELECT * FROM m ORDER BY k'],
  ['A', 'SELECT type, name, tbl_name FROM sqlite_temp_schema ORDER BY name'],
  ['B', 'SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name'],
  ['A', 'DROP TABLE y'],
  ['A', 'SELECT type, name, tbl_name FROM sqlite_temp_schema ORDER BY name'],
  ['A', 'DROP TABLE t'],
  ['A', 'SELECT * FROM t ORDER BY id'],
];

const AFTER_REOPEN: Step[] = [
  ['A', 'SELECT * FROM t ORDER BY id'],
  ['A', 'SELECT * FROM x ORDER BY q'],
  ['A', 'SELECT type, name FROM sqlite_temp_schema'],
  ['A', 'SELECT type, name, tbl_name FROM sqlite_schema ORDER BY name'],
];

describe('TEMP tables are private to the handle that created them', () => {
  it('two handles on one folder answer as two SQLite connections on one file; reopening drops the temp schema', async () => {
    const file = join(root, 'oracle.db');
    const sa = new Database(file);
    const sb = new Database(file);
    const dir = join(root, 'dosql');
    const da = DB('temp-a', { path: dir, workerThreads: false });
    await da.open();
    const db = await new DosqlDatabase(() => da.engine(), 'temp-b').open();
    const run = async (steps: Step[], a: DosqlDatabase, b: DosqlDatabase, oa: Database.Database, ob: Database.Database): Promise<void> => {
      for (const [who, sql] of steps) {
        const want = sqliteRun(who === 'A' ? oa : ob, sql);
        const got = await dosqlRun(who === 'A' ? a : b, sql);
        expect({ who, sql, got }).toEqual({ who, sql, got: want });
      }
    };
    await run(SCRIPT, da, db, sa, sb);

    // Nothing of the temp schema reached the shared engine: no key in the temp id range, and the
    // change data capture of every commit names main tables only.
    const engine = await da.engine();
    const kv = new KvTransaction(engine, engine.lastVisibleLsn, 0, [], true);
    const tempKeys: Uint8Array[] = [];
    for await (const e of kv.scan(encodeTablePrefix(0, 2 ** 40), encodeTablePrefix(0, 2 ** 41))) tempKeys.push(e.uk);
    kv.release();
    expect(tempKeys).toEqual([]);
    await db.run("INSERT INTO m VALUES (100, 'marker')");
    const cdc = createCDC(da);
    const seen: WALEntry[] = [];
    for await (const e of cdc.subscribe({ includeTransactionControl: false })) {
      seen.push(e);
      if (e.table === 'm' && e.after && new TextDecoder().decode(e.after).includes('marker')) break;
    }
    await cdc.close();
    const tables = [...new Set(seen.map((e) => e.table))].sort();
    expect(tables).toEqual(['m', 't', 'x']);
    // The main t holds main rows only; x is B's main table (one column q); no event carries a temp row.
    for (const e of seen) if (e.after) expect(new TextDecoder().decode(e.after)).not.toMatch(/"temp"|nine|seven|five/);

    await db.close();
    await da.close();
    sa.close();
    sb.close();
    const ra = new Database(file);
    const rb = new Database(file);
    const da2 = DB('temp-a', { path: dir, workerThreads: false });
    await da2.open();
    const db2 = await new DosqlDatabase(() => da2.engine(), 'temp-b').open();
    await run(AFTER_REOPEN, da2, db2, ra, rb);
    await db2.close();
    await da2.close();
    ra.close();
    rb.close();
  });

  it('refuses what it cannot keep private: main.x under a TEMP x, AUTOINCREMENT, PREPARE TRANSACTION of temp writes', async () => {
    const db = DB('temp-refusals', { storage: 'memory' });
    await db.exec('CREATE TABLE t(a)');
    await db.exec('CREATE TEMP TABLE t(b)');
    const code = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);
    expect(await code(db.query('SELECT * FROM main.t'))).toBe('NOT_SUPPORTED');
    expect(await code(db.run('INSERT INTO main.t VALUES (1)'))).toBe('NOT_SUPPORTED');
    expect(await code(db.exec('DROP TABLE main.t'))).toBe('NOT_SUPPORTED');
    expect(await code(db.exec('ALTER TABLE main.t ADD COLUMN c'))).toBe('NOT_SUPPORTED');
    expect(await code(db.exec('CREATE TEMP TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT)'))).toBe('NOT_SUPPORTED');
    // A prepared transaction is persisted; temp writes cannot be part of it (the transaction stays open).
    await db.exec('BEGIN');
    await db.run('INSERT INTO t VALUES (1)');
    expect(await code(db.exec("PREPARE TRANSACTION 'g'"))).toBe('NOT_SUPPORTED');
    await db.exec('ROLLBACK');
    expect(await db.query('SELECT * FROM t')).toEqual([]);
    await db.close();
  });

  it('two transactions of one handle writing one TEMP row: first committer wins, the other gets WRITE_CONFLICT and changes nothing', async () => {
    const db = DB('temp-conflict', { storage: 'memory' });
    await db.exec('CREATE TABLE m(k INTEGER PRIMARY KEY, w)');
    await db.exec('CREATE TEMP TABLE c(id INTEGER PRIMARY KEY, n INTEGER)');
    await db.run('INSERT INTO c VALUES (1, 0)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = db.transaction(async (tx) => {
      await tx.run('UPDATE c SET n = n + 1 WHERE id = 1');
      await tx.run("INSERT INTO m VALUES (1, 'slow')");
      await gate;
    });
    await db.transaction(async (tx) => {
      await tx.run('UPDATE c SET n = n + 10 WHERE id = 1');
    });
    release();
    const err = await slow.then(() => undefined, (e: { code?: string }) => e.code);
    expect(err).toBe('WRITE_CONFLICT');
    expect(await db.query('SELECT n FROM c')).toEqual([{ n: 10 }]);
    // The main write of the losing transaction did not commit either.
    expect(await db.query('SELECT * FROM m')).toEqual([]);
    await db.close();
  });
});
