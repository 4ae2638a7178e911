// The options of DB(), checked once for both entries: Node (src/node/db.ts) and Workers
// (src/worker/db.ts). JavaScript callers can pass anything, and a misspelt or mistyped option
// that is silently ignored puts the data somewhere else (issue 21: `storage: { hot, cold }`
// ignored, data in ./.dosql/<name>). So every key is known, every value has its type, storage
// objects are recognised by shape (src/storage/store-shapes.ts), and anything else is
// INVALID_ARGUMENT naming the option, with a suggestion for a near miss.
import { DoSQLError } from '../../errors.js';
import type { EngineOptions } from '../../lsm/engine-types.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { DoSqlStorage } from '../../storage/do-store.js';
import type { R2BucketLike } from '../../storage/r2-store.js';
import { checkColdStorage, checkHotStorage } from '../../storage/store-shapes.js';
import type { Clock } from '../../util/clock.js';
import type { ProgressCallback } from '../../util/progress.js';
import { createLogger, LOG_LEVELS, logLevelFrom, type Logger, type LogLevel, type LogSink } from '../../util/log.js';
import { DEFAULT_LIMITS, type Limits } from '../execution/limits.js';
import { isPlainObject } from './arguments.js';
import { describeValue } from './bind-params.js';
import { checkMigrations, type Migration } from './migrations.js';
import { CATALOG_TABLE_ID } from '../catalog/catalog.js';

/** Where a database's data lives when it is not a folder: Durable Object storage and R2, or any ObjectStores. */
export interface StorageTiers {
  /**
   * The hot tier (write-ahead log, SSTables, manifest): a Durable Object's SQLite-backed
   * storage (`ctx.storage`; the class must be in `new_sqlite_classes`), or an ObjectStore.
   * In Durable Object storage the database keeps its tables under `dosql_<name>_*`.
   */
  hot: DoSqlStorage | ObjectStore;
  /**
   * The cold tier (columnar runs, Iceberg tables): an R2 bucket binding (`env.BUCKET`) or an
   * ObjectStore. Default: inside the hot tier. A separate cold store is claimed by the
   * database at its first open (docs/format/identity.md): a second database pointed at the
   * same folder is refused.
   */
  cold?: R2BucketLike | ObjectStore;
  /**
   * Folder of the R2 bucket holding this database's cold tier ('' or ending in '/'). Default
   * `db/<name>/<identity>/`, the identity a random id the database makes at its first open and
   * keeps in its hot tier, so objects that share a name and a bucket never share a folder.
   */
  coldPrefix?: string;
}

/** Migrations DB() applies at open: the files' names and text, or (Node only) a folder of `NNN_name.sql` files. */
export type MigrationsOption = readonly Migration[] | { folder: string };

