// Model-based test of the key-value engine: seeded random sequences of writes, deletes,
// point reads, range scans (forward, reverse, limited), reads as of past LSNs, read views,
// pinned LSNs, flushes, compactions (background, explicit and full) and close/reopen, each
// checked against an in-memory model of the versioned map. With a retention of N LSNs, reads
// older than the horizon must fail with BEFORE_RETENTION_HORIZON unless they hit a retained
// point (an open read view or a pin), where they must still return exactly the model's answer.
import { describe, expect, it } from 'vitest';
import { LsmEngine, type EngineOptions } from '../src/lsm/engine.js';
import { encodeRange } from '../src/lsm/engine-types.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import type { ObjectStore } from '../src/storage/object-store.js';
import type { KeyTuple } from '../src/mvcc/key-codec.js';
import { Prng } from '../src/util/prng.js';
import { toHex } from '../src/util/bytes.js';
import { DoSQLError } from '../src/errors.js';
import { KvModel } from './support/kv-model.js';

const TABLES = [1, 2, 300];

function randomKey(r: Prng): KeyTuple {
  switch (r.int(4)) {
    case 0:
      return [r.int(300)];
    case 1:
      return [`k${r.int(200)}`];
    case 2:
      return [r.int(20), `s${r.int(10)}`];
    default:
      return [r.chance(0.1) ? null : r.int(50) - 25 + (r.chance(0.3) ? 0.5 : 0)];
  }
}

function randomValue(r: Prng): Uint8Array {
  const n = r.chance(0.05) ? 2000 + r.int(3000) : r.int(60);
  return r.bytes(n);
}

function randomRange(r: Prng): { gte?: KeyTuple; gt?: KeyTuple; lt?: KeyTuple; lte?: KeyTuple; prefix?: KeyTuple } {
  const range: { gte?: KeyTuple; gt?: KeyTuple; lt?: KeyTuple; lte?: KeyTuple; prefix?: KeyTuple } = {};
  const c = r.int(6);
  if (c === 0) return range;
  if (c === 1) return { prefix: [r.int(20)] };
  if (r.chance(0.5)) range[r.chance(0.5) ? 'gte' : 'gt'] = randomKey(r);
  if (r.chance(0.5)) range[r.chance(0.5) ? 'lt' : 'lte'] = randomKey(r);
  return range;
}

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : toHex(b));

/** Runs `read` if `asOf` is a supported read point, else expects BEFORE_RETENTION_HORIZON. */
async function checkedRead(allowed: boolean, ctx: string, read: () => Promise<void>): Promise<void> {
  if (allowed) return read();
  try {
    await read();
  } catch (e) {
    expect(e, ctx).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code, ctx).toBe('BEFORE_RETENTION_HORIZON');
    return;
  }
  throw new Error(`${ctx}: read below the retention horizon succeeded`);
}

export interface ModelStats {
  reopens: number;
  flushes: number;
  compactions: number;
  refusedReads: number;
  droppedVersions: number;
}

