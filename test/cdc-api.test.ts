// The seeds' CDC API over a database (src/cdc): raw entries and their JSON images, filters and
// transaction framing, positions, CDC_LSN_NOT_FOUND with the oldest LSN, replication slots
// (durable across a restart; resume loses and repeats nothing; they pin the log; LSN
// acknowledgements never skip the rest of a commit), branches and merges.
import { describe, expect, it } from 'vitest';
import { CDCError, CDCErrorCode, createCDC, subscribeTable, type CDCEvent, type ChangeEvent, type WALEntry } from '../src/cdc/index.js';
import { DB } from '../src/node/db.js';
import type { Database } from '../src/sql/api/database.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

function open(store = new MemoryObjectStore(), more: Record<string, unknown> = {}): Database {
  return DB('cdcapi', { store, workerThreads: false, durability: 'off', memtableBytes: 4096, retention: 0, ...more });
}

/** Up to `n` items of an iterator (then returns it). */
async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

/** Items until one satisfies `stop` (inclusive). */
async function until<T>(it: AsyncIterable<T>, stop: (x: T) => boolean): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (stop(x)) break;
  }
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<CDCError> {
  try {
    await p;
  } catch (e) {
    return e as CDCError;
  }
  throw new Error('expected a rejection');
}

const ids = (es: readonly { id: string }[]): string[] => es.map((e) => e.id);

