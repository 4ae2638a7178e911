// The SQL layer's ColdCodec: how a table's row versions become the columns of a columnar run
// and back (docs/format/columnar.md, "SQL tables as runs"). Columns follow the row format's
// slots (docs/format/row.md): the column with stable id s is Parquet field id s + 1 — the
// same field id Iceberg publishing uses — so a file stays readable across renames and drops,
// and values are kept in their exact storage class (mismatches go to shadow columns).
import { DoSQLError } from '../../errors.js';
import {
  FIELD_ID_ROWID,
  FIELD_ID_SLOTS,
  type ColdCodec,
  type ColdFileInfo,
  type ColdPlan,
  type ColdRowDecoder,
  type ColdTablePlan,
  type ColumnarVersion,
  type ColumnDef,
  type ColumnType,
  type ColumnValue,
  type ColumnarSchema,
} from '../../cold/index.js';
import { MAIN_BRANCH, TRAILER_SIZE, encodeUserKey } from '../../mvcc/internal-key.js';
import { decodeKeyTuple, readOrderedUvarint } from '../../mvcc/key-codec.js';
import type { TableSchema } from '../catalog/schema.js';
import type { SqlValue } from '../types/value.js';
import { decodeRowInto, encodeRow } from './row-codec.js';

// The cold tier's codec columns (src/cold/run-layout.ts): FIELD_ID_ROWID holds the hidden rowid
// (rowid tables without an INTEGER PRIMARY KEY), FIELD_ID_SLOTS how many slots the row value
// had (rows older than an ADD COLUMN have fewer).

/** ColdFileInfo.layout values. */
export const LAYOUT_ROWID = 'sql-rowid-v1';
export const LAYOUT_PK = 'sql-pk-v1';

/**
 * Iceberg/Parquet column type of a declared column (type affinity, datatype3.html §3):
 * INTEGER → long, REAL and NUMERIC → double, TEXT and untyped → string, BLOB → binary.
 */
export function declaredColumnType(t: TableSchema, i: number): ColumnType {
  if (i === t.rowidAlias) return 'long';
  switch (t.columns[i]!.affinity) {
    case 'INTEGER':
      return 'long';
    case 'REAL':
    case 'NUMERIC':
      return 'double';
    case 'BLOB':
      return t.columns[i]!.type === '' ? 'string' : 'binary';
    default:
      return 'string';
  }
}

