// The Node.js entry of the DB() API: data under ./.dosql/<name> by default (hot and cold
// tiers in local folders), in memory for tests, or in the stores of `storage: { hot, cold }`.
// Options are checked by the one check both entries share (src/sql/api/db-options.ts). Flushes and compactions run on worker
// threads when the data is in a folder, and a handle that has a folder open holds its writer
// lease (writer-lease.ts) until it closes, so tools can see that a live process has it open.
import { dirname, resolve, sep } from 'node:path';
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { initParquet, registerZstdDecoder } from '../columnar/index.js';
import type { Warehouse } from '../cold/index.js';
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import '../search/index.js';
import '../vector/index.js';
import '../virtual/index.js';
import { nodeLocalFiles } from './local-files.js';
// CALL of SQL-stored procedures runs their code in worker threads (proc-sandbox.ts).
import './proc-sandbox.js';
import './usearch-graph-codec.js';
import { Database, type DatabaseOptions } from '../sql/api/database.js';
import { ReaderDatabase } from './reader-db.js';
import { backup, restoreInto, type BackupTarget, type RestoreOptions } from './backup.js';
import type { DBOptions } from '../sql/api/db-options.js';
import type { Migration } from '../sql/api/migrations.js';
import { FsObjectStore } from '../storage/fs-store.js';
import { workerExecutor } from './worker-executor.js';
import { acquireWriterLease, type HeldLease } from './writer-lease.js';
import { readMigrationsFolder } from './migrations-folder.js';
import { checkDBArguments, installBackup, engineOpener, engineOptionsOf, externalHostOf, loggerOf, tiersOf, warehouseOf, type Tiers } from '../sql/api/host.js';
import type { LogSink } from '../util/log.js';

/** JSON lines on stderr: stdout stays the program's (the CLI prints results there). */
const stderrSink: LogSink = (r) => void process.stderr.write(`${JSON.stringify(r)}\n`);

export type { DBOptions };

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
 * Opens (lazily: every method waits for the open) the database `name`: in the folder
 * `options.path` (default `./.dosql/<name>`), in memory (`storage: 'memory'`), or in the stores
 * of `storage: { hot, cold?, coldPrefix? }` (ObjectStores, or a Durable Object's storage and an
 * R2 bucket binding, recognised by shape). `migrations` are applied at open (migrations.ts).
 * Throws INVALID_ARGUMENT naming the option for a bad name, an unknown or mistyped option, a
 * storage object of no known shape, or a path that cannot be a folder; open failures (a locked
 * or corrupt database, a failing or drifted migration) surface from the first call, and every
 * later call answers the same error.
 */
export function DB(name = 'default', options: DBOptions = {}): Database {
  checkDBArguments(name, options, 'node');
  const given = tiersOf(name, options);
  const folder = given ? undefined : resolve(options.path ?? `.dosql/${name}`);
  if (folder !== undefined) checkFolder(options.path ?? folder);
  if (options.readonly && folder !== undefined && !existsSync(folder)) {
    throw new DoSQLError('NOT_FOUND', `sql: DB(): no database at ${folder} to open read-only (create it by opening it without readonly)`, { details: { path: folder } });
  }
  const tiers: Tiers = given ?? { hot: new FsObjectStore(folder!) };
  const warehouse = warehouseOf(name, options, tiers, folder !== undefined ? (prefix) => pathToFileURL(`${folder}/${prefix}`).href : undefined);
  ensureParquet();
  // A reader runs no flushes or compactions: no worker threads.
  const useWorkers = options.readonly ? false : (options.workerThreads ?? folder !== undefined);
  const logger = loggerOf(options, process.env.DOSQL_LOG_LEVEL, stderrSink);
  const sqlOptions: DatabaseOptions = {
    logger,
    ...(options.slowQueryMs !== undefined ? { slowQueryMs: options.slowQueryMs } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    external: externalHostOf(options, nodeLocalFiles),
  };
  const m = options.migrations;
  const migrations = m === undefined ? undefined : Array.isArray(m) ? async (): Promise<readonly Migration[]> => m : () => readMigrationsFolder(resolve((m as { folder: string }).folder));
  const openEngine = engineOpener({
    name,
    tiers,
    warehouse,
    engine: { ...engineOptionsOf(options), logger, ...(useWorkers ? { executor: workerExecutor } : {}) },
    sql: sqlOptions,
    ...(migrations ? { migrations } : {}),
  });
  const open = async (): Promise<LsmEngine> => {
    await ensureZstd();
    return openEngine();
  };
  if (options.readonly) return new ReaderDatabase(open, name, warehouse, sqlOptions);
  if (folder === undefined) return new Database(open, name, warehouse, sqlOptions);
  let lease: HeldLease | undefined;
  const openFolder = async (): Promise<LsmEngine> => {
    lease = acquireWriterLease(folder);
    try {
      return await open();
    } catch (e) {
      lease.release();
      throw e;
    }
  };
  return new FolderDatabase(openFolder, name, warehouse, sqlOptions, () => lease?.release());
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

installBackup(backup);

/**
 * Restores backup `id` (default: the newest) from `source` (a backup folder, or an ObjectStore
 * such as an R2 bucket's `_backups/` prefix) into the new folder `to` (src/node/backup.ts):
 * verifies every file's SHA-256 first (CORRUPTION naming a damaged file). With `asOf` before
 * the backup's LSN every table is rewound to its rows as of that LSN; past it, the commits in
 * between are replayed from the WAL archive in `archive` (the database's folder or cold store,
 * written with the `walArchive` option). Resolves to the restored database, open.
 */
export function restore(source: BackupTarget, options: RestoreOptions): Promise<Database> {
  return restoreInto((name, path) => DB(name, { path }), source, options);
}
