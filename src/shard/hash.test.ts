// Reference vectors for the routing hashes: FNV-1a 32 from the FNV test suite
// (http://www.isthe.com/chongo/src/fnv/test_fnv.c) and XXH32 from the xxHash sanity checks
// (the digests xxhsum prints). A wrong bit here moves rows between shards.
import { describe, expect, it } from 'vitest';
import { fnv1a32, xxhash32 } from './hash.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('routing hashes', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    expect(fnv1a32(enc(''))).toBe(0x811c9dc5);
    expect(fnv1a32(enc('a'))).toBe(0xe40c292c);
    expect(fnv1a32(enc('foobar'))).toBe(0xbf9cf968);
  });

  it('XXH32 (seed 0) matches the reference vectors, short and long inputs', () => {
    expect(xxhash32(enc(''))).toBe(0x02cc5d05);
    expect(xxhash32(enc('a'))).toBe(0x550d7456);
    expect(xxhash32(enc('abc'))).toBe(0x32d153ff);
    expect(xxhash32(enc('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('keyspace ids', () => {
  it('spread small consecutive integers evenly over four equal keyspace ranges (both algorithms)', async () => {
    const { hash32 } = await import('./hash.js');
    const { canonicalBytes } = await import('./routing-value.js');
    for (const alg of ['fnv1a', 'xxhash'] as const) {
      const buckets = [0, 0, 0, 0];
      for (let i = 1; i <= 100; i++) buckets[Math.floor(hash32(alg, canonicalBytes(BigInt(i))) / 2 ** 30)]!++;
      // 25 expected in each; plain FNV-1a of these short keys gives 40, 7, 43, 10 (fmix32 fixes it).
      for (const b of buckets) expect(b, `${alg}: ${buckets.join(',')}`).toBeGreaterThan(12);
    }
  });
});
