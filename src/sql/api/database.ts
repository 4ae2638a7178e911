// The DB() API: one database on one engine. Statements run in transactions with snapshot
// isolation on LSN read views; commits are first-committer-wins (src/mvcc/commit.ts).
//
// `Database` is a façade: each method checks nothing itself and hands over to the part that
// owns the concern, each in its own file of src/sql/api:
//   core.ts               the engine once open, the checked-out branch and its schema, begin
//                         and commit (the commit itself is src/mvcc's; adds the commit-log row)
//   session.ts            the handle's BEGIN ... COMMIT and savepoints; every statement enters here
//   statement-runner.ts   running a statement: plan cache, FOR SYSTEM_TIME binding, conflict
//                         actions, autocommit, the read fast path
//   time-travel-host.ts   time points resolved against this handle, read views at a point
//   branching.ts          branches, snapshots, merges (engine.branches / engine.snapshots)
//   branch-diff.ts        compareBranches and diff
//   cold-tier.ts          the cold tier's codec, columnar-run lookup, Iceberg (engine.cold)
// The Worker, the CLI and the Node entry reach what they need beyond this class through
// host.ts (`sqlHost(db)`), never through members of this class.
//
// Async safety: statements of one session (the handle's own BEGIN ... COMMIT, or one
// `db.transaction` callback) run one at a time; different transactions interleave freely
// and are serialised only at commit, under the engine's commit lock (src/mvcc/commit.ts),
// where write-write conflicts against commits made after the transaction's read LSN are
// detected — across every handle on the engine.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { writeBackup } from '../../lsm/backup-store.js';
import type { Table as ArrowTable } from 'apache-arrow';
import { resultToArrowTable } from '../../util/arrow-result.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Warehouse } from '../../cold/index.js';
import { parse } from '../parser/index.js';
import { resolveLimits, type Limits } from '../execution/limits.js';
import { interruptOf, type StatementOptions } from '../execution/statement-guard.js';
import type { SqlValue } from '../types/value.js';
import type { RowTriggerHooks } from '../execution/row-triggers.js';
import { argFunction, argOptions, argTimePoint, optionNumber } from './arguments.js';
import { checkSql, refuseScriptParams, SCRIPT_ARGS } from './bind-params.js';
import { compareBranches, diffRows } from './branch-diff.js';
import { Branching } from './branching.js';
import { SqlColdTier } from './cold-tier.js';
import { DatabaseCore } from './core.js';
import type { MergeConflict, MergeStrategy } from './merge.js';
import { Session } from './session.js';
import { StatementLog } from './statement-log.js';
import type { Logger } from '../../util/log.js';
import { Statement } from './statement.js';
import type { ExternalHost } from '../planner/external-tables.js';
import { StatementRunner, type Prepared } from './statement-runner.js';
import { OperatorProfiler } from '../execution/op-profile.js';
import type { ReadPoint } from './temporal.js';
import { TimeTravelHost } from './time-travel-host.js';
import { prometheusText, type DatabaseMetrics } from './metrics-text.js';
import type { TimePoint } from './time-points.js';
import { TransactionHandle } from './transaction-handle.js';
import { ProcedureHost, type ProcedureResolver } from './procedures.js';
import { executeResult, jsRowid, rowsToObjects, type BindParams, type JsValue } from './values.js';
import type { ProgressCallback } from '../../util/progress.js';

export type { RunResult, ExecuteResult, BatchStatement, QueryOptions, QueryPlanStep, QueryStats, ProfiledRows } from './database-types.js';
import type { RunResult, ExecuteResult, BatchStatement, QueryOptions, QueryPlanStep, QueryStats, ProfiledRows } from './database-types.js';
export type { StatementOptions };

/** Options of a database handle (docs/limits.md). */
export interface DatabaseOptions {
  /** Resource limits, over DEFAULT_LIMITS (as sqlite3_limit). */
  limits?: Partial<Limits>;
  /** Default statement timeout, ms (0, the default: none); a call's `timeoutMs` overrides it. */
  timeoutMs?: number;
  /** Where slow and failed statements are logged (src/util/log.ts). Default: silent. */
  logger?: Logger;
  /** Statements slower than this, ms, are logged at warn (0, the default: none). */
  slowQueryMs?: number;
  /** Hears the progress of every compact() and import on this handle (src/util/progress.ts); throws are logged and ignored. */
  onProgress?: ProgressCallback;
  /** Where external tables (`FROM 'r2://b/*.parquet'`, docs/external-tables.md) are read: set by the DB() entries. */
  external?: ExternalHost;
}

