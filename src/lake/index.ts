// The public API of `dosql/lake` (docs/lake.md): the lake that streams changes from any number
// of dosql databases into Iceberg v2 tables, exactly once. Only named re-exports;
// test/public-api.test.ts pins this list.
export { Lake, openLake, type LakeTableSnapshot } from './lake.js';
export type { LakeMetrics } from './metrics.js';
export type { CleanupResult, LakeRetentionOptions } from './cleanup.js';
export type { CompactionResult, LakeCompactionOptions } from './compaction.js';
export type { FlushResult, LakeFlushOptions, LakeOptions, LakeSourceStatus, LakeTableConfig, LakeTableStatus } from './types.js';
export type { BackpressureSignal, CDCBatch, LakeAck, LakeCommitted, LakeEndpoint, LakeEvent, LakeHello, LakeNack, LakeWelcome } from '../cdc/lake-protocol.js';
export { LakeHost, LAKE_SOURCE_ID, type LakeConnection, type LakeHostCounters, type LakeHostOptions } from './host.js';
export { serveWarehouseObject } from './objects.js';
