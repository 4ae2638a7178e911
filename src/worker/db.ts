// The Workers entry of the DB() API: a database embedded in your own Durable Object, its hot
// tier in the object's SQLite-backed storage and its cold tier in an R2 bucket:
//
//   DB('tenant', { storage: { hot: ctx.storage, cold: env.BUCKET }, migrations })
//
// Options are checked by the one check both entries share (src/sql/api/db-options.ts), so an
// unknown or mistyped option, or a storage object of no known shape, throws INVALID_ARGUMENT
// here as in Node; what Workers cannot do (a folder, worker threads, a migrations folder) is
// refused with what to pass instead. Defaults are sized for an object's 128 MB, as the DoSQL
// object's (src/worker/config.ts). Flushes and compactions run inside the object after the
// writes that call for them (the engine's inline executor); the object's alarm stays yours.
import '../search/index.js';
import '../vector/index.js';
import '../virtual/index.js';
import { Database } from '../sql/api/database.js';
import type { DBOptions } from '../sql/api/db-options.js';
import type { Migration } from '../sql/api/migrations.js';
import { checkDBArguments, engineOpener, engineOptionsOf, externalHostOf, loggerOf, tiersOf, warehouseOf } from '../sql/api/host.js';
import { consoleSink } from '../util/log.js';
import { initWasm } from './wasm.js';

const MiB = 1024 * 1024;

/**
 * Opens (lazily: every method waits for the open) database `name` in the stores of
 * `options.storage` (`{ hot: ctx.storage, cold?: env.BUCKET, coldPrefix? }`; default cold
 * folder `db/<name>/<identity>/`, see StorageTiers) or `options.store`, or in memory (`storage: 'memory'`). `migrations`
 * (`[{ name: 'NNN_name.sql', sql }]`, e.g. text modules) are applied at open. Call it once per
 * object and keep the handle: a second handle on the same storage fences the first.
 * Throws INVALID_ARGUMENT naming the option; open failures surface from the first call.
 */
export function DB(name: string, options: DBOptions): Database {
  checkDBArguments(name, options, 'workerd');
  // checkDBArguments refuses Workers options without storage or store.
  const tiers = tiersOf(name, options)!;
  const warehouse = warehouseOf(name, options, tiers);
  initWasm();
  // A Worker has no process.env: pass log: { level: env.DOSQL_LOG_LEVEL } from the Worker's env.
  const logger = loggerOf(options, undefined, consoleSink);
  const sql = {
    logger,
    ...(options.slowQueryMs !== undefined ? { slowQueryMs: options.slowQueryMs } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    // What one statement may buffer and the largest value it may build, sized for 128 MB (docs/limits.md).
    limits: { maxLength: 16 * MiB, maxMemoryBytes: 32 * MiB, ...(options.limits ?? {}) },
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    // External tables: r2:// through the cold bucket, no local files, 32 MiB per file (docs/external-tables.md).
    external: externalHostOf(options, undefined, 32 * MiB),
  };
  const m = options.migrations as readonly Migration[] | undefined;
  const open = engineOpener({
    name,
    tiers,
    warehouse,
    engine: { durability: 'normal', memtableBytes: 4 * MiB, targetFileBytes: 4 * MiB, blockCacheBytes: 16 * MiB, imageCacheBytes: 16 * MiB, coldCacheBytes: 16 * MiB, ...engineOptionsOf(options), logger },
    sql,
    ...(m ? { migrations: async () => m } : {}),
  });
  return new Database(open, name, warehouse, sql);
}
