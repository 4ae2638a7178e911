import type { Block } from './block.js';

/**
 * Size-bounded cache of decoded (decompressed, checksum-verified) blocks, shared by every
 * open table of an engine (LevelDB's block cache). Keys are `fileNumber * 2^32 + offset`;
 * charge is the block's payload size. Eviction is CLOCK (second chance): a hit only sets the
 * block's reference bit, and eviction walks entries in insertion order, re-queueing those
 * referenced since their last pass — LRU-like, without reordering on every hit.
 *
 * Async safety: synchronous; safe to use from interleaved async reads.
 */
export class BlockCache {
  private readonly map = new Map<number, Block>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly capacityBytes: number) {}

  static key(fileNumber: number, offset: number): number {
    return fileNumber * 4294967296 + offset;
  }

  /**
   * `get` that also records the block in `memo[at]` (a reader's per-block slots, indexed by
   * its index entry): the reader's next read of that block takes it from there (`hit`)
   * without the map lookup, until the cache drops it, which clears the slot.
   */
  getMemo(key: number, memo: (Block | undefined)[], at: number): Block | undefined {
    const b = this.get(key);
    if (b !== undefined) {
      if (b.memo !== undefined && b.memo !== memo) forget(b);
      b.memo = memo;
      b.memoAt = at;
      memo[at] = b;
    }
    return b;
  }

  /** A hit on a block found in a reader's memo slot (counted and referenced as `get` does). */
  hit(b: Block): void {
    this.hits++;
    b.referenced = true;
  }

  get(key: number): Block | undefined {
    const b = this.map.get(key);
    if (b === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    b.referenced = true;
    return b;
  }

  has(key: number): boolean {
    return this.map.has(key);
  }

  insert(key: number, block: Block): void {
    if (this.capacityBytes <= 0) return;
    const old = this.map.get(key);
    if (old) {
      this.used -= old.charge;
      this.map.delete(key);
      forget(old);
    }
    this.map.set(key, block);
    this.used += block.charge;
    if (this.used > this.capacityBytes) this.evict();
  }

  private evict(): void {
    // Each pass clears reference bits, so at most two passes free enough.
    for (let pass = 0; pass < 2 && this.used > this.capacityBytes; pass++) {
      for (const [k, b] of this.map) {
        if (this.used <= this.capacityBytes) break;
        this.map.delete(k);
        if (b.referenced && pass === 0) {
          b.referenced = false;
          this.map.set(k, b); // second chance: back of the queue
        } else {
          this.used -= b.charge;
          forget(b);
        }
      }
    }
  }

  /** Drops every block of a file (after it was deleted). */
  evictFile(fileNumber: number): void {
    const lo = fileNumber * 4294967296;
    const hi = lo + 4294967296;
    for (const [k, b] of this.map) {
      if (k >= lo && k < hi) {
        this.map.delete(k);
        this.used -= b.charge;
        forget(b);
      }
    }
  }

  get usedBytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }
}

/** Clears the reader slot a block dropped from the cache sat in. */
function forget(b: Block): void {
  const m = b.memo;
  if (m === undefined) return;
  if (m[b.memoAt] === b) m[b.memoAt] = undefined;
  b.memo = undefined;
}
