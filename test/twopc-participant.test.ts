// Two-phase commit, participant side (PostgreSQL's PREPARE TRANSACTION / COMMIT PREPARED /
// ROLLBACK PREPARED; src/sql/txn/prepared-xacts.ts): a model of prepared, committed and rolled
// back transactions against the visible rows; write intents; a conflict found at PREPARE;
// prepared transactions surviving a crash (reopen without close) and a reopened folder; what
// change data capture sees; the record's checksum.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB, DoSQLError, MemoryObjectStore, type Database } from '../src/index.js';
import { createCDC, type WALEntry } from '../src/cdc/index.js';
import { Prng } from '../src/util/prng.js';
import { decodePreparedRecord, encodePreparedRecord, STATE_PREPARED } from '../src/sql/txn/prepared-format.js';
import { KIND_DELETE, KIND_PUT } from '../src/mvcc/internal-key.js';
import { sqlHost } from '../src/sql/api/host.js';

const root = mkdtempSync(join(tmpdir(), 'dosql-2pc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function errorOf(p: Promise<unknown>): Promise<DoSQLError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DoSQLError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

async function balances(db: Database): Promise<Map<number, number>> {
  const rows = await db.query<{ id: number; balance: number }>('SELECT id, balance FROM account ORDER BY id');
  return new Map(rows.map((r) => [r.id, r.balance]));
}

async function prepared(db: Database): Promise<string[]> {
  return (await db.query<{ gid: string }>('PRAGMA prepared_xacts')).map((r) => r.gid);
}

async function setup(db: Database, n: number): Promise<void> {
  await db.exec('CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
  for (let i = 0; i < n; i++) await db.run('INSERT INTO account VALUES (?, 100)', [i]);
}

describe('PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED', () => {
  it('model: random prepares, commits and rollbacks; only committed write sets are visible, each exactly once', async () => {
    const db = DB('model', { storage: 'memory' });
    const n = 12;
    await setup(db, n);
    const rng = new Prng(7);
    const committed = new Map<number, number>();
    for (let i = 0; i < n; i++) committed.set(i, 100);
    /** gid -> the balances its write set holds (keys disjoint across pending gids, by intents). */
    const pending = new Map<string, Map<number, number>>();
    const held = new Set<number>();
    let next = 0;
    for (let step = 0; step < 150; step++) {
      const r = rng.int(10);
      if (r < 5) {
        const gid = `g${next++}`;
        const a = rng.int(n);
        const b = (a + 1 + rng.int(n - 1)) % n;
        const amount = 1 + rng.int(20);
        await db.exec('BEGIN');
        await db.run('UPDATE account SET balance = balance - ? WHERE id = ?', [amount, a]);
        await db.run('UPDATE account SET balance = balance + ? WHERE id = ?', [amount, b]);
        const p = db.exec(`PREPARE TRANSACTION '${gid}'`);
        if (held.has(a) || held.has(b)) {
          const e = await errorOf(p);
          expect(e.code).toBe('WRITE_CONFLICT');
          expect(typeof e.details.gid).toBe('string');
        } else {
          await p;
          pending.set(gid, new Map([[a, committed.get(a)! - amount], [b, committed.get(b)! + amount]]));
          held.add(a).add(b);
        }
        expect(db.inTransaction).toBe(false);
      } else if (pending.size > 0) {
        const gids = [...pending.keys()];
        const gid = gids[rng.int(gids.length)]!;
        const ws = pending.get(gid)!;
        pending.delete(gid);
        for (const k of ws.keys()) held.delete(k);
        if (r < 8) {
          await db.exec(`COMMIT PREPARED '${gid}'`);
          for (const [k, v] of ws) committed.set(k, v);
          expect((await errorOf(db.exec(`COMMIT PREPARED '${gid}'`))).details).toMatchObject({ gid, outcome: 'committed' });
        } else {
          await db.exec(`ROLLBACK PREPARED '${gid}'`);
          const e = await errorOf(db.exec(`ROLLBACK PREPARED '${gid}'`));
          expect(e.code).toBe('PREPARED_XACT_RESOLVED');
          expect(e.details.outcome).toBe('rolled back');
        }
      }
      expect(await balances(db)).toEqual(committed);
      expect((await prepared(db)).sort()).toEqual([...pending.keys()].sort());
    }
    await db.close();
  });

  it('write intents: other writers of a prepared key fail at commit, readers see the old row, a unique value stays taken', async () => {
    const db = DB('intents', { storage: 'memory' });
    await setup(db, 3);
    await db.exec('CREATE TABLE u(id INTEGER PRIMARY KEY, email TEXT UNIQUE)');
    await db.exec('BEGIN');
    await db.run('UPDATE account SET balance = 50 WHERE id = 1');
    await db.run("INSERT INTO u VALUES (1, 'a@x')");
    await db.exec("PREPARE TRANSACTION 'tx1'");
    // A reader under snapshot isolation sees the last committed version.
    expect((await balances(db)).get(1)).toBe(100);
    const w = await errorOf(db.run('UPDATE account SET balance = 7 WHERE id = 1'));
    expect(w.code).toBe('WRITE_CONFLICT');
    expect(w.retryable).toBe(true);
    expect(w.details.gid).toBe('tx1');
    // A unique check that found no 'a@x' depends on the prepared insert's index entry.
    expect((await errorOf(db.run("INSERT INTO u VALUES (2, 'a@x')"))).code).toBe('WRITE_CONFLICT');
    // Other keys are free.
    await db.run('UPDATE account SET balance = 101 WHERE id = 2');
    // A transaction that began before COMMIT PREPARED still loses at its commit (first committer wins).
    const early = db.transaction(async (tx) => {
      await tx.query('SELECT * FROM account');
      await new Promise((r) => setTimeout(r, 20));
      await tx.run('UPDATE account SET balance = 9 WHERE id = 1');
    });
    await db.exec("COMMIT PREPARED 'tx1'");
    expect((await errorOf(early)).code).toBe('WRITE_CONFLICT');
    expect(await balances(db)).toEqual(new Map([[0, 100], [1, 50], [2, 101]]));
    expect((await errorOf(db.run("INSERT INTO u VALUES (2, 'a@x')"))).code).toBe('CONSTRAINT_UNIQUE');
    await db.run('UPDATE account SET balance = 9 WHERE id = 1');
    await db.close();
  });

  it('a conflict is found at PREPARE: a key written since the snapshot, or held by another prepared transaction', async () => {
    const db = DB('atprepare', { storage: 'memory' });
    const other = db;
    await setup(db, 3);
    await db.exec('BEGIN');
    await db.query('SELECT * FROM account');
    await other.transaction(async (tx) => {
      await tx.run('UPDATE account SET balance = 1 WHERE id = 0');
    });
    await db.run('UPDATE account SET balance = 2 WHERE id = 0');
    const e = await errorOf(db.exec("PREPARE TRANSACTION 'late'"));
    expect(e.code).toBe('WRITE_CONFLICT');
    expect(db.inTransaction).toBe(false);
    expect(await prepared(db)).toEqual([]);
    expect((await balances(db)).get(0)).toBe(1);

    await db.exec('BEGIN');
    await db.run('UPDATE account SET balance = 3 WHERE id = 2');
    await db.exec("PREPARE TRANSACTION 'first'");
    await db.exec('BEGIN');
    await db.run('UPDATE account SET balance = 4 WHERE id = 2');
    expect((await errorOf(db.exec("PREPARE TRANSACTION 'second'"))).details.gid).toBe('first');
    expect(await prepared(db)).toEqual(['first']);
    await db.close();
  });

  it('errors: unknown gid, gid in use, outside or inside a transaction, schema changes', async () => {
    const db = DB('errors', { storage: 'memory' });
    await setup(db, 1);
    const nf = await errorOf(db.exec("COMMIT PREPARED 'nope'"));
    expect([nf.code, nf.details.gid]).toEqual(['NOT_FOUND', 'nope']);
    expect((await errorOf(db.exec("ROLLBACK PREPARED 'nope'"))).code).toBe('NOT_FOUND');
    expect((await errorOf(db.exec("PREPARE TRANSACTION 'x'"))).code).toBe('SQL_ERROR');
    await db.exec('BEGIN');
    await db.run('UPDATE account SET balance = 1 WHERE id = 0');
    await db.exec("PREPARE TRANSACTION 'x'");
    await db.exec('BEGIN');
    expect((await errorOf(db.exec("PREPARE TRANSACTION 'x'"))).code).toBe('PREPARED_XACT_EXISTS');
    await db.exec('BEGIN');
    expect((await errorOf(db.exec("COMMIT PREPARED 'x'"))).code).toBe('SQL_ERROR');
    await db.exec('ROLLBACK');
    await db.exec('BEGIN');
    await db.exec('CREATE TABLE t2(a)');
    expect((await errorOf(db.exec("PREPARE TRANSACTION 'ddl'"))).code).toBe('NOT_SUPPORTED');
    // A prepared transaction holds the schema: DDL waits for it (as a PostgreSQL prepared transaction's locks).
    expect((await errorOf(db.exec('CREATE TABLE t3(a)'))).code).toBe('WRITE_CONFLICT');
    await db.exec("ROLLBACK PREPARED 'x'");
    await db.exec('CREATE TABLE t3(a)');
    // A read-only transaction prepares and commits too.
    await db.exec('BEGIN');
    await db.query('SELECT * FROM account');
    await db.exec("PREPARE TRANSACTION 'ro'");
    expect(await prepared(db)).toEqual(['ro']);
    await db.exec("COMMIT PREPARED 'ro'");
    expect((await errorOf(db.exec("BEGIN; SELECT 1; PREPARE TRANSACTION ''"))).code).toBe('INVALID_ARGUMENT');
    await db.close();
  });

  it('survives a crash (reopen without close) and a reopened folder; outcomes stay recognisable', async () => {
    const store = new MemoryObjectStore();
    const a = DB('crash', { storage: { hot: store } });
    await setup(a, 4);
    for (const [gid, id] of [['p1', 0], ['p2', 1]] as const) {
      await a.exec('BEGIN');
      await a.run('UPDATE account SET balance = balance + 11 WHERE id = ?', [id]);
      await a.exec(`PREPARE TRANSACTION '${gid}'`);
    }
    // No close: a second writer opens the same store, as a process restarted after kill -9.
    const b = DB('crash', { storage: { hot: store } });
    expect(await prepared(b)).toEqual(['p1', 'p2']);
    expect((await errorOf(b.run('UPDATE account SET balance = 0 WHERE id = 1'))).details.gid).toBe('p2');
    await b.exec("COMMIT PREPARED 'p1'");
    await b.exec("ROLLBACK PREPARED 'p2'");
    expect(await balances(b)).toEqual(new Map([[0, 111], [1, 100], [2, 100], [3, 100]]));
    await b.close();

    const path = join(root, 'folder');
    const c = DB('folder', { path });
    await setup(c, 2);
    await c.exec('BEGIN');
    await c.run('UPDATE account SET balance = 1 WHERE id = 0');
    await c.run('DELETE FROM account WHERE id = 1');
    await c.exec("PREPARE TRANSACTION 'f1'");
    await c.close();
    const d = DB('folder', { path });
    expect(await d.query('SELECT gid, writes FROM pragma_prepared_xacts')).toEqual([{ gid: 'f1', writes: 2 }]);
    expect(await balances(d)).toEqual(new Map([[0, 100], [1, 100]]));
    await d.exec("COMMIT PREPARED 'f1'");
    await d.close();
    const e = DB('folder', { path });
    expect(await balances(e)).toEqual(new Map([[0, 1]]));
    expect(await prepared(e)).toEqual([]);
    const again = await errorOf(e.exec("COMMIT PREPARED 'f1'"));
    expect([again.code, again.details.outcome]).toEqual(['PREPARED_XACT_RESOLVED', 'committed']);
    await e.close();
  });

  it('COMMIT PREPARED is a normal commit to change data capture, with before images; PREPARE shows no row event', async () => {
    const db = DB('cdc', { storage: 'memory' });
    await setup(db, 2);
    await db.exec('BEGIN');
    await db.run('UPDATE account SET balance = 60 WHERE id = 0');
    await db.run('INSERT INTO account VALUES (5, 40)');
    await db.exec("PREPARE TRANSACTION 'c1'");
    const r = await db.execute("COMMIT PREPARED 'c1'");
    const cdc = createCDC(db);
    const out: WALEntry[] = [];
    for await (const e of cdc.subscribe(0n)) {
      if (e.lsn >= BigInt(r.lsn) - 1n) out.push(e);
      if (e.lsn === BigInt(r.lsn) && e.op === 'COMMIT') break;
    }
    const rows = out.filter((e) => e.op !== 'BEGIN' && e.op !== 'COMMIT');
    expect(rows.map((e) => [Number(e.lsn), e.op, e.table])).toEqual([[r.lsn, 'UPDATE', 'account'], [r.lsn, 'INSERT', 'account']]);
    expect(JSON.parse(new TextDecoder().decode(rows[0]!.before))).toEqual({ id: 0, balance: 100 });
    expect(JSON.parse(new TextDecoder().decode(rows[0]!.after))).toEqual({ id: 0, balance: 60 });
    await db.close();
  });

  it('a transaction the caller owns (the Worker interactive transactions) prepares through the host', async () => {
    const db = DB('host', { storage: 'memory' });
    await setup(db, 2);
    const host = sqlHost(db);
    const engine = await db.engine();
    const txn = await host.begin(engine);
    await host.execute(host.prepare('UPDATE account SET balance = 5 WHERE id = 1'), undefined, txn);
    await host.execute(host.prepare("PREPARE TRANSACTION 'w1'"), undefined, txn);
    expect(txn.released).toBe(true);
    expect(await prepared(db)).toEqual(['w1']);
    const t2 = await host.begin(engine);
    expect((await errorOf(host.execute(host.prepare("COMMIT PREPARED 'w1'"), undefined, t2))).code).toBe('SQL_ERROR');
    t2.release();
    await db.exec("COMMIT PREPARED 'w1'");
    expect((await balances(db)).get(1)).toBe(5);
    await db.close();
  });

  it('the record round-trips and a flipped bit is CORRUPTION naming the gid', () => {
    const rec = {
      state: STATE_PREPARED,
      readLsn: 42,
      preparedMs: 1_700_000_000_000,
      ops: [
        { kind: KIND_PUT, userKey: new Uint8Array([1, 2]), value: new Uint8Array([3]), before: null },
        { kind: KIND_DELETE, userKey: new Uint8Array([4]), before: new Uint8Array([5, 6]) },
        { kind: KIND_PUT, userKey: new Uint8Array([7]), value: new Uint8Array([]) },
      ],
      claims: [{ lower: new Uint8Array([1]), upper: new Uint8Array([2]), anyChange: true }, { lower: new Uint8Array([3]), upper: new Uint8Array([4]) }],
    } as const;
    const b = encodePreparedRecord(rec);
    expect(decodePreparedRecord(b, 'g')).toEqual(rec);
    for (let i = 0; i < b.length; i++) {
      const c = b.slice();
      c[i]! ^= 0x10;
      const e = (() => {
        try {
          decodePreparedRecord(c, 'g');
        } catch (x) {
          return x as DoSQLError;
        }
        return undefined;
      })();
      expect(e?.code).toBe('CORRUPTION');
      expect(e?.message).toContain("gid 'g'");
    }
  });
});