describe('raw entries and filters', () => {
  it('a commit is BEGIN, its changes, COMMIT under one LSN; images are row JSON; filters hide but never renumber', async () => {
    const db = open();
    await db.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, data BLOB, score REAL, big INT)");
    await db.exec('CREATE TABLE orders(id INTEGER PRIMARY KEY, total INT)');
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO users VALUES (1, 'Alice', x'0102', 1.5, 9007199254740993)");
      await tx.run('INSERT INTO orders VALUES (10, 250)');
      await tx.run('INSERT INTO orders VALUES (11, 50)');
    });
    await db.run("UPDATE users SET name = 'Alice Smith', score = 1e999 WHERE id = 1");
    await db.run('DELETE FROM orders WHERE id = 11');
    const cdc = createCDC(db);
    const all = await take<WALEntry>(cdc.subscribe(0n), 16);
    expect(all.map((e) => `${e.id} ${e.op} ${e.table}`)).toEqual([
      '1:0 BEGIN ', '1:1 DDL users', '1:2 COMMIT ',
      '2:0 BEGIN ', '2:1 DDL orders', '2:2 COMMIT ',
      '3:0 BEGIN ', '3:1 INSERT users', '3:2 INSERT orders', '3:3 INSERT orders', '3:4 COMMIT ',
      '4:0 BEGIN ', '4:1 UPDATE users', '4:2 COMMIT ',
      '5:0 BEGIN ', '5:1 DELETE orders',
    ]);
    const ins = all[7]!;
    expect(ins).toMatchObject({ lsn: 3n, txnId: '3', seq: 1 });
    expect(new TextDecoder().decode(ins.after)).toBe('{"id":1,"name":"Alice","data":{"$blob":"AQI="},"score":1.5,"big":"9007199254740993"}');
    expect(JSON.parse(String(ins.after))).toEqual({ id: 1, name: 'Alice', data: { $blob: 'AQI=' }, score: 1.5, big: '9007199254740993' });
    expect(ins.before).toBeUndefined();
    const upd = all[12]!;
    expect(JSON.parse(new TextDecoder().decode(upd.before))).toMatchObject({ name: 'Alice', score: 1.5 });
    expect(new TextDecoder().decode(upd.after)).toContain('"score":9e999');
    expect(JSON.parse(new TextDecoder().decode(all[15]!.before))).toEqual({ id: 11, total: 50 });

    // Tables + operations: BEGIN/COMMIT frame only commits with a passing event; seq keeps its place.
    const orders = await take<WALEntry>(cdc.subscribe({ filter: { tables: ['orders'], operations: ['INSERT', 'DELETE', 'BEGIN', 'COMMIT'] } }), 7);
    expect(ids(orders)).toEqual(['3:0', '3:2', '3:3', '3:4', '5:0', '5:1', '5:2']);
    // No transaction control; a predicate over the raw entry (the seeds' JSON.parse of `after`).
    const big = cdc.subscribe({ includeTransactionControl: false, filter: { predicate: (e) => e.table === 'orders' && !!e.after && JSON.parse(new TextDecoder().decode(e.after)).total > 100 } });
    expect(ids(await take(big, 1))).toEqual(['3:2']);
    const byTxn = await take<WALEntry>(cdc.subscribe({ filter: { txnIds: ['4'] } }), 3);
    expect(ids(byTxn)).toEqual(['4:0', '4:1', '4:2']);
    await cdc.close();
    await db.close();
  });

  it('typed events: data/oldData as objects or through a decoder, keyValues, schema events with types; subscribeTable', async () => {
    const db = open();
    await db.exec('CREATE TABLE kv(k TEXT, n INT, v TEXT, PRIMARY KEY (k, n)) WITHOUT ROWID');
    await db.run("INSERT INTO kv VALUES ('a', 1, 'x')");
    await db.exec('ALTER TABLE kv ADD COLUMN w INT DEFAULT 5');
    await db.exec('ALTER TABLE kv RENAME COLUMN v TO vv');
    await db.run("UPDATE kv SET w = 6 WHERE k = 'a'");
    const cdc = createCDC(db);
    const sub = cdc.subscribe({ includeTransactionControl: false });
    const es = await take<CDCEvent>(sub.subscribeChanges(0n), 5);
    expect(es.map((e) => ('changeType' in e ? e.changeType : e.type))).toEqual(['create_table', 'insert', 'add_column', 'rename_column', 'update']);
    const add = es[2]!;
    expect(add).toMatchObject({ type: 'schema_change', table: 'kv', column: 'w', newType: 'INT', schemaVersion: 3, lsn: 3n, id: '3:1' });
    expect(es[3]).toMatchObject({ changeType: 'rename_column', column: 'vv', oldName: 'v' });
    const upd = es[4] as ChangeEvent;
    // The before image was written before ADD COLUMN: it reads the default, as SELECT does.
    expect(upd.oldData).toEqual({ k: 'a', n: 1, vv: 'x', w: 5 });
    expect(upd.data).toEqual({ k: 'a', n: 1, vv: 'x', w: 6 });
    expect(upd.before).toEqual(upd.oldData);
    expect(Object.keys(upd)).not.toContain('before');
    expect(upd.keyValues).toEqual(['a', 1]);
    const decoded = await take(sub.subscribeChanges<{ w: number }>(3n, { operations: ['UPDATE'] }, (b) => JSON.parse(new TextDecoder().decode(b)) as { w: number }), 1);
    expect((decoded[0] as ChangeEvent<{ w: number }>).data).toEqual({ k: 'a', n: 1, vv: 'x', w: 6 });
    const t = await take(subscribeTable(db, 'kv', 0n), 2);
    expect(t.map((e) => e.type)).toEqual(['insert', 'update']);
    // A decoder that throws: CDC_DECODE_ERROR naming the event.
    const bad = await errorOf(take(sub.subscribeChanges(0n, { operations: ['INSERT'] }, () => {
      throw new Error('nope');
    }), 1));
    expect(bad).toBeInstanceOf(CDCError);
    expect(bad.code).toBe(CDCErrorCode.DECODE_ERROR);
    expect(bad.position).toBe('2:1');
    await cdc.close();
    await db.close();
  });
});

