// The engine's read API (get, getRaw, scan and their batched and version-level forms), kept
// apart from engine.ts's wiring and lifecycle. Every read takes a consistent snapshot of
// (memtables, manifest version) synchronously (read-path.ts); the engine supplies the sources,
// the read point check and the yield budget.

import { encodeUserKey, KIND_PUT, MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import type { EngineContext } from './engine-context.js';
import { getVisibleMany } from './multi-get.js';
import { scanDirect, type DirectRange } from './range-direct.js';
import { getVisible, scanEntries, scanEntryBatches, scanVersionBatches, type FoundVersion, type GetCounters, type ReadContext, type ReadSources, type StoredVersion } from './read-path.js';
import { encodeRange, type KvEntry, type KeyRange, type ReadOptions, type ScanOptions } from './engine-types.js';

/** The reads of LsmEngine (engine.ts), which supplies the abstract members. */
export abstract class EngineReadApi {
  protected abstract readonly ctx: EngineContext;
  protected abstract readonly reads: ReadContext;
  protected abstract readonly counters: GetCounters;
  protected abstract sources(): ReadSources;
  /** `CLOSED` after close, `FENCED` once a newer writer is known. */
  protected abstract assertReadable(): void;
  /** Validates a read point (engine.ts): default latest, BEFORE_RETENTION_HORIZON below the horizon. */
  abstract readPoint(asOf: number | undefined): number;

  /** The value of (table, key) as of `asOf` (default: latest), or undefined. */
  async get(table: number, key: KeyTuple, options: ReadOptions = {}): Promise<Uint8Array | undefined> {
    this.assertReadable();
    const uk = encodeUserKey(options.branch ?? MAIN_BRANCH, table, key);
    const found = await this.getRaw(uk, this.readPoint(options.asOf));
    if (this.ctx.budget.spend()) await this.ctx.budget.yieldNow();
    return found && found.kind === KIND_PUT ? found.value : undefined;
  }

  /** Lets I/O callbacks and background results run (see EngineOptions.yieldEveryOps). */
  yieldNow(): Promise<void> {
    return this.ctx.budget.yieldNow();
  }

  /**
   * The visible version of an encoded user key at `asOf` (already checked by `readPoint`),
   * with its kind and LSN; the building block for the SQL layer's reads. May return
   * synchronously. `columns`: the caller reads only the parts of the value this mask of the
   * cold codec names (ColdRowDecoder.reads): a version read from a columnar run may hold NULL
   * in the others (their pages are not decoded).
   */
  getRaw(uk: Uint8Array, asOf: number, columns?: Uint8Array): FoundVersion | null | Promise<FoundVersion | null> {
    this.assertReadable();
    return getVisible(this.sources(), uk, asOf, this.counters, this.reads, columns);
  }

  /**
   * `getRaw` of many encoded user keys at one read point (same order): one snapshot of the
   * sources for all, blocks shared by neighbouring keys searched once (multi-get.ts). May
   * return synchronously.
   */
  getRawMany(uks: readonly Uint8Array[], asOf: number): (FoundVersion | null)[] | Promise<(FoundVersion | null)[]> {
    this.assertReadable();
    return getVisibleMany(this.sources(), uks, asOf, this.counters, this.reads);
  }

  /**
   * The visible entries of [lower, upper) at a checked read point, up to `max`, read
   * synchronously when the range's only source is a memtable (range-direct.ts); null when
   * the caller must take `scanRawBatches`.
   */
  scanDirect(lower: Uint8Array, upper: Uint8Array, asOf: number, max: number): DirectRange | null {
    this.assertReadable();
    return scanDirect(this.sources(), lower, upper, asOf, max);
  }

  /**
   * Rows of `table` in `range`, as of `asOf`, in key order (or reverse). Bad arguments and
   * reads below the retention horizon throw here, before iteration starts.
   */
  scan(table: number, range: KeyRange = {}, options: ScanOptions = {}): AsyncGenerator<KvEntry> {
    this.assertReadable();
    const branch = options.branch ?? MAIN_BRANCH;
    const bounds = encodeRange(branch, table, range);
    return this.scanRaw(bounds.lower, bounds.upper, this.readPoint(options.asOf), options.reverse ?? false, options.limit ?? Infinity);
  }

  /** Scan over encoded user-key bounds [lower, upper) at a checked read point. */
  scanRaw(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, limit = Infinity): AsyncGenerator<KvEntry> {
    return scanEntries(this.reads, lower, upper, asOf, reverse, limit);
  }

  /**
   * `scanRaw` in batches of up to `batch` entries: one async step per batch instead of per
   * row, for bulk readers (table scans).
   */
  scanRawBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, batch = 256): AsyncGenerator<KvEntry[]> {
    return scanEntryBatches(this.reads, lower, upper, asOf, reverse, batch);
  }

  /**
   * Versions of the user keys in [lower, upper) with LSN <= `asOf` (already checked by
   * `readPoint`), in key order and, per key, newest first. `all` false: only the newest
   * version per key, tombstones included (value null) — what branch overlays need. `all`
   * true: every version still stored — history queries. Versions below the retention horizon
   * may already be collapsed into the one visible there.
   */
  async *scanVersions(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean): AsyncGenerator<StoredVersion> {
    for await (const b of this.scanVersionBatches(lower, upper, asOf, all)) yield* b;
  }

  /** `scanVersions` in arrays of up to `batch` versions: one await per batch for bulk readers (branch scans). */
  scanVersionBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean, batch = 256): AsyncGenerator<StoredVersion[]> {
    return scanVersionBatches(this.reads, lower, upper, asOf, all, batch);
  }
}
