import { DoSQLError } from '../errors.js';
import { encodeUserKey, KIND_DELETE, KIND_PUT, MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { KeyTuple } from '../mvcc/key-codec.js';
import type { WalOp } from './wal-format.js';
import { bloomHash } from '../sstable/bloom-filter.js';
import { bytesEqual } from '../util/bytes.js';

/** Largest value accepted in one put, bytes. */
export const MAX_VALUE_BYTES = 32 * 1024 * 1024;
/** Largest encoded key, bytes. */
export const MAX_KEY_BYTES = 64 * 1024;

/**
 * An atomic group of puts and deletes across tables of one branch. Keys are encoded when
 * added, so a malformed key fails at `put`/`delete` with `INVALID_ARGUMENT`, before
 * anything is written. A later operation on the same key in one batch replaces an earlier one.
 */
export class WriteBatch {
  readonly ops: WalOp[] = [];
  private bytes = 0;
  /** Hash of user key -> indexes into ops: one commit has one LSN, so one version per key. */
  private readonly byKey = new Map<number, number | number[]>();

  constructor(readonly branch: number = MAIN_BRANCH) {}

  /** Puts `value` under (table, key). `value` is not copied until commit: don't mutate it. */
  put(table: number, key: KeyTuple, value: Uint8Array): this {
    if (!(value instanceof Uint8Array)) throw new DoSQLError('INVALID_ARGUMENT', 'write: value must be a Uint8Array');
    if (value.length > MAX_VALUE_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `write: value of ${value.length} bytes exceeds ${MAX_VALUE_BYTES}`);
    return this.addRaw({ kind: KIND_PUT, userKey: this.key(table, key), value });
  }

  /** Deletes (table, key): writes a tombstone version. */
  delete(table: number, key: KeyTuple): this {
    return this.addRaw({ kind: KIND_DELETE, userKey: this.key(table, key) });
  }

  /**
   * Adds an already-encoded operation (used by higher layers that encode keys themselves).
   * Replaces an earlier operation on the same user key.
   */
  addRaw(op: WalOp): this {
    const uk = op.userKey;
    const h = bloomHash(uk, 0, uk.length);
    const at = this.byKey.get(h);
    if (at !== undefined) {
      for (const i of typeof at === 'number' ? [at] : at) {
        const old = this.ops[i]!;
        if (bytesEqual(old.userKey, uk)) {
          this.bytes -= old.userKey.length + (old.value?.length ?? 0);
          this.ops[i] = op;
          this.bytes += uk.length + (op.value?.length ?? 0);
          return this;
        }
      }
      this.byKey.set(h, typeof at === 'number' ? [at, this.ops.length] : [...at, this.ops.length]);
    } else {
      this.byKey.set(h, this.ops.length);
    }
    this.ops.push(op);
    this.bytes += uk.length + (op.value?.length ?? 0);
    return this;
  }

  get size(): number {
    return this.ops.length;
  }

  /** Key and value bytes in the batch. */
  get byteSize(): number {
    return this.bytes;
  }

  private key(table: number, key: KeyTuple): Uint8Array {
    if (!Number.isInteger(table) || table < 0 || table > 0xffffffff) throw new DoSQLError('INVALID_ARGUMENT', `write: bad table id ${table}`);
    if (!Array.isArray(key)) throw new DoSQLError('INVALID_ARGUMENT', 'write: key must be an array (a tuple of key values)');
    const uk = encodeUserKey(this.branch, table, key);
    if (uk.length > MAX_KEY_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `write: key of ${uk.length} bytes exceeds ${MAX_KEY_BYTES}`);
    return uk;
  }
}
