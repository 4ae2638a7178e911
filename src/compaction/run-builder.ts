// Writes a sorted stream of internal entries as a run of SSTables: files split near a
// target size, never between two versions of one user key (so a user key lives in exactly
// one file of a run, and a point read consults one file per run).
import { asIoError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_DELETE, MAIN_BRANCH, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { RetainedPoints } from './retention.js';
import { SSTableWriter, type SSTableWriterOptions } from '../sstable/sstable-writer.js';

/**
 * Object key of an SSTable: `sst/<epoch>-<number>.sst` (12 digits each). The writer epoch in
 * the name means a fenced writer's late flush or compaction can never overwrite a file of the
 * writer that fenced it, whose counter may hand out the same number (docs/format/manifest.md,
 * "File names"). Databases written before epoch-qualified names keep their `sst/<number>.sst`
 * files: readers take every key from the manifest.
 */
export function sstKey(epoch: number, fileNumber: number): string {
  return `sst/${String(epoch).padStart(12, '0')}-${String(fileNumber).padStart(12, '0')}.sst`;
}

/** The writer epoch and file number an SSTable key names (epoch 0 for the old `sst/<number>.sst`), or null. */
export function parseSstKey(key: string): { epoch: number; number: number } | null {
  const m = /^sst\/(?:(\d+)-)?(\d+)\.sst$/.exec(key);
  return m ? { epoch: m[1] === undefined ? 0 : Number(m[1]), number: Number(m[2]) } : null;
}

export interface RunBuilderOptions {
  store: ObjectStore;
  /** Writer epoch, part of every file name. */
  epoch: number;
  /** Split output files once they reach this many bytes (at a user-key boundary). */
  targetFileBytes: number;
  sstable: SSTableWriterOptions;
  /** Allocates a new, never used file number. */
  newFileNumber: () => number;
  /**
   * The read points the entries were kept for (a compaction's): a superseded version a point
   * below the horizon holds is recorded under FileMeta.heldBy instead of supersededFrom.
   */
  retained?: RetainedPoints;
}

/**
 * Accepts entries in internal-key order (`add`), cuts files, uploads each as soon as it is
 * finished, and returns the run's file metadata from `finish`. On failure, files already
 * uploaded are left for orphan collection (they are not in any manifest).
 */
export class RunBuilder {
  private writer: SSTableWriter | null = null;
  private fileNumber = 0;
  private minLsn = Infinity;
  private maxLsn = 0;
  private tombstones = 0;
  private superseded = 0;
  private supersededFrom = Infinity;
  private heldBy: number[] = [];
  /** Tombstones of main at the end of the current key's versions so far, and of finished keys. */
  private trailing = 0;
  private trailingTombstones = 0;
  private lastLsn = 0;
  private readonly uploads: Promise<FileMeta>[] = [];
  /** Bytes of finished files. */
  bytesWritten = 0;
  entries = 0;

  constructor(private readonly o: RunBuilderOptions) {}

  /**
   * Adds an entry: the internal key is bytes [0, ikeyLen) of `ikey`, the value [0, valueLen)
   * of `value` (both copied, so callers may reuse their buffers).
   */
  add(ikey: Uint8Array, value: Uint8Array, ikeyLen: number = ikey.length, valueLen: number = value.length): void {
    const ukLen = ikeyLen - TRAILER_SIZE;
    // The open file's last key is the previous entry's: one prefix comparison with it tells
    // whether this is another version of the same user key and serves the writer's own use.
    let prefix = 0;
    let same = false;
    if (this.writer) {
      prefix = this.writer.prefixWithLast(ikey, ikeyLen);
      same = prefix >= ukLen && this.writer.lastKeyLength - TRAILER_SIZE === ukLen;
      if (!same && this.writer.estimatedSize >= this.o.targetFileBytes) {
        this.cut();
        prefix = 0;
      }
    }
    if (!this.writer) {
      this.writer = new SSTableWriter({ ...this.o.sstable, filterSuffixLength: TRAILER_SIZE });
      this.fileNumber = this.o.newFileNumber();
    }
    this.writer.add(ikey, value, ikeyLen, valueLen, prefix);
    const lsn = trailerLsn(ikey, ikeyLen);
    if (lsn < this.minLsn) this.minLsn = lsn;
    if (lsn > this.maxLsn) this.maxLsn = lsn;
    const del = trailerKind(ikey, ikeyLen) === KIND_DELETE;
    if (del) this.tombstones++;
    // An older version of the key just written (entries come newest first): it may be dropped
    // once the horizon reaches the LSN of that newer version, unless a read point holds it.
    if (same) {
      this.superseded++;
      const held = this.o.retained?.holder(lsn, this.lastLsn);
      if (held === undefined || held < 0) {
        if (this.lastLsn < this.supersededFrom) this.supersededFrom = this.lastLsn;
      } else if (!this.heldBy.includes(held)) this.heldBy.push(held);
    } else {
      this.trailingTombstones += this.trailing;
      this.trailing = 0;
    }
    if (del && ikey[0] === MAIN_BRANCH) this.trailing++;
    else this.trailing = 0;
    this.lastLsn = lsn;
    this.entries++;
  }

  /** Finishes the open file and waits for every upload. Files in key order. */
  async finish(): Promise<FileMeta[]> {
    if (this.writer) this.cut();
    return Promise.all(this.uploads);
  }

  /** Ends the open file (if any) so the next entry starts a new one: used where another kind of file takes over a key range. */
  cutFile(): void {
    if (this.writer) this.cut();
  }

  /** Waits for uploads without finishing (used to bound memory while building long runs). */
  get pendingUploads(): number {
    return this.uploads.length;
  }

  private cut(): void {
    const w = this.writer!;
    this.writer = null;
    const build = w.finish({ minLsn: this.minLsn, maxLsn: this.maxLsn });
    this.trailingTombstones += this.trailing;
    const meta: FileMeta = {
      number: this.fileNumber,
      key: sstKey(this.o.epoch, this.fileNumber),
      tier: 'hot',
      size: build.size,
      smallest: build.smallestKey,
      largest: build.largestKey,
      minLsn: this.minLsn,
      maxLsn: this.maxLsn,
      entries: build.properties.entries,
      tombstones: this.tombstones,
      superseded: this.superseded,
      trailingTombstones: this.trailingTombstones,
    };
    if (this.supersededFrom !== Infinity) meta.supersededFrom = this.supersededFrom;
    if (this.heldBy.length > 0) meta.heldBy = this.heldBy.sort((a, b) => a - b);
    this.bytesWritten += build.size;
    this.minLsn = Infinity;
    this.maxLsn = 0;
    this.tombstones = 0;
    this.superseded = 0;
    this.supersededFrom = Infinity;
    this.heldBy = [];
    this.trailing = 0;
    this.trailingTombstones = 0;
    // Create-if-absent: a name is never reused, so a conflict is a bug to surface, never an overwrite.
    const upload = this.o.store.put(meta.key, build.chunks, { condition: { ifNoneMatch: '*' } }).then(
      () => meta,
      (e: unknown) => {
        throw asIoError('compaction', 'put', meta.key, e);
      },
    );
    upload.catch(() => undefined); // observed by finish(); never an unhandled rejection
    this.uploads.push(upload);
  }
}
