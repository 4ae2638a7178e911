// Settings of the lake on Workers, read from Worker vars (wrangler.toml `[vars]`; docs/workers.md,
// "The lake"): the DoLake object's (seed 003's DOLAKE_* names and defaults) and the DoSQL
// object's link to it (DOSQL_LAKE*). Every var is optional.
import { DoSQLError } from '../errors.js';
import type { LakeTableConfig } from '../lake/index.js';
import type { Env } from './cf-types.js';

export interface DoLakeConfig {
  /** DOLAKE_FLUSH_INTERVAL_MS: flush once the oldest buffered event is this old. Default 60000. */
  flushIntervalMs: number;
  /** DOLAKE_MAX_BUFFER_SIZE: buffer capacity, bytes (a flush starts at a quarter). Default 64 MiB. */
  maxBufferBytes: number;
  /** DOLAKE_EVENT_THRESHOLD: flush at this many buffered events. Default 10000. */
  eventThreshold: number;
  /** DOLAKE_PARQUET_ROW_GROUP_SIZE: rows per Parquet row group. Default 100000. */
  rowGroupRows: number;
  /** DOLAKE_WAREHOUSE_URL: the URL readers see the bucket LAKEHOUSE_BUCKET under. Default 'r2://dosql-lakehouse'. */
  warehouseUrl: string;
  /** DOLAKE_NAMESPACE: namespace of the lake's tables. Default 'default'. */
  namespace: string;
  /** DOLAKE_TABLES: JSON `{ "<table>": LakeTableConfig }`. Default {}. */
  tables: Record<string, LakeTableConfig>;
  /** DOLAKE_MAINTENANCE_INTERVAL_MS: compaction and cleanup from the alarm this often; 0 = only on request. Default 300000. */
  maintenanceIntervalMs: number;
  /** DOLAKE_ORPHAN_MIN_AGE_MS: cleanup's age guard. Default 86400000. */
  orphanMinAgeMs: number;
}

export interface LakeLinkConfig {
  /** DOSQL_LAKE: name of the DoLake object to stream to; unset = no streaming. */
  lake: string | null;
  /** DOSQL_LAKE_SLOT: replication slot of the stream. Default 'dolake'. */
  slot: string;
  /** DOSQL_LAKE_TABLES: comma list of tables to stream; empty = all. */
  tables: string[] | null;
  /** DOSQL_LAKE_INTERVAL_MS: alarm period while the lake has not committed everything. Default 1000. */
  intervalMs: number;
  /** CDC_BATCH_SIZE (seed 003): events per batch. Default 1000. */
  maxBatchSize: number;
  /** CDC_MAX_RETRY_COUNT / CDC_RETRY_DELAY_MS (seed 003): the streamer's retry. */
  retry: { maxAttempts: number; initialDelayMs: number };
}

function num(env: Env, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min) throw new DoSQLError('INVALID_ARGUMENT', `worker: var ${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

function str(env: Env, name: string): string | null {
  const raw = env[name];
  return typeof raw === 'string' && raw !== '' ? raw : null;
}

export function readLakeConfig(env: Env): DoLakeConfig {
  const tablesText = str(env, 'DOLAKE_TABLES');
  let tables: Record<string, LakeTableConfig> = {};
  if (tablesText) {
    try {
      tables = JSON.parse(tablesText) as Record<string, LakeTableConfig>;
    } catch (e) {
      throw new DoSQLError('INVALID_ARGUMENT', `worker: var DOLAKE_TABLES must be JSON { "<table>": { ... } }: ${(e as Error).message}`);
    }
    if (typeof tables !== 'object' || tables === null || Array.isArray(tables)) throw new DoSQLError('INVALID_ARGUMENT', 'worker: var DOLAKE_TABLES must be a JSON object');
  }
  return {
    flushIntervalMs: num(env, 'DOLAKE_FLUSH_INTERVAL_MS', 60_000),
    maxBufferBytes: num(env, 'DOLAKE_MAX_BUFFER_SIZE', 64 * 1024 * 1024, 1024),
    eventThreshold: num(env, 'DOLAKE_EVENT_THRESHOLD', 10_000, 1),
    rowGroupRows: num(env, 'DOLAKE_PARQUET_ROW_GROUP_SIZE', 100_000, 1),
    warehouseUrl: (str(env, 'DOLAKE_WAREHOUSE_URL') ?? 'r2://dosql-lakehouse').replace(/\/+$/, ''),
    namespace: str(env, 'DOLAKE_NAMESPACE') ?? 'default',
    tables,
    maintenanceIntervalMs: num(env, 'DOLAKE_MAINTENANCE_INTERVAL_MS', 300_000),
    orphanMinAgeMs: num(env, 'DOLAKE_ORPHAN_MIN_AGE_MS', 86_400_000, 1),
  };
}

export function readLakeLinkConfig(env: Env): LakeLinkConfig {
  const tables = str(env, 'DOSQL_LAKE_TABLES');
  return {
    lake: str(env, 'DOSQL_LAKE'),
    slot: str(env, 'DOSQL_LAKE_SLOT') ?? 'dolake',
    tables: tables ? tables.split(',').map((t) => t.trim()).filter(Boolean) : null,
    intervalMs: num(env, 'DOSQL_LAKE_INTERVAL_MS', 1000, 10),
    maxBatchSize: num(env, 'CDC_BATCH_SIZE', 1000, 1),
    retry: { maxAttempts: num(env, 'CDC_MAX_RETRY_COUNT', 5, 1), initialDelayMs: num(env, 'CDC_RETRY_DELAY_MS', 100, 1) },
  };
}
