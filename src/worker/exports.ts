// The package's Workers entry: `dosql/worker`, and `dosql` itself where the bundler resolves
// the `workerd` export condition (wrangler does). Nothing here imports a Node built-in
// (test/worker-entry.test.ts bundles it for workerd and checks). Use DB() inside your own
// Durable Object (examples/worker), or re-export DoSQL to deploy dosql's own HTTP/WebSocket
// object (docs/workers.md).
export { DB } from './db.js';
export { DoSQL } from './do-sql.js';
export { DoLake } from './do-lake.js';
export { DoSQLError, type ErrorCode } from '../errors.js';
export { Database, type RunResult, type QueryOptions, type DatabaseOptions, type StatementOptions } from '../sql/api/database.js';
export type { DBOptions, StorageTiers, MigrationsOption } from '../sql/api/db-options.js';
export type { LogLevel, LogRecord, LogSink } from '../util/log.js';
export type { CompactProgress, ImportProgress, ProgressCallback, ProgressEvent } from '../util/progress.js';
export { migrate, migrationStatus, type Migration, type MigrationStatus } from '../sql/api/migrations.js';
export { Statement } from '../sql/api/statement.js';
export { TransactionHandle } from '../sql/api/transaction-handle.js';
export { lsn, timestamp, snapshot, branch, relative, type TimePoint } from '../sql/api/time-points.js';
export { createTimeTravelSession, type TimeTravelSession } from '../sql/api/time-travel-session.js';
export type { MergeConflict, MergeStrategy } from '../sql/api/merge.js';
export type { BindParams, BindValue, JsValue } from '../sql/api/values.js';
export type { SqlValue } from '../sql/types/value.js';
export type { Limits } from '../sql/execution/limits.js';
export type { ObjectStore, ObjectInfo, GetOptions, GetResult, PutOptions, PutResult, AppendableObject } from '../storage/object-store.js';
export { MemoryObjectStore } from '../storage/memory-store.js';
export { DurableObjectStore, type DurableObjectStoreOptions, type DoSqlStorage } from '../storage/do-store.js';
export { R2ObjectStore, type R2ObjectStoreOptions, type R2BucketLike } from '../storage/r2-store.js';