export async function runModel(
  seed: number,
  steps: number,
  store: ObjectStore,
  extra: Partial<EngineOptions> = {},
  retentionLsns?: number,
): Promise<ModelStats> {
  const r = new Prng(seed);
  const opts: EngineOptions = {
    store,
    durability: 'off',
    memtableBytes: 8 * 1024,
    targetFileBytes: 16 * 1024,
    blockSize: 512,
    compaction: { l0CompactionTrigger: 2, l0SlowdownTrigger: 6, l0StopTrigger: 10, levelBaseBytes: 24 * 1024, levelMultiplier: 3, maxLevels: 5 },
    ...(retentionLsns !== undefined ? { retention: retentionLsns } : {}),
    ...extra,
  };
  let engine = await LsmEngine.open(opts);
  const model = new KvModel();
  const views: { view: ReturnType<LsmEngine['readView']>; lsn: number }[] = [];
  const pins: number[] = [];
  const stats: ModelStats = { reopens: 0, flushes: 0, compactions: 0, refusedReads: 0, droppedVersions: 0 };
  const horizon = (): number => (retentionLsns === undefined ? 0 : Math.max(0, model.lastLsn - retentionLsns));
  const allowed = (asOf: number): boolean => asOf >= horizon() || views.some((v) => v.lsn === asOf) || pins.includes(asOf);
  const pickAsOf = (): number => {
    const c = r.int(10);
    if (c < 5) return model.lastLsn;
    if (c < 7 && views.length > 0) return r.pick(views).lsn;
    if (c < 8 && pins.length > 0) return r.pick(pins);
    return r.int(model.lastLsn + 1);
  };
  for (let step = 0; step < steps; step++) {
    const op = r.int(100);
    const ctx = `seed ${seed} step ${step}`;
    if (op < 45) {
      const batch = new WriteBatch();
      const ops: { table: number; key: KeyTuple; value: Uint8Array | null }[] = [];
      const n = 1 + r.int(r.chance(0.1) ? 40 : 4);
      for (let i = 0; i < n; i++) {
        const table = r.pick(TABLES);
        const key = randomKey(r);
        if (r.chance(0.2)) {
          batch.delete(table, key);
          ops.push({ table, key, value: null });
        } else {
          const value = randomValue(r);
          batch.put(table, key, value);
          ops.push({ table, key, value });
        }
      }
      const info = await engine.write(batch);
      expect(info.lsn, ctx).toBe(model.lastLsn + 1);
      model.commit(info.lsn, ops);
    } else if (op < 65) {
      const table = r.pick(TABLES);
      const key = r.chance(0.7) && model.allKeys().length > 0 ? r.pick(model.allKeys()).key : randomKey(r);
      const asOf = pickAsOf();
      const ok = allowed(asOf);
      if (!ok) stats.refusedReads++;
      await checkedRead(ok, `${ctx} get asOf ${asOf} (horizon ${horizon()})`, async () => {
        const got = await engine.get(table, key, { asOf });
        expect(hex(got), `${ctx} get ${JSON.stringify(key)} asOf ${asOf}`).toBe(hex(model.get(table, key, asOf)));
      });
    } else if (op < 80) {
      const table = r.pick(TABLES);
      const range = randomRange(r);
      const asOf = pickAsOf();
      const reverse = r.chance(0.4);
      const limit = r.chance(0.3) ? 1 + r.int(10) : undefined;
      const bounds = encodeRange(0, table, range);
      let want = model.scan(table, asOf, bounds.lower, bounds.upper);
      if (reverse) want = want.reverse();
      if (limit !== undefined) want = want.slice(0, limit);
      await checkedRead(allowed(asOf), `${ctx} scan asOf ${asOf}`, async () => {
        const got: { k: string; v: string }[] = [];
        for await (const e of engine.scan(table, range, { asOf, reverse, ...(limit !== undefined ? { limit } : {}) })) got.push({ k: toHex(e.rawKey), v: toHex(e.value) });
        expect(got, `${ctx} scan ${JSON.stringify(range)} asOf ${asOf} rev ${reverse}`).toEqual(want.map((w) => ({ k: toHex(w.uk), v: toHex(w.value) })));
      });
    } else if (op < 85) {
      if (views.length < 4 && r.chance(0.6)) {
        views.push({ view: engine.readView(), lsn: model.lastLsn });
      } else if (views.length > 0) {
        const i = r.int(views.length);
        const { view, lsn } = views[i]!;
        const table = r.pick(TABLES);
        const key = r.pick(model.allKeys().length ? model.allKeys() : [{ table, key: randomKey(r) }]).key;
        expect(view.lsn, ctx).toBe(lsn);
        expect(hex(await view.get(table, key)), `${ctx} view get`).toBe(hex(model.get(table, key, lsn)));
        if (r.chance(0.5)) {
          view.release();
          views.splice(i, 1);
        }
      }
    } else if (op < 88) {
      await engine.flush();
      stats.flushes++;
    } else if (op < 91) {
      await engine.compact({ full: r.chance(0.3) });
      stats.compactions++;
    } else if (op < 94) {
      if (pins.length < 3 && r.chance(0.6)) {
        const at = r.chance(0.5) ? model.lastLsn : horizon() + r.int(model.lastLsn - horizon() + 1);
        await engine.pinLsn(at, `test ${step}`);
        pins.push(Math.min(at, model.lastLsn));
      } else if (pins.length > 0) {
        const i = r.int(pins.length);
        await engine.unpinLsn(pins[i]!);
        pins.splice(i, 1);
      }
    } else {
      for (const v of views) v.view.release();
      views.length = 0;
      stats.droppedVersions += engine.stats().compaction.droppedVersions;
      await engine.close();
      engine = await LsmEngine.open(opts);
      stats.reopens++;
      expect(engine.lastVisibleLsn, ctx).toBe(model.lastLsn);
    }
  }
  // Final check of every key at retained points: the latest, pins, views, and every tenth LSN above the horizon.
  const points = new Set<number>([model.lastLsn, ...pins, ...views.map((v) => v.lsn)]);
  for (let lsn = horizon(); lsn <= model.lastLsn; lsn += Math.max(1, Math.floor((model.lastLsn - horizon()) / 10))) points.add(lsn);
  for (const lsn of points) {
    for (const { table, key } of model.allKeys()) {
      expect(hex(await engine.get(table, key, { asOf: lsn })), `seed ${seed} final get asOf ${lsn}`).toBe(hex(model.get(table, key, lsn)));
    }
  }
  stats.droppedVersions += engine.stats().compaction.droppedVersions;
  await engine.close();
  return stats;
}

