import type { Block } from './block.js';

/**
 * Size-bounded LRU cache of decoded (decompressed, checksum-verified) blocks, shared by
 * every open table of an engine (LevelDB's block cache). Keys are
 * `fileNumber * 2^32 + blockOffset`. Charge is the block's payload size.
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

  get(key: number): Block | undefined {
    const b = this.map.get(key);
    if (b === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency only occasionally-hot entries pay the re-insert; cheap enough in V8.
    this.map.delete(key);
    this.map.set(key, b);
    return b;
  }

  insert(key: number, block: Block): void {
    if (this.capacityBytes <= 0) return;
    const old = this.map.get(key);
    if (old) {
      this.used -= old.charge;
      this.map.delete(key);
    }
    this.map.set(key, block);
    this.used += block.charge;
    if (this.used > this.capacityBytes) {
      for (const [k, b] of this.map) {
        if (this.used <= this.capacityBytes) break;
        this.map.delete(k);
        this.used -= b.charge;
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
