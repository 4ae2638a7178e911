// EngineOptions.compressionPerLevel: each level's files are written with that level's codec
// (src/sstable/level-compression.ts), and any mix of compressed and uncompressed files and
// blocks reads back the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { SSTableReader } from '../src/sstable/sstable-reader.js';
import { checkInvariants } from '../src/manifest/version-edit.js';
import { workerExecutorWith } from '../src/node/worker-executor.js';
import type { EngineOptions } from '../src/lsm/engine-types.js';
import { Prng } from '../src/util/prng.js';
import { DoSQLError } from '../src/errors.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const small: Partial<EngineOptions> = {
  durability: 'off',
  retention: 0,
  memtableBytes: 16 * 1024,
  targetFileBytes: 8 * 1024,
  blockSize: 1024,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 4, l0StopTrigger: 6, levelBaseBytes: 24 * 1024, levelMultiplier: 3, maxLevels: 5 },
};

/** Random puts and deletes over `keys` keys; values compress well (LZ4 keeps its blocks). */
async function churn(e: LsmEngine, model: Map<number, string>, seed: number, ops: number, keys: number): Promise<void> {
  const r = new Prng(seed);
  for (let i = 0; i < ops; i += 50) {
    const b = new WriteBatch();
    for (let j = 0; j < 50; j++) {
      const k = r.int(keys);
      if (r.int(10) === 0) {
        b.delete(1, [k]);
        model.delete(k);
      } else {
        const v = `s${seed}-${i + j}-${'abcd'.repeat(8 + r.int(8))}`;
        b.put(1, [k], enc(v));
        model.set(k, v);
      }
    }
    await e.write(b);
  }
}

async function expectModel(e: LsmEngine, model: Map<number, string>, keys: number): Promise<void> {
  for (let k = 0; k < keys; k++) expect(dec(await e.get(1, [k]))).toBe(model.get(k));
  const scanned: [number, string][] = [];
  for await (const row of e.scan(1)) scanned.push([Number(row.key[0]), dec(row.value)!]);
  expect(scanned).toEqual([...model].sort((a, b) => a[0] - b[0]));
}

/** The compression each live file's writer used (its properties block), per level. */
async function compressionByLevel(e: LsmEngine, store: ObjectStore): Promise<Set<string>[]> {
  const out: Set<string>[] = [];
  for (const [level, runs] of e.manifest.levels.entries()) {
    out[level] = new Set();
    for (const f of runs.flat()) {
      const t = await SSTableReader.open(store, f.key, { fileNumber: f.number, size: f.size });
      out[level]!.add(t.properties.compression);
    }
  }
  return out;
}

describe('compression per level', () => {
  it("writes L0 and L1 uncompressed and the levels below with 'compression'; every read equals the model", async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, compression: 'lz4', compressionPerLevel: ['none', 'none'] });
    const model = new Map<number, string>();
    await churn(e, model, 1, 6000, 1500);
    const by = await compressionByLevel(e, store);
    expect(by[0]!.size + by[1]!.size).toBeGreaterThan(0);
    expect(by.slice(2).some((s) => s.size > 0)).toBe(true);
    for (const [level, s] of by.entries()) for (const c of s) expect([level, c]).toEqual([level, level < 2 ? 'none' : 'lz4']);
    expect(checkInvariants(e.manifest)).toEqual([]);
    await expectModel(e, model, 1500);
    await e.compact({ full: true });
    for (const s of (await compressionByLevel(e, store)).slice(0, 2)) expect(s.size).toBe(0);
    await expectModel(e, model, 1500);
    await e.close();
  });

  it('a database written with one setting reads back and compacts under another (files of both kinds mixed)', async () => {
    const store = new MemoryObjectStore();
    const model = new Map<number, string>();
    const a = await LsmEngine.open({ store, ...small, compression: 'lz4', compressionPerLevel: [] });
    await churn(a, model, 2, 4000, 1200);
    const before = await compressionByLevel(a, store);
    expect(new Set(before.flatMap((s) => [...s]))).toEqual(new Set(['lz4']));
    await a.close();
    // Now the reverse: uncompressed deep levels, compressed L0.
    const b = await LsmEngine.open({ store, ...small, compression: 'none', compressionPerLevel: ['lz4'] });
    await expectModel(b, model, 1200);
    await churn(b, model, 3, 1500, 1200);
    const mixed = new Set((await compressionByLevel(b, store)).flatMap((s) => [...s]));
    expect(mixed).toEqual(new Set(['lz4', 'none']));
    await expectModel(b, model, 1200);
    await b.compact({ full: true });
    expect(new Set((await compressionByLevel(b, store)).flatMap((s) => [...s]))).toEqual(new Set(['none']));
    await expectModel(b, model, 1200);
    await b.close();
  });

  it('on worker threads: flushes write the L0 setting, a full compaction the bottom level setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compression-per-level-'));
    const store = new FsObjectStore(dir);
    try {
      const e = await LsmEngine.open({ store, ...small, compaction: { ...small.compaction, background: false }, compression: 'lz4', compressionPerLevel: ['none'], executor: workerExecutorWith({ maxSubcompactions: 1 }) });
      const model = new Map<number, string>();
      await churn(e, model, 4, 2000, 800);
      await e.flush();
      const by = await compressionByLevel(e, store);
      expect(by[0]!.size).toBeGreaterThan(0);
      expect([...by[0]!]).toEqual(['none']);
      await e.compact({ full: true });
      const after = await compressionByLevel(e, store);
      expect(after[0]!.size).toBe(0);
      expect(new Set(after.flatMap((s) => [...s]))).toEqual(new Set(['lz4']));
      await expectModel(e, model, 800);
      await e.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file moves down unchanged only between levels of one codec (sequential keys: every flush could move)', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, compression: 'lz4', compressionPerLevel: ['none'] });
    const model = new Map<number, string>();
    for (let k = 0; k < 3000; k += 50) {
      const b = new WriteBatch();
      for (let j = k; j < k + 50; j++) {
        const v = `seq-${j}-${'abcd'.repeat(12)}`;
        b.put(1, [j], enc(v));
        model.set(j, v);
      }
      await e.write(b);
    }
    await e.flush();
    const by = await compressionByLevel(e, store);
    expect(by.slice(1).some((s) => s.size > 0)).toBe(true);
    for (const [level, s] of by.entries()) for (const c of s) expect([level, c]).toEqual([level, level === 0 ? 'none' : 'lz4']);
    // A full compaction of sequential, disjoint files would otherwise move the L0 ones to the bottom.
    await e.compact({ full: true });
    expect(new Set((await compressionByLevel(e, store)).flatMap((s) => [...s]))).toEqual(new Set(['lz4']));
    await expectModel(e, model, 3000);
    // With one codec everywhere, the same data moves files as before.
    const store2 = new MemoryObjectStore();
    const f = await LsmEngine.open({ store: store2, ...small, compression: 'lz4', compressionPerLevel: [] });
    for (let k = 0; k < 3000; k += 50) {
      const b = new WriteBatch();
      for (let j = k; j < k + 50; j++) b.put(1, [j], enc(model.get(j)!));
      await f.write(b);
    }
    await f.flush();
    expect(f.stats().compaction.trivialMoves).toBeGreaterThan(0);
    await f.close();
    await e.close();
  });

  it('rejects an unknown codec name before opening', async () => {
    const err = await LsmEngine.open({ store: new MemoryObjectStore(), compressionPerLevel: ['zstd' as 'lz4'] }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DoSQLError);
    expect((err as DoSQLError).code).toBe('INVALID_ARGUMENT');
  });
});
