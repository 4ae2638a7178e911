// The filter's bytes are persisted (docs/format/sstable.md): the builder and the probe must
// lay out and test exactly LevelDB's bits, whatever arithmetic they use. Checked against the
// plain formulas (`h % bits` on unsigned 32-bit hashes) over hashes above and below 2^31.
import { describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { BloomFilterBuilder, bloomHash, bloomMayContain } from './bloom-filter.js';

function referenceFilter(hashes: number[], bitsPerKey: number): Uint8Array {
  const k = Math.max(1, Math.min(30, Math.round(bitsPerKey * 0.69)));
  let bits = Math.max(64, hashes.length * bitsPerKey);
  const bytes = Math.ceil(bits / 8);
  bits = bytes * 8;
  const out = new Uint8Array(bytes + 1);
  for (let h of hashes) {
    const delta = ((h >>> 17) | (h << 15)) >>> 0;
    for (let j = 0; j < k; j++) {
      const pos = h % bits;
      out[pos >>> 3]! |= 1 << (pos & 7);
      h = (h + delta) >>> 0;
    }
  }
  out[bytes] = k;
  return out;
}

function referenceMayContain(filter: Uint8Array, h: number): boolean {
  const bits = (filter.length - 1) * 8;
  const k = filter[filter.length - 1]!;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const pos = h % bits;
    if ((filter[pos >>> 3]! & (1 << (pos & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}

const u32 = (r: Prng): number => (r.int(0x10000) * 0x10000 + r.int(0x10000)) >>> 0;

describe('bloom filter', () => {
  it('lays out the same bits as the reference formulas, for hashes above and below 2^31', () => {
    const r = new Prng(17);
    for (const [n, bitsPerKey] of [
      [0, 10],
      [1, 10],
      [7, 10],
      [1000, 10],
      [5003, 7],
      [40_000, 10],
      [3, 1],
    ] as const) {
      const hashes: number[] = [];
      for (let i = 0; i < n; i++) hashes.push(i % 5 === 0 ? 0xffffffff - r.int(1000) : i % 5 === 1 ? r.int(1000) : u32(r));
      const b = new BloomFilterBuilder(bitsPerKey);
      for (const h of hashes) b.addHash(h);
      expect(b.count).toBe(n);
      const f = b.finish();
      expect(f).toEqual(referenceFilter(hashes, bitsPerKey));
      for (const h of hashes) expect(bloomMayContain(f, h)).toBe(true);
      for (let i = 0; i < 2000; i++) {
        const h = i % 2 === 0 ? u32(r) : (0x80000000 + r.int(0x7fffffff)) >>> 0;
        expect(bloomMayContain(f, h)).toBe(referenceMayContain(f, h));
      }
    }
  });

  it('answers for key hashes as bloomHash makes them', () => {
    const b = new BloomFilterBuilder(10);
    const keys = Array.from({ length: 500 }, (_, i) => new TextEncoder().encode(`key-${i}`));
    for (const k of keys) b.addHash(bloomHash(k, 0, k.length));
    const f = b.finish();
    for (const k of keys) expect(bloomMayContain(f, bloomHash(k, 0, k.length))).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 5000; i++) {
      const k = new TextEncoder().encode(`other-${i}`);
      if (bloomMayContain(f, bloomHash(k, 0, k.length))) falsePositives++;
    }
    expect(falsePositives).toBeLessThan(250); // ~1% expected at 10 bits per key
  });
});

/** The format's arithmetic again, in floating point only (Math.floor, % 2 ** 32): a second, independent spelling. */
function floorFilter(hashes: readonly number[], bitsPerKey: number): Uint8Array {
  const k = Math.max(1, Math.min(30, Math.round(bitsPerKey * 0.69)));
  const bytes = Math.ceil(Math.max(64, hashes.length * bitsPerKey) / 8);
  const bits = bytes * 8;
  const out = new Uint8Array(bytes + 1);
  for (const h0 of hashes) {
    let h = h0;
    const delta = ((h >>> 17) | (h << 15)) >>> 0;
    for (let j = 0; j < k; j++) {
      const pos = h - Math.floor(h / bits) * bits;
      out[Math.floor(pos / 8)]! |= 1 << pos % 8;
      h = (h + delta) % 2 ** 32;
    }
  }
  out[bytes] = k;
  return out;
}

function floorMayContain(filter: Uint8Array, h: number): boolean {
  const bits = (filter.length - 1) * 8;
  const k = filter[filter.length - 1]!;
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const pos = h - Math.floor(h / bits) * bits;
    if ((filter[Math.floor(pos / 8)]! & (1 << pos % 8)) === 0) return false;
    h = (h + delta) % 2 ** 32;
  }
  return true;
}

describe('bloom filter bits (floating-point reference)', () => {
  it('builder and probe place the bits the format says, for hashes over the whole 32-bit range', () => {
    const r = new Prng(17);
    for (const n of [0, 1, 7, 100, 1000, 20_011]) {
      for (const bitsPerKey of [1, 7, 10, 23]) {
        const hashes: number[] = [];
        for (let i = 0; i < n; i++) {
          // Both halves of the range, and the edges.
          const h = i % 97 === 0 ? [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1][i % 5]! : (r.int(2 ** 16) * 2 ** 16 + r.int(2 ** 16)) >>> 0;
          hashes.push(h);
        }
        const b = new BloomFilterBuilder(bitsPerKey);
        for (const h of hashes) b.addHash(h);
        const got = b.finish();
        const want = floorFilter(hashes, bitsPerKey);
        expect(Buffer.from(got).equals(Buffer.from(want)), `n=${n} bitsPerKey=${bitsPerKey}`).toBe(true);
        for (const h of hashes) expect(bloomMayContain(got, h)).toBe(true);
        for (let i = 0; i < 2000; i++) {
          const h = (r.int(2 ** 16) * 2 ** 16 + r.int(2 ** 16)) >>> 0;
          expect(bloomMayContain(got, h), `probe ${h}`).toBe(floorMayContain(want, h));
        }
      }
    }
  });
});
