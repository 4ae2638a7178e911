// A table's index block decoded once at open into flat arrays: the separator keys back to
// back, their offsets, and the block handles. Point reads binary-search it without
// decoding varints at every step, skipping the prefix both bounds share with the target
// (the classic string binary search trick: the keys of one table share long prefixes).
import type { Block } from './block.js';
import type { BlockHandle } from './format.js';

export class IndexArray {
  readonly count: number;
  private readonly keys: Uint8Array;
  /** keyStart[i]..keyStart[i+1] is separator i. */
  private readonly keyStart: Int32Array;
  private readonly offsets: Float64Array;
  private readonly sizes: Float64Array;

  constructor(index: Block, decodeHandle: (v: Uint8Array) => BlockHandle) {
    const it = index.iterator();
    const keys: number[] = [];
    const starts: number[] = [0];
    const offsets: number[] = [];
    const sizes: number[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) {
      const k = it.key();
      for (let i = 0; i < k.length; i++) keys.push(k[i]!);
      starts.push(keys.length);
      const h = decodeHandle(it.value());
      offsets.push(h.offset);
      sizes.push(h.size);
    }
    this.count = offsets.length;
    this.keys = Uint8Array.from(keys);
    this.keyStart = Int32Array.from(starts);
    this.offsets = Float64Array.from(offsets);
    this.sizes = Float64Array.from(sizes);
  }

  /** Index of the first separator >= target (count if none): the block that may hold target. */
  lowerBound(target: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    // Common prefix of the target with the separators at lo - 1 and hi (bounds of the range).
    let lcpLo = 0;
    let lcpHi = 0;
    const keys = this.keys;
    const tl = target.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.keyStart[mid]!;
      const e = this.keyStart[mid + 1]!;
      const kl = e - s;
      let i = lcpLo < lcpHi ? lcpLo : lcpHi;
      const n = kl < tl ? kl : tl;
      while (i < n && keys[s + i] === target[i]) i++;
      const c = i < n ? keys[s + i]! - target[i]! : kl - tl;
      if (c < 0) {
        lo = mid + 1;
        lcpLo = i;
      } else {
        hi = mid;
        lcpHi = i;
      }
    }
    return lo;
  }

  handle(i: number): BlockHandle {
    return { offset: this.offsets[i]!, size: this.sizes[i]! };
  }

  offsetOf(i: number): number {
    return this.offsets[i]!;
  }

  sizeOf(i: number): number {
    return this.sizes[i]!;
  }
}
