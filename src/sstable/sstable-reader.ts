// Opens and reads an SSTable through an ObjectStore (docs/format/sstable.md).
// The footer, index, filter and properties are read once at open with one ranged get of
// the file's tail; data blocks are fetched by ranged get on demand and kept in the
// shared block cache, decompressed and checksum-verified.
import { asIoError, corruption, DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { crc32c } from '../util/crc32c.js';
import { getU32LE, getU64LE, getUvarint } from '../util/coding.js';
import { utf8Decoder } from '../util/bytes.js';
import type { InternalIterator, MaybePromise } from '../util/internal-iterator.js';
import { Block, BlockIterator } from './block.js';
import { IndexArray, type BlockSearch } from './block-search.js';
import { BlockCache } from './block-cache.js';
import { POINT_FILTERED, POINT_HIT, POINT_NONE, POINT_UNGROUPED, type PointCode, type PointHit } from './point-hit.js';
import { bloomHash, bloomMayContain } from './bloom-filter.js';
import { codecById } from './compression.js';
import {
  BLOCK_TRAILER_SIZE,
  COMPRESSION_NONE,
  FOOTER_SIZE,
  SST_MAGIC,
  SUPPORTED_SST_VERSIONS,
  type BlockHandle,
  type Footer,
} from './format.js';
import type { SSTableProperties } from './sstable-writer.js';

/** Bytes fetched from the end of the file at open: usually covers footer, index, filter, properties. */
const TAIL_READ = 64 * 1024;

export interface OpenSSTableOptions {
  /** Unique number of this file in its database: the block cache key space. */
  fileNumber: number;
  /** File size if known (from the manifest); otherwise a `head` call finds it. */
  size?: number;
  cache?: BlockCache;
}

/** One entry found by a point lookup: key and value are views of immutable bytes (the block and its search index). */
export interface SSTableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** `seekInGroup`'s own hit (it copies what it returns out of it at once). */
const scratchHit: PointHit = { keys: new Uint8Array(0), keyStart: 0, keyEnd: 0, value: new Uint8Array(0) };

/** The block a series of point reads last landed in (SSTableReader.seekInGroupHinted); `block` null: none yet. */
export interface GroupHint {
  file: number;
  /** Its index entry and file offset. */
  index: number;
  offset: number;
  block: Block | null;
  /** The entry of `block` the last read answered with (-1: none or not known). */
  entry: number;
}

/** Counters for read amplification statistics. */
export interface ReadCounters {
  blockReads: number;
  bloomChecks: number;
  bloomNegatives: number;
}

/**
 * An open SSTable. Immutable and shareable by concurrent readers.
 * Every failure is a `DoSQLError`: `IO_ERROR` from the store, `CORRUPTION` naming the
 * file and the byte offset of the bad block or footer.
 */
export class SSTableReader {
  private readonly inflight = new Map<number, Promise<Block>>();
  /** The index, decoded (point reads search it; iterators step through it). */
  readonly indexArray: IndexArray;
  /** Per index entry, its block while the block cache holds it (BlockCache.getMemo): point reads skip the cache's map. */
  private readonly blockMemo: (Block | undefined)[];
  /** Bytes after a key's group (its filter key); 0: no groups (point reads use `seekFirst`). */
  private readonly groupSuffix: number;
  readonly counters: ReadCounters = { blockReads: 0, bloomChecks: 0, bloomNegatives: 0 };

  private constructor(
    readonly store: ObjectStore,
    readonly key: string,
    readonly fileNumber: number,
    readonly size: number,
    readonly footer: Footer,
    readonly indexBlock: Block,
    private readonly filter: Uint8Array,
    readonly properties: SSTableProperties,
    private readonly cache: BlockCache | undefined,
  ) {
    this.indexArray = new IndexArray(indexBlock, (v) => this.decodeHandle(v));
    this.blockMemo = new Array<Block | undefined>(this.indexArray.count).fill(undefined);
    const fs = properties.filterSuffixLength;
    this.groupSuffix = typeof fs === 'number' && Number.isInteger(fs) && fs > 0 ? fs : 0;
  }

  static async open(store: ObjectStore, key: string, options: OpenSSTableOptions): Promise<SSTableReader> {
    let size = options.size;
    if (size === undefined) {
      const h = await wrapIo(() => store.head(key), 'head', key);
      if (!h) throw new DoSQLError('NOT_FOUND', `sstable: ${key} does not exist`, { details: { file: key } });
      size = h.size;
    }
    if (size < FOOTER_SIZE) throw corruption('sstable', key, 0, `file of ${size} bytes is shorter than the footer`);
    const tailStart = Math.max(0, size - TAIL_READ);
    const tailRes = await wrapIo(() => store.get(key, { range: { offset: tailStart, length: size - tailStart } }), 'get', key);
    if (!tailRes) throw new DoSQLError('NOT_FOUND', `sstable: ${key} does not exist`, { details: { file: key } });
    const tail = tailRes.data;
    if (tail.length !== size - tailStart) throw corruption('sstable', key, tailStart + tail.length, `file is shorter than its recorded size ${size}`);
    const footer = decodeFooter(tail.subarray(tail.length - FOOTER_SIZE), key, size - FOOTER_SIZE);

    const readMeta = async (h: BlockHandle): Promise<Uint8Array> => {
      const end = h.offset + h.size + BLOCK_TRAILER_SIZE;
      if (end > size - FOOTER_SIZE) throw corruption('sstable', key, size - FOOTER_SIZE, `block handle ${h.offset}+${h.size} runs past the data`);
      let raw: Uint8Array;
      if (h.offset >= tailStart) raw = tail.subarray(h.offset - tailStart, end - tailStart);
      else {
        const r = await wrapIo(() => store.get(key, { range: { offset: h.offset, length: h.size + BLOCK_TRAILER_SIZE } }), 'get', key);
        if (!r || r.data.length !== h.size + BLOCK_TRAILER_SIZE) throw corruption('sstable', key, h.offset, 'short read of a meta block');
        raw = r.data;
      }
      return verifyAndDecode(raw, key, h.offset);
    };
    const [indexData, filter, propsData] = await Promise.all([readMeta(footer.index), readMeta(footer.filter), readMeta(footer.properties)]);
    let indexBlock: Block;
    try {
      indexBlock = new Block(indexData.slice());
    } catch (e) {
      throw corruption('sstable', key, footer.index.offset, `index block: ${(e as Error).message}`);
    }
    let properties: SSTableProperties;
    try {
      properties = JSON.parse(utf8Decoder.decode(propsData)) as SSTableProperties;
    } catch {
      throw corruption('sstable', key, footer.properties.offset, 'properties block is not valid JSON');
    }
    return new SSTableReader(store, key, options.fileNumber, size, footer, indexBlock, filter.slice(), properties, options.cache);
  }

  /** False only if the bloom filter proves no key with this filter key (user key) exists. */
  mayContain(filterKey: Uint8Array, start = 0, end = filterKey.length): boolean {
    if (this.filter.length === 0) return true;
    this.counters.bloomChecks++;
    const ok = bloomMayContain(this.filter, bloomHash(filterKey, start, end));
    if (!ok) this.counters.bloomNegatives++;
    return ok;
  }

  /** The first entry with key >= target, or null. */
  seekFirst(target: Uint8Array): SSTableEntry | null | Promise<SSTableEntry | null> {
    const i = this.indexArray.lowerBound(target);
    if (i >= this.indexArray.count) return null;
    const handle = this.indexArray.handle(i);
    const b = this.readBlock(handle);
    if (b instanceof Promise) return b.then((blk) => this.firstInBlock(blk, handle, target));
    return this.firstInBlock(b, handle, target);
  }

  /**
   * Point read of one group (the key without its last `filterSuffixLength` bytes: the user
   * key of an internal key): the first entry with key >= target if it is in target's group,
   * null when the table holds none, undefined when the bloom filter proved it. Answers as
   * `seekFirst` filtered to target's group, by a hash probe of the block instead of a search.
   * `suffix` is the caller's group suffix length; a table written with another filter suffix
   * (or none) answers by `seekFirst` alone, unfiltered.
   */
  seekInGroup(target: Uint8Array, suffix: number): SSTableEntry | null | undefined | Promise<SSTableEntry | null> {
    const hit = scratchHit;
    const c = this.pointRead(target, suffix, hit);
    if (typeof c !== 'number') return c;
    if (c === POINT_HIT) return { key: hit.keys.subarray(hit.keyStart, hit.keyEnd), value: hit.value };
    if (c === POINT_NONE) return null;
    if (c === POINT_FILTERED) return undefined;
    return this.seekFirst(target);
  }

  /**
   * `seekInGroup` without an entry object or key view: on a hit answered from a cached block,
   * fills `out` (the key is `out.keys[keyStart, keyEnd)`, a view of the block's search index)
   * and returns POINT_HIT. POINT_NONE: the table holds no entry >= target in target's group;
   * POINT_FILTERED: the bloom filter proved it; POINT_UNGROUPED: the table has no group index
   * for this suffix (ask `seekFirst`). A block not cached yet: the promise `seekInGroup` gives.
   */
  pointRead(target: Uint8Array, suffix: number, out: PointHit): PointCode | Promise<SSTableEntry | null> {
    if (suffix !== this.groupSuffix || suffix <= 0 || target.length < suffix) return POINT_UNGROUPED;
    const h = bloomHash(target, 0, target.length - suffix);
    if (this.filter.length !== 0) {
      this.counters.bloomChecks++;
      if (!bloomMayContain(this.filter, h)) {
        this.counters.bloomNegatives++;
        return POINT_FILTERED;
      }
    }
    const ix = this.indexArray;
    const i = ix.lowerBound(target);
    if (i >= ix.count) return POINT_NONE;
    const offset = ix.offsetOf(i);
    // The cache first, without making a handle: the common case of a point read.
    // The block from this reader's slot while the cache holds it, else the cache (which fills the slot).
    const cache = this.cache;
    let b = this.blockMemo[i];
    if (b !== undefined) cache!.hit(b);
    else {
      const ck = BlockCache.key(this.fileNumber, offset);
      b = cache?.getMemo(ck, this.blockMemo, i);
      if (b === undefined) return this.loadBlock(ix.handle(i), ck).then((blk) => this.groupInBlock(blk, offset, target, suffix, h));
    }
    let s: BlockSearch;
    try {
      s = b.search();
    } catch (e) {
      throw corruption('sstable', this.key, offset, (e as Error).message);
    }
    if (s.seekInGroup(target, suffix, h) < 0) return POINT_NONE;
    // Places from the hit itself (seekInGroup's copies), not the entry record: one cache miss fewer.
    out.keys = s.flatKeys;
    out.keyStart = s.hitKeyStart;
    out.keyEnd = s.hitKeyEnd;
    const off = s.hitValueOffset;
    out.value = b.data.subarray(off, off + s.hitValueLength);
    return POINT_HIT;
  }

  /**
   * `seekInGroup` for a series of point reads that often land in one block (the rows an index
   * range names): `hint`, owned by the caller and updated here, remembers the last block
   * read; a target inside that block's key range (between the index separators around it)
   * is probed in it directly, without the filter check, index search or cache lookup (the
   * block's group hash answers as the filter would).
   */
  seekInGroupHinted(target: Uint8Array, suffix: number, hint: GroupHint): SSTableEntry | null | undefined | Promise<SSTableEntry | null> {
    if (suffix !== this.groupSuffix || suffix <= 0 || target.length < suffix) return this.seekFirst(target);
    const ix = this.indexArray;
    const hb = hint.block;
    if (hb !== null && hint.file === this.fileNumber) {
      if (hint.entry >= 0) {
        // The row after the last one read (its search index exists: the last read built it).
        const s = hb.search();
        const e = s.nextInGroup(hint.entry, target, suffix);
        if (e !== -2) {
          hint.entry = e;
          if (e < 0) return null;
          const off = s.valueOffset(e);
          return { key: s.key(e), value: hb.data.subarray(off, off + s.valueLength(e)) };
        }
      }
      const i = hint.index;
      if (ix.compareKey(i, target) >= 0 && (i === 0 || ix.compareKey(i - 1, target) < 0)) {
        return this.groupInBlock(hb, hint.offset, target, suffix, bloomHash(target, 0, target.length - suffix), hint);
      }
    }
    const h = bloomHash(target, 0, target.length - suffix);
    if (this.filter.length !== 0) {
      this.counters.bloomChecks++;
      if (!bloomMayContain(this.filter, h)) {
        this.counters.bloomNegatives++;
        return undefined;
      }
    }
    const i = ix.lowerBound(target);
    if (i >= ix.count) return null;
    const offset = ix.offsetOf(i);
    const ck = BlockCache.key(this.fileNumber, offset);
    const b = this.cache?.get(ck) ?? this.loadBlock(ix.handle(i), ck);
    if (b instanceof Promise) return b.then((blk) => this.remember(hint, i, offset, blk, target, suffix, h));
    return this.remember(hint, i, offset, b, target, suffix, h);
  }

  private remember(hint: GroupHint, i: number, offset: number, b: Block, target: Uint8Array, suffix: number, h: number): SSTableEntry | null {
    hint.file = this.fileNumber;
    hint.index = i;
    hint.offset = offset;
    hint.block = b;
    return this.groupInBlock(b, offset, target, suffix, h, hint);
  }

  /** `hint`: its `entry` is set to the answer's index (-1: none). */
  private groupInBlock(block: Block, offset: number, target: Uint8Array, suffix: number, h: number, hint?: GroupHint): SSTableEntry | null {
    let s: BlockSearch;
    try {
      s = block.search();
    } catch (e) {
      throw corruption('sstable', this.key, offset, (e as Error).message);
    }
    const i = s.seekInGroup(target, suffix, h);
    if (hint) hint.entry = i;
    if (i < 0) return null;
    const off = s.hitValueOffset;
    return { key: s.keysIn(s.hitKeyStart, s.hitKeyEnd), value: block.data.subarray(off, off + s.hitValueLength) };
  }

  private firstInBlock(block: Block, handle: BlockHandle, target: Uint8Array): SSTableEntry | null | Promise<SSTableEntry | null> {
    let s: BlockSearch;
    try {
      s = block.search();
    } catch (e) {
      throw corruption('sstable', this.key, handle.offset, (e as Error).message);
    }
    const i = s.lowerBound(target);
    if (i < s.count) {
      const off = s.valueOffset(i);
      return { key: s.key(i), value: block.data.subarray(off, off + s.valueLength(i)) };
    }
    // The index said this block's last key >= target; an empty result means corruption.
    throw corruption('sstable', this.key, handle.offset, 'index entry points at a block without a key >= the separator');
  }

  /**
   * Iterator over the whole table. `readaheadBytes` > 0 caps readahead: once the iterator
   * has loaded blocks sequentially, a missing block is fetched together with the blocks
   * after it (8 KiB at first, doubling per sequential load up to the cap) in one ranged get.
   * Short seeks thus read single blocks; long scans and compactions read large ranges.
   */
  iterator(options: { readaheadBytes?: number } = {}): InternalIterator {
    return new SSTableIterator(this, options.readaheadBytes ?? 0);
  }

  /** True when the block at `offset` is in the block cache. */
  isCached(offset: number): boolean {
    return this.cache?.has(BlockCache.key(this.fileNumber, offset)) ?? false;
  }

  /**
   * Fetches consecutive blocks with one ranged get and caches them (verified and decoded);
   * returns them in order. REQUIRES: handles contiguous and in file order.
   */
  async readBlocks(handles: BlockHandle[]): Promise<Block[]> {
    const first = handles[0]!;
    if (handles.length === 1) return [await this.readBlock(first)];
    const last = handles[handles.length - 1]!;
    const start = first.offset;
    const end = last.offset + last.size + BLOCK_TRAILER_SIZE;
    this.counters.blockReads++;
    const r = await wrapIo(() => this.store.get(this.key, { range: { offset: start, length: end - start } }), 'get', this.key);
    if (!r) throw new DoSQLError('NOT_FOUND', `sstable: ${this.key} disappeared`, { details: { file: this.key } });
    if (r.data.length !== end - start) throw corruption('sstable', this.key, start, `short readahead (${r.data.length} of ${end - start} bytes)`);
    const result: Block[] = [];
    for (const h of handles) {
      const raw = r.data.subarray(h.offset - start, h.offset - start + h.size + BLOCK_TRAILER_SIZE);
      const payload = verifyAndDecode(raw, this.key, h.offset);
      let block: Block;
      try {
        block = new Block(payload === raw.subarray(0, h.size) ? payload.slice() : payload);
      } catch (e) {
        throw corruption('sstable', this.key, h.offset, (e as Error).message);
      }
      this.cache?.insert(BlockCache.key(this.fileNumber, h.offset), block);
      result.push(block);
    }
    return result;
  }

  /** @internal */
  decodeHandle(v: Uint8Array): BlockHandle {
    const c = { pos: 0 };
    const offset = getUvarint(v, c);
    const size = getUvarint(v, c);
    if (offset < 0 || size < 0 || offset + size > this.size) throw corruption('sstable', this.key, this.footer.index.offset, 'bad block handle in index');
    return { offset, size };
  }

  /** A data block, from the cache or the store. */
  readBlock(handle: BlockHandle): Block | Promise<Block> {
    const ck = BlockCache.key(this.fileNumber, handle.offset);
    return this.cache?.get(ck) ?? this.loadBlock(handle, ck);
  }

  /** A block not in the cache: joins its fetch in flight or starts one. */
  private loadBlock(handle: BlockHandle, ck: number): Promise<Block> {
    let p = this.inflight.get(ck);
    if (!p) {
      p = this.fetchBlock(handle, ck);
      this.inflight.set(ck, p);
      const clear = (): void => {
        this.inflight.delete(ck);
      };
      p.then(clear, clear);
    }
    return p;
  }

  private async fetchBlock(handle: BlockHandle, ck: number): Promise<Block> {
    this.counters.blockReads++;
    const len = handle.size + BLOCK_TRAILER_SIZE;
    const r = await wrapIo(() => this.store.get(this.key, { range: { offset: handle.offset, length: len } }), 'get', this.key);
    if (!r) throw new DoSQLError('NOT_FOUND', `sstable: ${this.key} disappeared`, { details: { file: this.key } });
    if (r.data.length !== len) throw corruption('sstable', this.key, handle.offset, `short block read (${r.data.length} of ${len} bytes)`);
    const payload = verifyAndDecode(r.data, this.key, handle.offset);
    let block: Block;
    try {
      block = new Block(payload);
    } catch (e) {
      throw corruption('sstable', this.key, handle.offset, (e as Error).message);
    }
    this.cache?.insert(ck, block);
    return block;
  }
}

function decodeFooter(f: Uint8Array, file: string, offset: number): Footer {
  for (let i = 0; i < 8; i++) if (f[56 + i] !== SST_MAGIC[i]) throw corruption('sstable', file, offset + 56, 'bad magic number (not an SSTable)');
  if (crc32c(f, 0, 52) !== getU32LE(f, 52)) throw corruption('sstable', file, offset, 'footer checksum mismatch');
  const formatVersion = getU32LE(f, 36);
  if (!SUPPORTED_SST_VERSIONS.includes(formatVersion)) {
    throw new DoSQLError('UNSUPPORTED_FORMAT_VERSION', `sstable: ${file} has format version ${formatVersion}; this build reads ${SUPPORTED_SST_VERSIONS.join(', ')}`, {
      details: { file },
    });
  }
  return {
    index: { offset: getU64LE(f, 0), size: getU32LE(f, 8) },
    filter: { offset: getU64LE(f, 12), size: getU32LE(f, 20) },
    properties: { offset: getU64LE(f, 24), size: getU32LE(f, 32) },
    formatVersion,
  };
}

/** Checks a block's CRC and decompresses it; `raw` is payload + 5-byte trailer. */
function verifyAndDecode(raw: Uint8Array, file: string, offset: number): Uint8Array {
  const n = raw.length - BLOCK_TRAILER_SIZE;
  const type = raw[n]!;
  const expected = getU32LE(raw, n + 1);
  if (crc32c(raw, 0, n + 1) !== expected) throw corruption('sstable', file, offset, 'block checksum mismatch');
  const payload = raw.subarray(0, n);
  if (type === COMPRESSION_NONE) return payload;
  const codec = codecById(type);
  if (!codec) throw new DoSQLError('NOT_SUPPORTED', `sstable: ${file} block at ${offset} uses compression type ${type}, not registered`, { details: { file, offset } });
  try {
    return codec.decompress(payload);
  } catch (e) {
    throw corruption('sstable', file, offset, `decompression failed: ${(e as Error).message}`);
  }
}

async function wrapIo<T>(fn: () => Promise<T>, op: string, key: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asIoError('sstable', op, key, e);
  }
}