export interface DBOptions {
  /** Node only. Folder holding the database (default `./.dosql/<name>`); `':memory:'` as in SQLite: in memory, nothing written (storage 'memory'). */
  path?: string;
  /**
   * Open read-only (SQLite's SQLITE_OPEN_READONLY): claim no writer epoch and write nothing, so
   * the database's writer, in this process or another, is never fenced; follow its commits (each
   * statement first catches up with the writer's manifest and WAL, src/lsm/follower.ts). Any
   * write fails with READ_ONLY. Default false. Cannot be combined with `migrations`.
   */
  readonly?: boolean;
  /**
   * Where the data lives: `'fs'` (Node's default: a folder), `'memory'` (tests), or the tiers
   * `{ hot, cold?, coldPrefix? }` (a Durable Object's storage and an R2 bucket, or ObjectStores).
   * Workers have no file system: there it must be the tiers or `'memory'`.
   */
  storage?: 'fs' | 'memory' | StorageTiers;
  /** A custom hot-tier store (as `storage: { hot: store }`). */
  store?: ObjectStore;
  /** WAL durability: `full` (fsync per commit group; Node's default), `normal` (Workers' default: the output gate holds replies until writes are durable), `off`. */
  durability?: 'full' | 'normal' | 'off';
  /** How much history time travel keeps (default '7d'): a duration ('12h', '7d'), an LSN count, or 'forever'. */
  retention?: EngineOptions['retention'];
  /**
   * Copy each flushed WAL segment to the cold store under `_archive/wal/` before it is collected
   * (seed 003's WAL archive; docs/format/wal.md, "Archive"), so `restore(backup, { asOf, archive })`
   * reaches any LSN after the backup, beyond `retention`. Default false.
   */
  walArchive?: boolean;
  /** With `walArchive`: how long archived segments are kept (a duration, an LSN count, 'forever'). Default: `retention`. */
  archiveRetention?: EngineOptions['retention'];
  /** Clock for commit timestamps and CURRENT_TIMESTAMP (tests inject a ManualClock). */
  clock?: Clock;
  /** Memtable size before a flush, bytes (default 64 MiB in Node, 4 MiB in Workers). */
  memtableBytes?: number;
  /**
   * Decoded-block cache of the hot tier's SSTables, bytes (EngineOptions.blockCacheBytes; as
   * LevelDB's block cache and SQLite's `cache_size`). Default 256 MiB in Node, 16 MiB in Workers;
   * 0 caches nothing (every read decodes its block again).
   */
  blockCacheBytes?: number;
  /**
   * Columnar images of hot SSTables kept for analytic queries, bytes (EngineOptions.imageCacheBytes,
   * src/cold/sstable-images.ts). Default 256 MiB in Node, 16 MiB in Workers; 0 turns the columnar
   * path over SSTables off (analytics over hot tables then read rows).
   */
  imageCacheBytes?: number;
  /**
   * Decoded data of the cold tier's columnar runs kept between queries, bytes per cache
   * (EngineOptions.coldCacheBytes: decoded columns for analytic scans, decoded row groups for
   * point reads). Default 256 MiB in Node, 16 MiB in Workers; at least 1.
   */
  coldCacheBytes?: number;
  /** Leveled compaction settings (docs/compaction.md): `{ l0CompactionTrigger, l0SlowdownTrigger, l0StopTrigger, levelBaseBytes, levelMultiplier, maxLevels, background }`. */
  compaction?: EngineOptions['compaction'];
  /** Move tables to the cold tier (columnar runs) in the background once their oldest hot version is older than this, ms (EngineOptions.hotDataMaxAge). Default: only on compact({ tier: 'cold' }). */
  hotDataMaxAge?: number;
  /** Move tables to the cold tier in the background once data reaches this LSM level (EngineOptions.coldFromLevel). */
  coldFromLevel?: number;
  /** Node only. Run flushes and compactions on worker threads (default true for folders). */
  workerThreads?: boolean;
  /** Engine reads/commits between yields to the event loop (tests use small values). */
  yieldEveryOps?: number;
  /**
   * The cold tier's Iceberg warehouse: objects under `prefix` (default 'cold/warehouse', or
   * 'warehouse' in a separate cold store) of `store` (default: the cold tier's store), seen by
   * readers under `url` (default `file://<folder>` for folders, `mem://<name>/...` otherwise).
   */
  warehouse?: { store?: ObjectStore; prefix?: string; url?: string; namespace?: string };
  /** Resource limits over the defaults (docs/limits.md), as SQLite's sqlite3_limit: `{ maxLength, maxColumns, maxQueryDepth, maxMemoryBytes }`. */
  limits?: Partial<Limits>;
  /** Default timeout of every statement, ms (default 0: none); a call's `{ timeoutMs }` overrides it. */
  timeoutMs?: number;
  /**
   * Schema migrations applied at open, in order, once per database (src/sql/api/migrations.ts):
   * `[{ name: '001_init.sql', sql }]`, or in Node `{ folder: 'migrations' }`.
   */
  migrations?: MigrationsOption;
  /**
   * Structured logging (docs/operations.md): JSON records `{ ts, level, event, ...fields }` of
   * `level` ('off', 'error', 'warn', 'info', 'debug') and more severe, to `sink` (default: stderr
   * in Node, console.log in Workers). Default level: DOSQL_LOG_LEVEL (Node's process.env), else
   * 'off': nothing is written unless a level is set.
   */
  log?: { level?: LogLevel; sink?: LogSink };
  /** Statements slower than this, ms, are logged at warn as `slow-statement` (default 0: off). */
  slowQueryMs?: number;
  /**
   * Hears the progress of this handle's long operations (src/util/progress.ts): every
   * `compact()` (CompactProgress: input files and bytes per compaction job, then tables
   * published) and every import into it (ImportProgress: rows committed, bytes read; `dosql
   * import` and importInto). Done counters only grow; the last event has done === total.
   * Background compactions are not reported. A callback that throws is logged at warn
   * (`progress-callback-error`) and ignored: the operation completes unchanged.
   */
  onProgress?: ProgressCallback;
  /**
   * External tables (`FROM 'r2://bucket/x/*.parquet'`, docs/external-tables.md): `buckets`
   * names the store (an R2 bucket binding or an ObjectStore) of each `r2://<bucket>`; any other
   * bucket name reads the cold tier's bucket (storage.cold). Bounds on every external read:
   * `maxBytes` per file (default 256 MiB; 32 MiB on Workers), `timeoutMs` per HTTP request
   * (default 30 000), `maxFiles` per glob (default 10 000). `fetch` replaces globalThis.fetch.
   */
  external?: { buckets?: Record<string, unknown>; maxBytes?: number; timeoutMs?: number; maxFiles?: number; fetch?: typeof fetch };
}

