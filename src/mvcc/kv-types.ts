// Key-value types shared by the engine (src/lsm) and MVCC: key ranges within a table and how
// they encode into user-key bounds, read options, the entries scans return, and the checks
// every key and value a caller hands in goes through.
import { DoSQLError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';
import { compareBytes } from '../util/bytes.js';
import { decodeUserKey, encodeTablePrefix, encodeUserKey, KIND_DELETE, KIND_PUT } from './internal-key.js';
import { writeKeyValue, type KeyTuple, type KeyValue } from './key-codec.js';

/** Largest value accepted in one put, bytes. */
export const MAX_VALUE_BYTES = 32 * 1024 * 1024;
/** Largest encoded key, bytes. */
export const MAX_KEY_BYTES = 64 * 1024;

export interface ReadOptions {
  /** Read as of this LSN (default: the latest visible commit). */
  asOf?: number;
  /** Branch id (default: main, 0). */
  branch?: number;
}

/**
 * A key range within one table. Bounds compare encoded tuples (SQLite's order,
 * element by element, a shorter tuple before its extensions). `prefix` selects every key
 * whose leading elements equal it.
 */
export interface KeyRange {
  gte?: KeyTuple;
  gt?: KeyTuple;
  lte?: KeyTuple;
  lt?: KeyTuple;
  prefix?: KeyTuple;
}

export interface ScanOptions extends ReadOptions {
  limit?: number;
  reverse?: boolean;
}

/** One row version returned by `scan`. */
export class KvEntry {
  constructor(
    /** Encoded user key (branch, table, primary key). */
    readonly rawKey: Uint8Array,
    /** The value: a view of an immutable buffer, safe to keep. */
    readonly value: Uint8Array,
    /** LSN of the version. */
    readonly lsn: number,
  ) {}
  /** The primary-key tuple (decoded on access). */
  get key(): KeyValue[] {
    return decodeUserKey(this.rawKey).key;
  }
}

/** One write: a put (with its value) or a delete of an encoded user key; the shape of a WAL op. */
export interface KvOp {
  kind: typeof KIND_DELETE | typeof KIND_PUT;
  userKey: Uint8Array;
  /** Present for puts. */
  value?: Uint8Array;
  /** The before image (the value as of the commit's LSN - 1; null: absent), when logged (wal-format.ts, `WalOp`). */
  before?: Uint8Array | null;
}

/** The user key of (branch, table, key); `INVALID_ARGUMENT` for a bad table id, a key that is not a tuple or too long. */
export function checkedUserKey(branch: number, table: number, key: KeyTuple): Uint8Array {
  if (!Number.isInteger(table) || table < 0 || table > 0xffffffff) throw new DoSQLError('INVALID_ARGUMENT', `write: bad table id ${typeof table === 'number' ? table : `of type ${typeof table}`}`);
  if (!Array.isArray(key)) throw new DoSQLError('INVALID_ARGUMENT', 'write: key must be an array (a tuple of key values)');
  const uk = encodeUserKey(branch, table, key);
  if (uk.length > MAX_KEY_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `write: key of ${uk.length} bytes exceeds ${MAX_KEY_BYTES}`);
  return uk;
}

/** `INVALID_ARGUMENT` unless `value` is a Uint8Array of at most MAX_VALUE_BYTES. */
export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new DoSQLError('INVALID_ARGUMENT', 'write: value must be a Uint8Array');
  if (value.length > MAX_VALUE_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `write: value of ${value.length} bytes exceeds ${MAX_VALUE_BYTES}`);
}

/** Encodes a KeyRange of one table into user-key bounds [lower, upper). */
export function encodeRange(branch: number, table: number, r: KeyRange): { lower: Uint8Array; upper: Uint8Array } {
  const prefix = encodeTablePrefix(branch, table);
  let lower = prefix;
  let upper = withByte(prefix, 0xff);
  const tighter = (candidate: Uint8Array, isLower: boolean): void => {
    if (isLower) {
      if (compareBytes(candidate, lower) > 0) lower = candidate;
    } else if (compareBytes(candidate, upper) < 0) upper = candidate;
  };
  if (r.prefix) {
    const w = new ByteWriter(64);
    w.bytes(prefix);
    for (const v of r.prefix) writeKeyValue(w, v);
    const p = w.toBytes();
    tighter(p, true);
    tighter(withByte(p, 0xff), false);
  }
  // User keys are prefix-free, so uk + 0xFF lies above uk and below every greater user key
  // (and above every internal key of uk except those with trailer bytes 0xFF..., which the
  // iterator's user-key comparison excludes).
  if (r.gte) tighter(encodeUserKey(branch, table, r.gte), true);
  if (r.gt) tighter(withByte(encodeUserKey(branch, table, r.gt), 0xff), true);
  if (r.lt) tighter(encodeUserKey(branch, table, r.lt), false);
  if (r.lte) tighter(withByte(encodeUserKey(branch, table, r.lte), 0xff), false);
  return { lower, upper };
}

function withByte(a: Uint8Array, b: number): Uint8Array {
  const out = new Uint8Array(a.length + 1);
  out.set(a);
  out[a.length] = b;
  return out;
}
