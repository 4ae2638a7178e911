// Compaction, garbage collection and retention at the engine level.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { ManualClock } from '../src/util/clock.js';
import { DoSQLError } from '../src/errors.js';
import { checkInvariants } from '../src/manifest/version-edit.js';
import type { EngineOptions } from '../src/lsm/engine-types.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const small: Partial<EngineOptions> = {
  durability: 'off',
  memtableBytes: 16 * 1024,
  targetFileBytes: 8 * 1024,
  blockSize: 1024,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 4, l0StopTrigger: 6, levelBaseBytes: 32 * 1024, levelMultiplier: 4, maxLevels: 5 },
};

async function fill(e: LsmEngine, keys: number, round: number, batch = 50): Promise<void> {
  for (let i = 0; i < keys; i += batch) {
    const b = new WriteBatch();
    for (let k = i; k < Math.min(keys, i + batch); k++) b.put(1, [k], enc(`r${round}-k${k}-${'x'.repeat(40)}`));
    await e.write(b);
  }
}

function entries(e: LsmEngine): number {
  return e.stats().levels.reduce((n, l) => n + l.entries, 0);
}

async function sstKeys(store: MemoryObjectStore): Promise<string[]> {
  return (await store.list('sst/')).map((o) => o.key).sort();
}

function manifestKeys(e: LsmEngine): string[] {
  return e.manifest.levels.flat(2).map((f) => f.key).sort();
}

