// Subcompactions (src/compaction/subcompaction.ts): a compaction split into key ranges must
// leave exactly what the single job leaves — the same versions, so the same value of every
// key at every retained read point — and a failed or interrupted split job must leave
// nothing of itself visible.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { FaultInjectingStore } from '../src/storage/fault-store.js';
import { inlineExecutorWith } from '../src/lsm/background-executor.js';
import { checkInvariants } from '../src/manifest/version-edit.js';
import type { EngineOptions } from '../src/lsm/engine-types.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import { Prng } from '../src/util/prng.js';
import { FsObjectStore } from '../src/storage/fs-store.js';
import { workerExecutorWith } from '../src/node/worker-executor.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const small: Partial<EngineOptions> = {
  durability: 'normal',
  memtableBytes: 16 * 1024,
  // Large target files: the single job writes one file per output, a split one one per range.
  targetFileBytes: 1024 * 1024,
  blockSize: 512,
  retention: 0,
  compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 4, l0StopTrigger: 6, levelBaseBytes: 24 * 1024, levelMultiplier: 3, maxLevels: 5 },
};

const split = inlineExecutorWith({ maxSubcompactions: 4, minSubcompactionBytes: 1 });
const whole = inlineExecutorWith({ maxSubcompactions: 1 });

type Model = Map<number, string>;
type Op = { del: boolean; key: number; value: string };

/** A random workload: batches of puts, overwrites and deletes over `keys` keys. */
function workload(seed: number, batches: number, keys: number): Op[][] {
  const r = new Prng(seed);
  const out: Op[][] = [];
  for (let b = 0; b < batches; b++) {
    const ops: Op[] = [];
    const n = 1 + r.int(8);
    for (let i = 0; i < n; i++) {
      const key = r.int(keys);
      ops.push({ del: r.int(4) === 0, key, value: `v${b}-${i}-${'x'.repeat(r.int(60))}` });
    }
    out.push(ops);
  }
  return out;
}

/** Applies the workload, pinning an LSN now and then; returns the model at each pinned LSN and at the end. */
async function apply(e: LsmEngine, batches: Op[][], seed: number): Promise<Map<number, Model>> {
  const r = new Prng(seed);
  const model: Model = new Map();
  const atLsn = new Map<number, Model>();
  let last = 0;
  for (const ops of batches) {
    const b = new WriteBatch();
    for (const op of ops) {
      if (op.del) {
        b.delete(1, [op.key]);
        model.delete(op.key);
      } else {
        b.put(1, [op.key], enc(op.value));
        model.set(op.key, op.value);
      }
    }
    last = (await e.write(b)).lsn;
    if (r.int(60) === 0) {
      await e.pinLsn(last, 'test');
      atLsn.set(last, new Map(model));
    }
  }
  atLsn.set(last, new Map(model));
  return atLsn;
}

async function expectModel(e: LsmEngine, atLsn: Map<number, Model>, keys: number): Promise<void> {
  for (const [lsn, m] of atLsn) {
    for (let k = 0; k < keys; k++) {
      const got = dec(await e.get(1, [k], { asOf: lsn }));
      if (got !== m.get(k)) expect({ lsn, k, got }).toEqual({ lsn, k, got: m.get(k) });
    }
  }
}

function entries(e: LsmEngine): number {
  return e.stats().levels.reduce((n, l) => n + l.entries, 0);
}

async function sstKeys(store: ObjectStore): Promise<string[]> {
  return (await store.list('sst/')).map((o) => o.key).sort();
}

function manifestKeys(e: LsmEngine): string[] {
  return e.manifest.levels.flat(2).map((f) => f.key).sort();
}