/** Which DB() is checking: the Node entry (folders) or the Workers entry (no file system). */
export type DBRuntime = 'node' | 'workerd';

function invalid(what: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `sql: DB(): ${what}`);
}

function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : describeValue(v);
}

type Check = (v: unknown, key: string) => void;

const number =
  (rule: { integer?: boolean; min?: number } = {}): Check =>
  (v, key) => {
    const ok = typeof v === 'number' && Number.isFinite(v) && (!rule.integer || Number.isInteger(v)) && (rule.min === undefined || v >= rule.min);
    if (!ok) throw invalid(`option ${key} must be a${rule.integer ? 'n integer' : ' finite number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}, got ${shown(v)}`);
  };
const oneOf =
  (values: readonly string[]): Check =>
  (v, key) => {
    if (!values.includes(v as string)) throw invalid(`option ${key} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${shown(v)}`);
  };
const string: Check = (v, key) => {
  if (typeof v !== 'string') throw invalid(`option ${key} must be a string, got ${shown(v)}`);
};
const objectStore: Check = (v, key) => {
  if (checkHotStorage(v, `sql: DB(): option ${key}`) !== 'object-store') throw invalid(`option ${key} must be an ObjectStore (for a Durable Object's storage use storage: { hot: ctx.storage })`);
};

/** Keys of an option object, each with its check; unknown keys are refused. */
function fields(spec: Record<string, Check>): Check {
  return (v, key) => {
    if (!isPlainObject(v)) throw invalid(`option ${key} must be a plain object, got ${shown(v)}`);
    for (const [k, x] of Object.entries(v)) {
      const check = spec[k];
      if (!check) throw unknownKey(`${key}.${k}`, k, Object.keys(spec));
      if (x !== undefined) check(x, `${key}.${k}`);
    }
  };
}

const COMPACTION = fields({
  l0CompactionTrigger: number({ integer: true, min: 1 }),
  l0SlowdownTrigger: number({ integer: true, min: 1 }),
  l0StopTrigger: number({ integer: true, min: 1 }),
  levelBaseBytes: number({ integer: true, min: 1 }),
  levelMultiplier: number({ integer: true, min: 2 }),
  maxLevels: number({ integer: true, min: 2 }),
  background: (v, key) => {
    if (typeof v !== 'boolean') throw invalid(`option ${key} must be a boolean, got ${shown(v)}`);
  },
});

