// The Node.js entry of the DB() API: data under ./.dosql/<name> by default (hot and cold
// tiers in local folders), or in memory for tests. Flushes and compactions run on worker
// threads when the data is in a folder.
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { initParquet, registerZstdDecoder } from '../columnar/index.js';
import type { Warehouse } from '../sql/api/iceberg-publish.js';
import { DoSQLError } from '../errors.js';
import type { Retention } from '../compaction/retention.js';
import type { CompactionOptions } from '../compaction/options.js';
import { LsmEngine, type Durability } from '../lsm/engine.js';
import { Database } from '../sql/api/database.js';
import type { Limits } from '../sql/execution/limits.js';
import { FsObjectStore } from '../storage/fs-store.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Clock } from '../util/clock.js';
import { workerExecutor } from './worker-executor.js';

export interface DBOptions {
  /** Folder holding the database (default `./.dosql/<name>`). */
  path?: string;
  /** `'memory'` keeps everything in memory (tests); default `'fs'`. */
  storage?: 'fs' | 'memory';
  /** A custom hot-tier store (overrides path and storage). */
  store?: ObjectStore;
  /** WAL durability: `full` (fsync per commit group, default), `normal`, `off`. */
  durability?: Durability;
  /** How much history time travel keeps (default '7d'). */
  retention?: Retention;
  /** Clock for commit timestamps and CURRENT_TIMESTAMP (tests inject a ManualClock). */
  clock?: Clock;
  /** Memtable size before a flush, bytes (default 64 MiB). */
  memtableBytes?: number;
  compaction?: Partial<CompactionOptions>;
  /** Move tables to the cold tier (columnar runs) in the background once their oldest hot version is older than this, ms (EngineOptions.hotDataMaxAge). Default: only on compact({ tier: 'cold' }). */
  hotDataMaxAge?: number;
  /** Move tables to the cold tier in the background once data reaches this LSM level (EngineOptions.coldFromLevel). */
  coldFromLevel?: number;
  /** Run flushes and compactions on worker threads (default true for folders). */
  workerThreads?: boolean;
  /** Engine reads/commits between yields to the event loop (tests use small values). */
  yieldEveryOps?: number;
  /**
   * The cold tier's Iceberg warehouse: objects under `prefix` (default 'cold/warehouse') of
   * `store` (default: the database's own store, i.e. `<db folder>/cold/warehouse`), seen by
   * readers under `url` (default `file://<that folder>` for folders, `mem://<name>/...` in memory).
   */
  warehouse?: { store?: ObjectStore; prefix?: string; url?: string; namespace?: string };
  /**
   * Resource limits over the defaults (docs/limits.md), as SQLite's sqlite3_limit:
   * `{ maxLength, maxColumns, maxQueryDepth, maxMemoryBytes }`.
   */
  limits?: Partial<Limits>;
  /** Default timeout of every statement, ms (default 0: none); a call's `{ timeoutMs }` overrides it. */
  timeoutMs?: number;
}

let parquetLoaded = false;

/** Loads parquet-wasm's wasm from node_modules once (workerd passes its module import instead). */
function ensureParquet(): void {
  if (parquetLoaded) return;
  const require = createRequire(import.meta.url);
  initParquet(readFileSync(require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')));
  parquetLoaded = true;
}

let zstdLoaded: Promise<void> | null = null;

/** Registers zstd compiled to wasm for Parquet reads (fzstd stays the fallback if it cannot load). */
function ensureZstd(): Promise<void> {
  zstdLoaded ??= import('@bokuweb/zstd-wasm')
    .then(async (z) => {
      await z.init();
      registerZstdDecoder((input) => z.decompress(input));
    })
    .catch(() => undefined);
  return zstdLoaded;
}

/**
 * Opens (lazily: every method waits for the open) the database `name`.
 * Throws INVALID_ARGUMENT for a bad name; open failures (a locked or corrupt database)
 * surface from the first call.
 */
export function DB(name = 'default', options: DBOptions = {}): Database {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw new DoSQLError('INVALID_ARGUMENT', `sql: database name must use letters, digits, '_', '-' or '.', got ${JSON.stringify(name)}`);
  }
  let store: ObjectStore;
  const folder = resolve(options.path ?? `.dosql/${name}`);
  if (options.store) store = options.store;
  else if (options.storage === 'memory') store = new MemoryObjectStore();
  else store = new FsObjectStore(folder);
  const w = options.warehouse ?? {};
  const prefix = w.prefix ?? 'cold/warehouse';
  const onDisk = !options.store && options.storage !== 'memory' && !w.store;
  const warehouse: Warehouse = {
    store: w.store ?? store,
    prefix,
    url: w.url ?? (onDisk ? pathToFileURL(`${folder}/${prefix}`).href : `mem://${name}/${prefix}`),
    namespace: w.namespace ?? 'default',
  };
  ensureParquet();
  const open = async (): Promise<LsmEngine> => {
    await ensureZstd();
    const useWorkers = options.workerThreads ?? (!options.store && options.storage !== 'memory');
    return LsmEngine.open({
      store,
      ...(options.durability ? { durability: options.durability } : {}),
      ...(options.retention !== undefined ? { retention: options.retention } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.memtableBytes ? { memtableBytes: options.memtableBytes } : {}),
      ...(options.compaction ? { compaction: options.compaction } : {}),
      ...(useWorkers ? { executor: workerExecutor } : {}),
      ...(options.yieldEveryOps ? { yieldEveryOps: options.yieldEveryOps } : {}),
      ...(options.hotDataMaxAge !== undefined ? { hotDataMaxAge: options.hotDataMaxAge } : {}),
      ...(options.coldFromLevel !== undefined ? { coldFromLevel: options.coldFromLevel } : {}),
    });
  };
  return new Database(open, name, warehouse, {
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
