// What MVCC needs from the storage engine, as an interface LsmEngine implements (MVCC ranks
// below the engine and never imports it): the versions of user keys as of an LSN, pins that
// keep a read LSN's versions from garbage collection, and the commit of a transaction.
import type { KvEntry } from './kv-types.js';
import type { CommitOptions } from './commit.js';
import type { Transaction } from './transaction.js';

/** The visible version a point read found: its kind (KIND_PUT or KIND_DELETE), value and LSN. */
export interface FoundVersion {
  kind: number;
  value: Uint8Array;
  lsn: number;
}

/**
 * One stored version of a user key (value null: a tombstone). `userKey` is a fresh copy the
 * receiver owns; `value` a view of immutable bytes (a memtable arena or a cached block), safe
 * to keep but not to modify (as MvccEntry's).
 */
export interface StoredVersion {
  userKey: Uint8Array;
  value: Uint8Array | null;
  lsn: number;
}

/** What a commit reports: its LSN and wall-clock timestamp (ms since the epoch). */
export interface CommitInfo {
  lsn: number;
  timestamp: number;
}

/** Reads of encoded user keys at a read point the engine already checked (`readPoint`). */
export interface VersionReader {
  /** LSN of the newest visible commit. */
  readonly lastVisibleLsn: number;
  /** The visible version of `uk` at `asOf`, or null. May return synchronously. */
  getRaw(uk: Uint8Array, asOf: number, columns?: Uint8Array): FoundVersion | null | Promise<FoundVersion | null>;
  /** Optional `getRaw` of many keys at once (same order); readers without it are asked key by key. */
  getRawMany?(uks: readonly Uint8Array[], asOf: number): (FoundVersion | null)[] | Promise<(FoundVersion | null)[]>;
  /** Live entries (no tombstones) of [lower, upper) at `asOf`, in key order or reverse. */
  scanRaw(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, limit?: number): AsyncGenerator<KvEntry>;
  /**
   * Optional: live entries of [lower, upper) at `asOf`, up to `max`, read synchronously by a
   * direct path (the user keys and values as parallel arrays; `resume` where to continue when
   * more may follow), or null when the range must be read by `scanRawBatches`.
   */
  scanDirect?(lower: Uint8Array, upper: Uint8Array, asOf: number, max: number): { uks: Uint8Array[]; values: Uint8Array[]; resume: Uint8Array | null } | null;
  /** `scanRaw` in arrays of up to `batch` entries. */
  scanRawBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, batch?: number): AsyncGenerator<KvEntry[]>;
  /** Versions of [lower, upper) with LSN <= `asOf`, tombstones included: the newest per key, or all (`all`). */
  scanVersions(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean): AsyncGenerator<StoredVersion>;
  /** `scanVersions` in arrays of up to `batch`. */
  scanVersionBatches(lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean, batch?: number): AsyncGenerator<StoredVersion[]>;
}

/** The engine as transactions see it. */
export interface VersionStore extends VersionReader {
  /** Keeps the versions visible at `lsn` from garbage collection until `releaseView(lsn)`. */
  registerView(lsn: number): void;
  releaseView(lsn: number): void;
  /** Checks for conflicts and writes `txn` as one commit (first committer wins; commit.ts). */
  commit(txn: Transaction, options?: CommitOptions): Promise<CommitInfo>;
}
