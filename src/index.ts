// The public API of dosql. Only named re-exports: a test pins this list.
export { DoSQLError, type ErrorCode } from './errors.js';
export type { ObjectStore, AppendableObject, GetOptions, GetResult, ObjectInfo, PutOptions, PutCondition, PutResult, ByteRange } from './storage/object-store.js';
export { MemoryObjectStore } from './storage/memory-store.js';
export { PrefixedObjectStore } from './storage/prefixed-store.js';
export { FsObjectStore, type FsObjectStoreOptions } from './storage/fs-store.js';
export { DurableObjectStore, type DurableObjectStoreOptions, type DoSqlStorage } from './storage/do-store.js';
export { R2ObjectStore, type R2ObjectStoreOptions, type R2BucketLike } from './storage/r2-store.js';
export { FaultInjectingStore, InjectedFault, type FaultRule, type FaultKind, type FaultOp } from './storage/fault-store.js';
export type { KeyValue, KeyTuple } from './mvcc/key-codec.js';
export { LsmEngine } from './lsm/engine.js';
export { ReadView } from './mvcc/read-view.js';
export { Transaction, type TransactionOptions, type KvPair, type PendingWrite } from './mvcc/transaction.js';
export type { CommitOptions } from './mvcc/commit.js';
export type { RangeClaim } from './mvcc/conflicts.js';
export type { Branches, Snapshots } from './lsm/branch-ops.js';
export type { BranchRef, SnapshotRef } from './manifest/manifest-format.js';
export type { CommitListener } from './lsm/write-path.js';
export type { CommitRecord, WalOp } from './lsm/wal-format.js';
export {
  KvEntry,
  type EngineOptions,
  type EngineStats,
  type LevelStats,
  type CommitInfo,
  type ReadOptions,
  type ScanOptions,
  type KeyRange,
  type Durability,
  type EngineEvent,
} from './lsm/engine-types.js';
export type { CompactionOptions } from './compaction/options.js';
export type { Retention } from './compaction/retention.js';
export type { CompactionStats } from './lsm/compaction-scheduler.js';
export { WriteBatch } from './lsm/write-batch.js';
export { ManualClock, type Clock } from './util/clock.js';
export { DB, restore } from './node/db.js';
export { verifyBackup, listBackups, listBackupsIn, type BackupManifest, type BackupTarget, type RestoreOptions } from './node/backup.js';
export type { DBOptions, StorageTiers, MigrationsOption } from './sql/api/db-options.js';
export type { LogLevel, LogRecord, LogSink } from './util/log.js';
export type { CompactProgress, ImportProgress, ProgressCallback, ProgressEvent } from './util/progress.js';
export { migrate, migrationStatus, type Migration, type MigrationStatus } from './sql/api/migrations.js';
export { repair, type RepairOptions, type RepairReport, type ManifestReport } from './node/repair.js';
export { Database, type RunResult, type ExecuteResult, type BatchStatement, type BackupResult, type ProfiledRows, type QueryPlanStep, type QueryStats, type QueryOptions, type DatabaseOptions, type StatementOptions } from './sql/api/database.js';
export type { OperatorProfile } from './sql/execution/op-profile.js';
export { TransactionHandle } from './sql/api/transaction-handle.js';
export type { Limits } from './sql/execution/limits.js';
export type { DatabaseMetrics } from './sql/api/metrics-text.js';
export type { QueryMetricsSnapshot } from './sql/api/query-metrics.js';
export { Statement } from './sql/api/statement.js';
export type { BindParams, BindValue, JsValue } from './sql/api/values.js';
export type { SqlValue } from './sql/types/value.js';
export { lsn, timestamp, snapshot, branch, relative, type TimePoint } from './sql/api/time-points.js';
export { createTimeTravelSession, type TimeTravelSession } from './sql/api/time-travel-session.js';
export type { MergeConflict, MergeStrategy } from './sql/api/merge.js';
export { createCDC, type CDC } from './cdc/cdc.js';
