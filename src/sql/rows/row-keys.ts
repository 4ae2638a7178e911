// Key tuples of table rows and index entries (docs/format/row.md §Keys).
import { encodeTablePrefix, encodeUserKey } from '../../mvcc/internal-key.js';
import { decodeKeyTuple, skipKeyValues, writeKeyValue, writeOrderedUvarint, type KeyValue } from '../../mvcc/key-codec.js';
import { ByteWriter } from '../../util/byte-writer.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';

/**
 * The collation key transform: memcmp order of the transformed value equals the
 * collated order of the original (NOCASE folds ASCII only, as SQLite's does).
 */
export function collationKey(v: SqlValue, c: Collation): KeyValue {
  if (typeof v !== 'string' || c === 'BINARY') return v;
  if (c === 'NOCASE') return asciiLower(v);
  return v.replace(/ +$/, '');
}

function asciiLower(s: string): string {
  let out = '';
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch >= 65 && ch <= 90) {
      changed = true;
      out += String.fromCharCode(ch + 32);
    } else out += s[i];
  }
  return changed ? out : s;
}

/** Key tuple of a row: [rowid] for rowid tables, the collated PRIMARY KEY values otherwise. */
export function rowKeyTuple(t: TableSchema, values: readonly SqlValue[], rowid: bigint | null): KeyValue[] {
  if (!t.withoutRowid) return [rowid!];
  return t.primaryKey.map((ci) => collationKey(values[ci]!, t.columns[ci]!.collation));
}

export function rowKey(branch: number, t: TableSchema, values: readonly SqlValue[], rowid: bigint | null): Uint8Array {
  return encodeUserKey(branch, t.id, rowKeyTuple(t, values, rowid));
}

/** Position (in table.columns) of each index column. */
export function indexColumnPositions(t: TableSchema, ix: IndexSchema): number[] {
  return ix.columns.map((c) => t.columns.findIndex((col) => col.id === c.columnId));
}

/** The indexed values of a row, collated, in index order. */
export function indexValues(_t: TableSchema, ix: IndexSchema, values: readonly SqlValue[], positions: readonly number[]): KeyValue[] {
  return positions.map((p, i) => collationKey(values[p] ?? null, ix.columns[i]!.collation));
}

export function indexKey(branch: number, t: TableSchema, ix: IndexSchema, values: readonly SqlValue[], rowid: bigint | null, positions: readonly number[]): Uint8Array {
  return encodeUserKey(branch, ix.id, [...indexValues(t, ix, values, positions), ...rowKeyTuple(t, values, rowid)]);
}

/** Decodes the table-key suffix of an index key into the table's user key. */
export function tableKeyFromIndexKey(branch: number, t: TableSchema, ix: IndexSchema, uk: Uint8Array): Uint8Array {
  // The index key's tuple is (index columns..., row key...) + terminator, each value encoded
  // as in a table key: the table key is the table's prefix + those trailing bytes, copied
  // (a read per index entry: no decode and re-encode of the values, no views).
  const from = skipKeyValues(uk, prefixOf(branch, ix.id).length, ix.columns.length);
  const prefix = prefixOf(branch, t.id);
  const pl = prefix.length;
  const out = new Uint8Array(pl + uk.length - from);
  for (let i = 0; i < pl; i++) out[i] = prefix[i]!;
  for (let i = from, o = pl; i < uk.length; i++, o++) out[o] = uk[i]!;
  return out;
}

const boundWriter = new ByteWriter(64);

/**
 * A key bound of an index range: the user key prefix (branch, index, `values`..., `last` if
 * given), followed by 0xFF when `above` — which lies above every key with that prefix (user
 * keys are prefix-free: encodeRange's rule). One allocation, for a read per statement.
 */
export function indexKeyBound(branch: number, index: number, values: readonly KeyValue[], last: KeyValue | undefined, above: boolean): Uint8Array {
  const w = boundWriter;
  w.reset();
  writeOrderedUvarint(w, branch);
  writeOrderedUvarint(w, index);
  for (let i = 0; i < values.length; i++) writeKeyValue(w, values[i]!);
  if (last !== undefined) writeKeyValue(w, last);
  if (above) w.u8(0xff);
  return w.toBytes();
}

/** encodeTablePrefix of recent (branch, id) pairs (an index read asks for the index's and the table's). */
const prefixes = new Map<number, Uint8Array>();

function prefixOf(branch: number, id: number): Uint8Array {
  // Ids and branches stay far below 2^26 in practice; other pairs just are not cached.
  const small = branch < 1 << 26 && id < 1 << 26;
  const k = branch * 2 ** 26 + id;
  let p = small ? prefixes.get(k) : undefined;
  if (!p) {
    p = encodeTablePrefix(branch, id);
    if (small) {
      if (prefixes.size >= 256) prefixes.clear();
      prefixes.set(k, p);
    }
  }
  return p;
}

/** The rowid stored in a rowid table's user key. */
export function rowidFromKey(uk: Uint8Array, prefixLen: number): bigint {
  const { values } = decodeKeyTuple(uk, prefixLen);
  const v = values[0];
  return typeof v === 'bigint' ? v : BigInt(v as number);
}
