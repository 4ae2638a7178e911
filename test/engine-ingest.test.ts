// SSTable ingestion (src/lsm/ingest.ts): runs written at one reserved LSN become visible in one
// manifest edit. Checked against a model map per LSN: reads now, AS OF before and after the
// ingest, after reopen, after compactions; the WAL stays gap-free; a failed manifest edit
// leaves nothing visible and no file behind once the database is reopened.
import { describe, expect, it } from 'vitest';
import { LsmEngine, type EngineOptions } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { FaultInjectingStore } from '../src/storage/fault-store.js';
import { encodeUserKey, KIND_PUT, makeInternalKey } from '../src/mvcc/internal-key.js';
import type { FileMeta } from '../src/manifest/manifest-format.js';
import type { IngestContext } from '../src/lsm/ingest.js';
import { Prng } from '../src/util/prng.js';

const small: Partial<EngineOptions> = {
  durability: 'off',
  memtableBytes: 16 * 1024,
  targetFileBytes: 8 * 1024,
  blockSize: 1024,
  compaction: { background: false, maxLevels: 5 },
};
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Writes `keys` (sorted, distinct) of `table` as `chunks` runs at the ingest's LSN. */
function builder(table: number, keys: number[], value: (k: number) => string, chunks = 1): (c: IngestContext) => Promise<FileMeta[][]> {
  return async (c) => {
    const runs: FileMeta[][] = [];
    const per = Math.ceil(keys.length / chunks);
    for (let i = 0; i < keys.length; i += per) {
      const rb = c.newRun();
      for (const k of keys.slice(i, i + per)) rb.add(makeInternalKey(encodeUserKey(0, table, [k]), c.lsn, KIND_PUT), enc(value(k)));
      runs.push(await rb.finish());
    }
    return runs;
  };
}

async function scanAll(e: LsmEngine, table: number, asOf?: number): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const r of e.scan(table, {}, asOf === undefined ? {} : { asOf })) out.push([Number(r.key[0]), dec(r.value)!]);
  return out;
}

async function sstKeys(store: MemoryObjectStore): Promise<string[]> {
  return (await store.list('sst/')).map((o) => o.key).sort();
}

function manifestKeys(e: LsmEngine): string[] {
  return e.manifest.levels.flat(2).map((f) => f.key).sort();
}

