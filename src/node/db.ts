// The Node.js entry of the DB() API: data under ./.dosql/<name> by default (hot and cold
// tiers in local folders), or in memory for tests. Flushes and compactions run on worker
// threads when the data is in a folder, and a handle that has a folder open holds its writer
// lease (writer-lease.ts) until it closes, so tools can see that a live process has it open.
import { dirname, resolve, sep } from 'node:path';
import { readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { initParquet, registerZstdDecoder } from '../columnar/index.js';
import type { Warehouse } from '../cold/index.js';
import { DoSQLError } from '../errors.js';
import type { Retention } from '../compaction/retention.js';
import type { CompactionOptions } from '../compaction/options.js';
import { LsmEngine } from '../lsm/engine.js';
import type { Durability } from '../lsm/engine-types.js';
import { Database, type DatabaseOptions } from '../sql/api/database.js';
import type { Limits } from '../sql/execution/limits.js';
import { FsObjectStore } from '../storage/fs-store.js';
import { MemoryObjectStore } from '../storage/memory-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Clock } from '../util/clock.js';
import { workerExecutor } from './worker-executor.js';
import { acquireWriterLease, type HeldLease } from './writer-lease.js';
import { describeValue, isPlainObject, optionNumber, optionOf, optionOneOf } from '../sql/api/host.js';

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

/** A file name's limit on the file systems Node runs on (NAME_MAX). */
const NAME_MAX_BYTES = 255;

function invalidOption(what: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `sql: DB(): ${what}`);
}

/** Checks the arguments of DB() (JavaScript callers can pass anything): INVALID_ARGUMENT naming the problem. */
function checkArguments(name: unknown, options: unknown): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw invalidOption(`the database name must use letters, digits, '_', '-' or '.' (it names a folder), got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : describeValue(name)}`);
  }
  if (name.length > NAME_MAX_BYTES) throw invalidOption(`the database name is ${name.length} bytes; a folder name holds at most ${NAME_MAX_BYTES}`);
  if (!isPlainObject(options)) throw invalidOption(`options must be a plain object, got ${describeValue(options)}`);
  const o = options as DBOptions;
  optionOneOf(o, 'storage', ['fs', 'memory'], 'DB()');
  optionOneOf(o, 'durability', ['full', 'normal', 'off'], 'DB()');
  optionOf(o, 'workerThreads', 'boolean', 'DB()');
  optionNumber(o, 'memtableBytes', 'DB()', { integer: true, min: 1 });
  optionNumber(o, 'yieldEveryOps', 'DB()', { integer: true, min: 1 });
  optionNumber(o, 'hotDataMaxAge', 'DB()', { min: 0 });
  optionNumber(o, 'coldFromLevel', 'DB()', { integer: true, min: 0 });
  for (const k of ['compaction', 'warehouse'] as const) if (o[k] !== undefined && !isPlainObject(o[k])) throw invalidOption(`option ${k} must be a plain object, got ${describeValue(o[k])}`);
  if (o.clock !== undefined && typeof (o.clock as { now?: unknown } | null)?.now !== 'function') throw invalidOption(`option clock must have a now() method, got ${describeValue(o.clock)}`);
  if (o.store !== undefined && (o.store === null || typeof o.store !== 'object' || typeof o.store.get !== 'function' || typeof o.store.put !== 'function')) {
    throw invalidOption(`option store must be an ObjectStore, got ${describeValue(o.store)}`);
  }
  if (o.retention !== undefined && typeof o.retention !== 'string' && typeof o.retention !== 'number') {
    throw invalidOption(`option retention must be a duration text ('7d', 'forever') or a count of LSNs, got ${describeValue(o.retention)}`);
  }
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path === '')) throw invalidOption(`option path must be a non-empty string, got ${describeValue(o.path)}`);
}

/**
 * A folder for a database: a string without NUL whose components fit NAME_MAX, and either
 * absent (it is created) or a directory; the first existing ancestor must be a directory.
 */
function checkFolder(p: string): void {
  if (p.includes('\0')) throw invalidOption(`option path must not contain a NUL character, got ${JSON.stringify(p.slice(0, 200))}`);
  const abs = resolve(p);
  const long = abs.split(sep).find((c) => Buffer.byteLength(c) > NAME_MAX_BYTES);
  if (long !== undefined) throw invalidOption(`option path has a component of ${Buffer.byteLength(long)} bytes (at most ${NAME_MAX_BYTES}): ${JSON.stringify(long.slice(0, 40))}...`);
  for (let dir = abs; ; dir = dirname(dir)) {
    let st: Stats | undefined;
    try {
      st = statSync(dir);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) throw invalidOption(`option path ${JSON.stringify(p)}: ${dir} exists and is not a folder`);
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Opens (lazily: every method waits for the open) the database `name`.
 * Throws INVALID_ARGUMENT for a bad name or option (a path that is a file, too long, or holds
 * NUL; an unknown storage or durability); open failures (a locked or corrupt database) surface
 * from the first call, and every later call answers the same error.
 */
export function DB(name = 'default', options: DBOptions = {}): Database {
  checkArguments(name, options);
  let store: ObjectStore;
  const folder = resolve(options.path ?? `.dosql/${name}`);
  if (options.store) store = options.store;
  else if (options.storage === 'memory') store = new MemoryObjectStore();
  else {
    checkFolder(options.path ?? folder);
    store = new FsObjectStore(folder);
  }
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
  const openEngine = async (): Promise<LsmEngine> => {
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
  const sqlOptions = {
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  if (options.store || options.storage === 'memory') return new Database(openEngine, name, warehouse, sqlOptions);
  let lease: HeldLease | undefined;
  const open = async (): Promise<LsmEngine> => {
    lease = acquireWriterLease(folder);
    try {
      return await openEngine();
    } catch (e) {
      lease.release();
      throw e;
    }
  };
  return new FolderDatabase(open, name, warehouse, sqlOptions, () => lease?.release());
}

/** A Database on a folder: gives up the folder's writer lease once closed. */
class FolderDatabase extends Database {
  constructor(
    open: () => Promise<LsmEngine>,
    name: string,
    warehouse: Warehouse,
    sqlOptions: DatabaseOptions,
    private readonly onClosed: () => void,
  ) {
    super(open, name, warehouse, sqlOptions);
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.onClosed();
    }
  }
}
