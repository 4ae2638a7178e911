// A key-value transaction over the engine: a read view at one LSN (pinned while open) plus a
// private write set that its reads see first (read-your-writes), with an undo log whose marks
// are statement starts and savepoints. Snapshot isolation: every read sees the branch as of
// `readLsn` (through its ancestors' layers, layers.ts) plus the transaction's own writes.
// `commit` hands it to the engine's commit path (commit.ts): first committer wins.
//
// Keys come two ways: encoded user keys (`get(uk)`, `put(uk, value)`, `scan(lower, upper)`:
// higher layers that encode their own keys, the SQL layer) or (table, key tuple) as the rest of
// the key-value API (`get(table, key)`, `put(table, key, value)`, `scan(table, range)`).
//
// Async safety: a transaction is used by one caller at a time (the SQL layer serialises the
// statements of one transaction); reads may interleave with other transactions' commits,
// which never change what this transaction sees.
import { DoSQLError } from '../errors.js';
import { byteString, compareBytes } from '../util/bytes.js';
import type { CommitOptions } from './commit.js';
import type { RangeClaim } from './conflicts.js';
import { decodeUserKey, KIND_DELETE, KIND_PUT } from './internal-key.js';
import type { KeyTuple, KeyValue } from './key-codec.js';
import { checkedUserKey, checkValue, encodeRange, type KeyRange, type KvOp } from './kv-types.js';
import { layeredGet, layeredScan, layeredScanBatches, type Layer } from './layers.js';
import { SortedKeys } from './sorted-keys.js';
import type { CommitInfo, VersionStore } from './version-store.js';

/** takeWrites() that took nothing (shared, never changed). */
export const NO_WRITES: readonly PendingWrite[] = [];

export interface PendingWrite {
  readonly uk: Uint8Array;
  /** null for a delete. */
  readonly value: Uint8Array | null;
  /**
   * The key's committed value as of the read LSN (its before image, logged in the WAL for
   * change data capture): bytes, null when absent, undefined when unknown. Set by the key's
   * first write in the transaction and kept by later ones.
   */
  readonly before?: Uint8Array | null;
}

/**
 * A write of the set, shaped both as its PendingWrite and, for a put, as the KvOp the commit
 * logs (`kind`, `userKey`, `value`, `before`): `ops()` hands the commit a put's own object, one
 * object per written row instead of two. A delete (value null) still gets an op of its own.
 */
class Write implements PendingWrite {
  readonly kind: typeof KIND_DELETE | typeof KIND_PUT;
  readonly userKey: Uint8Array;
  constructor(
    readonly uk: Uint8Array,
    readonly value: Uint8Array | null,
    readonly before: Uint8Array | null | undefined,
  ) {
    this.kind = value ? KIND_PUT : KIND_DELETE;
    this.userKey = uk;
  }
}

/** One row a transaction's scan returns by (table, key): committed as of its read LSN, or its own write. */
export interface KvPair {
  /** The primary-key tuple. */
  readonly key: KeyValue[];
  /** The encoded user key (branch, table, key). */
  readonly rawKey: Uint8Array;
  readonly value: Uint8Array;
}

/** `LsmEngine.begin` options. */
export interface TransactionOptions {
  /** Branch id to read and write (default main, 0). */
  branch?: number;
  /** Read as of this LSN (default: the latest visible commit); checked against retention. */
  asOf?: number;
  /** Refuse writes (time-travel views). */
  readOnly?: boolean;
}

/**
 * A key-value transaction (snapshot isolation, first committer wins): start one with
 * `LsmEngine.begin`, read and write it, then `commit()` or `rollback()`. Every read sees the
 * branch as of `readLsn` plus the transaction's own writes; `mark()` / `rollbackTo(mark)` undo
 * back to a savepoint. Commit throws WRITE_CONFLICT (retryable) when another transaction
 * committed a write to one of its keys, or into a range it claimed, after `readLsn`.
 */