describe('SSTable ingestion', () => {
  it('random writes around ingests: reads equal the model now, AS OF every LSN, after reopen and compactions', { timeout: 60_000 }, async () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Prng(seed);
      const store = new MemoryObjectStore();
      let e = await LsmEngine.open({ store, ...small });
      // model: per table, per LSN the map as of it
      const history: { lsn: number; t1: Map<number, string>; t2: Map<number, string> }[] = [];
      const t1 = new Map<number, string>();
      const t2 = new Map<number, string>();
      const snap = (lsn: number): void => void history.push({ lsn, t1: new Map(t1), t2: new Map(t2) });
      const levels = new Set<number>();
      for (let step = 0; step < 12; step++) {
        const r = rng.int(4);
        if (r === 0) {
          // ingest into table 2 a range of keys none of which is live (the SQL loader's empty table)
          const base = rng.int(2000);
          const keys = Array.from({ length: 50 + rng.int(300) }, (_, i) => base + i * 3).filter((k) => !t2.has(k));
          const chunks = 1 + rng.int(3);
          const res = await e.ingest(builder(2, keys, (k) => `ing${step}-${k}`, chunks));
          for (const k of keys) t2.set(k, `ing${step}-${k}`);
          levels.add(res.level);
          expect(res.entries).toBe(keys.length);
          snap(res.lsn);
        } else {
          const b = new WriteBatch();
          for (let i = 0; i < 40; i++) {
            const table = 1 + rng.int(2);
            const k = rng.int(2000);
            const m = table === 1 ? t1 : t2;
            if (rng.int(4) === 0) {
              b.delete(table, [k]);
              m.delete(k);
            } else {
              b.put(table, [k], enc(`w${step}-${k}`));
              m.set(k, `w${step}-${k}`);
            }
          }
          snap((await e.write(b)).lsn);
        }
        if (rng.int(3) === 0) await e.flush();
        if (rng.int(5) === 0) await e.compact();
      }
      const check = async (): Promise<void> => {
        const sorted = (m: Map<number, string>): [number, string][] => [...m].sort((a, b) => a[0] - b[0]);
        for (const h of history) {
          expect(await scanAll(e, 1, h.lsn)).toEqual(sorted(h.t1));
          expect(await scanAll(e, 2, h.lsn)).toEqual(sorted(h.t2));
          for (const k of [...h.t2.keys()].slice(0, 20)) expect(dec(await e.get(2, [k], { asOf: h.lsn }))).toBe(h.t2.get(k));
        }
        expect(await scanAll(e, 2)).toEqual(sorted(t2));
      };
      await check();
      // LSNs stay strictly increasing, one per commit: the next commit is above every ingest.
      const last = history.at(-1)!.lsn;
      const b = new WriteBatch();
      b.put(1, [99999], enc('after'));
      const after = await e.write(b);
      expect(after.lsn).toBe(last + 1);
      t1.set(99999, 'after');
      snap(after.lsn);
      // The WAL holds every LSN without a gap (the ingest's as an empty commit).
      const reader = e.log.openReader(e.log.oldestLsn());
      let prev = e.log.oldestLsn();
      for (let recs = await reader.next(1000); recs.length > 0; recs = await reader.next(1000)) {
        for (const r of recs) expect(r.lsn).toBe(++prev);
      }
      expect(prev).toBe(after.lsn);
      await e.close();
      e = await LsmEngine.open({ store, ...small });
      await check();
      expect(e.lastVisibleLsn).toBe(after.lsn);
      await e.compact({ full: true });
      await check();
      await e.close();
      expect(levels.size).toBeGreaterThan(0);
    }
  });

  it('an ingest into an empty key range goes to the deepest hot level; one overlapping L0 goes to L0', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small });
    const keys = Array.from({ length: 500 }, (_, i) => i);
    const r1 = await e.ingest(builder(2, keys, (k) => `a${k}`));
    expect(r1.level).toBe(4);
    const b = new WriteBatch();
    b.put(3, [1], enc('x'));
    await e.write(b);
    await e.flush();
    // table 3's L0 run spans key 1 only; an ingest over it must sit above it
    const r2 = await e.ingest(builder(3, [0, 2, 3], (k) => `b${k}`));
    expect(r2.level).toBe(0);
    expect(await scanAll(e, 3)).toEqual([[0, 'b0'], [1, 'x'], [2, 'b2'], [3, 'b3']]);
    expect(await scanAll(e, 2, r1.lsn - 1)).toEqual([]);
    await e.close();
  });

  it('an older version of an ingested key in the memtable is flushed first: the ingest wins', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small, memtableBytes: 1 << 20 });
    const b = new WriteBatch();
    b.put(2, [5], enc('old'));
    b.delete(2, [6]);
    const w = await e.write(b);
    const r = await e.ingest(builder(2, [5, 6, 7], (k) => `new${k}`));
    expect(r.lsn).toBe(w.lsn + 1);
    expect(dec(await e.get(2, [5]))).toBe('new5');
    expect(dec(await e.get(2, [6]))).toBe('new6');
    expect(dec(await e.get(2, [5], { asOf: w.lsn }))).toBe('old');
    await e.close();
  });

  it('a failed build deletes its files and commits nothing', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, ...small });
    const before = e.lastVisibleLsn;
    const err = await e
      .ingest(async (c) => {
        await builder(2, [1, 2, 3], (k) => `v${k}`)(c);
        throw new Error('constraint');
      })
      .catch((x: unknown) => x);
    expect((err as Error).message).toBe('constraint');
    expect(await sstKeys(store)).toEqual([]);
    expect(e.lastVisibleLsn).toBe(before);
    const b = new WriteBatch();
    b.put(1, [1], enc('x'));
    expect((await e.write(b)).lsn).toBe(before + 1);
    await e.close();
  });

  for (const stage of ['manifest', 'wal'] as const) {
    it(`a crash before the manifest edit (${stage} write fails) leaves nothing visible and no orphan after reopen`, async () => {
      const inner = new MemoryObjectStore();
      const store = new FaultInjectingStore(inner);
      const e = await LsmEngine.open({ store, ...small });
      const b = new WriteBatch();
      b.put(1, [1], enc('kept'));
      const w = await e.write(b);
      await e.flush();
      store.setRules(stage === 'manifest' ? [{ op: 'put', kind: 'crash', keyPrefix: 'manifest/', nth: 1 }] : [{ op: 'append', kind: 'crash', keyPrefix: 'wal/', nth: 1 }]);
      await expect(e.ingest(builder(2, [1, 2, 3], (k) => `v${k}`))).rejects.toThrow();
      // the ingest's files were written before the crash
      expect((await sstKeys(inner)).length).toBeGreaterThan(manifestKeysOf(await LsmEngine.open({ store: inner, ...small, readOnly: true })).length);
      await e.close().catch(() => undefined);
      const e2 = await LsmEngine.open({ store: inner, ...small });
      expect(await scanAll(e2, 2)).toEqual([]);
      expect(await scanAll(e2, 1)).toEqual([[1, 'kept']]);
      expect(await sstKeys(inner)).toEqual(manifestKeys(e2));
      const b2 = new WriteBatch();
      b2.put(1, [2], enc('next'));
      expect((await e2.write(b2)).lsn).toBeGreaterThan(w.lsn);
      await e2.close();
    });
  }
});

function manifestKeysOf(e: LsmEngine): string[] {
  const k = manifestKeys(e);
  void e.close();
  return k;
}
