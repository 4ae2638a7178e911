// Two writers on one store: the later open fences the earlier one.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';
import { DoSQLError } from '../src/errors.js';

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
            expect((e as DoSQLError).code).toBe('FENCED');
            fenced.push(key);
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
});