export class Transaction {
  /** Pending writes by key (byteString of the user key). */
  readonly writes = new Map<string, PendingWrite>();
  /** Ranges that must not change before commit (conflicts.ts). */
  readonly claims: RangeClaim[] = [];
  /** The undo log as two parallel arrays (no object per write): the key, and its write before. */
  private undoKeys: string[] = [];
  private undoPrev: (PendingWrite | undefined)[] = [];
  /** The keys of `writes` in order, for scans that merge them with committed data. */
  private readonly order = new SortedKeys();
  private releasedFlag = false;
  /** Read layers: this branch at readLsn, then its ancestors at their base LSNs. */
  readonly layers: readonly Layer[];
  /**
   * Keys whose before image the commit must log even when no write supplied it (read at the
   * read LSN at commit, `resolveBefores`): the SQL layer's table rows. Default: none.
   */
  captureBefore?: (uk: Uint8Array) => boolean;
  /**
   * The last key `get` looked up in the write set and its byteString: an insert reads its key
   * (is it free?) and then writes that same array, which then needs no second string. Keys
   * handed to a transaction are never changed afterwards (the write set keeps them too).
   */
  private lastUk: Uint8Array | undefined;
  private lastUkString = '';

  /** Prefer `LsmEngine.begin`. Pins `readLsn` until `release`. */
  constructor(
    readonly engine: VersionStore,
    /** The LSN every read sees (already checked by the engine's `readPoint`). */
    readonly readLsn: number,
    readonly branch: number,
    /** Ancestors of `branch` as read layers (layers.ts `ancestorLayers`); none for main. */
    ancestors: readonly Layer[] = [],
    /** Read-only views (time travel) that never write. */
    readonly readOnly = false,
  ) {
    engine.registerView(readLsn);
    // A transaction on main (nearly every one) has no ancestors: one layer, no spread.
    this.layers = ancestors.length === 0 ? [{ branch, lsn: readLsn }] : [{ branch, lsn: readLsn }, ...ancestors.map((l) => ({ branch: l.branch, lsn: Math.min(l.lsn, readLsn) }))];
  }

  /** True once committed, rolled back or released: its read LSN is no longer pinned. */
  get released(): boolean {
    return this.releasedFlag;
  }

  /** Stops protecting the read LSN from garbage collection. Idempotent. */
  release(): void {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    this.engine.releaseView(this.readLsn);
  }

  /**
   * @internal Pins the read LSN again after `release`, so a caller that only reads can reuse
   * one released transaction for its next read at the same LSN (the SQL layer's read fast
   * path): nothing about it changed, and allocating a new one per read is most of a point
   * lookup's cost. Refused once it wrote.
   */
  reacquire(): void {
    if (!this.releasedFlag) return;
    if (this.writes.size > 0 || this.claims.length > 0) throw new DoSQLError('INVALID_ARGUMENT', 'mvcc: only a transaction that never wrote can be reacquired');
    this.engine.registerView(this.readLsn);
    this.releasedFlag = false;
  }

  /** Discards every write and releases the transaction. */
  rollback(): void {
    this.rollbackTo(0);
    this.release();
  }

  /**
   * Commits through the engine (first committer wins) and releases the transaction: the
   * commit's LSN and timestamp. WRITE_CONFLICT (retryable, nothing written) when a key it
   * wrote or a range it claimed changed after `readLsn`. See `LsmEngine.commit`.
   */
  commit(options?: CommitOptions): Promise<CommitInfo> {
    return this.engine.commit(this, options);
  }