/** The parts behind one Database (see the header); only modules of src/sql/api hold them. */
export interface DatabaseParts {
  readonly core: DatabaseCore;
  readonly runner: StatementRunner;
  readonly session: Session;
  readonly timeTravel: TimeTravelHost;
  readonly branching: Branching;
  readonly cold: SqlColdTier;
  readonly procedures: ProcedureHost;
  /** DB()'s `onProgress` and the logger a throwing callback is logged to (importers report here too). */
  readonly progress: { onProgress?: ProgressCallback; logger?: Logger };
}

const partsOf = new WeakMap<Database, DatabaseParts>();

/** What `db.backup()` did (src/node/backup.ts). */
export interface BackupResult {
  /** The backup's id (its time, ISO 8601 with ':' as '-'), and its folder (its key prefix in an ObjectStore). */
  id: string;
  path: string;
  /** Every commit with LSN <= lsn is in the backup, and none after. */
  lsn: number;
  /** Data files the backup references, and how many of them this run copied (the others were there from earlier backups). */
  files: number;
  copied: number;
  bytesCopied: number;
}

type BackupImpl = (db: Database, target: string, options: { incremental?: boolean }) => Promise<BackupResult>;
let backupImpl: BackupImpl | undefined;

/** @internal The Node entry installs folder backups (src/node/backup.ts); Workers have none yet. */
export function installBackup(impl: BackupImpl): void {
  backupImpl = impl;
}

/**
 * The parts behind `db`, for the modules of src/sql/api (host.ts, time-travel-session.ts).
 * Not public API: src/index.ts does not export it, and test/layering.test.ts keeps the
 * Worker, the CLI and the Node entry to host.ts.
 */
export function databaseParts(db: Database): DatabaseParts {
  const p = partsOf.get(db);
  if (!p) throw new DoSQLError('INVALID_ARGUMENT', 'sql: not a database from DB()');
  return p;
}

export class Database {
  /** The limits every statement of this handle runs under. */
  readonly limits: Readonly<Limits>;
  private readonly parts: DatabaseParts;