const LOG = fields({
  level: oneOf(LOG_LEVELS),
  sink: (v, key) => {
    if (typeof v !== 'function') throw invalid(`option ${key} must be a function (record) => void, got ${shown(v)}`);
  },
});

const WAREHOUSE = fields({ store: objectStore, prefix: string, url: string, namespace: string });

const LIMITS = fields(Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, number({ integer: true, min: 1 })])));

/** Durations as the engine's retention parser reads them (src/compaction/retention.ts). */
const RETENTION_TEXT = /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*$/;

function retentionCheck(v: unknown, key: string): void {
  if (typeof v === 'number' ? Number.isInteger(v) && v >= 0 : typeof v === 'string' && (v === 'forever' || RETENTION_TEXT.test(v))) return;
  throw invalid(`option ${key} must be a duration text ('7d', '12h', 'forever') or a count of LSNs, got ${shown(v)}`);
}

const TOP: Record<keyof DBOptions, Check> = {
  path: (v, key) => {
    if (typeof v !== 'string' || v === '') throw invalid(`option ${key} must be a non-empty string, got ${shown(v)}`);
  },
  storage: (v, key) => {
    if (typeof v === 'string') return oneOf(['fs', 'memory'])(v, key);
    if (!isPlainObject(v)) throw invalid(`option ${key} must be 'fs', 'memory' or { hot, cold?, coldPrefix? }, got ${shown(v)}`);
    for (const k of Object.keys(v)) if (!['hot', 'cold', 'coldPrefix'].includes(k)) throw unknownKey(`${key}.${k}`, k, ['hot', 'cold', 'coldPrefix']);
    if (v.hot === undefined) throw invalid(`option ${key}.hot is required: the Durable Object's storage (ctx.storage) or an ObjectStore`);
    checkHotStorage(v.hot, `sql: DB(): option ${key}.hot`);
    if (v.cold !== undefined) checkColdStorage(v.cold, `sql: DB(): option ${key}.cold`);
    const p = v.coldPrefix;
    if (p !== undefined) {
      if (typeof p !== 'string' || (p !== '' && (!p.endsWith('/') || p.startsWith('/') || p.split('/').slice(0, -1).some((s) => s === '' || s === '.' || s === '..')))) {
        throw invalid(`option ${key}.coldPrefix must be '' or a folder ending in '/' (no leading '/', no empty, '.' or '..' parts), got ${shown(p)}`);
      }
      if (v.cold === undefined) throw invalid(`option ${key}.coldPrefix is given without ${key}.cold`);
    }
  },
  store: objectStore,
  readonly: (v, key) => {
    if (typeof v !== 'boolean') throw invalid(`option ${key} must be a boolean, got ${shown(v)}`);
  },
  durability: oneOf(['full', 'normal', 'off']),
  retention: retentionCheck,
  walArchive: (v, key) => {
    if (typeof v !== 'boolean') throw invalid(`option ${key} must be a boolean, got ${shown(v)}`);
  },
  archiveRetention: retentionCheck,
  clock: (v, key) => {
    let ok = false;
    try {
      ok = v !== null && typeof v === 'object' && typeof (v as { now?: unknown }).now === 'function';
    } catch {
      ok = false;
    }
    if (!ok) throw invalid(`option ${key} must have a now() method, got ${shown(v)}`);
  },
  memtableBytes: number({ integer: true, min: 1 }),
  blockCacheBytes: number({ integer: true, min: 0 }),
  imageCacheBytes: number({ integer: true, min: 0 }),
  coldCacheBytes: number({ integer: true, min: 1 }),
  compaction: COMPACTION,
  hotDataMaxAge: number({ min: 0 }),
  coldFromLevel: number({ integer: true, min: 0 }),
  workerThreads: (v, key) => {
    if (typeof v !== 'boolean') throw invalid(`option ${key} must be a boolean, got ${shown(v)}`);
  },
  yieldEveryOps: number({ integer: true, min: 1 }),
  warehouse: WAREHOUSE,
  limits: LIMITS,
  timeoutMs: number({ min: 0 }),
  log: LOG,
  slowQueryMs: number({ min: 0 }),
  onProgress: (v, key) => {
    if (typeof v !== 'function') throw invalid(`option ${key} must be a function (event) => void, got ${shown(v)}`);
  },
  external: fields({
    buckets: (v, key) => {
      if (!isPlainObject(v)) throw invalid(`option ${key} must be a plain object of bucket names to R2 bucket bindings or ObjectStores, got ${shown(v)}`);
      for (const [name, b] of Object.entries(v)) checkColdStorage(b, `sql: DB(): option ${key}.${name}`);
    },
    maxBytes: number({ integer: true, min: 1 }),
    timeoutMs: number({ min: 1 }),
    maxFiles: number({ integer: true, min: 1 }),
    fetch: (v, key) => {
      if (typeof v !== 'function') throw invalid(`option ${key} must be a function (as globalThis.fetch), got ${shown(v)}`);
    },
  }),
  migrations: (v, key) => {
    if (Array.isArray(v)) return checkMigrations(v, `sql: DB(): option ${key}`);
    if (isPlainObject(v)) {
      fields({ folder: string })(v, key);
      if (v.folder === undefined) throw invalid(`option ${key} must be an array of { name, sql } or { folder }, got an object without folder`);
      return;
    }
    throw invalid(`option ${key} must be an array of { name, sql } or { folder }, got ${shown(v)}`);
  },
};