/**
 * Two-level iterator: the index block picks the data block, the block iterator walks it.
 * Moves are synchronous while blocks are cached.
 */
class SSTableIterator implements InternalIterator {
  /** Position in the decoded index (SSTableReader.indexArray): the data block under the cursor; -1 or count: none. */
  private ix = -1;
  private readonly index: IndexArray;
  private data: BlockIterator | null = null;
  private dataOffset = -1;
  /** Blocks read ahead but possibly evicted from (or never put in) the cache. */
  private ahead = new Map<number, Block>();
  /** Current readahead, bytes: grows while loads are sequential, resets on a jump. */
  private budget = 0;
  /** End offset of the last block loaded (to tell sequential loads). */
  private lastEnd = -1;

  constructor(
    private readonly t: SSTableReader,
    private readonly readahead: number,
  ) {
    this.index = t.indexArray;
  }

  /** The block under the index cursor: read-ahead buffer, cache, or store. */
  private load(handle: BlockHandle, forward: boolean): Block | Promise<Block> {
    const mine = this.ahead.get(handle.offset);
    const sequential = forward && handle.offset === this.lastEnd;
    this.lastEnd = handle.offset + handle.size + BLOCK_TRAILER_SIZE;
    if (mine) return mine;
    this.budget = sequential ? Math.min(this.readahead, this.budget === 0 ? 8192 : this.budget * 2) : 0;
    if (this.budget === 0 || this.t.isCached(handle.offset)) return this.t.readBlock(handle);
    // Collect the handles of the next blocks, up to the readahead budget.
    const handles = [handle];
    let bytes = handle.size;
    for (let j = this.ix + 1; j < this.index.count && bytes < this.budget; j++) {
      const h = this.index.handle(j);
      handles.push(h);
      bytes += h.size;
    }
    return this.t.readBlocks(handles).then((blocks) => {
      // Keep our own references: a small cache may evict them before we get there.
      this.ahead.clear();
      for (let i = 1; i < blocks.length; i++) this.ahead.set(handles[i]!.offset, blocks[i]!);
      return blocks[0]!;
    });
  }

