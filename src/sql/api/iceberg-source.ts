// The SQL layer's side of Iceberg publishing (the cold tier publishes, src/cold/iceberg-publish.ts):
// a table's Iceberg schema and its current rows at a read point.
//
// Value mapping (Iceberg columns are typed, SQLite's are not): INTEGER → long, REAL and
// NUMERIC → double (integers widened), TEXT and untyped → string (numbers rendered as SQLite
// text), BLOB → binary. A value that still does not fit its column is written to the columnar
// shadow column by the Parquet writer and reads as NULL to other engines.
import type { ColumnarSchema, IcebergTableSource } from '../../cold/index.js';
import type { TableSchema } from '../catalog/schema.js';
import { ExecEnv, type Row } from '../execution/env.js';
import { TableReader } from '../execution/table-reader.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { declaredColumnType } from '../rows/cold-layout.js';
import type { Transaction } from '../txn/transaction.js';
import { fitColumnType as fit } from '../types/convert.js';

/** The table's Iceberg columns: field id = stable column id + 1 (as in its runs, cold-layout.ts). */
function icebergColumns(t: TableSchema): ColumnarSchema {
  return {
    columns: t.columns.map((c, i) => ({ name: c.name, fieldId: c.id + 1, type: declaredColumnType(t, i), nullable: !(c.notNull || i === t.rowidAlias) })),
  };
}

/** Table `t` as the cold tier publishes it: its state visible to `view` (its read LSN). */
export function icebergSource(view: Transaction, t: TableSchema, timestampMs: number): IcebergTableSource {
  return {
    name: t.name,
    table: t.id,
    schema: icebergColumns(t),
    async *rows() {
      const width = t.columns.length + (t.withoutRowid ? 0 : 1);
      const reader = new TableReader(t, width, 0, columnDefaults(t));
      const types = t.columns.map((_, i) => declaredColumnType(t, i));
      const env = new ExecEnv(view, [], { changes: 0, totalChanges: 0, lastInsertRowId: 0n }, timestampMs, () => 0n);
      for await (const batch of reader.scan(env)) {
        for (const r of batch as Row[]) yield t.columns.map((_, i) => fit(r[i]!, types[i]!));
      }
    },
  };
}
