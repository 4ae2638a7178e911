// The SQL layer's declared host interface: what the runtimes around it need beyond the public
// API (src/index.ts). Its users are the Worker's DatabaseHost (src/worker/database-host.ts:
// statements under response caps, interactive transactions held by id, reads at a resolved
// point), the CLI's schema listing (src/cli/schema-info.ts) and the DB() entries of Node and
// Workers (src/node/db.ts, src/worker/db.ts: the options check and the open). Those modules import nothing else from src/sql beyond public names
// (test/layering.test.ts), and reach a Database's internals only through `sqlHost(db)`.
//
// Not public API: the package does not export it, and it changes with the SQL layer.
import type { LsmEngine } from '../../lsm/engine.js';
import type { Row } from '../execution/env.js';
import type { ResultCaps } from '../execution/statement-guard.js';
import { CATALOG_TABLE_ID } from '../catalog/catalog.js';
import { parse } from '../parser/index.js';
import { temporalRefs } from '../planner/temporal-refs.js';
import type { Transaction } from '../txn/transaction.js';
import { checkSql, SCRIPT_ARGS, type StatementArgs } from './bind-params.js';
import { databaseParts, type Database } from './database.js';
import type { Prepared, StatementResult } from './statement-runner.js';
import type { ReadPoint } from './temporal.js';
import type { BindParams } from './values.js';
import { progressReporter, type ProgressCallback } from '../../util/progress.js';

export type { Prepared, StatementResult, ResultCaps, ReadPoint, StatementArgs };
/** A SQL transaction a host holds (begin/commit below): release() rolls it back. */
export type SqlTransaction = Transaction;
/** What a script binds: nothing; every parameter reads NULL (as Database.exec). */
export { SCRIPT_ARGS };
/** Argument checks shared by the DB() entries (INVALID_ARGUMENT naming the option). */
export { isPlainObject, optionNumber, optionOf, optionOneOf } from './arguments.js';
export { describeValue } from './bind-params.js';
/** The bulk loader `dosql import` and bench/flights.ts use (bulk-load.ts). */
export { bulkLoad, bulkLoadFallback, type BulkBatch, type BulkLoadResult, type ColumnBatch } from './bulk-load.js';
/** What both DB() entries share: the one options check, and the stores, warehouse and open (with migrations) it leads to. */
export { checkDBArguments, engineOptionsOf, loggerOf, type DBRuntime } from './db-options.js';
export { engineOpener, externalHostOf, tiersOf, warehouseOf, type OpenPlan, type Tiers } from './db-open.js';
/** Reads on a read-only engine, again after the writer collected a file under them (reader-retry.ts). */
export { retryCollected } from './reader-retry.js';
/** What runs SQL-stored procedure code: the Node entry installs its sandbox (src/node/proc-sandbox.ts); Workers have none. */
export { installModuleSandbox, type ModuleSandbox, type SandboxCall } from './procedures.js';
/** Where db.backup() writes: the Node entry installs folder backups (src/node/backup.ts) on the store-generic backup format. */
export { installBackup } from './database.js';
export { listBackupIds, restoreFiles, verifyBackupIn, writeBackup, type BackupManifest } from '../../lsm/backup-store.js';

/**
 * Engine options every engine under a SQL database needs (DB() and the Worker pass them to
 * LsmEngine.open): the catalog's full history is kept, so change data capture decodes any
 * retained commit with the schema as of that commit (docs/cdc.md).
 */
export const SQL_ENGINE_OPTIONS: { readonly fullHistoryTables: readonly number[] } = Object.freeze({ fullHistoryTables: Object.freeze([CATALOG_TABLE_ID]) });

/** A schema object as tools list it (the CLI's `.tables`, `.schema`, `stats`). */
export interface SchemaObjectInfo {
  readonly type: 'table' | 'index' | 'view' | 'trigger';
  readonly name: string;
  /** The table an index or trigger belongs to. */
  readonly table?: string;
  /** The CREATE statement as written. */
  readonly sql?: string;
  /** Indexes made for UNIQUE / PRIMARY KEY constraints. */
  readonly auto?: boolean;
}

/**
 * One Database as a host drives it. Statements run as in the Database's own methods (same
 * plan cache, limits and default timeout); a statement given `txn` runs in that transaction
 * and does not commit it.
 */
