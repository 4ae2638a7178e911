// The two-phase-commit coordinator (src/shard/twopc) over in-process databases: a transfer
// across three shards commits everywhere or nowhere; a conflict at PREPARE rolls every shard
// back; and a coordinator that dies at every step of the protocol (a fault-injecting wrapper
// stops all its calls from that step on) leaves nothing half-applied once a new coordinator
// recovers, with every acknowledged transfer present.
import { describe, expect, it } from 'vitest';
import { DB, DoSQLError, MemoryObjectStore, type Database } from '../src/index.js';
import { databaseParticipant, TwoPhaseCoordinator, type TwoPhaseParticipant } from '../src/shard/twopc/index.js';
import type { ObjectStore, PutOptions, PutResult } from '../src/storage/object-store.js';

class Killed extends Error {}

/** Stops every call after `budget` of them (statements and log writes alike): the coordinator process died. */
class Fuse {
  constructor(public budget: number) {}
  spend(): void {
    if (this.budget-- <= 0) throw new Killed('coordinator killed');
  }
}

function participant(id: string, db: Database, fuse?: Fuse): TwoPhaseParticipant {
  const p = databaseParticipant(id, db);
  return fuse ? { id, exec: async (sql, params) => (fuse.spend(), p.exec(sql, params)) } : p;
}