  /**
   * The current value of an encoded user key, or of (table, key) on this branch, in this
   * transaction (its own writes first), or undefined. The user-key form may return synchronously;
   * its `columns` says the caller reads only the parts of the value this mask of the cold
   * codec names (VersionStore.getRaw): the others may be NULL.
   */
  get(uk: Uint8Array, columns?: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  get(table: number, key: KeyTuple): Promise<Uint8Array | undefined>;
  get(a: Uint8Array | number, b?: KeyTuple | Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (typeof a === 'number') return Promise.resolve(this.get(checkedUserKey(this.branch, a, b as KeyTuple)));
    const columns = b as Uint8Array | undefined;
    if (this.writes.size > 0) {
      const k = byteString(a);
      this.lastUk = a;
      this.lastUkString = k;
      const w = this.writes.get(k);
      if (w) return w.value ?? undefined;
    }
    if (this.layers.length > 1) return layeredGet(this.engine, this.layers, a, columns);
    const r = this.engine.getRaw(a, this.readLsn, columns);
    if (r instanceof Promise) return r.then((v) => (v && v.kind === KIND_PUT ? v.value : undefined));
    return r && r.kind === KIND_PUT ? r.value : undefined;
  }

  /**
   * `get` of many encoded user keys (same order): the transaction's own writes first, the
   * rest read from the engine in one batch (`VersionStore.getRawMany`) when the branch has no
   * ancestor layers. May return synchronously.
   */
  getMany(uks: readonly Uint8Array[]): (Uint8Array | undefined)[] | Promise<(Uint8Array | undefined)[]> {
    const out = new Array<Uint8Array | undefined>(uks.length);
    const many = this.engine.getRawMany;
    if (this.layers.length > 1 || !many) return this.getEach(uks, out, 0);
    let ask: Uint8Array[] = uks as Uint8Array[];
    let at: number[] | null = null;
    if (this.writes.size > 0) {
      ask = [];
      at = [];
      for (let i = 0; i < uks.length; i++) {
        const w = this.writes.get(byteString(uks[i]!));
        if (w) out[i] = w.value ?? undefined;
        else {
          ask.push(uks[i]!);
          at.push(i);
        }
      }
    }
    const r = many.call(this.engine, ask, this.readLsn);
    return r instanceof Promise ? r.then((f) => placeFound(f, at, out)) : placeFound(r, at, out);
  }

  /** `get` key by key from `k` on, synchronously while each answers synchronously. */
  protected getEach(uks: readonly Uint8Array[], out: (Uint8Array | undefined)[], k: number): (Uint8Array | undefined)[] | Promise<(Uint8Array | undefined)[]> {
    for (; k < uks.length; k++) {
      const v = this.get(uks[k]!);
      if (v instanceof Promise) {
        const at = k;
        return v.then((x) => {
          out[at] = x;
          return this.getEach(uks, out, at + 1);
        });
      }
      out[k] = v;
    }
    return out;
  }

  /**
   * Writes `value` under an encoded user key, or (table, key) on this branch. `value` is not
   * copied. `before` (encoded-key form): the key's value as this transaction read it before
   * its first write (null: absent), logged as the before image; it must be the committed
   * value at the read LSN, which is what any read of a key this transaction has not written
   * returns. Ignored when the transaction already wrote the key.
   */
  put(uk: Uint8Array, value: Uint8Array, before?: Uint8Array | null): void;
  put(table: number, key: KeyTuple, value: Uint8Array): void;
  put(a: Uint8Array | number, b: Uint8Array | KeyTuple, c?: Uint8Array | null): void {
    if (this.readOnly) throw this.readOnlyError();
    if (typeof a === 'number') {
      checkValue(c!);
      this.record(checkedUserKey(this.branch, a, b as KeyTuple), c!, undefined);
    } else this.record(a, b as Uint8Array, c);
  }

  /** Deletes an encoded user key, or (table, key) on this branch (a tombstone at commit); `before` as for `put`. */
  delete(uk: Uint8Array, before?: Uint8Array | null): void;
  delete(table: number, key: KeyTuple): void;
  delete(a: Uint8Array | number, b?: KeyTuple | Uint8Array | null): void {
    if (this.readOnly) throw this.readOnlyError();
    if (typeof a === 'number') this.record(checkedUserKey(this.branch, a, b as KeyTuple), null, undefined);
    else this.record(a, null, b as Uint8Array | null | undefined);
  }

  /** The error a write to a read-only transaction throws. */
  protected readOnlyError(): DoSQLError {
    return new DoSQLError('INVALID_ARGUMENT', 'mvcc: this transaction is read-only');
  }

  private record(uk: Uint8Array, value: Uint8Array | null, before: Uint8Array | null | undefined): void {
    if (this.releasedFlag) throw new DoSQLError('INVALID_ARGUMENT', 'mvcc: the transaction was already committed or rolled back');
    const k = uk === this.lastUk ? this.lastUkString : byteString(uk);
    const prev = this.writes.get(k);
    this.undoKeys.push(k);
    this.undoPrev.push(prev);
    // The first write's before image stands: a later one read this transaction's own write.
    const b = prev ? prev.before : before;
    this.writes.set(k, new Write(uk, value, b));
    if (!prev) this.order.add(k);
  }

  /**
   * Reads, at the read LSN, the before image of every write `captureBefore` selects that no
   * write supplied (the commit path calls it under the commit lock, before `ops`). Returns how
   * many it read: synchronously 0 when there is none to read.
   */
  resolveBefores(): number | Promise<number> {
    const want = this.captureBefore;
    if (!want) return 0;
    // Usually every such write supplied its image (the SQL layer's row writes do): no await.
    for (const w of this.writes.values()) if (w.before === undefined && want(w.uk)) return this.readBefores(want);
    return 0;
  }

  private async readBefores(want: (uk: Uint8Array) => boolean): Promise<number> {
    let n = 0;
    for (const [k, w] of this.writes) {
      if (w.before !== undefined || !want(w.uk)) continue;
      const v = this.layers.length > 1 ? await layeredGet(this.engine, this.layers, w.uk) : await this.committedValue(w.uk);
      this.writes.set(k, new Write(w.uk, w.value, v ?? null));
      n++;
    }
    return n;
  }

  private async committedValue(uk: Uint8Array): Promise<Uint8Array | undefined> {
    const r = await this.engine.getRaw(uk, this.readLsn);
    return r && r.kind === KIND_PUT ? r.value : undefined;
  }

  /**
   * Claims a range of encoded user keys, or of `table`'s keys on this branch: the commit fails
   * with WRITE_CONFLICT if a key in it changed after the read point (conflicts.ts,
   * `RangeClaim`; `anyChange` counts deletes too). For reads whose answer the writes depend on,
   * such as "no row has this unique value".
   */
  claim(claim: RangeClaim): void;
  claim(table: number, range: KeyRange, options?: { anyChange?: boolean }): void;
  claim(a: RangeClaim | number, range?: KeyRange, options: { anyChange?: boolean } = {}): void {
    if (typeof a !== 'number') this.claims.push(a);
    else this.claims.push({ ...encodeRange(this.branch, a, range!), ...(options.anyChange ? { anyChange: true } : {}) });
  }

  /**
   * Removes and returns the writes `pick` selects, at commit (the SQL layer's handle-private
   * TEMP keys, which never reach the engine). The undo log is cleared: call it only once the
   * transaction is ending.
   */
  takeWrites(pick: (uk: Uint8Array) => boolean): readonly PendingWrite[] {
    // Every SQL commit asks; nearly none has any: no array then. forEach, not for-of over
    // entries: no [key, value] array per write. Deleting the visited entry is allowed.
    let out: PendingWrite[] | undefined;
    this.writes.forEach((w, k) => {
      if (!pick(w.uk)) return;
      (out ??= []).push(w);
      this.writes.delete(k);
      this.order.delete(k);
    });
    this.undoKeys = [];
    this.undoPrev = [];
    return out ?? NO_WRITES;
  }

  /** A position in the undo log: statement starts and savepoints. */
  mark(): number {
    return this.undoKeys.length;
  }

  /** Undoes every write after `mark` (0: all of them). */
  rollbackTo(mark: number): void {
    while (this.undoKeys.length > mark) {
      const k = this.undoKeys.pop()!;
      const prev = this.undoPrev.pop();
      if (prev) this.writes.set(k, prev);
      else {
        this.writes.delete(k);
        this.order.delete(k);
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
   * Entries with user keys in [lower, upper) — or rows of `table` in `range` on this branch —
   * in key order (or reverse), merging committed data as of `readLsn` with this transaction's
   * writes (which win). The write set is captured when the scan starts: writes made while
   * iterating are not seen by it.
   */
  scan(lower: Uint8Array, upper: Uint8Array, reverse?: boolean): AsyncGenerator<PendingWrite & { value: Uint8Array }>;
  scan(table: number, range?: KeyRange, options?: { reverse?: boolean; limit?: number }): AsyncGenerator<KvPair>;
  scan(a: Uint8Array | number, b?: Uint8Array | KeyRange, c?: boolean | { reverse?: boolean; limit?: number }): AsyncGenerator<PendingWrite & { value: Uint8Array }> | AsyncGenerator<KvPair> {
    if (typeof a === 'number') return this.scanTable(a, (b as KeyRange | undefined) ?? {}, (c as { reverse?: boolean; limit?: number } | undefined) ?? {});
    return this.scanRange(a, b as Uint8Array, (c as boolean | undefined) ?? false);
  }

  private async *scanTable(table: number, range: KeyRange, options: { reverse?: boolean; limit?: number }): AsyncGenerator<KvPair> {
    const { lower, upper } = encodeRange(this.branch, table, range);
    let n = 0;
    const limit = options.limit ?? Infinity;
    if (n >= limit) return;
    for await (const e of this.scanRange(lower, upper, options.reverse ?? false)) {
      yield { key: decodeUserKey(e.uk).key, rawKey: e.uk, value: e.value };
      if (++n >= limit) return;
    }
  }

  private async *scanRange(lower: Uint8Array, upper: Uint8Array, reverse: boolean): AsyncGenerator<PendingWrite & { value: Uint8Array }> {
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
   * `scan` of encoded bounds in batches: with no pending writes in the range and no branch
   * layers, straight from the engine one batch per async step (table scans); otherwise
   * `scan`, batched.
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
    for await (const e of this.scanRange(lower, upper, reverse)) {
      out.push(e);
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  /**
   * The committed entries of [lower, upper) visible to this transaction, up to `max`, by the
   * engine's synchronous direct path (VersionReader.scanDirect), when this transaction wrote
   * no key of the range and the branch has no ancestor layers; null otherwise (read the range
   * with `scanBatches`). `resume`: the lower bound to continue from when more may follow.
   */
  scanDirect(lower: Uint8Array, upper: Uint8Array, max: number): { uks: Uint8Array[]; values: Uint8Array[]; resume: Uint8Array | null } | null {
    const direct = this.engine.scanDirect;
    if (!direct || this.layers.length !== 1 || this.writesIn(lower, upper)) return null;
    return direct.call(this.engine, lower, upper, this.readLsn, max);
  }

  /** True when this transaction wrote a key in [lower, upper). */
  private writesIn(lower: Uint8Array, upper: Uint8Array): boolean {
    return this.writes.size > 0 && this.order.hasAnyIn(byteString(lower), byteString(upper));
  }

  /** Committed entries of [lower, upper) visible to this transaction (all layers). */
  protected async *committed(lower: Uint8Array, upper: Uint8Array, reverse: boolean): AsyncGenerator<{ rawKey: Uint8Array; value: Uint8Array }> {
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

  /** Operations to commit, as WAL ops (with the before images known): the writes themselves (Write), in write-set order. */
  ops(): KvOp[] {
    const out = new Array<KvOp>(this.writes.size);
    let i = 0;
    // A put's Write is its op as is. A delete gets an op without `value` (commit listeners see
    // WalOp's "present for puts"), as does anything else put in the public map.
    this.writes.forEach((w) => {
      out[i++] = w instanceof Write && w.value ? (w as KvOp) : toOp(w);
    });
    return out;
  }
}

/** The KvOp of a pending write that is not a Write. */
function toOp(w: PendingWrite): KvOp {
  const op: KvOp = w.value ? { kind: KIND_PUT, userKey: w.uk, value: w.value } : { kind: KIND_DELETE, userKey: w.uk };
  if (w.before !== undefined) op.before = w.before;
  return op;
}

/** Values of found versions (puts; tombstones and misses undefined) into `out`, at `at[j]` (or j). */
function placeFound(found: readonly ({ kind: number; value: Uint8Array } | null)[], at: readonly number[] | null, out: (Uint8Array | undefined)[]): (Uint8Array | undefined)[] {
  for (let j = 0; j < found.length; j++) {
    const f = found[j];
    out[at ? at[j]! : j] = f && f.kind === KIND_PUT ? f.value : undefined;
  }
  return out;
}