/** Whether `t`'s rows can be written as a run: rowid tables, and WITHOUT ROWID tables whose key values equal the column values (BINARY collation). */
export function columnarEligible(t: TableSchema): boolean {
  return !t.withoutRowid || t.primaryKey.every((ci) => t.columns[ci]!.collation === 'BINARY');
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base}_${i}`;
  taken.add(name.toLowerCase());
  return name;
}

/** The run layout of `t` as of the catalog handed in. */
export function tablePlan(t: TableSchema): ColdTablePlan {
  const taken = new Set(t.columns.map((c) => c.name.toLowerCase()));
  const bySlot = new Map(t.columns.map((c, i) => [c.id, i]));
  const columns: ColumnDef[] = [];
  const rowidKeyed = !t.withoutRowid;
  let keyColumns: string[];
  if (rowidKeyed && t.rowidAlias < 0) {
    const name = uniqueName('rowid', taken);
    columns.push({ name, fieldId: FIELD_ID_ROWID, type: 'long', nullable: false });
    keyColumns = [name];
  } else if (rowidKeyed) {
    keyColumns = [t.columns[t.rowidAlias]!.name];
  } else {
    keyColumns = t.primaryKey.map((ci) => t.columns[ci]!.name);
  }
  for (let s = 0; s < t.nextColumnId; s++) {
    const i = bySlot.get(s);
    if (i === undefined) columns.push({ name: uniqueName(`dropped_column_${s}`, taken), fieldId: s + 1, type: 'string', nullable: true });
    else columns.push({ name: t.columns[i]!.name, fieldId: s + 1, type: declaredColumnType(t, i), nullable: !keyColumns.includes(t.columns[i]!.name) });
  }
  columns.push({ name: uniqueName('dosql_slots', taken), fieldId: FIELD_ID_SLOTS, type: 'long', nullable: false });
  const schema: ColumnarSchema = { columns };
  const width = columns.length;
  const slotPos = columns.map((c) => (c.fieldId <= t.nextColumnId ? c.fieldId - 1 : -1));
  const keyPos = keyColumns.map((k) => columns.findIndex((c) => c.name === k));
  const aliasPos = rowidKeyed && t.rowidAlias >= 0 ? keyPos[0]! : -1;
  const rowidPos = rowidKeyed && t.rowidAlias < 0 ? keyPos[0]! : -1;
  const slots: SqlValue[] = [];
  return {
    table: t.id,
    layout: rowidKeyed ? LAYOUT_ROWID : LAYOUT_PK,
    schema,
    keyColumns,
    toColumns(uk: Uint8Array, value: Uint8Array | null): ColumnarVersion {
      const c = { pos: 0 };
      readOrderedUvarint(uk, c);
      readOrderedUvarint(uk, c);
      // The key codec orders numbers by value and decodes them as JS numbers; the rowid is an
      // INTEGER, and a primary key's exact storage class is the row's own value.
      const key = decodeKeyTuple(uk, c.pos).values as ColumnValue[];
      if (rowidKeyed && typeof key[0] === 'number') key[0] = BigInt(key[0]);
      if (value === null) return { key, values: null };
      const n = decodeRowInto(value, slots);
      const values = new Array<ColumnValue>(width);
      for (let p = 0; p < width; p++) {
        const s = slotPos[p]!;
        values[p] = s >= 0 && s < n ? slots[s]! : null;
      }
      if (aliasPos >= 0) values[aliasPos] = key[0]!;
      if (rowidPos >= 0) values[rowidPos] = key[0]!;
      values[width - 1] = BigInt(n);
      if (!rowidKeyed) for (let k = 0; k < keyPos.length; k++) key[k] = values[keyPos[k]!]!;
      return { key, values };
    },
    picker(positions: readonly number[]) {
      // The same values as toColumns gives at those positions; row slots not asked for are skipped undecoded.
      const needed = new Uint8Array(Math.max(1, t.nextColumnId));
      for (const p of positions) if (slotPos[p]! >= 0) needed[slotPos[p]!] = 1;
      const keyAsked = positions.some((p) => p === aliasPos || p === rowidPos);
      const row: SqlValue[] = [];
      return (uk, value, out) => {
        const n = decodeRowInto(value, row, needed);
        let rowid: ColumnValue = null;
        if (keyAsked) {
          const c = { pos: 0 };
          readOrderedUvarint(uk, c);
          readOrderedUvarint(uk, c);
          const k = decodeKeyTuple(uk, c.pos).values[0];
          rowid = typeof k === 'number' ? BigInt(k) : (k as ColumnValue);
        }
        for (let j = 0; j < positions.length; j++) {
          const p = positions[j]!;
          if (p === aliasPos || p === rowidPos) out[j] = rowid;
          else if (p === width - 1) out[j] = BigInt(n);
          else {
            const s = slotPos[p]!;
            out[j] = s >= 0 && s < n ? (row[s]! as ColumnValue) : null;
          }
        }
        return n;
      };
    },
  };
}

/** Reads a run file back with the file's own columns (its schema when written, not today's). */
export function rowDecoder(info: ColdFileInfo, schema: ColumnarSchema, keyColumns: readonly string[]): ColdRowDecoder {
  const cols = schema.columns;
  const keyPos = keyColumns.map((k) => cols.findIndex((c) => c.name === k));
  const slotsPos = cols.findIndex((c) => c.fieldId === FIELD_ID_SLOTS);
  if (keyPos.some((p) => p < 0) || slotsPos < 0 || (info.layout !== LAYOUT_ROWID && info.layout !== LAYOUT_PK)) {
    throw new DoSQLError('CORRUPTION', `sql: columnar run of table ${info.table} has an unknown layout ${info.layout}`);
  }
  const slotOf = cols.map((c) => (c.fieldId < FIELD_ID_SLOTS ? c.fieldId - 1 : -1));
  // A rowid alias column holds the rowid for readers; its row slot stores NULL (row.md).
  const aliasSlot = info.layout === LAYOUT_ROWID ? slotOf[keyPos[0]!]! : -1;
  const key = new Array<ColumnValue>(keyPos.length);
  return {
    userKey(row) {
      for (let k = 0; k < keyPos.length; k++) key[k] = row[keyPos[k]!]!;
      return encodeUserKey(MAIN_BRANCH, info.table, key);
    },
    keyOf(target) {
      // The user key is (branch, table, key tuple), keys.md; its memcmp order is SQLite's
      // order of the tuples, which is compareKeys' (value-order.ts).
      const c = { pos: 0 };
      if (target.length === 0 || readOrderedUvarint(target, c) !== MAIN_BRANCH || c.pos >= target.length || readOrderedUvarint(target, c) !== info.table) return null;
      let got: { values: ColumnValue[]; next: number };
      try {
        got = decodeKeyTuple(target, c.pos) as { values: ColumnValue[]; next: number };
      } catch {
        return null;
      }
      const rest = target.length - got.next;
      if (got.values.length !== keyPos.length || (rest !== 0 && rest !== TRAILER_SIZE)) return null;
      return { values: got.values, length: got.next };
    },
    reads(pos, columns) {
      // Columns are the row's slots (fieldId - 1) and the slot count; a query's slot mask
      // (TableReader's `needed`) names the slots it reads.
      if (pos === slotsPos) return true;
      const s = slotOf[pos]!;
      return s >= 0 && columns[s] === 1;
    },
    value(row) {
      const n = Number(row[slotsPos] as bigint);
      const slots = new Array<SqlValue>(n).fill(null);
      for (let p = 0; p < cols.length; p++) {
        const s = slotOf[p]!;
        if (s >= 0 && s < n) slots[s] = row[p]!;
      }
      if (aliasSlot >= 0 && aliasSlot < n) slots[aliasSlot] = null;
      return encodeRow(slots);
    },
  };
}

/** The codec the Database installs in its engine. */
export function sqlColdCodec(load: () => Promise<{ tables: TableSchema[]; commits: { lsn: number; ts: number }[] }>): ColdCodec {
  return {
    async plan(): Promise<ColdPlan> {
      const { tables, commits } = await load();
      const plans = new Map<number, ColdTablePlan>();
      for (const t of tables) if (columnarEligible(t)) plans.set(t.id, tablePlan(t));
      const ts = new Map(commits.map((c) => [c.lsn, c.ts]));
      return { tables: plans, timestampOf: (lsn) => ts.get(lsn) ?? 0 };
    },
    decoder: rowDecoder,
  };
}