describe('compaction and garbage collection', () => {
  it('with retention 0, overwritten versions are collected: a full compaction leaves one version per key', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0 });
    for (let round = 0; round < 5; round++) await fill(e, 500, round);
    await e.compact({ full: true });
    expect(entries(e)).toBe(500);
    const s = e.stats();
    expect(s.levels.filter((l) => l.files > 0).length).toBe(1);
    expect(s.compaction.droppedVersions).toBeGreaterThanOrEqual(2000);
    // Bytes the engine wrote (compressed SSTables) per byte the user wrote; compaction adds to flushes.
    expect(s.compaction.bytesWritten).toBeGreaterThan(0);
    expect(s.writeAmplification).toBeCloseTo((s.flush.bytesWritten + s.compaction.bytesWritten) / s.userBytesWritten, 6);
    for (const k of [0, 250, 499]) expect(dec(await e.get(1, [k]))).toBe(`r4-k${k}-${'x'.repeat(40)}`);
    expect(await sstKeys(store)).toEqual(manifestKeys(e));
    await e.close();
  });

  it('deleted keys leave nothing behind after a full compaction (tombstones dropped at the bottom)', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0 });
    await fill(e, 400, 0);
    await e.flush();
    for (let i = 0; i < 400; i += 100) {
      const b = new WriteBatch();
      for (let k = i; k < i + 100; k++) b.delete(1, [k]);
      await e.write(b);
    }
    await e.compact({ full: true });
    expect(entries(e)).toBe(0);
    expect(e.stats().compaction.droppedTombstones).toBe(400);
    let n = 0;
    for await (const _ of e.scan(1)) n++;
    expect(n).toBe(0);
    await e.close();
  });

  it('keeps every version while history is retained, and answers each past LSN', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 'forever' });
    const lsns: number[] = [];
    for (let round = 0; round < 4; round++) {
      await fill(e, 200, round);
      lsns.push(e.lastVisibleLsn);
    }
    await e.compact({ full: true });
    expect(entries(e)).toBe(800);
    for (let round = 0; round < 4; round++) expect(dec(await e.get(1, [7], { asOf: lsns[round]! }))).toBe(`r${round}-k7-${'x'.repeat(40)}`);
    await e.close();
  });

  it('background compaction keeps levels within bounds and the manifest invariants hold', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0 });
    let maxL0 = 0;
    for (let round = 0; round < 8; round++) {
      await fill(e, 3000, round, 50);
      maxL0 = Math.max(maxL0, e.manifest.levels[0]!.length);
      expect(checkInvariants(e.manifest)).toEqual([]);
    }
    // A flush still in flight would add an L0 run after compact() returns balanced.
    await e.flush();
    await e.compact();
    const s = e.stats();
    expect(s.compaction.compactions).toBeGreaterThan(5);
    expect(s.levels.filter((l) => l.files > 0).length).toBeGreaterThan(1);
    // The stop trigger bounds L0 (a flush in flight may add one run).
    expect(maxL0).toBeLessThanOrEqual(7);
    for (const l of s.levels.slice(0, -1)) expect(l.score).toBeLessThan(1);
    expect(s.reads.readAmplification).toBeGreaterThanOrEqual(0);
    for (const k of [0, 311, 2999]) expect(dec(await e.get(1, [k]))).toBe(`r7-k${k}-${'x'.repeat(40)}`);
    await e.close();
    // Nothing lost across a reopen; obsolete files are gone.
    const e2 = await LsmEngine.open({ store, ...small, retention: 0 });
    expect(await sstKeys(store)).toEqual(manifestKeys(e2));
    let n = 0;
    for await (const row of e2.scan(1)) {
      expect(dec(row.value)).toBe(`r7-k${row.key[0]}-${'x'.repeat(40)}`);
      n++;
    }
    expect(n).toBe(3000);
    await e2.close();
  });

  it('a scan in progress keeps reading its files while a compaction replaces them', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0, blockCacheBytes: 0 });
    await fill(e, 800, 0);
    await e.flush();
    const before = await sstKeys(store);
    const it = e.scan(1);
    const first = await it.next();
    expect(first.done).toBe(false);
    await fill(e, 800, 1);
    await e.compact({ full: true });
    // The old files are still referenced by the scan's version.
    expect((await sstKeys(store)).filter((k) => before.includes(k)).length).toBeGreaterThan(0);
    let n = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      expect(dec(r.value.value)).toBe(`r0-k${r.value.key[0]}-${'x'.repeat(40)}`);
      n++;
    }
    expect(n).toBe(800);
    // Released: the next compaction deletes them.
    await e.write(new WriteBatch().put(1, [0], enc('z')));
    await e.compact({ full: true });
    expect((await sstKeys(store)).filter((k) => before.includes(k))).toEqual([]);
    await e.close();
  });

  it('a read view holds its snapshot across compactions even with retention 0', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0 });
    await fill(e, 300, 0);
    const view = e.readView();
    for (let round = 1; round < 4; round++) await fill(e, 300, round);
    await e.compact({ full: true });
    expect(dec(await view.get(1, [123]))).toBe(`r0-k123-${'x'.repeat(40)}`);
    view.release();
    await e.compact({ full: true });
    expect(entries(e)).toBe(300);
    await expect(e.get(1, [123], { asOf: view.lsn })).rejects.toMatchObject({ code: 'BEFORE_RETENTION_HORIZON' });
    await e.close();
  });

  it('a pinned LSN survives compaction and reopen; unpinned, it is collected', async () => {
    const store = new MemoryObjectStore();
    const opts = { store, ...small, retention: 0 };
    let e = await LsmEngine.open(opts);
    await fill(e, 200, 0);
    const pinned = e.lastVisibleLsn;
    await e.pinLsn(pinned, 'backup');
    await fill(e, 200, 1);
    await e.close();
    e = await LsmEngine.open(opts);
    await e.compact({ full: true });
    expect(dec(await e.get(1, [5], { asOf: pinned }))).toBe(`r0-k5-${'x'.repeat(40)}`);
    expect(entries(e)).toBe(400);
    await e.unpinLsn(pinned);
    await e.compact({ full: true });
    expect(entries(e)).toBe(200);
    await expect(e.get(1, [5], { asOf: pinned })).rejects.toMatchObject({ code: 'BEFORE_RETENTION_HORIZON' });
    await e.close();
  });

  it('time-based retention: history older than the window is refused and collected', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: '1h', clock });
    await fill(e, 100, 0);
    const old = e.lastVisibleLsn;
    clock.advance(30 * 60_000);
    await fill(e, 100, 1);
    const mid = e.lastVisibleLsn;
    expect(dec(await e.get(1, [1], { asOf: old }))).toBe(`r0-k1-${'x'.repeat(40)}`);
    clock.advance(45 * 60_000); // old is now 75 minutes back, mid 45
    await fill(e, 100, 2);
    await e.compact({ full: true });
    const err = await e.get(1, [1], { asOf: old - 1 }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('BEFORE_RETENTION_HORIZON');
    expect(dec(await e.get(1, [1], { asOf: mid }))).toBe(`r1-k1-${'x'.repeat(40)}`);
    expect(e.stats().retentionHorizon).toBeGreaterThanOrEqual(old - 1);
    expect(e.stats().retentionHorizon).toBeLessThanOrEqual(mid);
    await e.close();
  });

  it('orphan files from a crashed compaction are deleted at the next open', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small });
    await fill(e, 300, 0);
    await e.flush();
    await e.close();
    await store.put('sst/000000999999.sst', new Uint8Array(100));
    const e2 = await LsmEngine.open({ store, ...small });
    expect(await sstKeys(store)).toEqual(manifestKeys(e2));
    expect(dec(await e2.get(1, [299]))).toBe(`r0-k299-${'x'.repeat(40)}`);
    await e2.close();
  });

  it('writes slow down and stall instead of letting L0 grow without bound', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({
      store,
      ...small,
      memtableBytes: 4 * 1024,
      compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 3, l0StopTrigger: 4, levelBaseBytes: 1 << 30, maxLevels: 3 },
    });
    let maxL0 = 0;
    for (let round = 0; round < 10; round++) {
      await fill(e, 300, round, 10);
      maxL0 = Math.max(maxL0, e.manifest.levels[0]!.length);
    }
    const s = e.stats();
    expect(s.slowdowns + s.stallMs).toBeGreaterThan(0);
    expect(maxL0).toBeLessThanOrEqual(5);
    await e.close();
  });

  it('sequential inserts reach the lower levels by trivial moves alone: nothing is rewritten, every key reads back', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, retention: 0 });
    const value = (k: number): string => `k${k}-${'x'.repeat(40)}`;
    for (let i = 0; i < 3000; i += 50) {
      const b = new WriteBatch();
      for (let k = i; k < i + 50; k++) b.put(1, [k], enc(value(k)));
      await e.write(b);
    }
    await e.flush();
    await e.compact();
    const s = e.stats();
    expect(s.compaction.trivialMoves).toBeGreaterThan(0);
    expect(s.compaction.compactions).toBe(0);
    expect(s.compaction.bytesWritten).toBe(0);
    expect(s.levels.slice(1).reduce((n, l) => n + l.files, 0)).toBeGreaterThan(0);
    expect(checkInvariants(e.manifest)).toEqual([]);
    for (let k = 0; k < 3000; k += 7) expect(dec(await e.get(1, [k]))).toBe(value(k));
    let n = 0;
    for await (const _ of e.scan(1)) n++;
    expect(n).toBe(3000);
    await e.close();
    const again = await LsmEngine.open({ store, ...small, retention: 0 });
    for (let k = 1; k < 3000; k += 11) expect(dec(await again.get(1, [k]))).toBe(value(k));
    await again.close();
  });

  it('rejects bad retention and compaction options', async () => {
    const store = new MemoryObjectStore();
    await expect(LsmEngine.open({ store, retention: '7 days' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(LsmEngine.open({ store, retention: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(LsmEngine.open({ store, compaction: { l0CompactionTrigger: 9, l0SlowdownTrigger: 2 } })).rejects.toThrow(/l0CompactionTrigger/);
  });
});
