// Two writers on one database (issue 13, item 1): each loops "open -> write -> on FENCED
// close and reopen", so each open fences the other. No file a manifest references may be
// overwritten by the other epoch, a racing open gets a retryable BUSY (never a false
// CORRUPTION), and one final open must succeed and hold every acknowledged write.
// `npm run stress:writers -- --runs 50` runs the child-process version at length.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LsmEngine, type EngineOptions } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { DoSQLError } from '../src/errors.js';
import { GatedStore } from './support/gated-store.js';
import { checkWriters, newWriterLog, applyEvent, writerLoop } from '../scripts/writers-workload.js';
import { writersRun } from '../scripts/writers-harness.js';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const put = (k: number, s: string): WriteBatch => new WriteBatch().put(1, [k], v(s));
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const small: Partial<EngineOptions> = {
  memtableBytes: 32 * 1024,
  targetFileBytes: 16 * 1024,
  blockSize: 1024,
  retention: 100,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 8, l0StopTrigger: 16, levelBaseBytes: 64 * 1024, levelMultiplier: 4, maxLevels: 5 },
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof DoSQLError ? e.code : String(e);
  }
}

describe('two writers on one database', () => {
  it("a fenced writer's late flush never overwrites a file of the writer that fenced it", async () => {
    const store = new MemoryObjectStore();
    const a = await LsmEngine.open({ store, memtableBytes: 4096, compaction: { background: false } });
    for (let k = 0; k < 10; k++) await a.write(put(k, 'first'));
    await a.flush();
    // Fill A's memtable to its limit: A's next write freezes it and flushes it in the background.
    let i = 10;
    while (a.stats().memtable.bytes < 4096) await a.write(put(i++, 'a'.repeat(100)));
    // B replays A's memtable and adds its own rows: its first file holds both, and takes the
    // next file number A's manifest recorded, which A's counter hands out too.
    const b = await LsmEngine.open({ store, memtableBytes: 1 << 20, compaction: { background: false } });
    for (let k = 0; k < 40; k++) await b.write(put(1000 + k, 'b'.repeat(100)));
    await b.flush();
    expect(await codeOf(a.write(put(99_999, 'x')))).toBe('FENCED');
    await a.close(); // waits for A's flush, whose manifest update fails
    const check = async (e: LsmEngine): Promise<void> => {
      for (let k = 0; k < 10; k++) expect(str(await e.get(1, [k]))).toBe('first');
      for (let k = 10; k < i; k++) expect(str(await e.get(1, [k]))).toBe('a'.repeat(100));
      for (let k = 0; k < 40; k++) expect(str(await e.get(1, [1000 + k]))).toBe('b'.repeat(100));
    };
    await check(b);
    await b.close();
    const c = await LsmEngine.open({ store });
    await check(c);
    await c.close();
  });

  it('an open racing with the last manifest update of the writer it fences retries (BUSY), never reports a deleted WAL segment as CORRUPTION', async () => {
    const inner = new MemoryObjectStore();
    const ga = new GatedStore(inner);
    const a = await LsmEngine.open({ store: ga, compaction: { background: false } });
    for (let k = 0; k < 20; k++) await a.write(put(k, `a${k}`));
    // A flushes: its fence check passes, its manifest write is held.
    const held = ga.gate('put', 'manifest/');
    const flushing = a.flush();
    await held.reached;
    // B claims the next epoch, loads the manifest A is replacing and lists the WAL; its read of
    // A's first segment is held until A has written the manifest and deleted that segment.
    const gb = new GatedStore(inner);
    const readingWal = gb.gate('get', 'wal/');
    const opening = LsmEngine.open({ store: gb });
    await readingWal.reached;
    held.release();
    await flushing;
    expect((await inner.list('wal/')).length).toBe(1);
    readingWal.release();
    const b = await opening;
    for (let k = 0; k < 20; k++) expect(str(await b.get(1, [k]))).toBe(`a${k}`);
    expect(await codeOf(a.write(put(100, 'late')))).toBe('FENCED');
    await b.close();
    await a.close();
  });

  it('two opens at once both succeed: the one that loses the race retries instead of failing', async () => {
    const store = new MemoryObjectStore();
    const [x, y] = await Promise.all([LsmEngine.open({ store }), LsmEngine.open({ store })]);
    const [newer, older] = x.epoch > y.epoch ? [x, y] : [y, x];
    await newer.write(put(1, 'newer'));
    expect(await codeOf(older.write(put(2, 'older')))).toBe('FENCED');
    await older.close();
    await newer.close();
  });

  const inProcess = async (store: ObjectStore, label: string): Promise<void> => {
    const logs = [newWriterLog(0), newWriterLog(1)];
    let acked = 0;
    const stop = (): boolean => acked >= 1500;
    await Promise.all(
      logs.map((log) =>
        writerLoop({
          writer: log.writer,
          inflight: 4,
          stop,
          emit: (e) => {
            applyEvent(log, e);
            if (e.t === 'ack') acked++;
          },
          open: () => LsmEngine.open({ store, durability: 'off', ...small }),
        }),
      ),
    );
    const engine = await LsmEngine.open({ store });
    try {
      const c = await checkWriters(engine, logs);
      expect(c.problems, label).toEqual([]);
      expect(logs[0]!.opens + logs[1]!.opens, label).toBeGreaterThan(4);
    } finally {
      await engine.close();
    }
  };

  it('in process, on a memory store: every acknowledged write survives, no FENCED write is present', async () => {
    for (let seed = 0; seed < 3; seed++) await inProcess(new MemoryObjectStore(), `memory run ${seed}`);
  });

  it('in process, on a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dosql-two-writers-'));
    dirs.push(dir);
    const store = new FsObjectStore(dir, { fsync: false });
    await inProcess(store, 'folder');
    await store.close();
  });

  // Each run starts two node processes (up to 60 s to open on a loaded machine, in the harness)
  // and runs until it has done the work below (at most 60 s more): two runs need more than the
  // suite's 120 s default in the worst case, while a quiet machine takes about 15 s in all.
  it('two processes on one folder (a short `npm run stress:writers`)', { timeout: 300_000 }, async () => {
    for (const [kill, executor] of [
      [true, 'worker'],
      [false, 'inline'],
    ] as const) {
      // At least 4 s, and on until 100 writes were acknowledged and the writers took the
      // database from each other at least twice after both opened: a fixed 4 s of wall time
      // could pass with the writers starved of CPU and have tested nothing.
      const r = await writersRun({ ms: 4000, until: { acked: 100, opens: 4, maxMs: 60_000 }, kill, durability: 'normal', executor, seed: 7 });
      expect(r.problems).toEqual([]);
      expect(r.opened).toBe(true);
      expect(r.acked).toBeGreaterThan(0);
      expect(r.opens).toBeGreaterThanOrEqual(4);
    }
  });
});
