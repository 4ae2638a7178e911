// Two writers on one store: the later open fences the earlier one.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { DoSQLError } from '../src/errors.js';
import { epochKey } from '../src/manifest/version-set.js';
import { GatedStore } from './support/gated-store.js';

const v = (s: string): Uint8Array => new TextEncoder().encode(s);
const put = (k: number, s: string): WriteBatch => new WriteBatch().put(1, [k], v(s));
const str = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

async function expectCode(p: Promise<unknown>, code: string): Promise<DoSQLError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DoSQLError);
    expect((e as DoSQLError).code).toBe(code);
    return e as DoSQLError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

describe('writer fencing', () => {
  it('a second engine fences the first: its next write fails FENCED and is never visible', async () => {
    const store = new MemoryObjectStore();
    const a = await LsmEngine.open({ store, memtableBytes: 4096 });
    for (let i = 0; i < 50; i++) await a.write(put(i, `a${i}`));
    const b = await LsmEngine.open({ store, memtableBytes: 4096 });
    expect(b.epoch).toBeGreaterThan(a.epoch);
    // Everything A acknowledged is visible to B.
    for (let i = 0; i < 50; i++) expect(str(await b.get(1, [i]))).toBe(`a${i}`);
    const err = await expectCode(a.write(put(1000, 'after-fence')), 'FENCED');
    expect(err.message).toMatch(/fenced/);
    // And every later write and flush of A fails too.
    await expectCode(a.write(put(1001, 'again')), 'FENCED');
    await expectCode(a.flush(), 'FENCED');
    expect(await b.get(1, [1000])).toBeUndefined();
    await b.write(put(2000, 'b'));
    await b.close();
    const c = await LsmEngine.open({ store });
    expect(await c.get(1, [1000])).toBeUndefined();
    expect(await c.get(1, [1001])).toBeUndefined();
    expect(str(await c.get(1, [2000]))).toBe('b');
    expect(str(await c.get(1, [49]))).toBe('a49');
    await c.close();
    await a.close();
  });

  it('writes racing with a new open: every acknowledged write of the old writer is visible to the new one', async () => {
    for (let seed = 0; seed < 5; seed++) {
      const store = new MemoryObjectStore();
      const a = await LsmEngine.open({ store, memtableBytes: 2048 });
      const acked: number[] = [];
      const fenced: number[] = [];
      let k = 0;
      let stop = false;
      const writers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          // The memory store resolves in microtasks: yield so the timer below can fire.
          await new Promise((r) => setImmediate(r));
          const key = k++;
          try {
            await a.write(put(key, `v${key}`));
            acked.push(key);
          } catch (e) {
            const code = (e as DoSQLError).code;
            expect(['FENCED', 'COMMIT_UNKNOWN']).toContain(code);
            if (code === 'FENCED') fenced.push(key);
            if (fenced.length > 8) return;
          }
        }
      });
      await new Promise((r) => setTimeout(r, 5 + seed * 3));
      const b = await LsmEngine.open({ store, memtableBytes: 2048 });
      stop = true;
      await Promise.all(writers);
      expect(acked.length).toBeGreaterThan(0);
      for (const key of acked) expect(str(await b.get(1, [key])), `acked key ${key}`).toBe(`v${key}`);
      // A write that failed with FENCED was never committed.
      for (const key of fenced) expect(await b.get(1, [key]), `FENCED key ${key}`).toBeUndefined();
      // Writes issued after B finished opening are never visible.
      await expectCode(a.write(put(999_999, 'late')), 'FENCED');
      expect(await b.get(1, [999_999])).toBeUndefined();
      await b.close();
      await a.close();
    }
  });

  it('a writer fenced before its flush cannot publish the flush', async () => {
    const store = new MemoryObjectStore();
    const a = await LsmEngine.open({ store });
    await a.write(put(1, 'x'));
    const b = await LsmEngine.open({ store });
    await expectCode(a.flush(), 'FENCED');
    expect(b.manifest.levels[0]!.length).toBe(0);
    expect(str(await b.get(1, [1]))).toBe('x');
    await b.close();
    await a.close();
  });

  it('a write appended before the new writer sealed the log is acknowledged, though its writer then learns it was fenced', async () => {
    const inner = new MemoryObjectStore();
    const ga = new GatedStore(inner);
    const a = await LsmEngine.open({ store: ga });
    await a.write(put(1, 'before'));
    // A appends the next write, then its fence check is held while B opens and replays it.
    const checking = ga.gate('head', 'epoch/');
    const writing = a.write(put(2, 'appended'));
    await checking.reached;
    const b = await LsmEngine.open({ store: inner });
    expect(str(await b.get(1, [2]))).toBe('appended');
    checking.release();
    const info = await writing;
    expect(info.lsn).toBe(2);
    // A knows now: no more writes, and no reads of a state that is no longer current.
    await expectCode(a.write(put(3, 'after')), 'FENCED');
    await b.close();
    const c = await LsmEngine.open({ store: inner });
    expect(str(await c.get(1, [2]))).toBe('appended');
    expect(await c.get(1, [3])).toBeUndefined();
    await c.close();
    await a.close();
  });

  it('a write whose fate the new writer has not decided yet fails with COMMIT_UNKNOWN, not FENCED', async () => {
    const inner = new MemoryObjectStore();
    const ga = new GatedStore(inner);
    const a = await LsmEngine.open({ store: ga });
    await a.write(put(1, 'before'));
    const checking = ga.gate('head', 'epoch/');
    const writing = a.write(put(2, 'appended'));
    await checking.reached;
    // A new writer claims the next epoch and dies before writing its first manifest.
    await inner.put(epochKey(a.epoch + 1), new Uint8Array(0), { condition: { ifNoneMatch: '*' } });
    checking.release();
    const err = await expectCode(writing, 'COMMIT_UNKNOWN');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/wal\/.* at offset \d+/);
    await expectCode(a.write(put(3, 'after')), 'FENCED');
    await a.close();
    // Here the next open replays it (FENCED would have been a lie); had the dead writer lived
    // to seal the log first, it would be gone.
    const c = await LsmEngine.open({ store: inner });
    expect(str(await c.get(1, [2]))).toBe('appended');
    expect(await c.get(1, [3])).toBeUndefined();
    await c.close();
  });

  it('once a handle knows it is fenced, its reads fail with FENCED too', async () => {
    const store = new MemoryObjectStore();
    const a = await LsmEngine.open({ store });
    await a.write(put(1, 'x'));
    const b = await LsmEngine.open({ store });
    await b.write(put(1, 'newer'));
    await expectCode(a.write(put(2, 'y')), 'FENCED');
    await expectCode(a.get(1, [1]), 'FENCED');
    expect(() => a.scan(1)).toThrow(/fenced/);
    expect(() => a.readView()).toThrow(/fenced/);
    await expectCode(a.flush(), 'FENCED');
    expect(str(await b.get(1, [1]))).toBe('newer');
    await b.close();
    await a.close();
  });

  it('a handle that only reads learns it was fenced within fenceCheckMs, without a store call per read', async () => {
    const inner = new MemoryObjectStore();
    let heads = 0;
    const counting = new Proxy(inner, {
      get(t, p, r) {
        if (p === 'head') return (key: string) => (heads++, t.head(key));
        const v = Reflect.get(t, p, r) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const a = await LsmEngine.open({ store: counting, fenceCheckMs: 60_000 });
    await a.write(put(1, 'old'));
    const headsBefore = heads;
    for (let i = 0; i < 100; i++) expect(str(await a.get(1, [1]))).toBe('old');
    expect(heads - headsBefore).toBeLessThanOrEqual(1);
    await a.close();

    const r = await LsmEngine.open({ store: inner, fenceCheckMs: 0 });
    const b = await LsmEngine.open({ store: inner });
    await b.write(put(1, 'new'));
    // The first read starts a fence check in the background; a later one sees its result.
    let code = '';
    for (let i = 0; i < 10 && code === ''; i++) {
      try {
        await r.get(1, [1]);
        await new Promise((res) => setImmediate(res));
      } catch (e) {
        code = (e as DoSQLError).code;
      }
    }
    expect(code).toBe('FENCED');
    await b.close();
    await r.close();
  });

  it('a read that finds a file gone because the new writer collected it reports FENCED, not NOT_FOUND', async () => {
    const store = new MemoryObjectStore();
    const o = { store, compaction: { background: false } };
    const a = await LsmEngine.open(o);
    // Each flush overwrites the same keys: the L0 files overlap, so a full compaction rewrites
    // them (files that overlap nothing would only move down, and stay).
    for (let f = 0; f < 3; f++) {
      for (let k = 0; k < 20; k++) await a.write(put(k, `v${f}`));
      await a.flush();
    }
    const b = await LsmEngine.open(o);
    await b.compact({ full: true }); // deletes the L0 files A's version still lists
    await expectCode(a.get(1, [5]), 'FENCED');
    await expectCode(a.write(put(7, 'late')), 'FENCED');
    expect(str(await b.get(1, [5]))).toBe('v2');
    await b.close();
    await a.close();
  });
});
