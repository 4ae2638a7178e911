// Bloom filter over filter keys (the user key: branch, table, primary key), LevelDB's
// design: k = bitsPerKey * ln 2 probes by double hashing of one 32-bit hash.
// Layout (docs/format/sstable.md): bits | k (1 byte).

/** 32-bit hash of b[start, end) (Murmur-style mixing, as LevelDB's Hash). Persisted: never change. */
export function bloomHash(b: Uint8Array, start: number, end: number): number {
  const m = 0xc6a4a793;
  let h = (0xbc9f1d34 ^ Math.imul(end - start, m)) >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const w = (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
    h = (h + w) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h ^= h >>> 16;
  }
  const rest = end - i;
  if (rest === 3) h = (h + (b[i + 2]! << 16)) >>> 0;
  if (rest >= 2) h = (h + (b[i + 1]! << 8)) >>> 0;
  if (rest >= 1) {
    h = (h + b[i]!) >>> 0;
    h = Math.imul(h, m) >>> 0;
    h ^= h >>> 24;
  }
  return h >>> 0;
}

/**
 * h % bits for a uint32 h, in int32 arithmetic: `h % bits` on a uint32
 * above 2^31 is a floating-point remainder (a C call in V8), seven per key on every filter
 * built and probed. h = 2 * (h >>> 1) + (h & 1), so h mod bits = (2 * ((h >>> 1) mod bits) +
 * (h & 1)) mod bits, and that sum is below 2 * bits: one conditional subtraction.
 */
function modBits(h: number, bits: number): number {
  if (bits >= 0x80000000) return h % bits; // a filter of over 256 MiB: never written, kept exact
  const y = ((h >>> 1) % bits) * 2 + (h & 1);
  return y >= bits ? y - bits : y;
}

/** Collects key hashes while a table is written, then lays out the filter. */
export class BloomFilterBuilder {
  /**
   * Hashes as int32 bit patterns in a growable typed array: a uint32 above 2^31 in a JS
   * array is a heap number, one allocation per key of every flush and compaction.
   */
  private hashes = new Int32Array(1024);
  private n = 0;
  constructor(private readonly bitsPerKey: number) {}

  addHash(h: number): void {
    if (this.n === this.hashes.length) {
      const next = new Int32Array(this.n * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[this.n++] = h;
  }

  get count(): number {
    return this.n;
  }

  finish(): Uint8Array {
    const k = Math.max(1, Math.min(30, Math.round(this.bitsPerKey * 0.69)));
    let bits = Math.max(64, this.n * this.bitsPerKey);
    const bytes = Math.ceil(bits / 8);
    bits = bytes * 8;
    const out = new Uint8Array(bytes + 1);
    const hs = this.hashes;
    for (let i = 0; i < this.n; i++) {
      let h = hs[i]! >>> 0;
      const delta = ((h >>> 17) | (h << 15)) >>> 0;
      for (let j = 0; j < k; j++) {
        const pos = modBits(h, bits);
        out[pos >>> 3]! |= 1 << (pos & 7);
        h = (h + delta) >>> 0;
      }
    }
    out[bytes] = k;
    return out;
  }
}

/** True unless the filter proves the key absent. */
export function bloomMayContain(filter: Uint8Array, h: number): boolean {
  const len = filter.length;
  if (len < 2) return true;
  const bits = (len - 1) * 8;
  const k = filter[len - 1]!;
  if (k > 30) return true; // reserved for future encodings: don't filter
  const delta = ((h >>> 17) | (h << 15)) >>> 0;
  for (let j = 0; j < k; j++) {
    const pos = modBits(h, bits);
    if ((filter[pos >>> 3]! & (1 << (pos & 7))) === 0) return false;
    h = (h + delta) >>> 0;
  }
  return true;
}
