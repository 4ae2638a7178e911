import type { ObjectStore } from '../storage/object-store.js';
import { BlockCache } from './block-cache.js';
import { SSTableReader } from './sstable-reader.js';

/** What the table cache needs to know about a file to open it. */
export interface TableHandle {
  number: number;
  key: string;
  size: number;
}

/**
 * Open SSTable readers, keyed by file number, at most `maxOpen` at a time (LevelDB's
 * table cache). An open reader holds its index block and bloom filter in memory.
 *
 * Async safety: concurrent `get`s of one file share one open.
 */
export class TableCache {
  private readonly open = new Map<number, Promise<SSTableReader>>();

  constructor(
    private readonly store: ObjectStore,
    readonly blockCache: BlockCache,
    private readonly maxOpen = 1000,
  ) {}

  /** The reader for `file` if it is already open (no I/O), else undefined. */
  peek(file: TableHandle): SSTableReader | undefined {
    const p = this.open.get(file.number) as (Promise<SSTableReader> & { resolved?: SSTableReader }) | undefined;
    return p?.resolved;
  }

  /** The reader for `file`, opening it if needed. */
  get(file: TableHandle): SSTableReader | Promise<SSTableReader> {
    const hit = this.peek(file);
    if (hit) {
      const p = this.open.get(file.number)!;
      this.open.delete(file.number);
      this.open.set(file.number, p);
      return hit;
    }
    let p = this.open.get(file.number) as (Promise<SSTableReader> & { resolved?: SSTableReader }) | undefined;
    if (!p) {
      const opening = SSTableReader.open(this.store, file.key, { fileNumber: file.number, size: file.size, cache: this.blockCache }) as Promise<SSTableReader> & {
        resolved?: SSTableReader;
      };
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
      if (this.open.size > this.maxOpen) {
        const oldest = this.open.keys().next().value as number;
        this.open.delete(oldest);
      }
    }
    return p;
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
