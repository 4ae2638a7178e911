// The cold tier's surface (docs/design/cold-tier.md): re-exports only. The engine holds a
// ColdTier; the SQL layer implements ColdCodec and IcebergTableSource and reads runs through
// `engine.cold` (ColdTierApi, ColdRuns). Nothing above the engine imports anything else of
// src/cold (test/layering.test.ts).
export { ColdTier } from './cold-tier.js';
export type { ColdTierApi, ColdTierHost } from './cold-tier.js';
export type { ColdColumnStats, ColdDelta, ColdRowGroup, ColdRuns, ColdScan, ColdScanRequest } from './cold-scan.js';
export type { ColdCodec, ColdPlan, ColdRowDecoder, ColdTablePlan, ColumnarVersion } from './cold-codec.js';
export { FIELD_ID_ROWID, FIELD_ID_SLOTS } from './run-layout.js';
export { COLD_RUN_PREFIX, parseColdRunKey } from './run-keys.js';
export type { IcebergTables } from './iceberg-tables.js';
export type { IcebergTableSource } from './iceberg-publish.js';
export type { Warehouse } from './warehouse.js';
// Shapes the codec and the columnar readers above exchange (src/columnar's).
export type { ColumnChunk, ColumnDef, ColumnType, ColumnValue, ColumnarSchema } from '../columnar/index.js';
// Typed chunks of values the caller holds (the hot delta's rows, decoded above the engine).
export { chunkValue, toChunk } from '../columnar/index.js';
export type { ColdFileInfo } from '../manifest/manifest-format.js';