describe('engine model-based test', () => {
  const seeds = Array.from({ length: 10 }, (_, i) => 1000 + i);
  for (const seed of seeds) {
    it(`seed ${seed}: 1500 random operations match the model (all history kept)`, async () => {
      const res = await runModel(seed, 1500, new MemoryObjectStore(), {}, undefined);
      expect(res.flushes + res.reopens).toBeGreaterThan(0);
    });
  }
  for (const seed of Array.from({ length: 10 }, (_, i) => 5000 + i)) {
    it(`seed ${seed}: 1500 operations with retention of 40 LSNs, pins and views across compactions`, async () => {
      const res = await runModel(seed, 1500, new MemoryObjectStore(), {}, 40);
      expect(res.compactions).toBeGreaterThan(0);
      expect(res.refusedReads).toBeGreaterThan(0);
      expect(res.droppedVersions).toBeGreaterThan(0);
    });
  }
  it('retention 0: only the latest state, open views and pins', async () => {
    const res = await runModel(6000, 1500, new MemoryObjectStore(), {}, 0);
    expect(res.droppedVersions).toBeGreaterThan(0);
  });

  it('large values and big batches across many memtable switches', async () => {
    await runModel(77, 600, new MemoryObjectStore(), { memtableBytes: 2048, maxImmutableMemtables: 1 });
  });

  for (const [seed, retention] of [
    [4242, undefined],
    [4243, 30],
  ] as const) {
    it(`filesystem store, durability full, flushes and compactions on worker threads (seed ${seed}, retention ${retention ?? 'all'})`, async () => {
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const { FsObjectStore } = await import('../src/storage/fs-store.js');
      const { workerExecutor } = await import('../src/node/worker-executor.js');
      const dir = mkdtempSync(join(tmpdir(), 'dosql-model-'));
      try {
        const res = await runModel(seed, 400, new FsObjectStore(dir), { durability: 'full', executor: workerExecutor }, retention);
        expect(res.flushes + res.compactions).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
