// Stored rows <-> a table's column values, under one schema: the row codec (row-codec.ts) keeps
// values by stable column id, and a row written before an ADD COLUMN has fewer slots than the
// table has columns (those read as the column's default), while slots of dropped columns are
// ignored. The table reader and change data capture both decode through here, so a change
// event's row equals what `SELECT *` returns at its LSN by construction.
import { encodeTablePrefix } from '../../mvcc/internal-key.js';
import type { TableSchema } from '../catalog/schema.js';
import type { SqlValue } from '../types/value.js';
import { decodeRowInto, encodeRow } from './row-codec.js';
import { rowidFromKey } from './row-keys.js';

/**
 * The value each column reads as in a row written before the column existed: its constant
 * DEFAULT (ADD COLUMN allows only constants), else NULL.
 */
export function columnDefaults(t: TableSchema): SqlValue[] {
  return t.columns.map((c) => {
    const d = c.defaultExpr;
    if (!d) return null;
    if (d.kind === 'literal') return d.value;
    if (d.kind === 'unary' && d.op === '-' && d.operand.kind === 'literal') {
      const v = d.operand.value;
      if (typeof v === 'bigint') return -v;
      if (typeof v === 'number') return -v;
    }
    return null;
  });
}

/**
 * The stored value of a row of `t`: `values` in declared column order (an INTEGER PRIMARY KEY
 * column's slot holds NULL: the rowid lives in the key). docs/format/row.md.
 */
export function encodeRowValue(t: TableSchema, values: readonly SqlValue[]): Uint8Array {
  const slots: SqlValue[] = new Array(t.nextColumnId).fill(null);
  for (let i = 0; i < t.columns.length; i++) slots[t.columns[i]!.id] = i === t.rowidAlias ? null : values[i]!;
  return encodeRow(slots, true);
}

/** Decodes stored rows of one table into column positions (reusable scratch; not reentrant). */
export class RowMaterializer {
  private readonly slotOf: Int32Array;
  private readonly slots: SqlValue[] = [];
  private cachedPrefix = -1;
  private cachedBranch = -1;

  constructor(
    readonly table: TableSchema,
    /** Default of each column for rows written before ADD COLUMN (`columnDefaults`). */
    private readonly defaults: readonly SqlValue[] = columnDefaults(table),
  ) {
    this.slotOf = Int32Array.from(table.columns.map((c) => c.id));
  }

  /**
   * Writes the row stored under `uk` (a key of `branch`) with value `value` into `row` at
   * `offset`: the columns in declared order, then, for rowid tables, the rowid. With `needed`,
   * slots whose entry is not 1 are left NULL, and with `rowid` false the rowid (and an
   * INTEGER PRIMARY KEY column) too (projection pushdown). Throws CORRUPTION
   * for a damaged value.
   */
  decodeInto(row: SqlValue[], offset: number, uk: Uint8Array, value: Uint8Array, branch: number, needed?: Uint8Array, rowid = true): void {
    const slots = this.slots;
    const n = decodeRowInto(value, slots, needed);
    const t = this.table;
    const cols = t.columns;
    for (let i = 0; i < cols.length; i++) {
      const s = this.slotOf[i]!;
      row[offset + i] = s < n ? slots[s]! : this.defaults[i]!;
    }
    if (!t.withoutRowid && rowid) {
      const rowid = rowidFromKey(uk, this.prefixLen(branch));
      row[offset + cols.length] = rowid;
      if (t.rowidAlias >= 0) row[offset + t.rowidAlias] = rowid;
    }
  }

  /** The row as a new array: columns in declared order, then the rowid (rowid tables). */
  materialize(uk: Uint8Array, value: Uint8Array, branch: number): SqlValue[] {
    const row: SqlValue[] = new Array(this.table.columns.length + (this.table.withoutRowid ? 0 : 1));
    this.decodeInto(row, 0, uk, value, branch);
    return row;
  }

  /** Bytes of the key prefix (branch, table id) of `branch`'s rows. */
  prefixLen(branch: number): number {
    if (branch !== this.cachedBranch) {
      this.cachedBranch = branch;
      this.cachedPrefix = encodeTablePrefix(branch, this.table.id).length;
    }
    return this.cachedPrefix;
  }
}
