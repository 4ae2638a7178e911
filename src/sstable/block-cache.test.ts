// BlockCache against an LRU model; Block/BlockBuilder round trip as a small side check.
import { describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { Block } from './block.js';
import { BlockBuilder } from './block-builder.js';
import { BlockCache } from './block-cache.js';

function blockOfSize(n: number): Block {
  // A valid payload: n - 8 filler bytes, one restart (0), restart count 1.
  const data = new Uint8Array(Math.max(8, n));
  data[data.length - 4] = 1;
  return new Block(data);
}

describe('BlockCache', () => {
  it('behaves like a byte-bounded CLOCK cache (model check)', () => {
    const r = new Prng(1);
    const cap = 5000;
    const cache = new BlockCache(cap);
    // Model: a FIFO queue with reference bits; a hit sets the bit; eviction takes the front,
    // re-queueing it once (bit cleared) if it was referenced.
    let model: { key: number; block: Block; ref: boolean }[] = [];
    const used = (): number => model.reduce((s, e) => s + e.block.charge, 0);
    for (let step = 0; step < 5000; step++) {
      const file = r.int(4);
      const key = BlockCache.key(file, r.int(30) * 4096);
      if (r.chance(0.5)) {
        const got = cache.get(key);
        const i = model.findIndex((e) => e.key === key);
        expect(got).toBe(i >= 0 ? model[i]!.block : undefined);
        if (i >= 0) model[i]!.ref = true;
      } else if (r.chance(0.95)) {
        const b = blockOfSize(100 + r.int(900));
        cache.insert(key, b);
        model = model.filter((e) => e.key !== key);
        model.push({ key, block: b, ref: false });
        while (used() > cap) {
          const front = model.shift()!;
          if (front.ref) {
            front.ref = false;
            model.push(front);
          }
        }
      } else {
        cache.evictFile(file);
        model = model.filter((e) => Math.floor(e.key / 2 ** 32) !== file);
      }
      expect(cache.size).toBe(model.length);
      expect(cache.usedBytes).toBe(used());
      expect(cache.usedBytes).toBeLessThanOrEqual(cap);
    }
    expect(cache.hits).toBeGreaterThan(0);
    expect(cache.misses).toBeGreaterThan(0);
  });

  it('a zero-capacity cache stores nothing', () => {
    const cache = new BlockCache(0);
    cache.insert(1, blockOfSize(100));
    expect(cache.get(1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe('Block', () => {
  it('round trips entries through BlockBuilder for several restart intervals', () => {
    const r = new Prng(2);
    for (const interval of [1, 2, 16, 1000]) {
      const keys = [...new Set(Array.from({ length: 300 }, () => 'k' + String(r.int(1e6)).padStart(7, '0') + 'x'.repeat(r.int(3))))].sort();
      const bb = new BlockBuilder(interval);
      const enc = new TextEncoder();
      for (const k of keys) bb.add(enc.encode(k), enc.encode(k.toUpperCase()));
      const block = new Block(bb.finish().slice());
      expect(block.numRestarts).toBe(Math.ceil(keys.length / interval));
      const it = block.iterator();
      const dec = new TextDecoder();
      const got: string[] = [];
      for (it.seekToFirst(); it.valid(); it.next()) got.push(dec.decode(it.key()) + '=' + dec.decode(it.value()));
      expect(got).toEqual(keys.map((k) => k + '=' + k.toUpperCase()));
      const back: string[] = [];
      for (it.seekToLast(); it.valid(); it.prev()) back.push(dec.decode(it.key()));
      expect(back).toEqual([...keys].reverse());
    }
  });

  it('rejects payloads whose restart array does not fit', () => {
    expect(() => new Block(new Uint8Array(3))).toThrow();
    expect(() => new Block(new Uint8Array(4))).toThrow(); // zero restarts
    const bad = new Uint8Array(8);
    bad[4] = 200; // 200 restarts in 8 bytes
    expect(() => new Block(bad)).toThrow();
  });
});
