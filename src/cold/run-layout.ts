// The layout of a columnar run (docs/format/columnar.md, "System columns" and "Columnar runs"):
// the table's columns as the codec plans them (cold-codec.ts), then three system columns —
// the version's commit LSN, commit time and kind — and the key columns' field ids in the
// `dosql.key` metadata. The Parquet files themselves are the columnar library's
// (src/columnar); what a run puts in them is decided here.
// Persisted: never renumber or rename; retired values stay listed here.
import { DoSQLError } from '../errors.js';
import { KV_KEY_FIELD_IDS, MAX_USER_FIELD_ID, type ColumnarSchema, type ColumnDef, type OpenedParquet } from '../columnar/index.js';

/**
 * Field ids of the system columns. Iceberg reserves ids >= 2147483447 (Integer.MAX_VALUE - 200)
 * for its own metadata columns (`_file` 2147483646, `_pos` 2147483645, delete-file
 * `file_path` 2147483546, `pos` 2147483545, row lineage, ...), so ours sit just below that
 * range: legal in an Iceberg table schema, and never reached by ids assigned from 1 upwards.
 */
export const FIELD_ID_LSN = 2147483446;
export const FIELD_ID_TS = 2147483445;
export const FIELD_ID_KIND = 2147483444;

export const COLUMN_LSN = '_dosql_lsn';
export const COLUMN_TS = '_dosql_ts';
export const COLUMN_KIND = '_dosql_kind';

/** `_dosql_kind` values. */
export const KIND_DELETE = 0;
export const KIND_PUT = 1;

/**
 * Field ids a codec may give the columns it adds to a table's own (field ids 1..): the hidden
 * key of a table without a declared one (SQL rowid tables), and the per-row count of the
 * table's columns a version carries. A version lacks the column with field id f when its
 * count is below f (it was written before the column was added); what such a row holds there
 * (a default) only the codec knows, so the typed read paths refuse those rows (cold-scan.ts).
 */
export const FIELD_ID_ROWID = MAX_USER_FIELD_ID;
export const FIELD_ID_SLOTS = MAX_USER_FIELD_ID - 1;

/** The system columns every columnar run carries after the table's columns. */
export const SYSTEM_COLUMNS: readonly ColumnDef[] = [
  { name: COLUMN_LSN, fieldId: FIELD_ID_LSN, type: 'long', nullable: false, reserved: true },
  { name: COLUMN_TS, fieldId: FIELD_ID_TS, type: 'long', nullable: false, reserved: true },
  { name: COLUMN_KIND, fieldId: FIELD_ID_KIND, type: 'long', nullable: false, reserved: true },
];

/** The schema with the three system columns appended (the layout of a columnar run). */
export function withSystemColumns(schema: ColumnarSchema): ColumnarSchema {
  return { columns: [...schema.columns, ...SYSTEM_COLUMNS] };
}

/** The table schema and key column names recorded in a run file. Throws CORRUPTION for a file that is not a run. */
export function runLayout(file: OpenedParquet): { schema: ColumnarSchema; keyColumns: string[] } {
  const raw = file.stats.keyValue[KV_KEY_FIELD_IDS];
  const keyIds = raw === undefined ? undefined : (JSON.parse(raw) as unknown);
  if (!Array.isArray(keyIds) || !keyIds.every((id) => typeof id === 'number')) {
    throw new DoSQLError('CORRUPTION', `columnar: ${file.source.name} is not a columnar run (no ${KV_KEY_FIELD_IDS})`, {
      details: { file: file.source.name },
    });
  }
  const system = new Set([COLUMN_LSN, COLUMN_TS, COLUMN_KIND]);
  const columns = file.stats.columns
    .map((c) => c.column)
    .filter((c) => c.shadowOf === undefined && !system.has(c.name) && c.fieldId !== null)
    .map((c) => ({ name: c.name, fieldId: c.fieldId!, type: c.type, nullable: c.nullable }));
  const keyColumns = (keyIds as number[]).map((id) => {
    const col = columns.find((c) => c.fieldId === id);
    if (!col) throw new DoSQLError('CORRUPTION', `columnar: key field id ${id} missing in ${file.source.name}`, { details: { file: file.source.name } });
    return col.name;
  });
  return { schema: { columns }, keyColumns };
}
