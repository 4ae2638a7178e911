// The log as change data capture reads it, at the engine level (src/lsm/log-service.ts): flushed
// WAL segments are retained while a replication slot or an open reader needs them, archived to
// the cold store on request, and collected once nothing does; the reader walks retained,
// archived and live segments in LSN order; a position older than the kept log is NOT_FOUND
// naming the oldest LSN; slots and retained segments survive a reopen; the commit feed wakes
// a waiter from the commit path.
import { describe, expect, it } from 'vitest';
import { LsmEngine, type EngineOptions } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import type { CommitRecord } from '../src/lsm/wal-format.js';
import type { SlotRef } from '../src/manifest/manifest-format.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { decodeUserKey } from '../src/mvcc/internal-key.js';
import { DoSQLError } from '../src/errors.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T = 16;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function opts(store: ObjectStore, more: Partial<EngineOptions> = {}): EngineOptions {
  // Small memtables: every few commits a new WAL segment.
  return { store, durability: 'off', memtableBytes: 2048, retention: 0, ...more };
}

/** Writes `n` commits of 3 rows each; returns their LSNs. */
async function writeMany(engine: LsmEngine, n: number, tag = 'v'): Promise<number[]> {
  const lsns: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = new WriteBatch();
    for (let k = 0; k < 3; k++) b.put(T, [i * 3 + k], enc(`${tag}${i}-${k}-${'x'.repeat(40)}`));
    lsns.push((await engine.write(b)).lsn);
  }
  return lsns;
}

async function readAll(engine: LsmEngine, after: number): Promise<CommitRecord[]> {
  const r = engine.log.openReader(after, 512);
  const out: CommitRecord[] = [];
  for (;;) {
    const got = await r.next(7);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

function slot(name: string, lsn: number): SlotRef {
  return { name, lsn, seq: null, branch: 0, createdAt: 0, updatedAt: 0 };
}

async function walKeys(store: ObjectStore): Promise<string[]> {
  return (await store.list('wal/')).map((o) => o.key);
}

function errorOf(p: Promise<unknown>): Promise<DoSQLError> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as DoSQLError,
  );
}

