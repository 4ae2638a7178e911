// The key-value engine on its own (nothing from src/sql): transactions with first-committer-wins
// conflicts, read-your-writes and savepoints; branches created, written and read in isolation;
// named snapshots that keep their history across a full compaction; the commit hook.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import type { CommitRecord } from '../src/lsm/wal-format.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { KvPair } from '../src/mvcc/transaction.js';
import { encodeRange } from '../src/mvcc/kv-types.js';

const T = 16;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

async function open(retention: number | string = 'forever'): Promise<LsmEngine> {
  return LsmEngine.open({ store: new MemoryObjectStore(), durability: 'off', retention });
}

async function put(engine: LsmEngine, rows: [number, string][], branch = 0): Promise<number> {
  const b = new WriteBatch(branch);
  for (const [k, v] of rows) b.put(T, [k], enc(v));
  return (await engine.write(b)).lsn;
}

async function rows(it: AsyncIterable<KvPair>): Promise<[unknown, string][]> {
  const out: [unknown, string][] = [];
  for await (const e of it) out.push([e.key[0], dec(e.value)!]);
  return out;
}

describe('key-value transactions', () => {
  it('first committer wins: the second writer of a key gets WRITE_CONFLICT and writes nothing', async () => {
    const engine = await open();
    await put(engine, [[1, 'a']]);
    const t1 = engine.begin();
    const t2 = engine.begin();
    const t3 = engine.begin();
    t1.put(T, [1], enc('t1'));
    t2.put(T, [1], enc('t2'));
    t2.put(T, [2], enc('t2 other'));
    t3.put(T, [3], enc('t3'));
    const c1 = await t1.commit();
    await expect(t2.commit()).rejects.toMatchObject({ code: 'WRITE_CONFLICT', retryable: true, details: { readLsn: t2.readLsn, conflictLsn: c1.lsn } });
    // A transaction writing other keys is not in conflict.
    const c3 = await t3.commit();
    expect(c3.lsn).toBe(c1.lsn + 1);
    expect(dec(await engine.get(T, [1]))).toBe('t1');
    expect(await engine.get(T, [2])).toBeUndefined();
    // A committed transaction cannot commit again.
    await expect(t1.commit()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Nothing written: nothing committed, the read LSN comes back.
    const t4 = engine.begin();
    expect((await t4.commit()).lsn).toBe(t4.readLsn);
    expect(engine.stats().openReadViews).toBe(0);
    await engine.close();
  });

  it('a claimed range conflicts with a key inserted into it after the read point', async () => {
    const engine = await open();
    const t1 = engine.begin();
    const t2 = engine.begin();
    // t1 checked that no key of [10, 20) exists and writes elsewhere based on that.
    t1.claim(T, { gte: [10], lt: [20] });
    t1.put(T, [1], enc('none in 10..20'));
    t2.put(T, [15], enc('inserted'));
    await t2.commit();
    await expect(t1.commit()).rejects.toMatchObject({ code: 'WRITE_CONFLICT' });
    await engine.close();
  });

  it('reads its own writes (gets and scans) before commit; others do not see them', async () => {
    const engine = await open();
    await put(engine, [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    const t = engine.begin();
    t.put(T, [2], enc('B'));
    t.delete(T, [3]);
    t.put(T, [4], enc('d'));
    expect(dec(await t.get(T, [2]))).toBe('B');
    expect(await t.get(T, [3])).toBeUndefined();
    expect(await rows(t.scan(T))).toEqual([
      [1, 'a'],
      [2, 'B'],
      [4, 'd'],
    ]);
    expect(await rows(t.scan(T, { gte: [2] }, { reverse: true, limit: 2 }))).toEqual([
      [4, 'd'],
      [2, 'B'],
    ]);
    const other = engine.begin();
    expect(dec(await other.get(T, [2]))).toBe('b');
    expect(dec(await engine.get(T, [3]))).toBe('c');
    const { lsn } = await t.commit();
    expect(dec(await other.get(T, [2]))).toBe('b'); // its snapshot is older
    other.release();
    expect(dec(await engine.get(T, [2]))).toBe('B');
    expect(await engine.get(T, [3])).toBeUndefined();
    expect(engine.lastVisibleLsn).toBe(lsn);
    await engine.close();
  });

  it('rolls back to a savepoint: later writes are undone, earlier ones commit', async () => {
    const engine = await open();
    await put(engine, [[1, 'a']]);
    const t = engine.begin();
    t.put(T, [1], enc('first'));
    const sp = t.mark();
    t.put(T, [1], enc('second'));
    t.put(T, [2], enc('x'));
    t.delete(T, [1]);
    expect(await t.get(T, [1])).toBeUndefined();
    t.rollbackTo(sp);
    expect(dec(await t.get(T, [1]))).toBe('first');
    expect(await t.get(T, [2])).toBeUndefined();
    await t.commit();
    expect(dec(await engine.get(T, [1]))).toBe('first');
    expect(await engine.get(T, [2])).toBeUndefined();
    // A rolled-back transaction writes nothing and cannot commit its writes.
    const r = engine.begin();
    r.put(T, [3], enc('gone'));
    r.rollback();
    await expect(engine.commit(r)).resolves.toMatchObject({ lsn: r.readLsn });
    expect(await engine.get(T, [3])).toBeUndefined();
    await engine.close();
  });

  it('refuses writes in a read-only transaction', async () => {
    const engine = await open();
    const t = engine.begin({ readOnly: true });
    expect(() => t.put(T, [1], enc('x'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    t.release();
    await engine.close();
  });
});

describe('key-value branches', () => {
  it('a branch sees main as of its base, is written in isolation, and main never sees it', async () => {
    const engine = await open();
    await put(engine, [
      [1, 'a'],
      [2, 'b'],
    ]);
    const base = engine.lastVisibleLsn;
    const dev = await engine.branches.create('dev');
    expect(dev).toMatchObject({ name: 'dev', parent: 0, baseLsn: base, mergedAt: null });
    await put(engine, [[1, 'main after branch']]);

    const t = engine.begin({ branch: dev.id });
    expect(dec(await t.get(T, [1]))).toBe('a');
    t.put(T, [3], enc('dev'));
    t.delete(T, [2]);
    await t.commit();

    const onDev = engine.begin({ branch: dev.id });
    expect(await rows(onDev.scan(T))).toEqual([
      [1, 'a'],
      [3, 'dev'],
    ]);
    onDev.release();
    const onMain = engine.begin();
    expect(await rows(onMain.scan(T))).toEqual([
      [1, 'main after branch'],
      [2, 'b'],
    ]);
    onMain.release();

    // A branch of the branch reads through both layers.
    const sub = await engine.branches.create('dev/sub', { parent: dev.id });
    const s = engine.begin({ branch: sub.id });
    expect(await rows(s.scan(T))).toEqual([
      [1, 'a'],
      [3, 'dev'],
    ]);
    s.release();
    await expect(engine.branches.delete('dev')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(engine.branches.create('dev')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => engine.begin({ branch: 99 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await engine.close();
  });

  it('never reuses a branch id, not even after deleting the newest branch and reopening', async () => {
    const store = new MemoryObjectStore();
    let engine = await LsmEngine.open({ store, durability: 'off' });
    const a = await engine.branches.create('a');
    const b = await engine.branches.create('b');
    await engine.branches.delete('b');
    const c = await engine.branches.create('c');
    expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
    await engine.branches.delete('c');
    await engine.close();
    engine = await LsmEngine.open({ store, durability: 'off' });
    expect((await engine.branches.create('d')).id).toBe(4);
    expect(engine.branches.list().map((x) => x.name)).toEqual(['a', 'd']);
    await engine.close();
  });
});

describe('key-value snapshots', () => {
  it('a named snapshot keeps its versions across a full compaction; without it they are gone', async () => {
    const engine = await open(0);
    const old = await put(engine, [
      [1, 'v1'],
      [2, 'w1'],
    ]);
    const snap = await engine.snapshots.create({ name: 'before' });
    expect(snap).toMatchObject({ name: 'before', branch: 0, lsn: old });
    const unpinned = await put(engine, [[1, 'v2']]);
    await put(engine, [[1, 'v3']]);
    const b = new WriteBatch();
    b.delete(T, [2]);
    await engine.write(b);
    await engine.compact({ full: true });

    expect(dec(await engine.get(T, [1], { asOf: old }))).toBe('v1');
    expect(dec(await engine.get(T, [2], { asOf: old }))).toBe('w1');
    const t = engine.begin({ asOf: snap.lsn });
    expect(await rows(t.scan(T))).toEqual([
      [1, 'v1'],
      [2, 'w1'],
    ]);
    t.release();
    expect(dec(await engine.get(T, [1]))).toBe('v3');
    // An LSN no snapshot kept is below the horizon (retention 0).
    await expect(engine.get(T, [1], { asOf: unpinned })).rejects.toMatchObject({ code: 'BEFORE_RETENTION_HORIZON' });
    expect(engine.snapshots.list().map((x) => x.name)).toEqual(['before']);
    await expect(engine.snapshots.create({ name: 'before' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    await engine.snapshots.delete('before');
    await engine.compact({ full: true });
    await expect(engine.get(T, [1], { asOf: old })).rejects.toMatchObject({ code: 'BEFORE_RETENTION_HORIZON' });
    // The old versions are physically gone: only v3 remains of key 1, key 2 is collected.
    let versions = 0;
    const all = encodeRange(0, T, {});
    for await (const _ of engine.scanVersions(all.lower, all.upper, engine.lastVisibleLsn, true)) versions++;
    expect(versions).toBe(1);
    await engine.close();
  });
});

describe('commit hook', () => {
  it('hands each commit to listeners once it is visible, in LSN order', async () => {
    const engine = await open();
    const seen: { lsn: number; visible: number; ops: number }[] = [];
    const off = engine.onCommit((records: readonly CommitRecord[]) => {
      for (const r of records) seen.push({ lsn: r.lsn, visible: engine.lastVisibleLsn, ops: r.ops.length });
    });
    const t = engine.begin();
    t.put(T, [1], enc('x'));
    const c = await t.commit({ extraOps: () => [{ kind: 1, userKey: encodeRange(0, T + 1, {}).lower, value: enc('log') }] });
    await Promise.all([put(engine, [[2, 'y']]), put(engine, [[3, 'z']])]);
    off();
    await put(engine, [[4, 'unseen']]);
    expect(seen.map((s) => s.lsn)).toEqual([c.lsn, c.lsn + 1, c.lsn + 2]);
    expect(seen.every((s) => s.visible >= s.lsn)).toBe(true);
    expect(seen[0]!.ops).toBe(2);
    await engine.close();
  });
});
