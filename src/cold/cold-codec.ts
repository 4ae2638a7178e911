// The bridge between the LSM's (user key, value) versions and columnar runs. The engine and
// the cold tier do not know row formats; the layer that does (the SQL layer: catalog and row
// codec, src/sql/rows/cold-layout.ts) supplies a ColdCodec. Dependency inversion keeps the cold
// tier below sql in the layering. The columns a plan may add besides the table's own, and
// what they mean to readers, are in run-layout.ts (FIELD_ID_ROWID, FIELD_ID_SLOTS).
import type { ColumnarSchema, ColumnValue } from '../columnar/index.js';
import type { ColdFileInfo } from '../manifest/manifest-format.js';

/** One row version split into columns. */
export interface ColumnarVersion {
  /** Primary-key values in key-column order. */
  key: ColumnValue[];
  /** The whole row in schema order, or null for a tombstone. */
  values: ColumnValue[] | null;
}

/** How one table's main-branch rows are written as columns (decided when a cold compaction starts). */
export interface ColdTablePlan {
  /** Key-space id (the table id in the user key). */
  readonly table: number;
  /** Recorded in ColdFileInfo.layout for the decoder. */
  readonly layout: string;
  /** Columns without the system columns; every key column included. */
  readonly schema: ColumnarSchema;
  /** Names of the key columns, in key order. */
  readonly keyColumns: readonly string[];
  /** Splits a version: `value` null for a tombstone. Throws CORRUPTION for an undecodable value. */
  toColumns(uk: Uint8Array, value: Uint8Array | null): ColumnarVersion;
  /**
   * A reader of some columns of puts: `pick(uk, value, out)` writes the values of the columns at
   * schema positions `positions` to `out[0..positions.length)` and returns the row's slot count,
   * decoding nothing else (no string, BigInt or key tuple for a column not asked for), as
   * SSTable images want it (sstable-images.ts: a query's first read decodes only its columns).
   * Optional: without it, callers split whole versions with toColumns. Throws CORRUPTION for an
   * undecodable value.
   */
  picker?(positions: readonly number[]): (uk: Uint8Array, value: Uint8Array, out: ColumnValue[]) => number;
}

/** Turns a run file's rows (schema order, as read back) into the LSM's user key and value. */
export interface ColdRowDecoder {
  userKey(row: readonly ColumnValue[]): Uint8Array;
  /** The row value of a put (tombstones have an empty value and are not decoded). */
  value(row: readonly ColumnValue[]): Uint8Array;
  /**
   * The key column values of `target` when it is exactly one user key of this file's table
   * (all key columns), optionally followed by an internal key's 8-byte trailer, with the user
   * key's length; null for anything else (a bare prefix, another table or branch). The user
   * keys' byte order must be value-order.ts's compareKeys order of these values, so a reader
   * may search the typed key columns instead of encoding a key per step.
   */
  keyOf?(target: Uint8Array): { readonly values: readonly ColumnValue[]; readonly length: number } | null;
  /**
   * Whether `value` reads the column at schema position `pos` for a reader that reads only the
   * parts of the value `columns` marks (the codec's own mask, passed through the engine's point
   * read: the SQL layer's slot mask, 1 = read). A column it says no to is neither decoded nor
   * read (left NULL in the row given to `value`), so the value's unread parts may be NULL.
   * Optional: without it every column is read.
   */
  reads?(pos: number, columns: Uint8Array): boolean;
}

/** What one cold compaction writes, decided when it starts. */
export interface ColdPlan {
  /** Tables whose main-branch rows go to columnar runs, by key-space id. */
  readonly tables: ReadonlyMap<number, ColdTablePlan>;
  /** Commit timestamp (ms since the epoch) of an LSN, for the `_dosql_ts` column; 0 when unknown. */
  timestampOf(lsn: number): number;
}

export interface ColdCodec {
  plan(): Promise<ColdPlan>;
  /** A decoder for a file written with `schema` and `keyColumns` (the file's own layout, not today's catalog). */
  decoder(info: ColdFileInfo, schema: ColumnarSchema, keyColumns: readonly string[]): ColdRowDecoder;
}
