// Reads one decoded block payload (see block-builder.ts for the layout) and iterates it.
import { getU32LE } from '../util/coding.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { BlockSearch } from './block-search.js';

/** A parsed block: the payload and where its restart array starts. Immutable, shareable. */
export class Block {
  readonly restartsOffset: number;
  readonly numRestarts: number;
  /** Block cache reference bit (CLOCK). */
  referenced = false;
  /**
   * The reader's per-block slots this cached block sits in (`memo[memoAt]`, SSTableReader's
   * point reads), or undefined. Only while the block is in the block cache: the cache clears
   * the slot when it drops the block (BlockCache.forget), so a slot never outlives the charge.
   */
  memo: (Block | undefined)[] | undefined = undefined;
  memoAt = 0;
  /** The flat search index of point reads, built on the first one (block-search.ts). */
  private searchIndex: BlockSearch | undefined;

  /** Throws `Error` with a reason when the payload is malformed (the caller names file and offset). */
  constructor(readonly data: Uint8Array) {
    if (data.length < 4) throw new Error('block too short');
    this.numRestarts = getU32LE(data, data.length - 4);
    const restartsBytes = this.numRestarts * 4 + 4;
    if (this.numRestarts === 0 || restartsBytes > data.length) throw new Error(`bad restart count ${this.numRestarts}`);
    this.restartsOffset = data.length - restartsBytes;
    this.charge = data.length + 64;
  }

  /**
   * Memory accounted to the block cache, fixed when the block is made (the cache subtracts
   * what it added). The point-read search index, built later for blocks that point reads
   * hit, is not charged: it is at most the payload's size plus 12 bytes per entry.
   */
  readonly charge: number;

  /** The block's point-read index (built now if it is the first point read). Throws like `iterator()` on a malformed payload. */
  search(): BlockSearch {
    return (this.searchIndex ??= new BlockSearch(this));
  }

  restartPoint(i: number): number {
    return getU32LE(this.data, this.restartsOffset + i * 4);
  }

  iterator(): BlockIterator {
    return new BlockIterator(this);
  }
}

/**
 * Cursor over a block's entries. `key()` is a view of a reused buffer: valid until the next
 * move. Malformed entries throw `Error('corrupt block entry')`; callers wrap with file/offset.
 */
export class BlockIterator implements InternalIterator {
  private d: Uint8Array;
  private limit: number;
  /** Offset of the current entry; `limit` when invalid. */
  private cur: number;
  /** Offset just past the current entry. */
  private nextOff = 0;
  private keyBuf = new Uint8Array(64);
  private keyLen = 0;
  /** A view of keyBuf[0, keyLen), reused while the length stays the same. */
  private keyView: Uint8Array = this.keyBuf.subarray(0, 0);
  private valOff = 0;
  private valLen = 0;
  private restartIdx = 0;

  constructor(private block: Block) {
    this.d = block.data;
    this.limit = block.restartsOffset;
    this.cur = this.limit;
  }

  /** Repoints the iterator at another block (unpositioned), reusing its buffers. */
  reset(block: Block): void {
    this.block = block;
    this.d = block.data;
    this.limit = block.restartsOffset;
    this.cur = this.limit;
    this.keyLen = 0;
  }

  valid(): boolean {
    return this.cur < this.limit;
  }
  key(): Uint8Array {
    const v = this.keyView;
    if (v.length !== this.keyLen || v.buffer !== this.keyBuf.buffer) this.keyView = this.keyBuf.subarray(0, this.keyLen);
    return this.keyView;
  }
  value(): Uint8Array {
    return this.d.subarray(this.valOff, this.valOff + this.valLen);
  }
  /** Offset of the value inside the block payload (for zero-copy consumers). */
  valueOffset(): number {
    return this.valOff;
  }
  valueLength(): number {
    return this.valLen;
  }

  seekToFirst(): void {
    this.seekToRestart(0);
    this.parseNext();
  }

  seekToLast(): void {
    this.seekToRestart(this.block.numRestarts - 1);
    while (this.parseNext() && this.nextOff < this.limit) {
      /* advance to the last entry */
    }
  }

  next(): void {
    this.parseNext();
  }