describe('positions', () => {
  it('resuming after LSN n yields exactly the later commits; after an id resumes inside a commit; LSNs may be numbers', async () => {
    const db = open();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    for (let i = 0; i < 5; i++) await db.run('INSERT INTO t VALUES (?, ?), (?, ?)', [i * 2, i, i * 2 + 1, i]);
    const cdc = createCDC(db);
    const all = await take<WALEntry>(cdc.subscribe(0), 5 * 4 + 3);
    for (let n = 0; n <= 6; n++) {
      const got = await take<WALEntry>(cdc.subscribe(BigInt(n)), all.filter((e) => e.lsn > BigInt(n)).length);
      expect(ids(got)).toEqual(ids(all.filter((e) => e.lsn > BigInt(n))));
    }
    expect(ids(await take<WALEntry>(cdc.subscribe({ after: '4:1' }), 3))).toEqual(['4:2', '4:3', '5:0']);
    expect(ids(await take<WALEntry>(cdc.subscribe('3'), 1))).toEqual(['4:0']);
    expect(() => cdc.subscribe(-1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => cdc.subscribe({ after: '4-1' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await cdc.close();
    await db.close();
  });

  it('a position older than the kept log is CDC_LSN_NOT_FOUND naming the oldest LSN; one past the head too', async () => {
    const db = open();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 40; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'x'.repeat(200)]);
    await (await db.engine()).flush();
    const cdc = createCDC(db);
    const stats = await cdc.stats();
    expect(stats.oldestLSN).toBeGreaterThan(0n);
    const err = await errorOf(take(cdc.subscribe(0n), 1));
    expect(err).toBeInstanceOf(CDCError);
    expect(err.code).toBe('CDC_LSN_NOT_FOUND');
    expect(err.oldestLSN).toBe(stats.oldestLSN);
    expect(err.message).toContain(`after LSN ${stats.oldestLSN}`);
    // From the oldest LSN itself: fine.
    await db.run("INSERT INTO t VALUES (1000, 'new')");
    expect((await take<WALEntry>(cdc.subscribe(stats.oldestLSN), 1))[0]!.lsn).toBe(stats.oldestLSN + 1n);
    const past = await errorOf(take(cdc.subscribe(10_000n), 1));
    expect(past.code).toBe('CDC_LSN_NOT_FOUND');
    expect(past.message).toContain('past the newest commit');
    const slotErr = await errorOf(cdc.slots.createSlot('late', 1n));
    expect(slotErr.code).toBe('CDC_LSN_NOT_FOUND');
    await cdc.close();
    await db.close();
  });
});

describe('replication slots', () => {
  it('survive a restart; a consumer acking after each event resumes with nothing lost or repeated, also after a crash inside a commit', async () => {
    const store = new MemoryObjectStore();
    let db = open(store);
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)');
    let cdc = createCDC(db);
    await cdc.slots.createSlot('app', 0n, { tables: ['t'] });
    await expect(cdc.slots.createSlot('app')).rejects.toMatchObject({ code: 'CDC_SLOT_EXISTS' });
    await expect(cdc.slots.createSlot('bad name!')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(cdc.slots.createSlot('p', 0n, { predicate: () => true } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (let i = 0; i < 30; i++) await db.run('INSERT INTO t VALUES (?, ?), (?, ?), (?, ?)', [i * 3, i, i * 3 + 1, i, i * 3 + 2, i]);
    const seen: string[] = [];
    // Round 1: process 20 entries, acking each by LSN as the seeds do, then "crash" mid-commit.
    let sub = await cdc.slots.subscribeFromSlot('app');
    const slot0 = (await cdc.slots.getSlot('app'))!;
    expect(slot0).toMatchObject({ name: 'app', acknowledgedLSN: 0n, acknowledgedSeq: null, branch: 'main', filter: { tables: ['t'] } });
    for await (const e of sub.subscribe(slot0.acknowledgedLSN)) {
      seen.push(e.id);
      await cdc.slots.updateSlot('app', e.lsn);
      if (seen.length === 22) break; // inside a commit: 2:0 BEGIN, 3 inserts, COMMIT per commit
    }
    // The LSN ack did not skip the rest of the interrupted commit.
    expect((await cdc.slots.getSlot('app'))!.acknowledgedSeq).not.toBeNull();
    await cdc.close();
    await db.close();
    db = open(store);
    cdc = createCDC(db);
    expect((await cdc.slots.listSlots()).map((s) => s.name)).toEqual(['app']);
    sub = await cdc.slots.subscribeFromSlot('app');
    const head = (await db.engine()).lastVisibleLsn;
    for await (const e of sub.subscribe(0n)) {
      seen.push(e.id);
      await cdc.slots.updateSlot('app', e);
      if (e.op === 'COMMIT' && Number(e.lsn) === head) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // 30 commits of 3 inserts, and the CREATE TABLE of t (its create_table event passes the filter).
    expect(seen.length).toBe(30 * 5 + 3);
    expect(seen.filter((s) => s.endsWith(':0')).length).toBe(31);
    const stats = await cdc.stats();
    expect(stats.slots).toEqual([{ name: 'app', acknowledgedLSN: BigInt(head), lagLSNs: 0, lagBytes: 0 }]);
    await cdc.slots.deleteSlot('app');
    await expect(cdc.slots.deleteSlot('app')).rejects.toMatchObject({ code: 'CDC_SLOT_NOT_FOUND' });
    await expect(cdc.slots.subscribeFromSlot('app')).rejects.toMatchObject({ code: 'CDC_SLOT_NOT_FOUND' });
    await expect(cdc.slots.updateSlot('app', 1n)).rejects.toMatchObject({ code: 'CDC_SLOT_NOT_FOUND' });
    expect(await cdc.slots.getSlot('app')).toBeNull();
    await db.close();
  });

  it('a slot pins the log across flushes and compactions (lag in LSNs and bytes); deleting it lets the log go', async () => {
    const db = open();
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    const cdc = createCDC(db);
    await cdc.slots.createSlot('s');
    const from = (await db.engine()).lastVisibleLsn;
    for (let i = 0; i < 60; i++) await db.run('INSERT INTO t VALUES (?, ?)', [i, 'y'.repeat(100)]);
    const engine = await db.engine();
    await engine.flush();
    await engine.compact({ full: true });
    const st = await cdc.stats();
    expect(st.slots[0]!.lagLSNs).toBe(60);
    expect(st.slots[0]!.lagBytes).toBeGreaterThan(60 * 100);
    expect(st.walBytes.retained).toBeGreaterThan(0);
    expect(st.oldestLSN).toBeLessThanOrEqual(BigInt(from));
    const sub = await cdc.slots.subscribeFromSlot('s');
    const got = await until<WALEntry>(sub.subscribe(), (e) => e.op === 'COMMIT' && Number(e.lsn) === engine.lastVisibleLsn);
    expect(got.filter((e) => e.op === 'INSERT').length).toBe(60);
    await cdc.slots.deleteSlot('s');
    expect(engine.manifest.walHistory).toEqual([]);
    expect((await cdc.stats()).oldestLSN).toBe(BigInt(engine.lastVisibleLsn));
    await cdc.close();
    await db.close();
  });
});

describe('branches', () => {
  it('a subscription follows one branch: the parent up to the base, then its own commits; a merge shows as the changes it applies', async () => {
    const db = open(undefined, { retention: 'forever' });
    await db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    await db.run("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    await db.branch('feature');
    await db.run("INSERT INTO t VALUES (3, 'main only')");
    await db.checkout('feature');
    await db.run("UPDATE t SET v = 'B' WHERE id = 2");
    await db.exec('ALTER TABLE t ADD COLUMN w INT DEFAULT 0');
    await db.run("INSERT INTO t VALUES (4, 'f', 7)");
    const cdc = createCDC(db);
    const engine = await db.engine();
    const onFeature = await until(cdc.subscribe({ branch: 'feature', includeTransactionControl: false }).subscribeChanges(0n), (e) => 'data' in e && (e as ChangeEvent).keyValues[0] === 4);
    expect(onFeature.map((e) => ('changeType' in e ? e.changeType : `${e.type} ${(e as ChangeEvent).keyValues}`))).toEqual(['create_table', 'insert 1', 'insert 2', 'update 2', 'add_column', 'insert 4']);
    expect((onFeature[3] as ChangeEvent).oldData).toEqual({ id: 2, v: 'b' });
    // Merge into main: one commit on main with the changes it applies.
    await db.checkout('main');
    const before = engine.lastVisibleLsn;
    const m = await db.merge('feature');
    expect(m.merged).toBe(true);
    const merged = await until(cdc.subscribe({ includeTransactionControl: true }).subscribeChanges(BigInt(before)), (e) => e.type === 'commit');
    const kinds = merged.map((e) => ('changeType' in e ? `${e.changeType} ${e.column ?? ''}` : e.type));
    expect(kinds[0]).toBe('begin');
    expect(kinds).toContain('add_column w');
    const rows = merged.filter((e): e is ChangeEvent => e.type === 'insert' || e.type === 'update');
    expect(rows.map((e) => [e.type, e.keyValues[0], e.data])).toEqual(expect.arrayContaining([
      ['update', 2, { id: 2, v: 'B', w: 0 }],
      ['insert', 4, { id: 4, v: 'f', w: 7 }],
    ]));
    await expect(take(cdc.subscribe({ branch: 'nope' }), 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A branch a slot follows cannot be deleted from under it.
    await cdc.slots.createSlot('f', 0n, undefined, { branch: 'feature' });
    await expect(db.deleteBranch('feature', { force: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { slot: 'f' } });
    await cdc.slots.deleteSlot('f');
    await db.deleteBranch('feature', { force: true });
    await cdc.close();
    await db.close();
  });
});