  valid(): boolean {
    return this.data !== null && this.data.valid();
  }
  key(): Uint8Array {
    return this.data!.key();
  }
  value(): Uint8Array {
    return this.data!.value();
  }

  seekToFirst(): MaybePromise {
    this.ix = 0;
    return this.enter((it) => it.seekToFirst(), true);
  }

  seekToLast(): MaybePromise {
    this.ix = this.index.count - 1;
    return this.enter((it) => it.seekToLast(), false);
  }

  seek(target: Uint8Array): MaybePromise {
    this.ix = this.index.lowerBound(target);
    return this.enter((it) => it.seek(target), true);
  }

  seekForPrev(target: Uint8Array): MaybePromise {
    this.ix = this.index.lowerBound(target);
    if (this.ix >= this.index.count) {
      this.ix = this.index.count - 1;
      return this.enter((it) => it.seekToLast(), false);
    }
    return this.enter((it) => it.seekForPrev(target), false);
  }

  next(): MaybePromise {
    this.guard(() => this.data!.next());
    if (this.data!.valid()) return;
    this.ix++;
    return this.enter((it) => it.seekToFirst(), true);
  }

  prev(): MaybePromise {
    this.guard(() => this.data!.prev());
    if (this.data!.valid()) return;
    this.ix--;
    return this.enter((it) => it.seekToLast(), false);
  }

