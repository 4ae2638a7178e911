// The columnar layer's public surface (docs/format/columnar.md): re-exports only.
export { ARROW_FIELD_ID_KEY, COLUMNAR_FORMAT_NAME, COLUMNAR_FORMAT_VERSION, KV_KEY_FIELD_IDS, MAX_USER_FIELD_ID } from './format.js';
export { icebergSchema, validateSchema } from './schema.js';
export type { ColumnDef, ColumnType, ColumnValue, ColumnarSchema, IcebergSchemaJson } from './schema.js';
export { encodeRows } from './arrow-encode.js';
export type { EncodedBatch, FileColumn } from './arrow-encode.js';
export { DEFAULT_ROW_GROUP_ROWS, initParquet, parquetReady, writeParquet } from './parquet-writer.js';
export type { ParquetCompression, ParquetWasmSource, WriteParquetOptions, WrittenParquet } from './parquet-writer.js';
export { columnStats, describeParquet, parseFooter } from './parquet-stats.js';
export type { ColumnChunkStats, ColumnFileStats, FileStats, ParquetColumnInfo, RowGroupStats } from './parquet-stats.js';
export { selectRowGroups } from './row-group-pruning.js';
export type { PredicateOp, StatsPredicate } from './row-group-pruning.js';
export { bytesSource, objectStoreSource, openParquet, registerZstdDecoder, plannedRowGroups, readParquetColumns, readParquetRows, readRowGroups } from './parquet-reader.js';
export type { OpenedParquet, ParquetSource, ReadParquetOptions, RowGroupColumns } from './parquet-reader.js';
export { checkedRanges, computeRunChecksums, parseCrcs } from './run-checksums.js';
export type { RunChecksums } from './run-checksums.js';
export { compareKeys, compareValues } from './value-order.js';
export { chunkValue, toChunk } from './column-chunk.js';
export type { ColumnChunk } from './column-chunk.js';