  /** `open` resolves to the engine; the database opens lazily on first use. */
  constructor(
    open: () => Promise<LsmEngine>,
    readonly name: string,
    /** Where Iceberg snapshots of the tables are published (the cold tier's catalog). */
    warehouse?: Warehouse,
    options: DatabaseOptions = {},
  ) {
    this.limits = resolveLimits(options.limits);
    const timeoutMs = interruptOf({ timeoutMs: options.timeoutMs ?? 0 }, 0).timeoutMs;
    let cold: SqlColdTier | undefined;
    const core = new DatabaseCore(name, this.limits, timeoutMs, open, (engine) => cold!.install(engine));
    const progress = { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.logger ? { logger: options.logger } : {}) };
    cold = new SqlColdTier(core, warehouse, progress);
    const timeTravel = new TimeTravelHost(core);
    const procedures = new ProcedureHost(() => this.parts);
    const runner = new StatementRunner(core, {
      pointHost: (engine, branch) => timeTravel.pointHost(engine, branch),
      coldLookup: (branch) => cold!.coldLookup(branch),
      ...(options.external ? { external: options.external } : {}),
      call: (txn, name, args) => procedures.call(txn, name, args, this.limits),
    });
    const session = new Session(core, runner, new StatementLog(options.logger, options.slowQueryMs));
    const branching = new Branching(core, session, runner, timeTravel);
    this.parts = { core, runner, session, timeTravel, branching, cold, procedures, progress };
    partsOf.set(this, this.parts);
  }

  /** Resolves when the database is open (every method also waits for it). */
  async open(): Promise<this> {
    await this.parts.core.ready;
    return this;
  }

  /** The underlying key-value engine (statistics, compaction, flush). */
  async engine(): Promise<LsmEngine> {
    return this.parts.core.ready;
  }

  // ---------------------------------------------------------------- statements (session.ts, statement-runner.ts)

  /** Prepares one statement (better-sqlite3's shape, async methods); `options` apply to each execution. */
  prepare(sql: string, options?: StatementOptions): Statement {
    const st = new Statement(this.parts, this.parts.runner.prepared(sql));
    return options ? st.withOptions(options) : st;
  }

  /**
   * Rows of a query as objects keyed by column name (any name, `__proto__` included). `params`
   * is an array of positional values or a plain object of named values; a missing or extra
   * value throws INVALID_ARGUMENT naming the parameter (bind-params.ts), as better-sqlite3 does.
   * `options.timeoutMs` / `options.signal` stop it with INTERRUPTED (docs/limits.md).
   */
  query<T = Record<string, JsValue>>(sql: string, params: BindParams | undefined, options: QueryOptions & { profile: true }): Promise<ProfiledRows<T>>;
  query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T[]>;
  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    argOptions(options, 'db.query()');
    if (options.profile === true) return this.profiled<T>(sql, params, options);
    const { core, runner, session } = this.parts;
    const p = runner.prepared(sql);
    const it = core.interruptOf(options);
    const r = (await session.tryRead(p, params, it)) ?? (await session.execPrepared(p, params, undefined, it));
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  private async profiled<T>(sql: string, params: BindParams | undefined, options: QueryOptions): Promise<ProfiledRows<T>> {
    const { profile: _profile, ...rest } = options;
    const { core, runner, session } = this.parts;
    const engine = await core.eng();
    const readLsn = engine.lastVisibleLsn;
    const cached = runner.prepared(sql);
    // A Prepared of its own: the profiler instruments the plan compiled for it, never a cached one.
    const profiler = new OperatorProfiler();
    const own: Prepared = { parsed: cached.parsed, sql: cached.sql, profiler };
    const t = performance.now();
    const r = await session.execPrepared(own, params, undefined, core.interruptOf(rest));
    const durationMs = performance.now() - t;
    const rows = rowsToObjects(r.columns, r.rows, rest.safeIntegers ?? false) as T[];
    const k = cached.parsed.statement.kind;
    // The plan of the statement as run: EXPLAIN QUERY PLAN of the same text and parameters.
    const queryPlan = k === 'explain' ? [] : await this.query<QueryPlanStep>(`EXPLAIN QUERY PLAN ${cached.sql}`, params, rest);
    const stats: QueryStats = { durationMs, rowsReturned: rows.length, readLsn };
    Object.defineProperty(rows, 'queryPlan', { value: queryPlan.map((s) => ({ id: s.id, parent: s.parent, detail: s.detail })), enumerable: false });
    Object.defineProperty(rows, 'stats', { value: stats, enumerable: false });
    Object.defineProperty(rows, 'operators', { value: profiler.report(), enumerable: false });
    return rows as ProfiledRows<T>;
  }

  /**
   * The rows of a query as an Apache Arrow Table (as `prepare(sql).arrow(...)`; types in
   * docs/arrow.md: INTEGER Int64, REAL Float64, TEXT Utf8, BLOB Binary, mixed columns dense
   * unions). Errors as query().
   */
  async queryArrow(sql: string, params?: BindParams, options: StatementOptions = {}): Promise<ArrowTable> {
    const { core, runner, session } = this.parts;
    const p = runner.prepared(sql);
    const it = core.interruptOf(options);
    const r = (await session.tryRead(p, params, it)) ?? (await session.execPrepared(p, params, undefined, it));
    return resultToArrowTable(r.columns, r.rows);
  }

  /** The first row of a query, or undefined. */
  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  /**
   * Runs one statement and reports its effect; parameters as for query(). Several statements
   * separated by `;` run one after another as sqlite3_exec runs them (each committed on its own
   * outside a transaction; an error stops the script with the earlier ones done); they take no
   * parameters (INVALID_ARGUMENT, as exec()); `changes` is the last INSERT / UPDATE / DELETE's,
   * as sqlite3_changes() after sqlite3_exec.
   */
  run(sql: string, params?: BindParams, options?: StatementOptions): Promise<RunResult> {
    const { core, runner, session } = this.parts;
    let ps: Prepared[];
    try {
      ps = runner.statements(sql);
      // One statement (the common case) without an async frame here.
      if (ps.length === 1) {
        // One promise for a statement that completed synchronously (the autocommit INSERT).
        const r = session.execAutocommit(ps[0]!, params, core.interruptOf(options));
        return r instanceof Promise ? r.then((v) => this.runResult(v.changes, v.lsn)) : Promise.resolve(this.runResult(r.changes, r.lsn));
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.runScript(ps, params, options);
  }

  private runResult(changes: number, lsn: number): RunResult {
    const last = jsRowid(this.parts.runner.info.lastInsertRowId);
    return { changes, lastInsertRowId: last, lastInsertRowid: last, lastRowId: last, lsn };
  }

  private async runScript(ps: readonly Prepared[], params: BindParams | undefined, options: StatementOptions | undefined): Promise<RunResult> {
    const { core, session } = this.parts;
    if (ps.length > 1) refuseScriptParams(params, 'run() of several statements');
    const it = core.interruptOf(options);
    let changes = 0;
    let lsn = 0;
    for (const p of ps) {
      const r = await session.execPrepared(p, ps.length > 1 ? SCRIPT_ARGS : params, undefined, it);
      const kind = p.parsed.statement.kind;
      if (ps.length === 1 || kind === 'insert' || kind === 'update' || kind === 'delete') changes = r.changes;
      lsn = r.lsn;
    }
    return this.runResult(changes, lsn);
  }

  /**
   * Runs one statement and returns its rows and its effect together (ExecuteResult); parameters
   * as for query(). Inside the handle's own BEGIN ... COMMIT it runs in that transaction.
   */
  async execute<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<ExecuteResult<T>> {
    argOptions(options, 'db.execute()');
    const { core, runner, session } = this.parts;
    const r = await session.execPrepared(runner.prepared(sql), params, undefined, core.interruptOf(options));
    return executeResult<T>(r, runner.info.lastInsertRowId, options.safeIntegers ?? false);
  }

  /**
   * Runs `statements` in order as one transaction, all or nothing (D1's `batch()`, seed 003's
   * `db.batch()`): when one fails, none of them is committed and the error is thrown. Inside the
   * handle's own BEGIN ... COMMIT they join that transaction instead. Returns each statement's
   * ExecuteResult, in order. A WRITE_CONFLICT at commit is thrown (retryable) unless `retries`
   * allows running the batch again.
   */
  async batch<T = Record<string, JsValue>>(statements: readonly BatchStatement[], options: { retries?: number } & QueryOptions = {}): Promise<ExecuteResult<T>[]> {
    if (!Array.isArray(statements)) throw new DoSQLError('INVALID_ARGUMENT', `sql: db.batch() takes an array of { sql, params? }, got ${typeof statements}`);
    for (const [i, s] of statements.entries()) {
      if (s === null || typeof s !== 'object' || typeof (s as BatchStatement).sql !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `sql: db.batch(): statement ${i} must be { sql: string, params? }`, { details: { index: i } });
    }
    const { retries, ...q } = options;
    if (this.inTransaction) {
      const out: ExecuteResult<T>[] = [];
      for (const s of statements) out.push(await this.execute<T>(s.sql, s.params, q));
      return out;
    }
    return this.transaction(
      async (tx) => {
        const out: ExecuteResult<T>[] = [];
        for (const s of statements) out.push(await tx.execute<T>(s.sql, s.params, q));
        return out;
      },
      { ...(retries !== undefined ? { retries } : {}), ...(q.timeoutMs !== undefined ? { timeoutMs: q.timeoutMs } : {}), ...(q.signal !== undefined ? { signal: q.signal } : {}) },
    );
  }

  /**
   * Runs every statement in `sql`, a script (as SQLite's sqlite3_exec and better-sqlite3's
   * exec): results are discarded and nothing is bound, so a parameter in the script reads NULL.
   * Parameters passed anyway throw INVALID_ARGUMENT rather than being ignored: bind values with
   * run() or query(), one statement at a time. The timeout of `options` covers the whole script.
   */
  async exec(sql: string, params?: BindParams, options?: StatementOptions): Promise<void> {
    refuseScriptParams(params);
    checkSql(sql);
    const it = this.parts.core.interruptOf(options);
    for (const p of parse(sql)) await this.parts.session.execPrepared({ parsed: p, sql: sql.slice(p.start, p.end) }, SCRIPT_ARGS, undefined, it);
  }

  /**
   * Runs `fn` in its own transaction (snapshot isolation): commits when it resolves, rolls
   * back when it throws. A WRITE_CONFLICT at commit is thrown (retryable) unless
   * `retries` allows running `fn` again.
   */
  async transaction<T>(fn: (tx: TransactionHandle) => Promise<T>, options: { retries?: number } & StatementOptions = {}): Promise<T> {
    argFunction(fn, 'db.transaction()', 'the callback');
    optionNumber(argOptions(options, 'db.transaction()'), 'retries', 'db.transaction()', { integer: true, min: 0 });
    const core = this.parts.core;
    const engine = await core.eng();
    // An explicit timeout is one deadline for the whole callback (each statement gets what is
    // left); without one, each statement has the database's default timeout.
    const interrupt = options.timeoutMs !== undefined || options.signal !== undefined ? core.interruptOf(options) : undefined;
    for (let attempt = 0; ; attempt++) {
      const txn = await core.begin(engine);
      const handle = new TransactionHandle(this.parts, txn, interrupt);
      let result: T;
      try {
        result = await fn(handle);
      } catch (e) {
        handle.done = true;
        txn.release();
        throw e;
      }
      handle.done = true;
      try {
        await core.commit(engine, txn);
        if (core.afterTriggersPending) await core.drainAfterTriggers();
        return result;
      } catch (e) {
        if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT' && attempt < (options.retries ?? 0)) continue;
        throw e;
      }
    }
  }

  /**
   * The handle's and its engine's figures (DatabaseMetrics: statements, errors, the duration
   * histogram in ms, open transactions, WAL segments, bytes stored, the engine's statistics):
   * seed 003's metrics. `metricsText()` gives them in Prometheus' text format.
   */
  async metrics(options: { connectionCount?: number } = {}): Promise<DatabaseMetrics> {
    const engine = await this.parts.core.eng();
    const e = engine.stats();
    const log = engine.log.stats();
    return {
      database: this.name,
      queries: this.parts.core.metrics.snapshot(Date.now()),
      activeTransactions: e.openReadViews,
      walSegmentCount: engine.log.live.list().length,
      walBytes: log.walBytes,
      storageUsedBytes: e.sstBytes + e.cold.bytes + log.walBytes.live + log.walBytes.retained,
      connectionCount: options.connectionCount ?? 0,
      readOnly: engine.readOnly,
      engine: e,
    };
  }

  /** `metrics()` in the Prometheus text exposition format (what GET /admin/metrics serves). */
  async metricsText(options: { connectionCount?: number; labels?: Record<string, string> } = {}): Promise<string> {
    const m = await this.metrics(options);
    return prometheusText(m, options.labels);
  }

  /**
   * A checkpoint (seed 003's `db.checkpoint()`, SQLite's wal_checkpoint): every commit so far is
   * written to SSTables and the WAL segments that held it are retired. Resolves to the LSN it
   * covers. READ_ONLY on a read-only handle.
   */
  async checkpoint(): Promise<{ lsn: number }> {
    return (await this.parts.core.eng()).checkpoint();
  }

  /**
   * Backs the database up (docs/operations.md, docs/format/backup.md): consistent at one LSN
   * while writes continue, data files copied once across backups (`incremental`, the default),
   * every file's SHA-256 recorded. `target` is a folder (Node) or an ObjectStore — on Workers an
   * R2 prefix such as the cold bucket's `_backups/`; the objects are the same either way.
   * Restore with `restore()` or `dosql restore`. NOT_SUPPORTED for a folder outside Node;
   * READ_ONLY on a read-only handle.
   */
  async backup(target: string | ObjectStore, options: { incremental?: boolean } = {}): Promise<BackupResult> {
    if (typeof target !== 'string') {
      const r = await writeBackup(await this.parts.core.eng(), target, { database: this.name, ...(options.incremental !== undefined ? { incremental: options.incremental } : {}) });
      return { ...r, path: `${r.id}/` };
    }
    if (!backupImpl) throw new DoSQLError('NOT_SUPPORTED', 'sql: db.backup() to a folder is available in Node; pass an ObjectStore (an R2 prefix) elsewhere');
    return backupImpl(this, target, options);
  }

  /** True while the handle's own BEGIN ... COMMIT is open. */
  get inTransaction(): boolean {
    return this.parts.session.inTransaction;
  }

  /** Closes the database: rolls back an open transaction, closes the engine. Idempotent. */
  async close(): Promise<void> {
    const core = this.parts.core;
    if (core.closed) return;
    core.closed = true;
    this.parts.session.rollbackOpen();
    const engine = await core.ready.catch(() => undefined);
    await engine?.close();
  }

  /** @internal Attaches dosql/triggers' programmatic row triggers (createTriggerExecutor); undefined detaches. */
  /**
   * @internal Procedures CALL finds before the catalog's SQL-stored ones (dosql/proc's
   * createProcedureExecutor attaches its registry); undefined detaches them.
   */
  attachProcedures(resolver: ProcedureResolver | undefined, env?: Readonly<Record<string, unknown>>): void {
    this.parts.procedures.attach(resolver, env);
  }

  attachRowTriggers(hooks: RowTriggerHooks | undefined): void {
    this.parts.core.rowTriggers = hooks;
  }

  // ---------------------------------------------------------------- time travel (time-travel-host.ts)

  /** Resolves an API time point (lsn(), timestamp(), snapshot(), branch(), relative()) to a read point. */
  async resolve(point: TimePoint): Promise<ReadPoint> {
    argTimePoint(point, 'db.resolve()');
    return this.parts.timeTravel.resolve(point);
  }

  // ---------------------------------------------------------------- branches and snapshots (branching.ts, branch-diff.ts)

  /**
   * Creates a branch from the current branch (or from a snapshot `from: 'main@5'`, or an
   * LSN `fromLSN`, a number or a bigint up to 2^53 - 1): a manifest entry (parent, base LSN);
   * no data is copied. The base LSN is pinned against garbage collection while the branch exists.
   */
  branch(name: string, options: { from?: string; fromLSN?: number | bigint } = {}): Promise<{ name: string; baseLsn: number }> {
    return this.parts.branching.branch(name, options);
  }

  /** Switches this handle to branch `name` ('main' included). No transaction may be open. */
  checkout(name: string): Promise<void> {
    return this.parts.branching.checkout(name);
  }

  /** Name of the branch this handle is on. */
  currentBranch(): string {
    return this.parts.branching.currentBranch();
  }

  /** Every branch: main first, then in creation order. */
  listBranches(): Promise<{ name: string; parent: string | null; baseLsn: number; createdAt: number; merged: boolean }[]> {
    return this.parts.branching.listBranches();
  }

  /** Deletes a branch (its rows become garbage). Refuses an unmerged branch unless `force`, and branches with children. */
  deleteBranch(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.parts.branching.deleteBranch(name, options);
  }

  /**
   * Pins the current state as a named snapshot `<branch>@<n>` (or `name`), kept from garbage
   * collection. `id` is the snapshot's identifier, its name (what snapshot(id), `from` and
   * deleteSnapshot take).
   */
  createSnapshot(name?: string): Promise<{ id: string; name: string; lsn: number; branch: string }> {
    return this.parts.branching.createSnapshot(name);
  }

  /** Every named snapshot: name, LSN, branch and creation time. */
  listSnapshots(): Promise<{ name: string; lsn: number; branch: string; createdAt: number }[]> {
    return this.parts.branching.listSnapshots();
  }

  /** Deletes a named snapshot (what only it kept becomes garbage). */
  deleteSnapshot(name: string): Promise<void> {
    return this.parts.branching.deleteSnapshot(name);
  }

  /**
   * Merges branch `source` (a child of the checked-out branch) into it: a three-way,
   * cell-level merge against the branch base, written as one commit (see merge.ts).
   * 'auto' throws MERGE_CONFLICT listing conflicts; 'manual' returns them for
   * `resolveConflict` / `completeMerge`; 'ours' / 'theirs' settle them.
   */
  merge(source: string, options: { strategy?: MergeStrategy; message?: string } = {}): Promise<{ merged: boolean; lsn: number | null; changes: number; conflicts: MergeConflict[] }> {
    return this.parts.branching.merge(source, options);
  }

  /**
   * Chooses the value of a conflict of the pending manual merge: a value, 'ours' / 'theirs', or
   * the conflict's own `main` / `branch` (seed 001: `resolveConflict(c.id, c.branch)`), which
   * pick that side, including a side where the row is absent (undefined). A whole-row conflict
   * (column '*') takes only a side.
   */
  resolveConflict(id: number, value: SqlValue | 'ours' | 'theirs' | undefined): void {
    this.parts.branching.resolveConflict(id, value);
  }

  /** Commits the pending manual merge once every conflict is resolved. */
  completeMerge(): Promise<{ merged: boolean; lsn: number; changes: number; conflicts: MergeConflict[] }> {
    return this.parts.branching.completeMerge();
  }

  /**
   * Commits on `a` that `b` does not have (ahead) and the reverse (behind); diverged when both;
   * canFastForward when `a` has nothing `b` lacks.
   */
  compareBranches(a: string, b: string): Promise<{ ahead: number; behind: number; diverged: boolean; canFastForward: boolean }> {
    return compareBranches(this.parts.core, a, b);
  }

  /**
   * Rows of `table` that differ between two points (time points, or branch names):
   * added, removed, and changed (before/after), by primary key.
   */
  diff(from: TimePoint | string, to: TimePoint | string, options: { table: string }): Promise<{ added: Record<string, JsValue>[]; removed: Record<string, JsValue>[]; changed: { before: Record<string, JsValue>; after: Record<string, JsValue> }[] }> {
    const { core, runner, timeTravel } = this.parts;
    return diffRows(core, runner, timeTravel, from, to, options);
  }

  // ---------------------------------------------------------------- cold tier and Iceberg (cold-tier.ts)

  /**
   * Compacts the engine (`full`: to one sorted level). With `tier: 'cold'` also publishes
   * every table of the current branch as an Iceberg v2 snapshot of its state at the current
   * LSN (docs/format/iceberg.md). Returns the snapshots published. `onProgress` (with DB()'s
   * `onProgress`) hears CompactProgress events: input files and bytes per compaction job, then
   * tables published; done counters only grow and the last event of each phase has done ===
   * total. A callback that throws is logged at warn and ignored: the compaction completes.
   */
  compact(options: { full?: boolean; tier?: 'hot' | 'cold'; onProgress?: ProgressCallback } = {}): Promise<{ published: { table: string; snapshotId: bigint; lsn: number }[] }> {
    return this.parts.cold.compact(options);
  }

  /** Publishes tables (default: all) as Iceberg snapshots of their state at the current LSN. */
  publishIceberg(tables?: readonly string[]): Promise<{ table: string; snapshotId: bigint; lsn: number }[]> {
    return this.parts.cold.publishIceberg(tables);
  }

  /** The Iceberg snapshots of `table`: `{ snapshotId, lsn, timestampMs, metadataPath }`. */
  icebergSnapshots(table: string): Promise<{ snapshotId: bigint; lsn: number; timestampMs: number; metadataPath: string }[]> {
    return this.parts.cold.icebergSnapshots(table);
  }

  /**
   * Deletes files in the tables' Iceberg folders that no metadata version references (left by
   * a publish that crashed or lost a race). Run it when no publish is in flight.
   */
  cleanupIceberg(tables?: readonly string[]): Promise<{ table: string; removed: string[] }[]> {
    return this.parts.cold.cleanupIceberg(tables);
  }

  /**
   * Expires Iceberg snapshots older than `olderThanMs` (keeping the newest `retainLast`, at
   * least the current one), then removes the files no remaining metadata references. dosql's
   * own history is unaffected: it lives in the LSM under the retention policy.
   */
  expireIcebergSnapshots(options: { olderThanMs: number; retainLast?: number; tables?: readonly string[] }): Promise<{ table: string; expired: bigint[]; removed: string[] }[]> {
    return this.parts.cold.expireIcebergSnapshots(options);
  }

  /** Root URL of the Iceberg warehouse (hand `<root>/<namespace>/<table>` to other engines). */
  warehousePath(): string {
    return this.parts.cold.warehousePath();
  }
}
