// Blocks decoded once into flat arrays for point reads: the full keys back to back (prefix
// compression undone) plus per-entry payload. A point read then binary-searches every entry,
// skipping the prefix both bounds share with the target (the classic string binary search
// trick: the keys of one table share long prefixes), instead of seeking to a restart point
// and re-assembling keys entry by entry (LevelDB's Block::Iter::Seek).
//
// - IndexArray: a table's index block (separator keys and block handles), built at open.
// - BlockSearch: a data block (keys and value places), built on the first point read of a
//   cached block and kept with it. It also holds a hash index over the entries' groups (the
//   key minus a fixed-length suffix: the user key of an internal key), RocksDB's data block
//   hash index kept in memory only: a point read for one group probes it instead of searching.
import type { Block } from './block.js';
import { bloomHash } from './bloom-filter.js';
import type { BlockHandle } from './format.js';
import { compareRange } from '../util/bytes.js';

/** int32 per group hash slot (block-search.ts BlockSearch.ent): hash, first entry + 1, key start/end, value offset/length, 2 unused (32-byte slots). */
const SLOT = 8;

/** Keys back to back, binary-searchable in memcmp order. */
class FlatKeys {
  readonly count: number;
  protected readonly keys: Uint8Array;
  /** keyStart[i]..keyStart[i+1] is key i. */
  protected readonly keyStart: Int32Array;

  /** `visit` sees each entry's value (key views are only valid during the call). */
  constructor(block: Block, visit: (it: ReturnType<Block['iterator']>) => void) {
    const it = block.iterator();
    let keys = new Uint8Array(Math.max(64, block.data.length >> 1));
    const starts: number[] = [0];
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
      visit(it);
    }
    this.count = starts.length - 1;
    this.keys = keys.slice(0, used);
    this.keyStart = Int32Array.from(starts);
  }

  /** Index of the first key >= target (memcmp), or `count`. */
  lowerBound(target: Uint8Array): number {
    let lo = 0;
    let hi = this.count;
    // Common prefix of the target with the keys at lo - 1 and hi (bounds of the range).
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

  /** memcmp order of key i against `target`: < 0, 0 or > 0. */
  compareKey(i: number, target: Uint8Array): number {
    const keys = this.keys;
    const s = this.keyStart[i]!;
    const kl = this.keyStart[i + 1]! - s;
    const tl = target.length;
    const n = kl < tl ? kl : tl;
    for (let j = 0; j < n; j++) {
      const c = keys[s + j]! - target[j]!;
      if (c !== 0) return c;
    }
    return kl - tl;
  }

  /** Key i: a view of this index's immutable key bytes. */
  key(i: number): Uint8Array {
    return this.keys.subarray(this.keyStart[i]!, this.keyStart[i + 1]!);
  }
}

/** A table's index block: separator i is the last key of data block i (sstable-writer.ts). */
export class IndexArray extends FlatKeys {
  private readonly offsets: Float64Array;
  private readonly sizes: Float64Array;

  constructor(index: Block, decodeHandle: (v: Uint8Array) => BlockHandle) {
    const offsets: number[] = [];
    const sizes: number[] = [];
    super(index, (it) => {
      const h = decodeHandle(it.value());
      offsets.push(h.offset);
      sizes.push(h.size);
    });
    this.offsets = Float64Array.from(offsets);
    this.sizes = Float64Array.from(sizes);
  }

  handle(i: number): BlockHandle {
    return { offset: this.offsets[i]!, size: this.sizes[i]! };
  }

  offsetOf(i: number): number {
    return this.offsets[i]!;
  }
}

/** A data block's entries; throws `Error('corrupt block entry')` like BlockIterator (the caller names file and offset). */
export class BlockSearch extends FlatKeys {
  /**
   * Per entry, side by side: key start, key end, value offset, value length. A point read
   * touches one 16-byte record per entry it looks at instead of three arrays (keyStart,
   * value offsets, value lengths), each a cache miss on a block not touched recently.
   * Followed, once a point read built it, by the group hash table (open addressing, linear
   * probing) from `slotBase` on, SLOT int32 per slot side by side (32 bytes: a probe touches
   * one cache line): the group's hash, its first entry + 1 (0: empty slot), and that entry's
   * key start, key end, value offset and value length — copies of its entry record, so a
   * point read answered by the group's first entry (the newest version: the common case)
   * touches the slot, the key bytes and the value, not the entry record too. One array for
   * all: a point read follows one typed array's pointers, not two.
   */
  private ent: Int32Array;
  /** Where the group table starts in `ent` (its length when there is none yet). */
  private slotBase: number;
  /** The suffix length the group table was built for. */
  private groupSuffix = -1;
  /** The last `seekInGroup` hit's key start/end and value offset/length (valid until the next call). */
  hitKeyStart = 0;
  hitKeyEnd = 0;
  hitValueOffset = 0;
  hitValueLength = 0;

  constructor(block: Block) {
    const offs: number[] = [];
    const lens: number[] = [];
    super(block, (it) => {
      offs.push(it.valueOffset());
      lens.push(it.valueLength());
    });
    const ent = new Int32Array(this.count * 4);
    const ks = this.keyStart;
    for (let i = 0; i < this.count; i++) {
      ent[4 * i] = ks[i]!;
      ent[4 * i + 1] = ks[i + 1]!;
      ent[4 * i + 2] = offs[i]!;
      ent[4 * i + 3] = lens[i]!;
    }
    this.ent = ent;
    this.slotBase = ent.length;
  }

