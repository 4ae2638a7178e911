// A SQL transaction over the LSM: a read view at one LSN plus a private write set that
// reads see first (read-your-writes), with an undo log for statement rollback and
// savepoints. Commit-time conflict detection (first committer wins) lives in
// commit.ts. Snapshot isolation: every read in the transaction sees the database as of
// `readLsn` plus the transaction's own writes.
//
// Async safety: a transaction is used by one caller at a time (the DB serialises
// statements of one transaction); reads may interleave with other transactions' commits,
// which never change what this transaction sees.
import { KIND_DELETE, KIND_PUT } from '../../mvcc/internal-key.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { byteString, compareBytes } from '../../util/bytes.js';
import type { Catalog } from '../catalog/catalog.js';
import { DoSQLError } from '../../errors.js';
import { layeredGet, layeredScan, layeredScanBatches, type Layer } from './layers.js';
import { SortedKeys } from './sorted-keys.js';

export interface PendingWrite {
  readonly uk: Uint8Array;
  /** null for a delete. */
  readonly value: Uint8Array | null;
}

/** A user-key range that must see no commits after `readLsn` (unique-index claims). */
export interface RangeClaim {
  readonly lower: Uint8Array;
  readonly upper: Uint8Array;
}


export class Transaction {
  readonly writes = new Map<string, PendingWrite>();
  readonly claims: RangeClaim[] = [];
  private undo: { k: string; prev: PendingWrite | undefined }[] = [];
  /** The keys of `writes` in order, for scans that merge them with committed data. */
  private readonly order = new SortedKeys();
  /** True once the transaction changed the schema: the DB reloads its catalog at commit. */
  ddl = false;
  private released = false;
  /** Catalog version when the transaction began: a commit after a schema change must retry. */
  readonly baseCatalogVersion: number;

  /** Read layers: this branch at readLsn, then its ancestors at their base LSNs. */
  readonly layers: readonly Layer[];

  constructor(
    readonly engine: LsmEngine,
    readonly readLsn: number,
    readonly branch: number,
    /** The schema this transaction sees (replaced by its own DDL). */
    public catalog: Catalog,
    /** Ancestors of `branch` as read layers (see layers.ts); none for main. */
    ancestors: readonly Layer[] = [],
    /** Read-only views (time travel) that never write. */
    readonly readOnly = false,
  ) {
    engine.registerView(readLsn);
    this.baseCatalogVersion = catalog.version;
    this.layers = [{ branch, lsn: readLsn }, ...ancestors.map((l) => ({ branch: l.branch, lsn: Math.min(l.lsn, readLsn) }))];
  }

  /** Stops protecting the read LSN from garbage collection. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.engine.releaseView(this.readLsn);
  }

  /** The current value of a user key in this transaction, or undefined. May be synchronous. */
  get(uk: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (this.writes.size > 0) {
      const w = this.writes.get(byteString(uk));
      if (w) return w.value ?? undefined;
    }
    if (this.layers.length > 1) return layeredGet(this.engine, this.layers, uk);
    const r = this.engine.getRaw(uk, this.readLsn);
    if (r instanceof Promise) return r.then((v) => (v && v.kind === KIND_PUT ? v.value : undefined));
    return r && r.kind === KIND_PUT ? r.value : undefined;
  }

  put(uk: Uint8Array, value: Uint8Array): void {
    if (this.readOnly) throw new DoSQLError('SQL_ERROR', 'sql: attempt to write a readonly database (a time-travel read view)');
    this.record(uk, { uk, value });
  }

  delete(uk: Uint8Array): void {
    if (this.readOnly) throw new DoSQLError('SQL_ERROR', 'sql: attempt to write a readonly database (a time-travel read view)');
    this.record(uk, { uk, value: null });
  }

  private record(uk: Uint8Array, w: PendingWrite): void {
    const k = byteString(uk);
    const prev = this.writes.get(k);
    this.undo.push({ k, prev });
    this.writes.set(k, w);
    if (!prev) this.order.add(k);
  }

  /** A position in the undo log: statement starts and savepoints. */
  mark(): number {
    return this.undo.length;
  }

  /** Undoes every write after `mark`. */
  rollbackTo(mark: number): void {
    while (this.undo.length > mark) {
      const u = this.undo.pop()!;
      if (u.prev) this.writes.set(u.k, u.prev);
      else {
        this.writes.delete(u.k);
        this.order.delete(u.k);
      }
    }
  }

