// Tuning of the Durable Object, read from Worker vars (wrangler.toml `[vars]`), with defaults
// sized for a Durable Object's 128 MB of memory and SQLite storage. Every var is optional.
import { DoSQLError } from '../errors.js';
import type { Durability } from '../lsm/engine-types.js';
import type { Env } from './cf-types.js';
import { logLevelFrom, type LogLevel } from '../util/log.js';

export interface DoConfig {
  /** DOSQL_MEMTABLE_BYTES: memtable size that freezes it for a flush. Default 4 MiB. */
  memtableBytes: number;
  /** DOSQL_TARGET_FILE_BYTES: SSTables are cut near this size. Default 4 MiB. */
  targetFileBytes: number;
  /** DOSQL_BLOCK_CACHE_BYTES: decoded-block cache. Default 16 MiB. */
  blockCacheBytes: number;
  /** DOSQL_IMAGE_CACHE_BYTES: columnar images of SSTables for analytic queries (0: none). Default 16 MiB. */
  imageCacheBytes: number;
  /** DOSQL_COLD_CACHE_BYTES: decoded columnar-run data, per cache (columns of scans, row groups of point reads). Default 16 MiB. */
  coldCacheBytes: number;
  /** DOSQL_L0_TRIGGER: L0 runs that make the alarm compact. Default 4. */
  l0CompactionTrigger: number;
  /** DOSQL_LEVEL_BASE_BYTES: target size of L1. Default 32 MiB. */
  levelBaseBytes: number;
  /** DOSQL_IDLE_FLUSH_MS: a memtable untouched this long is flushed by the alarm. Default 30 s. */
  idleFlushMs: number;
  /** DOSQL_RETENTION: time-travel history kept ('7d', '12h', an LSN count, 'forever'). Default '7d'. */
  retention: string | number;
  /** DOSQL_WAL_ARCHIVE=1: copy flushed WAL segments to R2 under `_archive/wal/` (point-in-time restore past a backup). Default off. */
  walArchive: boolean;
  /**
   * DOSQL_DURABILITY: 'normal' (default) acknowledges once the WAL append is in storage, where
   * the output gate holds the response until it is durable; 'full' also awaits storage.sync().
   */
  durability: Durability;
  /** DOSQL_COLD_URL: URL readers see the R2 bucket under (Iceberg paths). Default 'r2://dosql-cold'. */
  coldUrl: string;
  /** DOSQL_TX_TIMEOUT_MS: an interactive transaction idle this long is rolled back. Default 30 s. */
  txTimeoutMs: number;
  /**
   * DOSQL_STATEMENT_TIMEOUT_MS: a statement running this long is stopped with INTERRUPTED
   * (HTTP 408), so one query cannot hold the object. Default 30 s; 0 turns it off.
   */
  statementTimeoutMs: number;
  /** DOSQL_MAX_RESULT_ROWS: most rows one HTTP response (/query, /batch, /transaction) may carry. Default 100,000. */
  maxResultRows: number;
  /** DOSQL_MAX_RESULT_BYTES: most bytes (estimated in memory) of rows one HTTP response may carry. Default 16 MiB. */
  maxResultBytes: number;
  /** DOSQL_MAX_OPEN_TRANSACTIONS: interactive transactions open at once per object; more are BUSY (429). Default 32. */
  maxOpenTransactions: number;
  /** DOSQL_MAX_STATEMENT_MEMORY_BYTES: what one statement may buffer (limits.maxMemoryBytes). Default 32 MiB. */
  maxStatementMemoryBytes: number;
  /** DOSQL_MAX_LENGTH: largest TEXT or BLOB a statement may build (limits.maxLength). Default 16 MiB. */
  maxLength: number;
  /** CDC_BATCH_SIZE: most change events per message on /db/:name/cdc (seed 003's name). Default 100. */
  cdcBatchSize: number;
  /** DOSQL_LOG_LEVEL: 'off' (default), 'error', 'warn', 'info' or 'debug': JSON lines through console.log (docs/operations.md). */
  logLevel: LogLevel;
  /** DOSQL_SLOW_QUERY_MS: statements slower than this are logged at warn. Default 0: off. */
  slowQueryMs: number;
}

