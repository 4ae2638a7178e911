import { describe, expect, it } from 'vitest';
import { makeInternalKey } from '../mvcc/internal-key.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { BlockCache } from './block-cache.js';
import { SSTableWriter } from './sstable-writer.js';
import { TableCache, type TableHandle } from './table-cache.js';

/** A store that counts opens (a get of the footer) per file. */
class CountingStore extends MemoryObjectStore {
  readonly gets = new Map<string, number>();
  override async get(key: string, options?: Parameters<MemoryObjectStore['get']>[1]): ReturnType<MemoryObjectStore['get']> {
    this.gets.set(key, (this.gets.get(key) ?? 0) + 1);
    return super.get(key, options);
  }
}

async function files(store: MemoryObjectStore, n: number): Promise<TableHandle[]> {
  const out: TableHandle[] = [];
  for (let i = 1; i <= n; i++) {
    const w = new SSTableWriter({ compression: 'none', filterSuffixLength: 8 });
    w.add(makeInternalKey(new Uint8Array([i]), 1, 1), new Uint8Array([i]));
    const b = w.finish();
    const key = `sst/${i}.sst`;
    await store.put(key, b.chunks);
    out.push({ number: i, key, size: b.size });
  }
  return out;
}

describe('TableCache', () => {
  it('keeps at most maxOpen readers and closes one not used since the others were, never the one just opened', async () => {
    const store = new CountingStore();
    const [a, b, c, d] = await files(store, 4);
    const cache = new TableCache(store, new BlockCache(1 << 20), 2);
    const opens = (f: TableHandle): number => store.gets.get(f.key) ?? 0;
    await cache.get(a!);
    await cache.get(b!);
    const afterOpen = opens(a!);
    // A hit does no I/O and is synchronous.
    expect(cache.get(a!)).not.toBeInstanceOf(Promise);
    expect(opens(a!)).toBe(afterOpen);
    // c evicts b (a was used since it was opened), as LRU would.
    await cache.get(c!);
    expect(cache.openCount).toBe(2);
    expect(cache.get(a!)).not.toBeInstanceOf(Promise);
    expect(cache.get(c!)).not.toBeInstanceOf(Promise);
    expect(cache.peek(b!)).toBeUndefined();
    // Both a and c were used: the hand gives each a second chance, then closes the first it passes again; d stays.
    await cache.get(d!);
    expect(cache.openCount).toBe(2);
    expect(cache.peek(d!)).toBeDefined();
    expect([cache.peek(a!), cache.peek(c!)].filter((r) => r !== undefined)).toHaveLength(1);
    // A closed file opens again on demand.
    const reader = await cache.get(b!);
    expect(reader.mayContain(new Uint8Array([2]))).toBe(true);
    expect(opens(b!)).toBeGreaterThan(1);
  });
});
