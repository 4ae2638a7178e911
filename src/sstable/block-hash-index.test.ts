// Differential test of SSTableReader.seekInGroup (index search + the data block's in-memory
// hash index over user keys) against a sorted-array model of "first entry >= target, if it
// has target's user key": random user keys, many versions per key (so a key's versions span
// blocks), random read points, absent keys, tables with and without a bloom filter; and
// seekInGroupHinted (the block of the previous read reused) against seekInGroup.
import { describe, expect, it } from 'vitest';
import { encodeUserKey, makeInternalKey, seekKey } from '../mvcc/internal-key.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import { bytesEqual, compareBytes, toHex } from '../util/bytes.js';
import { Prng } from '../util/prng.js';
import { BlockCache } from './block-cache.js';
import { SSTableReader, type GroupHint } from './sstable-reader.js';
import { SSTableWriter } from './sstable-writer.js';

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

function hasUk(k: Uint8Array, uk: Uint8Array): boolean {
  return k.length === uk.length + 8 && bytesEqual(k.subarray(0, uk.length), uk);
}

async function table(seed: number, bitsPerKey: number, blockSize: number, cacheBytes = 1 << 24): Promise<{ r: Prng; entries: Entry[]; uks: Uint8Array[]; reader: SSTableReader }> {
  const r = new Prng(seed);
  const uks = new Map<string, Uint8Array>();
  while (uks.size < 300) {
    const pk = r.chance(0.5) ? [r.int(5000)] : [`u-${r.int(5000)}`, r.int(3)];
    const uk = encodeUserKey(r.int(2), 1 + r.int(2), pk);
    uks.set(toHex(uk), uk);
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const uk of uks.values()) {
    const versions = r.chance(0.2) ? 1 + r.int(25) : 1 + r.int(2);
    for (let v = 0; v < versions; v++) {
      const lsn = 1 + r.int(1000);
      const key = makeInternalKey(uk, lsn, r.int(2));
      if (seen.has(toHex(key))) continue;
      seen.add(toHex(key));
      entries.push({ key, value: r.bytes(r.int(30)) });
    }
  }
  entries.sort((a, b) => compareBytes(a.key, b.key));
  const w = new SSTableWriter({ blockSize, compression: 'none', filterSuffixLength: 8, bitsPerKey, restartInterval: 4 });
  for (const e of entries) w.add(e.key, e.value);
  const b = w.finish({});
  const store = new MemoryObjectStore();
  const data = new Uint8Array(b.size);
  let off = 0;
  for (const c of b.chunks) {
    data.set(c, off);
    off += c.length;
  }
  await store.put('t.sst', data);
  const reader = await SSTableReader.open(store, 't.sst', { fileNumber: seed, cache: new BlockCache(cacheBytes) });
  return { r, entries, uks: [...uks.values()], reader };
}

describe('SSTable point reads by user key (block hash index)', () => {
  it('keeps a block in the reader\'s per-block slot only while the block cache holds it', async () => {
    // A cache of a few blocks: point reads over every block of the table keep evicting. Each
    // answer must equal a fresh reader's (its own large cache), and no slot may hold a block
    // the cache dropped (the slots would otherwise keep evicted blocks alive, and a read of
    // one would skip the cache and its accounting).
    const { r, uks, reader } = await table(11, 10, 128, 2000);
    const fresh = (await table(11, 10, 128)).reader;
    const memo = (reader as unknown as { blockMemo: (object | undefined)[] }).blockMemo;
    expect(memo.length).toBe(reader.indexArray.count);
    let slots = 0;
    let maxSlots = 0;
    for (let q = 0; q < 2000; q++) {
      const target = seekKey(uks[r.int(uks.length)]!, r.chance(0.3) ? Number.MAX_SAFE_INTEGER : r.int(1100));
      const got = await reader.seekInGroup(target, 8);
      const want = await fresh.seekInGroup(target, 8);
      expect(got && [toHex(got.key), toHex(got.value)]).toEqual(want && [toHex(want.key), toHex(want.value)]);
      slots = 0;
      for (let i = 0; i < memo.length; i++) {
        if (memo[i] === undefined) continue;
        slots++;
        expect(reader.isCached(reader.indexArray.offsetOf(i)), `slot ${i} after read ${q}`).toBe(true);
      }
      maxSlots = Math.max(maxSlots, slots);
    }
    expect(maxSlots).toBeGreaterThan(1);
    expect(reader.indexArray.count).toBeGreaterThan(4 * maxSlots);
  });

  for (const [seed, bits, blockSize] of [
    [1, 10, 128],
    [2, 0, 256],
    [3, 10, 4096],
    [4, 0, 64],
  ] as const) {
    it(`equals the sorted model (seed ${seed}, ${bits} bloom bits/key, ${blockSize}-byte blocks)`, async () => {
      const { r, entries, uks, reader } = await table(seed, bits, blockSize);
      // seekInGroupHinted must answer as seekInGroup whatever its hint holds: the block of the
      // last read (neighbouring keys: the hint hits), of a far key, or of another file.
      const sorted = [...uks].sort(compareBytes);
      const hint: GroupHint = { file: -1, index: 0, offset: 0, block: null, entry: -1 };
      const o2 = await table(seed + 100, bits, blockSize);
      const other = { reader: o2.reader, sorted: o2.uks };
      let at = 0;
      let hits = 0;
      for (let q = 0; q < 3000; q++) {
        at = r.chance(0.5) ? (at + 1) % sorted.length : r.int(sorted.length);
        const uk = r.chance(0.85) ? sorted[at]! : encodeUserKey(r.int(2), 1 + r.int(2), [r.int(10000) + 5000]);
        if (r.chance(0.05)) {
          // The same hint through another file: its block must not answer for this one.
          const o = other.sorted[r.int(other.sorted.length)]!;
          const t2 = seekKey(o, Number.MAX_SAFE_INTEGER);
          const a = await other.reader.seekInGroup(t2, 8);
          const b = await other.reader.seekInGroupHinted(t2, 8, hint);
          expect(b && toHex(b.key)).toBe(a && toHex(a.key));
        }
        const target = seekKey(uk, r.chance(0.1) ? Number.MAX_SAFE_INTEGER : r.int(1100));
        let lo = 0;
        let hi = entries.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (compareBytes(entries[mid]!.key, target) < 0) lo = mid + 1;
          else hi = mid;
        }
        const want = lo < entries.length && hasUk(entries[lo]!.key, uk) ? entries[lo]! : null;
        const got = await reader.seekInGroup(target, 8);
        const gotHit = got && hasUk(got.key, uk) ? got : null;
        const hinted = await reader.seekInGroupHinted(target, 8, hint);
        const hintedHit = hinted && hasUk(hinted.key, uk) ? hinted : null;
        expect(hintedHit && toHex(hintedHit.key), `hinted ${toHex(target)}`).toBe(gotHit && toHex(gotHit.key));
        expect(hintedHit && toHex(hintedHit.value)).toBe(gotHit && toHex(gotHit.value));
        if (want === null) expect(gotHit, `${toHex(target)}`).toBeNull();
        else {
          hits++;
          expect(gotHit && toHex(gotHit.key), `${toHex(target)}`).toBe(toHex(want.key));
          expect(toHex(gotHit!.value)).toBe(toHex(want.value));
        }
        // A bloom negative is only allowed for a key the table does not hold.
        if (got === undefined) expect(uks.some((u) => bytesEqual(u, uk))).toBe(false);
      }
      expect(hits).toBeGreaterThan(1000);
    });
  }
});