describe('retained WAL segments', () => {
  it('a slot at 0 keeps every flushed segment across flushes and compactions; the reader returns every commit in LSN order with its ops', async () => {
    const store = new MemoryObjectStore();
    const engine = await LsmEngine.open(opts(store));
    await engine.log.createSlot(slot('s', 0));
    const lsns = await writeMany(engine, 40);
    await engine.flush();
    await engine.compact({ full: true });
    const h = engine.manifest.walHistory;
    expect(h.length).toBeGreaterThan(3);
    expect(h[0]!.firstLsn).toBe(1);
    for (const e of h) expect(await store.head(e.key)).not.toBeNull();
    const recs = await readAll(engine, 0);
    expect(recs.map((r) => r.lsn)).toEqual(lsns);
    expect(recs[5]!.ops.map((o) => Number(decodeUserKey(o.userKey).key[0]))).toEqual([15, 16, 17]);
    // From the middle: exactly the suffix.
    expect((await readAll(engine, 17)).map((r) => r.lsn)).toEqual(lsns.slice(17));
    await engine.close();
  });

  it('without a slot or a reader flushed segments are deleted, and an old position is NOT_FOUND naming the oldest LSN', async () => {
    const store = new MemoryObjectStore();
    const engine = await LsmEngine.open(opts(store));
    await writeMany(engine, 30);
    await engine.flush();
    expect(engine.manifest.walHistory).toEqual([]);
    expect(await walKeys(store)).toEqual([engine.stats().wal.segment]);
    const oldest = engine.log.oldestLsn();
    expect(oldest).toBe(30);
    const err = await errorOf(readAll(engine, 3));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toMatchObject({ lsn: 4, oldestLsn: 30 });
    expect(err.message).toContain('LSN 4');
    await engine.close();
  });

  it('moving the slot to the head releases what it pinned; deleting it releases everything; the files are collected', async () => {
    const store = new MemoryObjectStore();
    const engine = await LsmEngine.open(opts(store));
    await engine.log.createSlot(slot('a', 0));
    await engine.log.createSlot(slot('b', 0));
    await writeMany(engine, 30);
    await engine.flush();
    const before = engine.manifest.walHistory.map((h) => h.key);
    expect(before.length).toBeGreaterThan(2);
    const mid = engine.manifest.walHistory[1]!.lastLsn;
    await engine.log.updateSlot('a', engine.lastVisibleLsn, null, 1);
    await engine.log.updateSlot('b', mid, null, 1);
    // b needs mid + 1 on: the segments ending at or before mid go.
    expect(engine.manifest.walHistory[0]!.firstLsn).toBeGreaterThan(1);
    expect(engine.manifest.walHistory.every((h) => h.lastLsn > mid)).toBe(true);
    expect(engine.log.oldestLsn()).toBe(mid);
    expect((await readAll(engine, mid)).length).toBe(30 - mid);
    await engine.log.deleteSlot('b');
    expect(engine.manifest.walHistory).toEqual([]);
    const left = await walKeys(store);
    for (const k of before) expect(left).not.toContain(k);
    await expect(engine.log.deleteSlot('b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.log.createSlot(slot('a', 0))).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await engine.close();
  });

  it('an open reader pins the log from its position until released', async () => {
    const store = new MemoryObjectStore();
    const engine = await LsmEngine.open(opts(store));
    await writeMany(engine, 5);
    const pin = engine.log.pin(3);
    await writeMany(engine, 20);
    await engine.flush();
    expect(engine.manifest.walHistory[0]!.firstLsn).toBeLessThanOrEqual(3);
    expect((await readAll(engine, 2)).map((r) => r.lsn)).toEqual(Array.from({ length: 23 }, (_, i) => i + 3));
    pin.release();
    await engine.log.runRetention();
    expect(engine.manifest.walHistory).toEqual([]);
    await engine.close();
  });

  it('slots and retained segments survive a reopen; the reader spans retained, replayed and new segments', async () => {
    const store = new MemoryObjectStore();
    let engine = await LsmEngine.open(opts(store));
    await engine.log.createSlot(slot('s', 0));
    await writeMany(engine, 20, 'a');
    await engine.flush();
    await writeMany(engine, 3, 'b'); // unflushed: replayed at the next open
    await engine.close();
    engine = await LsmEngine.open(opts(store));
    expect(engine.log.slots().map((s) => s.name)).toEqual(['s']);
    await writeMany(engine, 4, 'c');
    const recs = await readAll(engine, 0);
    expect(recs.map((r) => r.lsn)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
    await engine.flush();
    await engine.close();
    engine = await LsmEngine.open(opts(store));
    expect((await readAll(engine, 0)).length).toBe(27);
    await engine.close();
  });
});

describe('reading a growing segment', () => {
  it('on a folder store, a reader sees records appended after its first read of the segment (regression: a cached file size hid them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-log-'));
    const store = new FsObjectStore(dir);
    try {
      const engine = await LsmEngine.open(opts(store, { memtableBytes: 1 << 20 }));
      await engine.log.createSlot(slot('s', 0));
      await writeMany(engine, 5);
      const r = engine.log.openReader(0, 64);
      expect((await r.next(100)).map((x) => x.lsn)).toEqual([1, 2, 3, 4, 5]);
      await writeMany(engine, 5);
      expect((await r.next(100)).map((x) => x.lsn)).toEqual([6, 7, 8, 9, 10]);
      await writeMany(engine, 2);
      await engine.flush(); // the segment is closed and retained
      expect((await r.next(100)).map((x) => x.lsn)).toEqual([11, 12]);
      await engine.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WAL archive', () => {
  it('retained segments move to the cold store under _archive/wal/; the reader follows them; a dropped slot lets them go', async () => {
    const hot = new MemoryObjectStore();
    const cold = new MemoryObjectStore();
    const engine = await LsmEngine.open(opts(hot, { coldStore: cold, walArchive: true, archiveRetention: 0 }));
    await engine.log.createSlot(slot('s', 0));
    const lsns = await writeMany(engine, 30);
    await engine.flush();
    await engine.log.runRetention();
    const h = engine.manifest.walHistory;
    expect(h.length).toBeGreaterThan(2);
    for (const e of h) {
      expect(e.hot).toBe(false);
      expect(e.archived).toBe(`_archive/${e.key}`);
      expect(await hot.head(e.key)).toBeNull();
      // Byte-identical copies: same length as recorded.
      expect((await cold.head(e.archived!))!.size).toBe(e.end);
    }
    expect((await readAll(engine, 0)).map((r) => r.lsn)).toEqual(lsns);
    await engine.log.deleteSlot('s');
    expect(engine.manifest.walHistory).toEqual([]);
    expect(await cold.list('_archive/')).toEqual([]);
    await engine.close();
  });

  it('an archive copy left by a crash before its manifest edit is swept at open', async () => {
    const hot = new MemoryObjectStore();
    const cold = new MemoryObjectStore();
    await cold.put('_archive/wal/000000000009-000000000001.log', new Uint8Array(10));
    const engine = await LsmEngine.open(opts(hot, { coldStore: cold, walArchive: true }));
    expect(await cold.list('_archive/')).toEqual([]);
    await engine.close();
  });
});

describe('commit feed', () => {
  it('a waiter is woken by the commit path; the feed holds the records while a reader is attached', async () => {
    const engine = await LsmEngine.open(opts(new MemoryObjectStore()));
    const feed = engine.log.feed;
    const detach = feed.attach();
    const from = engine.lastVisibleLsn;
    let woke = false;
    const waiting = feed.waitForCommit(from).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    await writeMany(engine, 2);
    await waiting;
    expect(woke).toBe(true);
    expect(feed.read(from, 10)!.map((r) => r.lsn)).toEqual([from + 1, from + 2]);
    expect(feed.read(from + 2, 10)).toEqual([]);
    detach();
    await writeMany(engine, 1);
    expect(feed.read(from, 10)).toBeNull();
    await engine.close();
    await expect(feed.waitForCommit(engine.lastVisibleLsn)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