  prev(): void {
    const original = this.cur;
    // Back up to a restart point strictly before the current entry, then scan forward.
    while (this.block.restartPoint(this.restartIdx) >= original) {
      if (this.restartIdx === 0) {
        this.cur = this.limit;
        return;
      }
      this.restartIdx--;
    }
    this.seekToRestart(this.restartIdx);
    while (this.parseNext() && this.nextOff < original) {
      /* scan */
    }
  }

  seek(target: Uint8Array): void {
    // Binary search for the last restart point whose key < target.
    let lo = 0;
    let hi = this.block.numRestarts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.compareRestartKey(mid, target) < 0) lo = mid;
      else hi = mid - 1;
    }
    this.seekToRestart(lo);
    for (;;) {
      if (!this.parseNext()) return;
      if (this.compareCurrent(target) >= 0) return;
    }
  }

  seekForPrev(target: Uint8Array): void {
    this.seek(target);
    if (!this.valid()) {
      this.seekToLast();
      return;
    }
    if (this.compareCurrent(target) > 0) this.prev();
  }

  close(): void {
    this.cur = this.limit;
  }

  private seekToRestart(i: number): void {
    this.restartIdx = i;
    this.keyLen = 0;
    this.nextOff = this.block.restartPoint(i);
  }

  /** Decodes the entry at `nextOff`; returns false (and becomes invalid) at the end. */
  private parseNext(): boolean {
    const d = this.d;
    let p = this.nextOff;
    if (p >= this.limit) {
      this.cur = this.limit;
      return false;
    }
    this.cur = p;
    // Three uvarints; the common case is one byte each.
    let shared = d[p++]!;
    if (shared >= 0x80) [shared, p] = slowVarint(d, p - 1);
    let nonShared = d[p++]!;
    if (nonShared >= 0x80) [nonShared, p] = slowVarint(d, p - 1);
    let vlen = d[p++]!;
    if (vlen >= 0x80) [vlen, p] = slowVarint(d, p - 1);
    if (shared > this.keyLen || p + nonShared + vlen > this.limit) throw new Error('corrupt block entry');
    const klen = shared + nonShared;
    if (klen > this.keyBuf.length) {
      const nb = new Uint8Array(klen * 2);
      nb.set(this.keyBuf.subarray(0, shared));
      this.keyBuf = nb;
    }
    const kb = this.keyBuf;
    for (let i = 0; i < nonShared; i++) kb[shared + i] = d[p + i]!;
    this.keyLen = klen;
    p += nonShared;
    this.valOff = p;
    this.valLen = vlen;
    this.nextOff = p + vlen;
    // Keep restartIdx pointing at the restart block containing cur.
    while (this.restartIdx + 1 < this.block.numRestarts && this.block.restartPoint(this.restartIdx + 1) <= this.cur) this.restartIdx++;
    return true;
  }

  private compareCurrent(target: Uint8Array): number {
    const kb = this.keyBuf;
    const kl = this.keyLen;
    const tl = target.length;
    const n = kl < tl ? kl : tl;
    for (let i = 0; i < n; i++) {
      const diff = kb[i]! - target[i]!;
      if (diff !== 0) return diff;
    }
    return kl - tl;
  }

  /** Compares the (whole) key stored at restart point i with target, without copying. */
  private compareRestartKey(i: number, target: Uint8Array): number {
    const d = this.d;
    let p = this.block.restartPoint(i);
    let shared: number;
    [shared, p] = readVarint(d, p);
    let nonShared: number;
    [nonShared, p] = readVarint(d, p);
    let vlen: number;
    [vlen, p] = readVarint(d, p);
    void vlen;
    if (shared !== 0 || p + nonShared > this.limit) throw new Error('corrupt restart entry');
    const tl = target.length;
    const n = nonShared < tl ? nonShared : tl;
    for (let j = 0; j < n; j++) {
      const diff = d[p + j]! - target[j]!;
      if (diff !== 0) return diff;
    }
    return nonShared - tl;
  }
}

function readVarint(d: Uint8Array, p: number): [number, number] {
  const b = d[p]!;
  if (b < 0x80) return [b, p + 1];
  return slowVarint(d, p);
}

function slowVarint(d: Uint8Array, p: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    const b = d[p++];
    if (b === undefined) throw new Error('corrupt block varint');
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, p];
    mul *= 128;
  }
  throw new Error('corrupt block varint');
}
