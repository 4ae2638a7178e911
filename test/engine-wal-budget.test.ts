// The WAL budget (EngineOptions.maxWalBytes): memtables are flushed early enough that the WAL
// not yet covered by a flush stays within the budget, however large memtableBytes is.
import { describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/lsm/engine.js';
import { WriteBatch } from '../src/lsm/write-batch.js';
import { MemoryObjectStore } from '../src/storage/memory-store.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const KiB = 1024;

async function walBytes(store: MemoryObjectStore): Promise<number> {
  let n = 0;
  for (const o of await store.list('wal/')) n += o.size;
  return n;
}

const value = (round: number, k: number): string => `r${round}-k${k}-${'v'.repeat(60)}`;

describe('WAL budget', () => {
  it('keeps the unflushed WAL within maxWalBytes although the memtable limit is never reached, and loses nothing', async () => {
    const store = new MemoryObjectStore();
    const options = { store, durability: 'normal' as const, retention: 0, memtableBytes: 64 * 1024 * KiB, maxImmutableMemtables: 2, maxWalBytes: 96 * KiB, blockSize: 1024 };
    const e = await LsmEngine.open(options);
    const keys = 2000;
    let maxWal = 0;
    let batchBytes = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < keys; i += 10) {
        const b = new WriteBatch();
        for (let k = i; k < i + 10; k++) b.put(1, [k], enc(value(round, k)));
        batchBytes = Math.max(batchBytes, b.byteSize);
        await e.write(b);
        maxWal = Math.max(maxWal, await walBytes(store));
      }
    }
    // Three rounds of ~80-byte rows: about 480 KiB of user bytes, five times the budget.
    expect(e.stats().userBytesWritten).toBeGreaterThan(4 * 96 * KiB);
    expect(e.stats().flush.count).toBeGreaterThanOrEqual(5);
    // Each of the 3 memtables (active + 2 frozen) overshoots its share by at most one commit
    // group (a group's record carries a small header per op beyond the batch's bytes).
    expect(maxWal).toBeLessThanOrEqual(96 * KiB + 3 * 2 * batchBytes);
    for (const k of [0, 999, 1999]) expect(dec(await e.get(1, [k]))).toBe(value(2, k));
    await e.close();

    const again = await LsmEngine.open(options);
    for (let k = 0; k < keys; k += 97) expect(dec(await again.get(1, [k]))).toBe(value(2, k));
    await again.close();
  });

  it('a budget larger than the memtables changes nothing: the memtable limit decides the flushes', async () => {
    const store = new MemoryObjectStore();
    const e = await LsmEngine.open({ store, durability: 'off', memtableBytes: 32 * KiB, maxWalBytes: 64 * 1024 * KiB });
    for (let i = 0; i < 2000; i += 10) {
      const b = new WriteBatch();
      for (let k = i; k < i + 10; k++) b.put(1, [k], enc(value(0, k)));
      await e.write(b);
    }
    // Memtables of 32 KiB hold about 200 of these rows: the memtable limit decides the flushes.
    expect(e.stats().flush.count).toBeGreaterThanOrEqual(4);
    expect(dec(await e.get(1, [1234]))).toBe(value(0, 1234));
    await e.close();
  });

  it('refuses a budget that is not a positive number of bytes', async () => {
    for (const maxWalBytes of [0, -1, Number.NaN]) {
      await expect(LsmEngine.open({ store: new MemoryObjectStore(), maxWalBytes })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