describe('subcompactions', () => {
  for (const seed of [1, 2, 3]) {
    it(`a split compaction keeps the same versions as the single job (seed ${seed})`, async () => {
      const keys = 400;
      const batches = workload(seed, 1500, keys);
      const a = await LsmEngine.open({ store: new MemoryObjectStore(), ...small, executor: whole });
      const b = await LsmEngine.open({ store: new MemoryObjectStore(), ...small, executor: split });
      const modelA = await apply(a, batches, seed + 100);
      const modelB = await apply(b, batches, seed + 100);
      expect([...modelB.keys()]).toEqual([...modelA.keys()]);
      expect(modelA.size).toBeGreaterThan(3);
      // Level compactions ran during the workload (split in b); now everything into one run.
      await a.compact({ full: true });
      await b.compact({ full: true });
      expect(checkInvariants(b.manifest)).toEqual([]);
      // The split job wrote one file per range; the single job one file (under the target size).
      const filesA = a.manifest.levels.flat(2).length;
      const filesB = b.manifest.levels.flat(2).length;
      expect(filesA).toBe(1);
      expect(filesB).toBeGreaterThan(1);
      // Same surviving versions, and every key's value at every pinned LSN equals the model.
      expect(entries(b)).toBe(entries(a));
      expect(b.stats().compaction.droppedVersions + b.stats().compaction.droppedTombstones).toBeGreaterThan(0);
      await expectModel(a, modelA, keys);
      await expectModel(b, modelB, keys);
      await a.close();
      await b.close();
    });
  }

  async function loaded(store: ObjectStore): Promise<{ e: LsmEngine; model: Map<number, Model> }> {
    const e = await LsmEngine.open({ store, ...small, compaction: { ...small.compaction, background: false }, executor: split });
    const model = await apply(e, workload(7, 800, 300), 8);
    await e.flush();
    return { e, model };
  }

  it('a failed subcompaction installs nothing, and its siblings delete their files', async () => {
    const inner = new MemoryObjectStore();
    const faulty = new FaultInjectingStore(inner);
    const { e, model } = await loaded(faulty);
    const before = manifestKeys(e);
    expect(e.manifest.levels[0]!.length).toBeGreaterThan(2);
    // The third file the full compaction uploads fails: one range fails, the others finish.
    faulty.setRules([{ op: 'put', kind: 'fail', keyPrefix: 'sst/', nth: 3 }]);
    await expect(e.compact({ full: true })).rejects.toThrow(/injected/);
    expect(manifestKeys(e)).toEqual(before);
    // Only the failed range's own uploads (none here: its one file was the failed put) may remain.
    expect(await sstKeys(inner)).toEqual(before);
    await e.close().catch(() => undefined);

    faulty.setRules([]);
    const again = await LsmEngine.open({ store: faulty, ...small, executor: split });
    expect(manifestKeys(again)).toEqual(before);
    await expectModel(again, model, 300);
    await again.compact({ full: true });
    expect(manifestKeys(again).length).toBeGreaterThan(1);
    await expectModel(again, model, 300);
    await again.close();
  });

  it('a process that dies mid-job leaves its outputs as orphans, deleted at the next open', async () => {
    const inner = new MemoryObjectStore();
    const faulty = new FaultInjectingStore(inner);
    const { e, model } = await loaded(faulty);
    const before = manifestKeys(e);
    // The process dies at the third upload: two ranges' files are written, the manifest never changes.
    faulty.setRules([{ op: 'put', kind: 'crash', keyPrefix: 'sst/', nth: 3 }]);
    await expect(e.compact({ full: true })).rejects.toThrow();
    const left = await sstKeys(inner);
    expect(left.length).toBeGreaterThan(before.length);
    // Reopen the same data (the dead process never closed).
    const again = await LsmEngine.open({ store: inner, ...small, executor: split });
    expect(manifestKeys(again)).toEqual(before);
    expect(await sstKeys(inner)).toEqual(before);
    await expectModel(again, model, 300);
    await again.close();
  });

  it('on worker threads: each range runs on its own compaction thread, the result equals the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subcompaction-'));
    const store = new FsObjectStore(dir);
    try {
      const e = await LsmEngine.open({ store, ...small, compaction: { ...small.compaction, background: false }, executor: workerExecutorWith({ maxSubcompactions: 2, minSubcompactionBytes: 1 }) });
      const model = await apply(e, workload(9, 600, 300), 10);
      await e.flush();
      await e.compact({ full: true });
      expect(checkInvariants(e.manifest)).toEqual([]);
      expect(e.manifest.levels.flat(2).length).toBe(2);
      await expectModel(e, model, 300);
      expect(await sstKeys(store)).toEqual(manifestKeys(e));
      await e.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