function fusedStore(store: ObjectStore, fuse: Fuse): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'put' || prop === 'delete') {
        return async (key: string, data: Uint8Array, options?: PutOptions): Promise<PutResult | void> => {
          fuse.spend();
          return prop === 'put' ? target.put(key, data, options) : target.delete(key);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

async function shards(n: number): Promise<Database[]> {
  const out: Database[] = [];
  for (let i = 0; i < n; i++) {
    const db = DB(`s${i}`, { storage: 'memory' });
    await db.exec('CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL); CREATE TABLE transfers(gid TEXT PRIMARY KEY, delta INTEGER NOT NULL) WITHOUT ROWID');
    await db.run('INSERT INTO account VALUES (1, 100)');
    out.push(db);
  }
  return out;
}

async function state(dbs: Database[]): Promise<{ total: number; perShard: number[]; transfers: string[][] }> {
  const perShard: number[] = [];
  const transfers: string[][] = [];
  for (const db of dbs) {
    perShard.push((await db.queryOne<{ b: number }>('SELECT balance AS b FROM account WHERE id = 1'))!.b);
    transfers.push((await db.query<{ gid: string }>('SELECT gid FROM transfers ORDER BY gid')).map((r) => r.gid));
  }
  return { total: perShard.reduce((a, b) => a + b, 0), perShard, transfers };
}

/** Moves 10 from shard `from` to shard `to`, recording the transfer on both. */
async function transfer(c: TwoPhaseCoordinator, ps: TwoPhaseParticipant[], from: number, to: number) {
  return c.runDistributedTransaction(ps, async (tx) => {
    await tx.exec(ps[from]!, 'UPDATE account SET balance = balance - 10 WHERE id = 1');
    await tx.exec(ps[from]!, 'INSERT INTO transfers VALUES (?, -10)', [tx.gid]);
    await tx.exec(ps[to]!, 'UPDATE account SET balance = balance + 10 WHERE id = 1');
    await tx.exec(ps[to]!, 'INSERT INTO transfers VALUES (?, 10)', [tx.gid]);
  });
}

describe('two-phase commit coordinator', () => {
  it('commits a transfer on every shard; the log is empty afterwards; a one-shard transaction commits in one phase', async () => {
    const dbs = await shards(3);
    const store = new MemoryObjectStore();
    const c = new TwoPhaseCoordinator({ store, id: 'c1' });
    const ps = dbs.map((db, i) => participant(`s${i}`, db));
    const r = await transfer(c, ps, 0, 2);
    expect(r).toMatchObject({ protocol: 'two-phase', participants: ['s0', 's2'], unresolved: [] });
    expect(await state(dbs)).toEqual({ total: 300, perShard: [90, 100, 110], transfers: [[r.gid], [], [r.gid]] });
    expect(await c.log.list()).toEqual([]);
    for (const db of dbs) expect(await db.query('PRAGMA prepared_xacts')).toEqual([]);
    const one = await c.runDistributedTransaction(ps, (tx) => tx.exec('s1', 'UPDATE account SET balance = balance WHERE id = 1'));
    expect(one.protocol).toBe('one-phase');
    for (const db of dbs) await db.close();
  });

  it('a conflict at PREPARE rolls back every shard and rethrows WRITE_CONFLICT; callback errors roll back too', async () => {
    const dbs = await shards(3);
    const c = new TwoPhaseCoordinator({ store: new MemoryObjectStore(), id: 'c1' });
    const ps = dbs.map((db, i) => participant(`s${i}`, db));
    const p = c.runDistributedTransaction(ps, async (tx) => {
      await tx.exec('s0', 'UPDATE account SET balance = balance - 10 WHERE id = 1');
      await tx.exec('s1', 'UPDATE account SET balance = balance + 10 WHERE id = 1');
      // Another client commits to s1's row after the transaction's snapshot there.
      await dbs[1]!.transaction(async (t) => {
        await t.run('UPDATE account SET balance = 500 WHERE id = 1');
      });
    });
    const e = await p.then(() => undefined, (x: unknown) => x as DoSQLError);
    expect(e?.code).toBe('WRITE_CONFLICT');
    expect((await state(dbs)).perShard).toEqual([100, 500, 100]);
    expect(await c.log.list()).toEqual([]);
    for (const db of dbs) expect(await db.query('PRAGMA prepared_xacts')).toEqual([]);
    await expect(c.runDistributedTransaction(ps, async (tx) => {
      await tx.exec('s0', 'UPDATE account SET balance = 0 WHERE id = 1');
      throw new Error('callback failed');
    })).rejects.toThrow('callback failed');
    expect((await state(dbs)).perShard).toEqual([100, 500, 100]);
    // The session is usable again: nothing left open.
    await transfer(c, ps, 0, 1);
    for (const db of dbs) await db.close();
  });

  it('a coordinator killed at every step: recovery leaves no transfer half-applied and keeps every acknowledged one', async () => {
    // Steps of one transfer: 4 statements + 2 BEGINs, begun log put, 2 PREPAREs, decision put,
    // 2 COMMIT PREPAREDs, log delete: 13 calls. Kill before call k for every k.
    for (let k = 0; k <= 13; k++) {
      const dbs = await shards(3);
      const store = new MemoryObjectStore();
      const fuse = new Fuse(k);
      const c = new TwoPhaseCoordinator({ store: fusedStore(store, fuse), id: 'c1', resolveAttempts: 1 });
      const ps = dbs.map((db, i) => participant(`s${i}`, db, fuse));
      let acked: string | undefined;
      let gid: string | undefined;
      try {
        const r = await transfer(c, ps, 0, 1);
        acked = r.gid;
      } catch (e) {
        // Whatever the dead coordinator's last steps reported, nobody heard it.
        if (fuse.budget >= 0) throw e;
      }
      // The dead coordinator's connections drop: each shard rolls back the session's open transaction.
      for (const db of dbs) await db.exec('ROLLBACK').catch(() => undefined);
      // Restart: a new coordinator with the same id and log, and fresh connections.
      const c2 = new TwoPhaseCoordinator({ store, id: 'c1' });
      const ps2 = dbs.map((db, i) => participant(`s${i}`, db));
      const report = await c2.recover(ps2);
      expect(report.unresolved).toEqual([]);
      const s = await state(dbs);
      expect(s.total).toBe(300);
      gid = s.transfers[0]![0] ?? s.transfers[1]![0];
      // All or nothing, on both shards.
      expect(s.transfers[0]!.length).toBe(s.transfers[1]!.length);
      expect(s.perShard).toEqual(s.transfers[0]!.length ? [90, 110, 100] : [100, 100, 100]);
      if (acked) expect(gid).toBe(acked);
      // Once the decision is logged (the 10th call, after 6 statements, the begun put and 2
      // PREPAREs, went through) the transfer survives the crash; before, it is rolled back.
      expect(s.transfers[0]).toHaveLength(k >= 10 ? 1 : 0);
      expect(await c2.log.list()).toEqual([]);
      for (const db of dbs) expect(await db.query('PRAGMA prepared_xacts')).toEqual([]);
      for (const db of dbs) await db.close();
    }
  });

  it('a shard that restarts in doubt finds its gids (PRAGMA prepared_xacts) and the sweep resolves them by the log', async () => {
    const dbs = await shards(2);
    const store = new MemoryObjectStore();
    const c = new TwoPhaseCoordinator({ store, id: 'cx' });
    const ps = dbs.map((db, i) => participant(`s${i}`, db));
    // Prepare by hand as a coordinator would, then log commit for one gid only.
    const [g1, g2, g3] = [c.newGid(), c.newGid(), c.newGid()];
    for (const g of [g1, g2, g3]) {
      await dbs[0]!.exec('BEGIN');
      await dbs[0]!.run('INSERT INTO transfers VALUES (?, 1)', [g]);
      await dbs[0]!.exec(`PREPARE TRANSACTION '${g}'`);
    }
    const etag = await c.log.begin(g1, ['s0'], Date.now());
    await c.log.decide({ record: { gid: g1, participants: ['s0'], state: 'begun', createdMs: 0 }, etag }, 'commit', Date.now());
    await c.log.begin(g2, ['s0'], Date.now());
    // g3 has no record: presumed abort. g2 is begun and recent: left alone unless old enough.
    const r1 = await c.resolveInDoubt(ps[0]!, { olderThanMs: 60_000 });
    expect(r1).toEqual({ committed: [g1], rolledBack: [g3], unresolved: [] });
    expect((await dbs[0]!.query<{ gid: string }>('PRAGMA prepared_xacts')).map((r) => r.gid)).toEqual([g2]);
    const r2 = await c.resolveInDoubt(ps[0]!);
    expect(r2.rolledBack).toEqual([g2]);
    expect((await state(dbs)).transfers[0]).toEqual([g1]);
    expect(await c.log.list()).toEqual([]);
    for (const db of dbs) await db.close();
  });
});
