// ChunkBuilder (sstable-images.ts) must build exactly the chunk toChunk builds from the same
// values: kinds, NULLs, dictionary order, refusals (mixed classes, blobs, integers beyond 2^53).
import { describe, expect, it } from 'vitest';
import { toChunk } from '../columnar/index.js';
import { Prng } from '../util/prng.js';
import { ChunkBuilder } from './sstable-images.js';

function value(r: Prng, kind: number): unknown {
  if (r.chance(0.15)) return null;
  switch (r.chance(0.03) ? r.int(5) : kind) {
    case 0:
      return r.chance(0.01) ? 2n ** 53n + 1n : BigInt(r.int(2000) - 1000);
    case 1:
      return (r.int(2_000_000) - 1_000_000) / 997;
    case 2:
      return ['x', 'y', 'é', '', 'Z'][r.int(5)]!;
    case 3:
      return new Uint8Array([1, 2]);
    default:
      return r.chance(0.5) ? -(2n ** 53n) : 2n ** 53n;
  }
}

describe('ChunkBuilder', () => {
  it('builds the chunk toChunk builds, for random columns', () => {
    const r = new Prng(7);
    for (let t = 0; t < 400; t++) {
      const n = r.int(60);
      const kind = r.int(3);
      const values = Array.from({ length: n }, () => value(r, kind));
      const b = new ChunkBuilder(n + r.int(5));
      for (const v of values) b.push(v);
      expect(b.finish(), JSON.stringify(values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(toChunk(values));
    }
  });

  it('refuses more values than its capacity', () => {
    const b = new ChunkBuilder(2);
    for (const v of [1n, 2n, 3n]) b.push(v);
    expect(b.finish()).toBeNull();
  });
});