  /** Bytes held (for memory accounting). */
  get bytes(): number {
    return this.keys.length + this.keyStart.length * 4 + this.ent.length * 4;
  }

  valueOffset(i: number): number {
    return this.ent[4 * i + 2]!;
  }

  valueLength(i: number): number {
    return this.ent[4 * i + 3]!;
  }

  /** The flat keys (the hit fields index into them); callers must not modify them. */
  get flatKeys(): Uint8Array {
    return this.keys;
  }

  /** Bytes start..end of the flat keys (a view). */
  keysIn(start: number, end: number): Uint8Array {
    return this.keys.subarray(start, end);
  }

  override key(i: number): Uint8Array {
    return this.keys.subarray(this.ent[4 * i]!, this.ent[4 * i + 1]!);
  }

  /**
   * Index of the first entry with key >= target among the entries whose group (key without
   * its last `suffix` bytes) is target's group, or -1 when this block holds none. `h` is
   * `bloomHash(target, 0, target.length - suffix)`. Equal to `lowerBound(target)` whenever
   * that entry is in target's group; entries of a group are contiguous (keys sorted).
   */
  seekInGroup(target: Uint8Array, suffix: number, h: number): number {
    if (this.groupSuffix !== suffix) this.buildGroups(suffix);
    const ent = this.ent;
    const base = this.slotBase;
    const mask = ((ent.length - base) >>> 3) - 1;
    const keys = this.keys;
    const gl = target.length - suffix;
    const tl = target.length;
    h |= 0;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = base + SLOT * slot;
      const s = ent[at + 1]!;
      if (s === 0) return -1;
      if (ent[at] !== h) continue;
      const ke = ent[at + 2]!;
      const kend = ent[at + 3]!;
      const kl = kend - ke;
      if (kl - suffix !== gl) continue;
      let j = 0;
      while (j < gl && keys[ke + j] === target[j]) j++;
      if (j < gl) continue;
      // The group's first version (from the slot's copy of its record): the answer when its suffix >= target's.
      const first = s - 1;
      if (compareRange(keys, ke + gl, kend, target, gl, tl) >= 0) {
        this.hitKeyStart = ke;
        this.hitKeyEnd = kend;
        this.hitValueOffset = ent[at + 4]!;
        this.hitValueLength = ent[at + 5]!;
        return first;
      }
      // Later versions of the group in key order: the first whose suffix >= target's.
      for (let e = first + 1; e < this.count; e++) {
        const k0 = ent[4 * e]!;
        const el = ent[4 * e + 1]! - k0;
        if (el - suffix !== gl) return -1;
        j = 0;
        while (j < gl && keys[k0 + j] === target[j]) j++;
        if (j < gl) return -1;
        if (compareRange(keys, k0 + gl, k0 + el, target, gl, tl) >= 0) {
          this.hitKeyStart = k0;
          this.hitKeyEnd = k0 + el;
          this.hitValueOffset = ent[4 * e + 2]!;
          this.hitValueLength = ent[4 * e + 3]!;
          return e;
        }
      }
      return -1;
    }
  }

  /**
   * The entry answering a point read whose previous answer in this block was entry `prev`
   * (BlockSearch.seekInGroup's result): when key(prev) < target <= key(prev + 1), the first
   * key >= target is entry prev + 1, so the answer is it if it is in target's group, else -1
   * (no version of the group at or after target in this block, hence in the file). -2 when
   * those bounds do not hold (search as usual). Rows read through an index in the order
   * they were inserted land here: two key comparisons instead of the hash probe.
   */
  nextInGroup(prev: number, target: Uint8Array, suffix: number): number {
    const e = prev + 1;
    if (prev < 0 || e >= this.count || this.compareKey(prev, target) >= 0 || this.compareKey(e, target) < 0) return -2;
    const ent = this.ent;
    const k0 = ent[4 * e]!;
    const gl = target.length - suffix;
    if (ent[4 * e + 1]! - k0 - suffix !== gl) return -1;
    const keys = this.keys;
    for (let j = 0; j < gl; j++) if (keys[k0 + j] !== target[j]) return -1;
    return e;
  }

  private buildGroups(suffix: number): void {
    let size = 8;
    while (size < this.count * 2) size *= 2;
    // The entry records first (as they were), then the table; a table built for another suffix is dropped.
    const base = 4 * this.count;
    const tab = new Int32Array(base + SLOT * size);
    tab.set(this.ent.subarray(0, base));
    const slots = tab.subarray(base);
    const mask = size - 1;
    const keys = this.keys;
    const ks = this.keyStart;
    let prevStart = -1;
    let prevLen = -1;
    for (let e = 0; e < this.count; e++) {
      const s = ks[e]!;
      const gl = ks[e + 1]! - s - suffix;
      if (gl < 0) continue; // shorter than the suffix: no group, never a point-read hit
      if (gl === prevLen) {
        let j = 0;
        while (j < gl && keys[s + j] === keys[prevStart + j]) j++;
        if (j === gl) continue; // a later version of the previous group
      }
      prevStart = s;
      prevLen = gl;
      const h = bloomHash(keys, s, s + gl) | 0;
      let slot = h & mask;
      while (slots[SLOT * slot + 1] !== 0) slot = (slot + 1) & mask;
      const at = SLOT * slot;
      slots[at] = h;
      slots[at + 1] = e + 1;
      slots[at + 2] = s;
      slots[at + 3] = ks[e + 1]!;
      slots[at + 4] = tab[4 * e + 2]!;
      slots[at + 5] = tab[4 * e + 3]!;
    }
    this.ent = tab;
    this.slotBase = base;
    this.groupSuffix = suffix;
  }
}