  /** This transaction's writes with keys in [lower, upper), in key order (a snapshot). */
  private writesBetween(lower: Uint8Array, upper: Uint8Array): PendingWrite[] {
    const keys = this.order.range(byteString(lower), byteString(upper));
    const out = new Array<PendingWrite>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.writes.get(keys[i]!)!;
    return out;
  }

  /**
   * Entries with user keys in [lower, upper), in key order (or reverse), merging committed
   * data as of `readLsn` with this transaction's writes (which win). The write set is
   * captured when the scan starts: writes made while iterating are not seen by it.
   */
  async *scan(lower: Uint8Array, upper: Uint8Array, reverse = false): AsyncGenerator<PendingWrite & { value: Uint8Array }> {
    let overlay: PendingWrite[] = [];
    if (this.writes.size > 0) {
      overlay = this.writesBetween(lower, upper);
      if (reverse) overlay.reverse();
    }
    let oi = 0;
    const dir = reverse ? -1 : 1;
    for await (const e of this.committed(lower, upper, reverse)) {
      while (oi < overlay.length && compareBytes(overlay[oi]!.uk, e.rawKey) * dir < 0) {
        const o = overlay[oi++]!;
        if (o.value) yield o as PendingWrite & { value: Uint8Array };
      }
      if (oi < overlay.length && compareBytes(overlay[oi]!.uk, e.rawKey) === 0) {
        const o = overlay[oi++]!;
        if (o.value) yield o as PendingWrite & { value: Uint8Array };
        continue;
      }
      yield { uk: e.rawKey, value: e.value };
    }
    for (; oi < overlay.length; oi++) {
      const o = overlay[oi]!;
      if (o.value) yield o as PendingWrite & { value: Uint8Array };
    }
  }

  /**
   * `scan` in batches: with no pending writes in the range and no branch layers, straight
   * from the engine one batch per async step (table scans); otherwise `scan`, batched.
   */
  async *scanBatches(lower: Uint8Array, upper: Uint8Array, reverse = false, batch = 256): AsyncGenerator<{ uk: Uint8Array; value: Uint8Array }[]> {
    if (!this.writesIn(lower, upper) && this.layers.length === 1) {
      for await (const b of this.engine.scanRawBatches(lower, upper, this.readLsn, reverse, batch)) {
        const out = new Array<{ uk: Uint8Array; value: Uint8Array }>(b.length);
        for (let i = 0; i < b.length; i++) out[i] = { uk: b[i]!.rawKey, value: b[i]!.value };
        yield out;
      }
      return;
    }
    if (!reverse && !this.writesIn(lower, upper)) {
      for await (const b of layeredScanBatches(this.engine, this.layers, lower, upper, batch)) yield b;
      return;
    }
    let out: { uk: Uint8Array; value: Uint8Array }[] = [];
    for await (const e of this.scan(lower, upper, reverse)) {
      out.push(e);
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  /** True when this transaction wrote a key in [lower, upper). */
  private writesIn(lower: Uint8Array, upper: Uint8Array): boolean {
    return this.writes.size > 0 && this.order.hasAnyIn(byteString(lower), byteString(upper));
  }

  /** Committed entries of [lower, upper) visible to this transaction (all layers). */
  private async *committed(lower: Uint8Array, upper: Uint8Array, reverse: boolean): AsyncGenerator<{ rawKey: Uint8Array; value: Uint8Array }> {
    if (this.layers.length === 1) {
      yield* this.engine.scanRaw(lower, upper, this.readLsn, reverse);
      return;
    }
    if (!reverse) {
      for await (const e of layeredScan(this.engine, this.layers, lower, upper)) yield { rawKey: e.uk, value: e.value };
      return;
    }
    // Reverse across layers: collected forward (used for max-rowid probes and ORDER BY DESC scans).
    const all: { rawKey: Uint8Array; value: Uint8Array }[] = [];
    for await (const e of layeredScan(this.engine, this.layers, lower, upper)) all.push({ rawKey: e.uk, value: e.value });
    for (let i = all.length - 1; i >= 0; i--) yield all[i]!;
  }

  /** Operations to commit, as WAL ops. */
  ops(): { kind: typeof KIND_PUT | typeof KIND_DELETE; userKey: Uint8Array; value?: Uint8Array }[] {
    const out: { kind: typeof KIND_PUT | typeof KIND_DELETE; userKey: Uint8Array; value?: Uint8Array }[] = [];
    for (const w of this.writes.values()) {
      if (w.value) out.push({ kind: KIND_PUT, userKey: w.uk, value: w.value });
      else out.push({ kind: KIND_DELETE, userKey: w.uk });
    }
    return out;
  }
}