export interface SqlHost {
  /** Parses one statement (cached per handle). INVALID_ARGUMENT for a non-string, SQL_ERROR for bad SQL. */
  prepare(sql: string): Prepared;
  /** Parses a script into its statements, each with its own text (not cached). */
  script(sql: string): Prepared[];
  /** True when the statement reads through FOR SYSTEM_TIME (then it cannot stream from one view). */
  readsHistory(p: Prepared): boolean;
  /**
   * The read fast path of an autocommit SELECT outside any transaction (Database.query takes
   * it first): the rows, or undefined when the statement must go through `execute`. Rows
   * count against `caps` (LIMIT_EXCEEDED past them).
   */
  tryRead(p: Prepared, params: BindParams | undefined, caps?: ResultCaps): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined;
  /** Runs a statement: in `txn` when given (not committed), else in its own transaction (committed). */
  execute(p: Prepared, params: BindParams | StatementArgs | undefined, txn?: SqlTransaction, caps?: ResultCaps): Promise<StatementResult>;
  /** Starts a transaction on the handle's branch at the latest commit, with the schema as of it; commit it or release() it. */
  begin(engine: LsmEngine): Promise<SqlTransaction>;
  /** Commits `txn` (first committer wins: WRITE_CONFLICT, retryable); returns its LSN. */
  commit(engine: LsmEngine, txn: SqlTransaction): Promise<number>;
  /** A read-only transaction at a resolved point (Database.resolve), with that point's schema; release() it. */
  viewAt(point: ReadPoint): Promise<SqlTransaction>;
  /** The objects of the checked-out branch's latest schema. INVALID_ARGUMENT before the handle is open. */
  schemaObjects(): readonly SchemaObjectInfo[];
}

/**
 * True when every statement of `sql` only reads (SELECT, VALUES, EXPLAIN, a PRAGMA without a
 * value), so a read-only handle (DB(name, { readonly: true })) can run it; false for anything
 * else, text that does not parse included (the writer then reports the error). The CLI picks
 * a read-only open by it.
 */
export function readsOnly(sql: string): boolean {
  let statements;
  try {
    statements = parse(sql);
  } catch {
    return false;
  }
  return statements.length > 0 && statements.every((p) => {
    const s = p.statement;
    return s.kind === 'select' || s.kind === 'explain' || (s.kind === 'pragma' && s.value === undefined);
  });
}

/** Parses `sql` into its statements' text; SQL_SYNTAX for text that does not parse. */
export function splitStatements(sql: string): string[] {
  return parse(sql).map((p) => sql.slice(p.start, p.end));
}

const hosts = new WeakMap<Database, SqlHost>();

/** The host interface of `db` (one per handle). */
/**
 * Where an importer running against `db` reports (the CLI's `dosql import`, src/cli/import-run.ts):
 * DB()'s `onProgress` and `extra`, each throw logged at warn and ignored. Undefined when neither is set.
 */
export function progressOf(db: Database, extra?: ProgressCallback): ProgressCallback | undefined {
  const p = databaseParts(db).progress;
  return progressReporter([p.onProgress, extra], p.logger);
}

export function sqlHost(db: Database): SqlHost {
  let h = hosts.get(db);
  if (!h) {
    h = makeHost(db);
    hosts.set(db, h);
  }
  return h;
}

function makeHost(db: Database): SqlHost {
  const { core, runner, session, timeTravel } = databaseParts(db);
  return {
    prepare: (sql) => runner.prepared(sql),
    script: (sql) => {
      checkSql(sql);
      return parse(sql).map((parsed) => ({ parsed, sql: sql.slice(parsed.start, parsed.end) }));
    },
    readsHistory: (p) => (p.temporal ??= temporalRefs(p.parsed.statement)).length > 0,
    tryRead: (p, params, caps) => session.tryRead(p, params, undefined, caps),
    execute: (p, params, txn, caps) => session.execPrepared(p, params, txn, undefined, caps),
    begin: (engine) => core.begin(engine),
    commit: (engine, txn) => core.commit(engine, txn),
    viewAt: async (point) => (await timeTravel.viewAt(point)).view,
    schemaObjects: () => core.currentCatalog().objects(),
  };
}
