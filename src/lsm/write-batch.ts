import { KIND_DELETE, KIND_PUT, MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import { checkedUserKey, checkValue } from '../mvcc/kv-types.js';
import type { WalOp } from './wal-format.js';
import { bloomHash } from '../sstable/bloom-filter.js';
import { bytesEqual } from '../util/bytes.js';


/**
 * An atomic group of puts and deletes across tables of one branch. Keys are encoded when
 * added, so a malformed key fails at `put`/`delete` with `INVALID_ARGUMENT`, before
 * anything is written. A later operation on the same key in one batch replaces an earlier one.
 */
export class WriteBatch {
  readonly ops: WalOp[] = [];
  private bytes = 0;
  /**
   * Open-addressing table of (op index + 1) by user-key hash, with the hashes alongside: one
   * commit has one LSN, so a batch keeps one operation per key. Built by the first `addRaw`
   * (a batch made by `ofDistinct` never needs it unless added to).
   */
  private slots: Int32Array | null = null;
  private hashes: number[] = [];

  constructor(readonly branch: number = MAIN_BRANCH) {}

  /**
   * A batch of `ops` (taken, not copied), which the caller guarantees touch distinct user keys
   * (a transaction's write set holds one write per key): no key is hashed to find duplicates,
   * which a commit of many rows would otherwise pay per row.
   */
  static ofDistinct(branch: number, ops: readonly WalOp[]): WriteBatch {
    const b = new WriteBatch(branch);
    // Taken: the caller hands the array over (the commit path's, made for this commit), so a
    // commit copies no op array here. A later addRaw would append to it.
    (b as { ops: readonly WalOp[] }).ops = ops;
    let bytes = 0;
    for (const op of ops) bytes += opBytes(op);
    b.bytes = bytes;
    return b;
  }

  /** Builds the duplicate table over the ops so far (the first addRaw). */
  private buildSlots(): Int32Array {
    let size = 64;
    while (size < this.ops.length * 4) size *= 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < this.ops.length; j++) {
      const uk = this.ops[j]!.userKey;
      const h = bloomHash(uk, 0, uk.length) | 0;
      this.hashes.push(h);
      let i = h & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = j + 1;
    }
    this.slots = slots;
    return slots;
  }

  /** Puts `value` under (table, key). `value` is not copied until commit: don't mutate it. */
  put(table: number, key: KeyTuple, value: Uint8Array): this {
    checkValue(value);
    return this.addRaw({ kind: KIND_PUT, userKey: checkedUserKey(this.branch, table, key), value });
  }

  /** Deletes (table, key): writes a tombstone version. */
  delete(table: number, key: KeyTuple): this {
    return this.addRaw({ kind: KIND_DELETE, userKey: checkedUserKey(this.branch, table, key) });
  }

  /**
   * Adds an already-encoded operation (used by higher layers that encode keys themselves).
   * Replaces an earlier operation on the same user key, keeping the earlier one's before image
   * (the value before the batch) when it logged one.
   */
  addRaw(op: WalOp): this {
    const uk = op.userKey;
    const h = bloomHash(uk, 0, uk.length) | 0;
    const slots = this.slots ?? this.buildSlots();
    const mask = slots.length - 1;
    let i = h & mask;
    for (let s = slots[i]!; s !== 0; s = slots[i]!) {
      const j = s - 1;
      if (this.hashes[j] === h) {
        const old = this.ops[j]!;
        if (bytesEqual(old.userKey, uk)) {
          this.bytes -= opBytes(old);
          this.ops[j] = old.before !== undefined ? { ...op, before: old.before } : op;
          this.bytes += opBytes(this.ops[j]!);
          return this;
        }
      }
      i = (i + 1) & mask;
    }
    slots[i] = this.ops.length + 1;
    this.ops.push(op);
    this.hashes.push(h);
    this.bytes += opBytes(op);
    if (this.ops.length * 2 > slots.length) this.grow(slots.length * 2);
    return this;
  }

  private grow(size: number): void {
    const slots = new Int32Array(size);
    const mask = slots.length - 1;
    for (let j = 0; j < this.hashes.length; j++) {
      let i = this.hashes[j]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = j + 1;
    }
    this.slots = slots;
  }

  get size(): number {
    return this.ops.length;
  }

  /** Key and value bytes in the batch (before images not counted: they are not user data). */
  get byteSize(): number {
    return this.bytes;
  }
}

function opBytes(op: WalOp): number {
  return op.userKey.length + (op.value?.length ?? 0);
}
