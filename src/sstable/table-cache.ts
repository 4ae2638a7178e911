import { DoSQLError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { BlockCache } from './block-cache.js';
import { SSTableReader, type GroupHint, type SSTableEntry } from './sstable-reader.js';
import type { PointCode, PointHit } from './point-hit.js';

/** What the table cache needs to know about a file to open it. */
export interface TableHandle {
  number: number;
  key: string;
  size: number;
  /** 'cold' files are columnar runs, opened by the cold opener. */
  tier?: 'hot' | 'cold';
}

/**
 * What reads need from an open immutable sorted file: an SSTable, or a columnar run
 * (src/cold/cold-file-reader.ts) seen as the same sorted (internal key, value) entries.
 */
export interface TableReader {
  /** False only when the file certainly holds no version of the user key `filterKey[start, end)`. */
  mayContain(filterKey: Uint8Array, start?: number, end?: number): boolean;
  /**
   * The first entry with key >= target, or null. `columns`: the caller reads only the parts of
   * the value this codec-defined mask names (a columnar run may leave the others NULL:
   * ColdRowDecoder.reads); SSTables ignore it.
   */
  seekFirst(target: Uint8Array, columns?: Uint8Array): SSTableEntry | null | Promise<SSTableEntry | null>;
  /**
   * Optional point read of target's group (target without its last `suffix` bytes: the user
   * key): the first entry >= target, null or an entry of another group if there is none,
   * undefined if the file's filter proved there is none (SSTableReader.seekInGroup).
   * Without it, readers use mayContain + seekFirst.
   */
  seekInGroup?(target: Uint8Array, suffix: number): SSTableEntry | null | undefined | Promise<SSTableEntry | null>;
  /** Optional `seekInGroup` with no entry object made for a hit from a cached block (SSTableReader.pointRead). */
  pointRead?(target: Uint8Array, suffix: number, out: PointHit): PointCode | Promise<SSTableEntry | null>;
  iterator(options?: { readaheadBytes?: number }): InternalIterator;
  /** Optional `seekInGroup` remembering the block it read in `hint` (SSTableReader.seekInGroupHinted). */
  seekInGroupHinted?(target: Uint8Array, suffix: number, hint: GroupHint): SSTableEntry | null | undefined | Promise<SSTableEntry | null>;
}

/** Opens a columnar run file as a TableReader (supplied by the engine, which knows the codec). */
export type ColdOpener = (file: TableHandle) => Promise<TableReader>;

type Opening = Promise<TableReader> & { resolved?: TableReader; referenced?: boolean };

/**
 * Open table readers, keyed by file number, at most `maxOpen` at a time (LevelDB's
 * table cache; replacement by CLOCK, second chance for readers used since). An open SSTable reader holds its index block and bloom filter in memory.
 *
 * Async safety: concurrent `get`s of one file share one open.
 */
export class TableCache {
  private readonly open = new Map<number, Opening>();
  private coldOpener: ColdOpener | null = null;

  constructor(
    private readonly store: ObjectStore,
    readonly blockCache: BlockCache,
    private readonly maxOpen = 1000,
  ) {}

  /** Installs how columnar run files are opened (reading one before this throws). */
  setColdOpener(opener: ColdOpener): void {
    this.coldOpener = opener;
  }

  /** The reader for `file` if it is already open (no I/O), else undefined. */
  peek(file: TableHandle): TableReader | undefined {
    return this.open.get(file.number)?.resolved;
  }

  /** The reader for `file`, opening it if needed. */
  get(file: TableHandle): TableReader | Promise<TableReader> {
    let p = this.open.get(file.number);
    // A hit only sets the reference bit (CLOCK, as the block cache): one map lookup per point read.
    if (p?.resolved) {
      p.referenced = true;
      return p.resolved;
    }
    if (!p) {
      const opening: Opening = this.openFile(file);
      opening.then(
        (r) => {
          opening.resolved = r;
        },
        () => {
          if (this.open.get(file.number) === opening) this.open.delete(file.number);
        },
      );
      this.open.set(file.number, opening);
      p = opening;
      if (this.open.size > this.maxOpen) this.evictOne(file.number);
    }
    return p;
  }

  /** Closes the oldest reader not used since the hand last passed it (second chance: a used one moves to the back), never `keep`. */
  private evictOne(keep: number): void {
    for (const [n, o] of this.open) {
      if (n === keep) continue;
      if (o.referenced) {
        o.referenced = false;
        this.open.delete(n);
        this.open.set(n, o);
        continue;
      }
      this.open.delete(n);
      return;
    }
  }

  private openFile(file: TableHandle): Promise<TableReader> {
    if (file.tier === 'cold') {
      if (!this.coldOpener) return Promise.reject(new DoSQLError('NOT_SUPPORTED', `table cache: ${file.key} is a columnar run and no cold codec is installed`));
      return this.coldOpener(file);
    }
    return SSTableReader.open(this.store, file.key, { fileNumber: file.number, size: file.size, cache: this.blockCache });
  }

  /** Forgets a deleted file and its cached blocks. */
  evict(fileNumber: number): void {
    this.open.delete(fileNumber);
    this.blockCache.evictFile(fileNumber);
  }

  get openCount(): number {
    return this.open.size;
  }
}
