// A handle's TEMP schema and rows (SQLite's per-connection "temp" database): committed temp
// keys live here, in memory, never in the shared engine, so no other handle, the WAL, change
// data capture, time travel, branches, backups or the cold tier ever sees them. Temp objects
// use key-space ids from TEMP_FIRST_ID on (their catalog rows under TEMP_CATALOG_ID); a
// transaction keeps its temp writes in its own write set like any other (so ROLLBACK and
// savepoints undo them) and the handle moves them here when it commits (core.ts commit).
// Dropped with the handle: reopening starts with an empty temp schema, as SQLite's does.
import { DoSQLError } from '../../errors.js';
import { userKeyPrefix } from '../../mvcc/internal-key.js';
import { SortedKeys } from '../../mvcc/sorted-keys.js';
import type { PendingWrite } from '../../mvcc/transaction.js';
import { byteString } from '../../util/bytes.js';

/** Key-space id of the temp catalog rows; temp tables and indexes take the ids after it. Never persisted. */
export const TEMP_CATALOG_ID = 2 ** 40;
/** First key-space id of a temp table or index. */
export const TEMP_FIRST_ID = TEMP_CATALOG_ID + 1;

/** True for a key-space id of the temp schema (its catalog, tables and indexes). */
export function isTempId(id: number): boolean {
  return id >= TEMP_CATALOG_ID;
}

/** True for an encoded user key of the temp schema. */
export function isTempKey(uk: Uint8Array): boolean {
  return isTempId(userKeyPrefix(uk).table);
}

/** A handle's committed temp keys (byteString order) and its temp id counter. */
export class TempStore {
  private readonly values = new Map<string, { uk: Uint8Array; value: Uint8Array }>();
  private readonly order = new SortedKeys();
  private nextId = TEMP_FIRST_ID;
  /** Commits applied so far: a transaction notes it at begin (`since`) for the conflict check. */
  version = 0;
  /** The `version` that last wrote each key. */
  private readonly keyVersion = new Map<string, number>();
  /** Keys of commits under way (reserved, not yet applied or released). */
  private readonly inflight = new Set<string>();

  /** A fresh key-space id for a temp table or index (ids are never reused by the handle). */
  allocateId(): number {
    return this.nextId++;
  }

  get(uk: Uint8Array): Uint8Array | undefined {
    return this.values.get(byteString(uk))?.value;
  }

  /** Committed entries with user keys in [lower, upper), in key order (or reverse); a snapshot. */
  *scan(lower: Uint8Array, upper: Uint8Array, reverse: boolean): Generator<{ rawKey: Uint8Array; value: Uint8Array }> {
    const keys = this.order.range(byteString(lower), byteString(upper));
    if (reverse) keys.reverse();
    const snap = keys.map((k) => this.values.get(k)!);
    for (const e of snap) yield { rawKey: e.uk, value: e.value };
  }

  /**
   * First committer wins, as the engine's commit (src/mvcc/commit.ts), for transactions of one
   * handle that run at once: throws WRITE_CONFLICT (retryable) when another transaction
   * committed one of these keys after `since` or is committing it now; else reserves them
   * until `apply` or `release`. Synchronous, so check and reservation are one step.
   */
  reserve(writes: readonly PendingWrite[], since: number): void {
    const keys = writes.map((w) => byteString(w.uk));
    for (const k of keys) {
      if ((this.keyVersion.get(k) ?? 0) > since || this.inflight.has(k)) {
        throw new DoSQLError('WRITE_CONFLICT', 'sql: a TEMP row or object this transaction wrote was changed by another transaction of this handle');
      }
    }
    for (const k of keys) this.inflight.add(k);
  }

  /** Drops the reservation of a commit that failed. */
  release(writes: readonly PendingWrite[]): void {
    for (const w of writes) this.inflight.delete(byteString(w.uk));
  }

  /** Applies a committed transaction's temp writes (deletes for null values) and drops their reservation. */
  apply(writes: readonly PendingWrite[]): void {
    const v = ++this.version;
    for (const w of writes) {
      const k = byteString(w.uk);
      this.inflight.delete(k);
      this.keyVersion.set(k, v);
      if (w.value) {
        if (!this.values.has(k)) this.order.add(k);
        // Kept for the handle's life: a value sharing a pooled slab (encodeRow) gets its own bytes.
        const value = w.value.byteLength === w.value.buffer.byteLength ? w.value : w.value.slice();
        this.values.set(k, { uk: w.uk, value });
      } else if (this.values.delete(k)) this.order.delete(k);
    }
  }
}