/** Options only the Node entry has, and why Workers cannot. */
const NODE_ONLY: Partial<Record<keyof DBOptions, string>> = {
  path: 'Workers have no file system: pass storage: { hot: ctx.storage, cold: env.BUCKET }',
  workerThreads: 'Workers have no worker threads: flushes and compactions run in the Durable Object',
};

/** Edit distance of two short strings (option names), for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

function unknownKey(path: string, key: string, known: readonly string[]): DoSQLError {
  const near = known.map((k) => [k, distance(key, k)] as const).filter(([, n]) => n <= Math.max(1, Math.floor(key.length / 3))).sort((a, b) => a[1] - b[1])[0];
  const hint = near ? ` (did you mean ${near[0]}?)` : '';
  return new DoSQLError('INVALID_ARGUMENT', `sql: DB(): unknown option ${path}${hint}; known: ${known.join(', ')}`, { details: { option: path } });
}

/** A file name's limit on the file systems Node runs on (NAME_MAX); the name is a folder's there. */
const NAME_MAX_BYTES = 255;

/**
 * Checks the arguments of DB(): the name (letters, digits, '_', '-', '.'; a folder's name in
 * Node), and every option (known key, right type, storage objects by shape, no two options
 * that say the same thing differently). Throws INVALID_ARGUMENT naming the option.
 */