function num(env: Env, name: string, dflt: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min) throw new DoSQLError('INVALID_ARGUMENT', `worker: var ${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return Math.floor(n);
}

function str(env: Env, name: string, dflt: string): string {
  const raw = env[name];
  return typeof raw === 'string' && raw !== '' ? raw : dflt;
}

export function readConfig(env: Env): DoConfig {
  const retention = str(env, 'DOSQL_RETENTION', '7d');
  const durability = str(env, 'DOSQL_DURABILITY', 'normal');
  if (durability !== 'full' && durability !== 'normal' && durability !== 'off') {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: DOSQL_DURABILITY must be full, normal or off, got ${durability}`);
  }
  return {
    memtableBytes: num(env, 'DOSQL_MEMTABLE_BYTES', 4 * 1024 * 1024, 1024),
    targetFileBytes: num(env, 'DOSQL_TARGET_FILE_BYTES', 4 * 1024 * 1024, 1024),
    blockCacheBytes: num(env, 'DOSQL_BLOCK_CACHE_BYTES', 16 * 1024 * 1024, 0),
    imageCacheBytes: num(env, 'DOSQL_IMAGE_CACHE_BYTES', 16 * 1024 * 1024, 0),
    coldCacheBytes: num(env, 'DOSQL_COLD_CACHE_BYTES', 16 * 1024 * 1024, 1),
    l0CompactionTrigger: num(env, 'DOSQL_L0_TRIGGER', 4),
    levelBaseBytes: num(env, 'DOSQL_LEVEL_BASE_BYTES', 32 * 1024 * 1024, 1024),
    idleFlushMs: num(env, 'DOSQL_IDLE_FLUSH_MS', 30_000, 0),
    retention: /^\d+$/.test(retention) ? Number(retention) : retention,
    walArchive: ['1', 'true', 'on'].includes(str(env, 'DOSQL_WAL_ARCHIVE', '0').toLowerCase()),
    durability,
    coldUrl: str(env, 'DOSQL_COLD_URL', 'r2://dosql-cold').replace(/\/+$/, ''),
    txTimeoutMs: num(env, 'DOSQL_TX_TIMEOUT_MS', 30_000),
    statementTimeoutMs: num(env, 'DOSQL_STATEMENT_TIMEOUT_MS', 30_000, 0),
    maxResultRows: num(env, 'DOSQL_MAX_RESULT_ROWS', 100_000),
    maxResultBytes: num(env, 'DOSQL_MAX_RESULT_BYTES', 16 * 1024 * 1024, 1024),
    maxOpenTransactions: num(env, 'DOSQL_MAX_OPEN_TRANSACTIONS', 32),
    maxStatementMemoryBytes: num(env, 'DOSQL_MAX_STATEMENT_MEMORY_BYTES', 32 * 1024 * 1024, 1024),
    maxLength: num(env, 'DOSQL_MAX_LENGTH', 16 * 1024 * 1024, 1024),
    cdcBatchSize: num(env, 'CDC_BATCH_SIZE', 100),
    logLevel: logLevelFrom(typeof env.DOSQL_LOG_LEVEL === 'string' ? env.DOSQL_LOG_LEVEL : undefined, 'worker: var DOSQL_LOG_LEVEL'),
    slowQueryMs: num(env, 'DOSQL_SLOW_QUERY_MS', 0, 0),
  };
}

/** Database names: the same rule as DB() (letters, digits, '_', '-', '.'), at most 128 characters. */
export function checkDatabaseName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name) || name === '.' || name === '..') {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: database name must be 1-128 letters, digits, '_', '-' or '.', got ${JSON.stringify(name)}`);
  }
}