  close(): void {
    this.data = null;
  }

  /**
   * Loads the block under the index cursor and positions in it with `pos`; when that leaves
   * the block iterator invalid, continues in the next (forward) or previous block.
   */
  private enter(pos: (it: BlockIterator) => void, forward: boolean): MaybePromise {
    for (;;) {
      if (this.ix < 0 || this.ix >= this.index.count) {
        this.data = null;
        this.dataOffset = -1;
        return;
      }
      const handle = this.index.handle(this.ix);
      if (handle.offset !== this.dataOffset || this.data === null) {
        this.ahead.delete(this.dataOffset);
        const b = this.load(handle, forward);
        if (b instanceof Promise) {
          return b.then((blk) => {
            this.setBlock(blk, handle.offset);
            this.guard(() => pos(this.data!));
            if (this.data!.valid()) return;
            this.step(forward);
            return this.enter(forward ? (it) => it.seekToFirst() : (it) => it.seekToLast(), forward);
          });
        }
        this.setBlock(b, handle.offset);
      }
      this.guard(() => pos(this.data!));
      if (this.data!.valid()) return;
      this.step(forward);
      pos = forward ? (it) => it.seekToFirst() : (it) => it.seekToLast();
    }
  }

  private step(forward: boolean): void {
    if (forward) this.ix++;
    else this.ix--;
  }

  private setBlock(b: Block, offset: number): void {
    this.data = b.iterator();
    this.dataOffset = offset;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof DoSQLError) throw e;
      throw corruption('sstable', this.t.key, this.dataOffset, (e as Error).message);
    }
  }
}