export function checkDBArguments(name: unknown, options: unknown, runtime: DBRuntime): asserts options is DBOptions {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') {
    throw invalid(`the database name must use letters, digits, '_', '-' or '.' (it names a folder), got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : describeValue(name)}`);
  }
  if (name.length > NAME_MAX_BYTES) throw invalid(`the database name is ${name.length} bytes; a folder name holds at most ${NAME_MAX_BYTES}`);
  if (!isPlainObject(options)) throw invalid(`options must be a plain object, got ${describeValue(options)}`);
  const known = Object.keys(TOP);
  for (const [k, v] of Object.entries(options)) {
    const check = (TOP as Record<string, Check>)[k];
    if (!check) throw unknownKey(k, k, known);
    if (v === undefined) continue;
    const why = NODE_ONLY[k as keyof DBOptions];
    if (runtime === 'workerd' && why !== undefined) throw invalid(`option ${k} is not available in Workers: ${why}`);
    check(v, k);
  }
  const o = options as DBOptions;
  const tiers = typeof o.storage === 'object';
  if (o.store !== undefined && o.storage !== undefined) throw invalid('options store and storage both say where the data lives: give one (storage: { hot: store } is the same as store)');
  if (o.path !== undefined && (tiers || o.storage === 'memory' || o.store !== undefined)) throw invalid('option path is a folder, but storage or store puts the data elsewhere: give one');
  if (runtime === 'workerd') {
    if (o.storage === 'fs') throw invalid("option storage 'fs' is not available in Workers (no file system): pass storage: { hot: ctx.storage, cold: env.BUCKET }");
    if (o.storage === undefined && o.store === undefined) throw invalid("Workers have no file system: pass storage: { hot: ctx.storage, cold?: env.BUCKET } (or 'memory')");
    if (o.migrations !== undefined && !Array.isArray(o.migrations)) {
      throw invalid('option migrations { folder } reads files, which Workers cannot: pass the files as [{ name, sql }] (import them as text modules, see examples/worker)');
    }
  }
  if (o.readonly === true && o.migrations !== undefined) throw invalid('option migrations writes the schema, but readonly opens without writing: apply migrations through the writer');
  const c = o.compaction;
  if (c) {
    // The engine's defaults (src/compaction/options.ts): 4, 8, 12.
    const l0 = c.l0CompactionTrigger ?? 4;
    const slow = c.l0SlowdownTrigger ?? 8;
    const stop = c.l0StopTrigger ?? 12;
    if (!(l0 <= slow && slow <= stop)) throw invalid(`option compaction needs l0CompactionTrigger <= l0SlowdownTrigger <= l0StopTrigger, got ${l0}, ${slow}, ${stop}`);
  }
}

/**
 * The engine options DB() passes through unchanged (the entries add store, executor and their
 * defaults), plus what every engine under a SQL database needs: the catalog's full history
 * (host.ts, SQL_ENGINE_OPTIONS; change data capture decodes each commit with its schema).
 */
export function engineOptionsOf(o: DBOptions): Partial<EngineOptions> {
  return {
    fullHistoryTables: [CATALOG_TABLE_ID],
    ...(o.readonly ? { readOnly: true } : {}),
    ...(o.durability ? { durability: o.durability } : {}),
    ...(o.retention !== undefined ? { retention: o.retention } : {}),
    ...(o.walArchive !== undefined ? { walArchive: o.walArchive } : {}),
    ...(o.archiveRetention !== undefined ? { archiveRetention: o.archiveRetention } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.memtableBytes ? { memtableBytes: o.memtableBytes } : {}),
    ...(o.blockCacheBytes !== undefined ? { blockCacheBytes: o.blockCacheBytes } : {}),
    ...(o.imageCacheBytes !== undefined ? { imageCacheBytes: o.imageCacheBytes } : {}),
    ...(o.coldCacheBytes !== undefined ? { coldCacheBytes: o.coldCacheBytes } : {}),
    ...(o.compaction ? { compaction: o.compaction } : {}),
    ...(o.yieldEveryOps ? { yieldEveryOps: o.yieldEveryOps } : {}),
    ...(o.hotDataMaxAge !== undefined ? { hotDataMaxAge: o.hotDataMaxAge } : {}),
    ...(o.coldFromLevel !== undefined ? { coldFromLevel: o.coldFromLevel } : {}),
  };
}

/**
 * The logger of checked options: `log.level`, else the runtime's DOSQL_LOG_LEVEL setting
 * (`envLevel`; INVALID_ARGUMENT naming it when it is not a level), else 'off' (silent); records
 * go to `log.sink`, else `defaultSink` (the entry's: stderr in Node, console.log in Workers).
 */
export function loggerOf(o: DBOptions, envLevel: string | undefined, defaultSink: LogSink): Logger {
  const level = o.log?.level ?? logLevelFrom(envLevel, 'DOSQL_LOG_LEVEL');
  return createLogger(level, o.log?.sink ?? defaultSink);
}
