// Arrow batch -> Parquet file bytes with parquet-wasm (arrow-rs compiled to wasm); the
// choices we make inside the standard format are in docs/format/columnar.md.
import {
  Compression,
  EnabledStatistics,
  Encoding,
  Table as WasmTable,
  WriterPropertiesBuilder,
  initSync,
  type SyncInitInput,
  writeParquet as wasmWriteParquet,
} from 'parquet-wasm/esm';
import { tableToIPC } from 'apache-arrow';
import { DoSQLError } from '../errors.js';
import { encodeRows, type EncodedBatch, type FileColumn } from './arrow-encode.js';
import {
  COLUMNAR_FORMAT_NAME,
  COLUMNAR_FORMAT_VERSION,
  KV_FORMAT,
  KV_FORMAT_VERSION,
  KV_ICEBERG_SCHEMA,
  KV_KEY_FIELD_IDS,
} from './format.js';
import { icebergSchema, validateSchema, type ColumnValue, type ColumnarSchema } from './schema.js';

let ready = false;

/**
 * A `WebAssembly.Module` of parquet-wasm's `esm/parquet_wasm_bg.wasm`, or its bytes.
 * (Spelled without the `WebAssembly` namespace, which this project's TS libs do not declare.)
 */
export type ParquetWasmSource = ArrayBuffer | ArrayBufferView | object;

/**
 * Instantiates parquet-wasm's ESM build once; later calls do nothing. In workerd pass the
 * CompiledWasm module import of `parquet_wasm_bg.wasm` (compiling bytes is forbidden there);
 * in Node pass the file's bytes or a `WebAssembly.Module` made from them.
 */
export function initParquet(module: ParquetWasmSource): void {
  if (ready) return;
  initSync({ module: module as SyncInitInput });
  ready = true;
}

/** True once {@link initParquet} has run. */
export function parquetReady(): boolean {
  return ready;
}

export type ParquetCompression = 'zstd' | 'snappy' | 'none';

export interface WriteParquetOptions {
  /** Maximum rows per row group (the pruning unit). Default 65,536. */
  rowGroupRows?: number;
  /** Default 'zstd' (arrow-rs default level). The reader decompresses zstd and snappy. */
  compression?: ParquetCompression;
  /** Field ids of the key columns, in key order, recorded as `dosql.key` (columnar runs). */
  keyFieldIds?: readonly number[];
  /** `schema-id` written into `iceberg.schema`. Default 0. */
  icebergSchemaId?: number;
  /** Extra key-value metadata; keys starting with `dosql.` or `iceberg.` are ours and rejected. */
  keyValueMetadata?: Readonly<Record<string, string>>;
}

export interface WrittenParquet {
  readonly bytes: Uint8Array;
  readonly rowCount: number;
  readonly columns: readonly FileColumn[];
  /** NaN count per `double` field id (Parquet statistics do not carry it). */
  readonly nanCounts: ReadonlyMap<number, number>;
}

export const DEFAULT_ROW_GROUP_ROWS = 65_536;

/**
 * Writes rows (arrays of values in schema order) or an already encoded batch as one
 * Parquet file: ZSTD, chunk and page statistics, `PARQUET:field_id` on every typed column,
 * key-value metadata `dosql.format`, `dosql.format.version`, `iceberg.schema` (and `dosql.key`).
 *
 * Throws `INVALID_ARGUMENT` if {@link initParquet} has not run, the schema is invalid or
 * the options are malformed; row errors as {@link encodeRows}.
 */
export function writeParquet(
  input: readonly (readonly ColumnValue[])[] | EncodedBatch,
  schema: ColumnarSchema,
  options: WriteParquetOptions = {},
): WrittenParquet {
  if (!ready) throw new DoSQLError('INVALID_ARGUMENT', 'columnar: call initParquet(wasm) before writing Parquet');
  validateSchema(schema);
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new DoSQLError('INVALID_ARGUMENT', `columnar: rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  }
  const batch = 'table' in input ? input : encodeRows(input, schema);
  const fileSchema = {
    columns: batch.columns.flatMap((c) => (c.fieldId === null ? [] : [{ name: c.name, fieldId: c.fieldId, type: c.type, nullable: c.nullable }])),
  };
  const kv = new Map<string, string>();
  for (const [k, v] of Object.entries(options.keyValueMetadata ?? {})) {
    if (k.startsWith('dosql.') || k.startsWith('iceberg.')) {
      throw new DoSQLError('INVALID_ARGUMENT', `columnar: key-value metadata key "${k}" is reserved`);
    }
    kv.set(k, v);
  }
  kv.set(KV_FORMAT, COLUMNAR_FORMAT_NAME);
  kv.set(KV_FORMAT_VERSION, String(COLUMNAR_FORMAT_VERSION));
  kv.set(KV_ICEBERG_SCHEMA, JSON.stringify(icebergSchema(fileSchema, options.icebergSchemaId ?? 0)));
  if (options.keyFieldIds) kv.set(KV_KEY_FIELD_IDS, JSON.stringify(options.keyFieldIds));

  let builder = new WriterPropertiesBuilder()
    .setCompression(compressionOf(options.compression ?? 'zstd'))
    .setMaxRowGroupSize(rowGroupRows)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .setCreatedBy('dosql')
    .setKeyValueMetadata(kv);
  // Integers: dictionary while it pays, else delta encoding (keys, LSNs and timestamps are
  // sorted or nearly so: a few bits a value instead of 8 bytes). Unique keys skip the dictionary.
  const keys = new Set(options.keyFieldIds ?? []);
  for (const c of batch.columns) {
    if (c.type !== 'long') continue;
    builder = builder.setColumnEncoding(c.name, Encoding.DELTA_BINARY_PACKED);
    if (c.fieldId !== null && keys.has(c.fieldId) && keys.size === 1) builder = builder.setColumnDictionaryEnabled(c.name, false);
  }
  const props = builder.build();
  // writeParquet consumes both the wasm table and the properties (research §1).
  const bytes = wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(batch.table, 'stream')), props);
  return { bytes, rowCount: batch.table.numRows, columns: batch.columns, nanCounts: batch.nanCounts };
}

function compressionOf(c: ParquetCompression): Compression {
  switch (c) {
    case 'zstd':
      return Compression.ZSTD;
    case 'snappy':
      return Compression.SNAPPY;
    case 'none':
      return Compression.UNCOMPRESSED;
    default:
      throw new DoSQLError('INVALID_ARGUMENT', `columnar: unknown compression ${String(c)}`);
  }
}
