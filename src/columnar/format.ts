// Persisted constants of the columnar file format (docs/format/columnar.md); what a columnar
// run adds (system columns, kinds) is in src/cold/run-layout.ts.
// Persisted: never renumber or rename; retired values stay listed here.

/** Value of the `dosql.format` key-value entry in every file we write. */
export const COLUMNAR_FORMAT_NAME = 'dosql-columnar';
/** Value of `dosql.format.version`; readers accept versions in {@link SUPPORTED_FORMAT_VERSIONS}. */
export const COLUMNAR_FORMAT_VERSION = 1;
export const SUPPORTED_FORMAT_VERSIONS: ReadonlySet<number> = new Set([1]);

/** Parquet key-value metadata keys. */
export const KV_FORMAT = 'dosql.format';
export const KV_FORMAT_VERSION = 'dosql.format.version';
/** JSON array of the field ids of the key columns, in key order (WriteParquetOptions.keyFieldIds). */
export const KV_KEY_FIELD_IDS = 'dosql.key';
/** JSON Iceberg schema of the file's columns (read by icebird and Java Iceberg). */
export const KV_ICEBERG_SCHEMA = 'iceberg.schema';

/** Arrow field metadata key that parquet-wasm turns into the Parquet `field_id`. */
export const ARROW_FIELD_ID_KEY = 'PARQUET:field_id';

/**
 * User field ids must be in [1, MAX_USER_FIELD_ID]. Higher ids are reserved for metadata
 * columns (ColumnDef.reserved): a columnar run's system columns just below Iceberg's range
 * (src/cold/run-layout.ts), and Iceberg's own (>= 2147483447, Integer.MAX_VALUE - 200).
 */
export const MAX_USER_FIELD_ID = 2147483443;

/** Names starting with this prefix are reserved for metadata and shadow columns. */
export const RESERVED_PREFIX = '_dosql_';
/** Name of the shadow column that holds the off-type values of the column with field id `id`. */
export function shadowColumnName(fieldId: number): string {
  return `${RESERVED_PREFIX}mixed_${fieldId}`;
}

/** First byte of a shadow-column value: the value's SQLite storage class. */
export const TAG_INTEGER = 1; // 8 bytes: int64 little-endian
export const TAG_REAL = 2; // 8 bytes: IEEE-754 binary64 little-endian
export const TAG_TEXT = 3; // UTF-8 bytes
export const TAG_BLOB = 4; // raw bytes
