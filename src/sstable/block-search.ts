// A data block's entries decoded once into flat arrays for point reads: the full keys back to
// back (prefix compression undone) and each value's place in the block. A point read then
// binary-searches every entry, skipping the prefix both bounds share with the target, instead
// of seeking to a restart point and re-assembling keys entry by entry (LevelDB's
// Block::Iter::Seek). Built on the first point read of a cached block and kept with it.
import type { Block } from './block.js';

export class BlockSearch {
  readonly count: number;
  private readonly keys: Uint8Array;
  /** keyStart[i]..keyStart[i+1] is the key of entry i. */
  private readonly keyStart: Int32Array;
  private readonly valOff: Int32Array;
  private readonly valLen: Int32Array;

  /** Throws `Error('corrupt block entry')` like BlockIterator; the caller names file and offset. */
  constructor(block: Block) {
    const it = block.iterator();
    let keys = new Uint8Array(Math.max(64, block.data.length >> 1));
    const starts: number[] = [0];
    const offs: number[] = [];
    const lens: number[] = [];
    let used = 0;
    for (it.seekToFirst(); it.valid(); it.next()) {
      const k = it.key();
      if (used + k.length > keys.length) {
        const nk = new Uint8Array(Math.max(keys.length * 2, used + k.length));
        nk.set(keys.subarray(0, used));
        keys = nk;
      }
      keys.set(k, used);
      used += k.length;
      starts.push(used);
      offs.push(it.valueOffset());
      lens.push(it.valueLength());
    }
    this.count = offs.length;
    this.keys = keys.slice(0, used);
    this.keyStart = Int32Array.from(starts);
    this.valOff = Int32Array.from(offs);
    this.valLen = Int32Array.from(lens);
  }

  /** Bytes held (for memory accounting). */
  get bytes(): number {
    return this.keys.length + this.keyStart.length * 4 + this.count * 8;
  }

  /** Index of the first entry with key >= target (memcmp), or `count`. */
  lowerBound(target: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    let lcpLo = 0;
    let lcpHi = 0;
    const keys = this.keys;
    const ks = this.keyStart;
    const tl = target.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = ks[mid]!;
      const kl = ks[mid + 1]! - s;
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

  /** Key of entry i: a view of this index's immutable key bytes. */
  key(i: number): Uint8Array {
    return this.keys.subarray(this.keyStart[i]!, this.keyStart[i + 1]!);
  }

  valueOffset(i: number): number {
    return this.valOff[i]!;
  }

  valueLength(i: number): number {
    return this.valLen[i]!;
  }
}
