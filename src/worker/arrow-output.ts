// Query results as an Arrow IPC stream (`Accept: application/vnd.apache.arrow.stream`). Built
// with the columnar layer's encoder (makeData from typed arrays: Arrow's Builders compile code
// with `new Function`, which workerd forbids). Each column takes the storage class of its first
// non-NULL value: INTEGER -> Int64, REAL -> Float64, TEXT -> Utf8, BLOB -> Binary (all NULL:
// Utf8). A value of another class is NULL in that column and kept in a shadow column
// `_dosql_mixed_<n>` (docs/format/columnar.md), so nothing is lost.
import { tableToIPC } from 'apache-arrow';
import { encodeRows, type ColumnDef, type ColumnType } from '../columnar/index.js';
import type { SqlValue } from '../sql/types/value.js';

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

function typeOf(v: SqlValue): ColumnType {
  if (typeof v === 'bigint') return 'long';
  if (typeof v === 'number') return 'double';
  if (v instanceof Uint8Array) return 'binary';
  return 'string';
}

/** Arrow IPC stream bytes of one result (column names made unique with a `:n` suffix). */
export function resultToArrow(columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Uint8Array {
  const seen = new Map<string, number>();
  const defs: ColumnDef[] = columns.map((name, i) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    let type: ColumnType = 'string';
    for (const r of rows) {
      const v = r[i] ?? null;
      if (v !== null) {
        type = typeOf(v);
        break;
      }
    }
    return { name: n === 1 ? name : `${name}:${n}`, fieldId: i + 1, type, nullable: true };
  });
  const batch = encodeRows(rows, { columns: defs });
  return tableToIPC(batch.table, 'stream');
}
