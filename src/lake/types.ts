// Options, configuration and results of the lake (`dosql/lake`, docs/lake.md).
import type { ObjectStore } from '../storage/object-store.js';
import type { Clock } from '../util/clock.js';
import type { ParquetWasmSource } from '../columnar/index.js';
import type { LakeRetentionOptions } from './cleanup.js';
import type { LakeCompactionOptions } from './compaction.js';
import type { ColumnPartition } from './partition.js';

/** How one lake table is laid out and keyed. */
export interface LakeTableConfig {
  /** Namespace folder of the table (default: the lake's). */
  namespace?: string;
  /**
   * `'source'` (default): keys are unique per source, the lake key is (source, key);
   * `'global'`: the table is sharded by key across sources, the lake key is the key alone and
   * a later write from another source moves the row (docs/lake.md, "Many sources").
   */
  keyScope?: 'source' | 'global';
  /**
   * Day partitions by `'commit'` time (default) or by a column's value read as a time
   * (`{ column, unit? }`, docs/lake.md "Partitions"). Fixed when the table is created: another
   * setting for an existing table is INVALID_ARGUMENT.
   */
  partition?: 'commit' | ColumnPartition;
}

/** When the buffered changes are written to Iceberg (seed 003 DOLAKE_* settings). */
export interface LakeFlushOptions {
  /** Flush when the oldest buffered event is this old, ms. Default 60000 (DOLAKE_FLUSH_INTERVAL_MS). */
  intervalMs?: number;
  /** Buffer capacity, bytes of wire events; a flush starts at a quarter of it. Default 64 MiB (DOLAKE_MAX_BUFFER_SIZE). */
  maxBufferBytes?: number;
  /** Flush when this many events are buffered. Default 10000 (DOLAKE_EVENT_THRESHOLD). */
  eventThreshold?: number;
  /** Rows per Parquet row group. Default 100000 (DOLAKE_PARQUET_ROW_GROUP_SIZE). */
  rowGroupRows?: number;
  /** Rows per data file at most (a file is cut there). Default 1,000,000. */
  maxRowsPerFile?: number;
  /** Run flushes from a timer (default true); tests and the CLI may call `flush()` themselves. */
  auto?: boolean;
}

export interface LakeOptions {
  /** The warehouse: where the Iceberg tables live (`warehouse/<ns>/<table>/...` under it). */
  warehouse: ObjectStore;
  /**
   * The URL under which readers see the warehouse store's root ("file:///srv/lake",
   * "http://127.0.0.1:8080", "s3://bucket"); Iceberg metadata stores absolute paths under it.
   */
  url: string;
  /**
   * Where the lake's own state lives (buffer, key index, registry: an LsmEngine). Default: the
   * warehouse store under `_lake/state/`.
   */
  state?: ObjectStore;
  /** Namespace of tables without their own. Default 'default'. */
  namespace?: string;
  /** Per-table configuration by table name. */
  tables?: Readonly<Record<string, LakeTableConfig>>;
  flush?: LakeFlushOptions;
  /** Wall clock (commit timestamps, ages). Default Date.now. */
  clock?: Clock;
  /** State engine durability (default 'full'). */
  durability?: 'full' | 'normal' | 'off';
  /** Snapshot expiry and orphan cleanup defaults (`cleanup()`); `orphanMinAgeMs` also bounds a commit's duration. */
  retention?: LakeRetentionOptions;
  /** Compaction defaults (`compact()`). */
  compaction?: LakeCompactionOptions;
  /**
   * parquet-wasm's `parquet_wasm_bg.wasm` (bytes or a WebAssembly.Module), when no database in
   * this process has loaded it yet (`DB()` does); see src/columnar `initParquet`.
   */
  parquetWasm?: ParquetWasmSource;
  /** Names this lake in snapshot summaries (`dosql.lake.writer`). Default a random id. */
  writerId?: string;
}

/** Per source, what the lake holds. */
export interface LakeSourceStatus {
  sourceId: string;
  /** Last position durable in the lake's buffer. */
  received: string;
  /** Every event up to this LSN is in Iceberg snapshots. */
  committed: number;
  /** Events of the source still buffered. */
  buffered: number;
  lastBatchAt: number;
}

export interface LakeTableStatus {
  name: string;
  namespace: string;
  version: number;
  dataFiles: number;
  deleteFiles: number;
  lastError?: string;
}

/** Result of one flush. */
export interface FlushResult {
  /** Tables committed, with their new metadata version. */
  commits: { table: string; version: number; rows: number; deletes: number }[];
  /** Per source, the LSN now committed. */
  committed: Record<string, number>;
  /** Events written out of the buffer. */
  events: number;
}
