// The DB() API: one database on one engine. Statements run in transactions with
// snapshot isolation on LSN read views; commits are first-committer-wins.
//
// Async safety: statements of one session (the handle's own BEGIN ... COMMIT, or one
// `db.transaction` callback) run one at a time; different transactions interleave freely
// and are serialised only at commit, under the engine's commit lock (src/mvcc/commit.ts),
// where write-write conflicts against commits made after the transaction's read LSN are
// detected — across every handle on the engine.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { encodeTablePrefix, KIND_PUT, MAIN_BRANCH } from '../../mvcc/internal-key.js';
import { Mutex } from '../../util/async.js';
import { identityJson } from '../../util/json.js';
import { assignableKeys, setOwn } from '../../util/record.js';
import { Catalog, CATALOG_TABLE_ID } from '../catalog/catalog.js';
import { ExecEnv, type Row, type SessionInfo } from '../execution/env.js';
import type { ParsedStatement } from '../parser/ast.js';
import { parse, parseOne } from '../parser/index.js';
import { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { compileStatement, type Executable, type ExecResult } from '../planner/plan-statement.js';
import { temporalRefs } from '../planner/temporal-refs.js';
import { bindTemporal, bindTemporalSync, openView, resolvePoint, type PointHost, type ReadPoint } from './temporal.js';
import type { TemporalBinding } from '../planner/planner-context.js';
import type { TimePoint } from './time-points.js';
import { COMMIT_LOG_TABLE_ID, COMMIT_LOG_VALUE, commitLogKey } from './commit-log.js';

/** True when a cached temporal plan was made for these schemas and binding kinds. */
function samePlanKey(c: Prepared['temporalPlan'], base: Catalog, bindings: ReadonlyMap<TableRef, TemporalBinding>): boolean {
  if (!c || c.base !== base || c.catalogs.length !== bindings.size) return false;
  let i = 0;
  let kinds = '';
  for (const b of bindings.values()) {
    if (c.catalogs[i++] !== b.catalog) return false;
    kinds += kinds ? `,${b.kind}` : b.kind;
  }
  return kinds === c.kinds;
}

import type { Layer } from '../../mvcc/layers.js';
import { applyMerge, planMerge, type MergeConflict, type MergePlan, type MergeStrategy } from './merge.js';
import { commits } from './commit-log.js';
import { sqlColdCodec } from '../rows/cold-layout.js';
import type { TableSchema } from '../catalog/schema.js';
import type { IcebergTables, Warehouse } from '../../cold/index.js';
import { icebergSource } from './iceberg-source.js';
import type { ColdSource } from '../execution/columnar-aggregate-op.js';
import type { TableRef } from '../parser/ast.js';
import { toJsValue, type BindParams, type JsValue } from './values.js';
import { bindParams, checkSql, describeValue, refuseScriptParams, SCRIPT_ARGS, type StatementArgs } from './bind-params.js';
import { argFunction, argNames, argOptions, argPointOrBranch, argString, argTimePoint, optionNumber, optionOf, optionOneOf } from './arguments.js';
import { Statement } from './statement.js';
import { resolveLimits, type Limits } from '../execution/limits.js';
import { combineInterrupts, interruptOf, StatementGuard, type Interrupt, type ResultCaps, type StatementOptions } from '../execution/statement-guard.js';

/** What `run` returns: rows changed, the last rowid inserted, and the commit's LSN. */
export interface RunResult {
  changes: number;
  lastInsertRowId: number | bigint;
  /** LSN of the commit (the read LSN when nothing was written). */
  lsn: number;
}

export interface QueryOptions extends StatementOptions {
  /** Return INTEGER values as bigint (better-sqlite3's safeIntegers). */
  safeIntegers?: boolean;
}

export type { StatementOptions };

/** Options of a database handle (docs/limits.md). */
export interface DatabaseOptions {
  /** Resource limits, over DEFAULT_LIMITS (as sqlite3_limit). */
  limits?: Partial<Limits>;
  /** Default statement timeout, ms (0, the default: none); a call's `timeoutMs` overrides it. */
  timeoutMs?: number;
}

/** A session: the connection's own explicit transaction and savepoints. */
interface Session {
  txn?: Transaction;
  savepoints: { name: string; mark: number }[];
  /** SAVEPOINT outside BEGIN started the transaction: RELEASE of the outermost commits it. */
  implicitBySavepoint: boolean;
}

/** @internal A prepared plan cache entry. */
export interface Prepared {
  readonly parsed: ParsedStatement;
  readonly sql: string;
  plan?: Executable;
  /** FOR SYSTEM_TIME references (resolved per execution). */
  temporal?: TableRef[];
  /** The plan of a statement with FOR SYSTEM_TIME references, for one combination of schemas. */
  temporalPlan?: { base: Catalog; kinds: string; catalogs: Catalog[]; plan: Executable };
}

export class Database {
  private catalog!: Catalog;
  /** The LSN `catalog` was read at. */
  private catalogLsn = 0;
  /** Commits with schema changes on this handle's branch whose catalog is not reloaded yet. */
  private ddlCommits = 0;
  private readonly session: Session = { savepoints: [], implicitBySavepoint: false };
  private readonly cache = new Map<string, Prepared>();
  private readonly info: SessionInfo = { changes: 0, totalChanges: 0, lastInsertRowId: 0n };
  private readonly ready: Promise<LsmEngine>;
  private engineRef: LsmEngine | undefined;
  private closed = false;
  /** Why the open failed, once it has. */
  private openError: unknown;
  /** Serialises statements of the handle's own session. */
  private readonly sessionLock = new Mutex();
  /** The branch this handle reads and writes (main = 0). */
  private branchIdValue = MAIN_BRANCH;
  /** The limits every statement of this handle runs under. */
  readonly limits: Readonly<Limits>;
  private readonly defaultTimeoutMs: number;

  /** `open` resolves to the engine; the database opens lazily on first use. */
  constructor(
    open: () => Promise<LsmEngine>,
    readonly name: string,
    /** Where Iceberg snapshots of the tables are published (the cold tier's catalog). */
    private readonly warehouse?: Warehouse,
    options: DatabaseOptions = {},
  ) {
    this.limits = resolveLimits(options.limits);
    this.defaultTimeoutMs = interruptOf({ timeoutMs: options.timeoutMs ?? 0 }, 0).timeoutMs;
    this.ready = open().then(async (engine) => {
      // The handle counts as open only once its schema loaded: a failed load (CORRUPTION) must
      // leave every later call answering that error, not reading a missing catalog.
      try {
        this.catalogLsn = engine.lastVisibleLsn;
        this.catalog = await this.loadCatalog(engine, MAIN_BRANCH, this.catalogLsn);
      } catch (e) {
        await engine.close().catch(() => undefined);
        throw e;
      }
      this.engineRef = engine;
      engine.setColdCodec(
        sqlColdCodec(async () => {
          const lsn = engine.lastVisibleLsn;
          const catalog = await this.loadCatalog(engine, MAIN_BRANCH, lsn);
          const tables = catalog.objects().filter((o): o is TableSchema => o.type === 'table');
          return { tables, commits: await commits(engine, [{ branch: MAIN_BRANCH, lsn }]) };
        }),
      );
      return engine;
    });
    // Avoid an unhandled rejection when nobody awaits an open that failed; keep its error for
    // the synchronous methods (Statement.columns()).
    this.ready.catch((e: unknown) => {
      this.openError = e;
    });
  }

  /** Resolves when the database is open (every method also waits for it). */
  async open(): Promise<this> {
    await this.ready;
    return this;
  }

  /** The underlying key-value engine (statistics, compaction, flush). */
  async engine(): Promise<LsmEngine> {
    return this.ready;
  }

  private async eng(): Promise<LsmEngine> {
    if (this.closed) throw new DoSQLError('CLOSED', `sql: database ${this.name} is closed`);
    return this.ready;
  }

  // ---------------------------------------------------------------- statements

  /** @internal Parses (cached) one statement. */
  prepared(sql: string): Prepared {
    checkSql(sql);
    let p = this.cache.get(sql);
    if (!p) {
      p = { parsed: parseOne(sql), sql };
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(sql, p);
    }
    return p;
  }

  /** Prepares one statement (better-sqlite3's shape, async methods); `options` apply to each execution. */
  prepare(sql: string, options?: StatementOptions): Statement {
    const st = new Statement(this, this.prepared(sql));
    return options ? st.withOptions(options) : st;
  }

  /** @internal The interrupt of a call: its options over the database's default timeout. */
  interruptOf(options: StatementOptions | undefined): Interrupt {
    return interruptOf(options, this.defaultTimeoutMs);
  }

  /**
   * @internal A statement's guard (the database's default timeout when `interrupt` is
   * undefined); INTERRUPTED at once when its signal already aborted.
   */
  guard(interrupt: Interrupt | undefined, caps?: ResultCaps): StatementGuard {
    const g = new StatementGuard(this.limits, interrupt ?? this.interruptOf(undefined), caps);
    g.check();
    return g;
  }

  /**
   * Rows of a query as objects keyed by column name (any name, `__proto__` included). `params`
   * is an array of positional values or a plain object of named values; a missing or extra
   * value throws INVALID_ARGUMENT naming the parameter (bind-params.ts), as better-sqlite3 does.
   * `options.timeoutMs` / `options.signal` stop it with INTERRUPTED (docs/limits.md).
   */
  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    argOptions(options, 'db.query()');
    const p = this.prepared(sql);
    const it = this.interruptOf(options);
    const r = (await this.tryRead(p, params, it)) ?? (await this.execPrepared(p, params, undefined, it));
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  /** The first row of a query, or undefined. */
  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  /** Runs one statement and reports its effect; parameters as for query(). */
  async run(sql: string, params?: BindParams, options?: StatementOptions): Promise<RunResult> {
    const r = await this.execPrepared(this.prepared(sql), params, undefined, this.interruptOf(options));
    return { changes: r.changes, lastInsertRowId: jsRowid(this.info.lastInsertRowId), lsn: r.lsn };
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
    const it = this.interruptOf(options);
    for (const p of parse(sql)) await this.execPrepared({ parsed: p, sql: sql.slice(p.start, p.end) }, SCRIPT_ARGS, undefined, it);
  }

  /**
   * @internal The fast path of an autocommit SELECT outside any explicit transaction: no
   * session lock, no commit, synchronous when the rows are in memory. Returns undefined
   * when the statement must take the general path.
   */
  tryRead(p: Prepared, params: BindParams | StatementArgs | undefined, interrupt?: Interrupt, caps?: ResultCaps): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined {
    const engine = this.engineRef;
    if (!engine || this.closed || this.session.txn || this.sessionLock.locked || p.parsed.statement.kind !== 'select') return undefined;
    const temporal = (p.temporal ??= temporalRefs(p.parsed.statement));
    const values = bindParams(p.parsed, params);
    const guard = this.guard(interrupt, caps);
    const txn = this.begin(engine);
    let rows: Row[] | Promise<Row[]>;
    let plan: Executable;
    let bindings: Map<TableRef, TemporalBinding> | undefined;
    try {
      if (temporal.length) {
        bindings = bindTemporalSync(this.pointHost(engine, txn.branch), temporal, values, txn);
        if (!bindings || !samePlanKey(p.temporalPlan, txn.catalog, bindings)) {
          if (bindings) for (const b of bindings.values()) b.view.release();
          txn.release();
          return undefined;
        }
        plan = p.temporalPlan!.plan;
      } else plan = this.planFor(p, txn.catalog);
      const env = new ExecEnv(txn, values, this.info, engine.clockNow(), randomInt64, guard);
      if (bindings) env.temporal = bindings;
      const cold = this.coldLookup(txn.branch);
      if (cold) env.cold = cold;
      rows = plan.runRows!(env);
    } catch (e) {
      if (bindings) for (const b of bindings.values()) b.view.release();
      txn.release();
      throw e;
    }
    const done = (): void => {
      if (bindings) for (const b of bindings.values()) b.view.release();
    };
    if (rows instanceof Promise) {
      return rows.then(
        (r) => {
          done();
          txn.release();
          return { columns: plan.columns, rows: r };
        },
        (e: unknown) => {
          done();
          txn.release();
          throw e;
        },
      );
    }
    done();
    txn.release();
    return { columns: plan.columns, rows };
  }

  /** @internal Executes a prepared statement in the handle's session. */
  async execPrepared(p: Prepared, params: BindParams | StatementArgs | undefined, txn?: Transaction, interrupt?: Interrupt, caps?: ResultCaps): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const engine = await this.eng();
    const values = bindParams(p.parsed, params);
    const guard = this.guard(interrupt, caps);
    if (txn) return this.runIn(engine, txn, p, values, false, guard);
    const unlock = await this.sessionLock.lock();
    try {
      return await this.runSession(engine, p, values, guard);
    } finally {
      unlock();
    }
  }

  private async runSession(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const s = this.session;
    const st = p.parsed.statement;
    const none = { rows: [] as Row[], changes: 0, columns: [] as string[] };
    switch (st.kind) {
      case 'begin':
        if (s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot start a transaction within a transaction');
        s.txn = this.begin(engine);
        s.implicitBySavepoint = false;
        return { ...none, lsn: s.txn.readLsn };
      case 'commit': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot commit - no transaction is active');
        const txn = s.txn;
        s.txn = undefined;
        s.savepoints = [];
        return { ...none, lsn: await this.commit(engine, txn) };
      }
      case 'rollback': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot rollback - no transaction is active');
        if (st.savepoint) {
          const i = findSavepoint(s, st.savepoint);
          s.txn.rollbackTo(s.savepoints[i]!.mark);
          s.savepoints.length = i + 1;
          return { ...none, lsn: s.txn.readLsn };
        }
        s.txn.release();
        s.txn = undefined;
        s.savepoints = [];
        return { ...none, lsn: engine.lastVisibleLsn };
      }
      case 'savepoint':
        if (!s.txn) {
          s.txn = this.begin(engine);
          s.implicitBySavepoint = true;
        }
        s.savepoints.push({ name: st.name, mark: s.txn.mark() });
        return { ...none, lsn: s.txn.readLsn };
      case 'release': {
        if (!s.txn) throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${st.name}`);
        const i = findSavepoint(s, st.name);
        s.savepoints.length = i;
        if (i === 0 && s.implicitBySavepoint) {
          const txn = s.txn;
          s.txn = undefined;
          return { ...none, lsn: await this.commit(engine, txn) };
        }
        return { ...none, lsn: s.txn.readLsn };
      }
      default:
        break;
    }
    if (s.txn) return this.runIn(engine, s.txn, p, values, false, guard);
    const txn = this.begin(engine);
    return this.runIn(engine, txn, p, values, true, guard);
  }

  /** Runs a statement in `txn`; on error undoes the statement's writes; commits when `autocommit`. */
  private async runIn(engine: LsmEngine, txn: Transaction, p: Prepared, values: SqlValue[], autocommit: boolean, guard: StatementGuard): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    const mark = txn.mark();
    let result: ExecResult;
    let plan: Executable;
    const temporal = (p.temporal ??= temporalRefs(p.parsed.statement));
    let bindings: Map<TableRef, import('../planner/planner-context.js').TemporalBinding> | undefined;
    try {
      if (temporal.length) {
        bindings = await bindTemporal(this.pointHost(engine, txn.branch), temporal, values, txn);
        // Plans depend on the schemas (catalog objects are cached per read point) and the
        // binding kinds; views are looked up per execution, so equal keys reuse the plan.
        if (samePlanKey(p.temporalPlan, txn.catalog, bindings)) plan = p.temporalPlan!.plan;
        else {
          plan = compileStatement(p.parsed.statement, txn.catalog, bindings, this.limits);
          const vals = [...bindings.values()];
          p.temporalPlan = { base: txn.catalog, kinds: vals.map((b) => b.kind).join(','), catalogs: vals.map((b) => b.catalog), plan };
        }
      } else plan = this.planFor(p, txn.catalog);
      const env = new ExecEnv(txn, values, this.info, engineNow(engine), randomInt64, guard);
      if (bindings) env.temporal = bindings;
      const cold = this.coldLookup(txn.branch);
      if (cold) env.cold = cold;
      result = await plan.execute(env, p.sql);
      if (bindings) for (const b of bindings.values()) b.view.release();
    } catch (e) {
      if (bindings) for (const b of bindings.values()) b.view.release();
      // lang_conflict.html: FAIL keeps the statement's earlier changes, ROLLBACK ends the
      // whole transaction, everything else (ABORT) undoes just this statement.
      const action = e instanceof DoSQLError ? e.details.conflictAction : undefined;
      if (action === 'FAIL') {
        if (autocommit) await this.commit(engine, txn);
      } else if (action === 'ROLLBACK') {
        txn.rollbackTo(0);
        if (this.session.txn === txn) {
          this.session.txn = undefined;
          this.session.savepoints = [];
        }
        txn.release();
      } else {
        txn.rollbackTo(mark);
        if (autocommit) txn.release();
      }
      throw e;
    }
    if (plan.writes) {
      this.info.changes = result.changes;
      this.info.totalChanges += result.changes;
      if (result.lastInsertRowId !== undefined) this.info.lastInsertRowId = result.lastInsertRowId;
    }
    let lsn = txn.readLsn;
    if (autocommit) lsn = await this.commit(engine, txn);
    return { ...result, columns: plan.columns, lsn };
  }

  /** @internal The plan of `p` for `catalog`, re-planned when the schema changed. */
  planFor(p: Prepared, catalog: Catalog): Executable {
    if (!p.plan || p.plan.catalogVersion !== catalog.version) p.plan = compileStatement(p.parsed.statement, catalog, undefined, this.limits);
    return p.plan;
  }

  /** @internal The latest committed schema (requires the database to be open). */
  currentCatalog(): Catalog {
    if (this.openError !== undefined) throw this.openError;
    if (!this.engineRef) throw new DoSQLError('INVALID_ARGUMENT', `sql: database ${this.name} is not open yet; await db.open() first`);
    return this.catalog;
  }

  /** @internal Starts a transaction reading the latest commit. */
  begin(engine: LsmEngine): Transaction {
    const b = this.branchIdValue;
    const txn = new Transaction(engine, engine.lastVisibleLsn, b, this.catalog, b === MAIN_BRANCH ? [] : this.ancestors(b));
    // A schema change of this handle is visible but its catalog not reloaded yet: the schema
    // this transaction plans against may be older than its read LSN, so its schema claim starts
    // where that schema was read (and it retries if the change lands in between).
    if (this.ddlCommits > 0) txn.schemaSince = this.catalogLsn;
    return txn;
  }

  // ---------------------------------------------------------------- branches and time travel

  /** @internal Ancestor layers of a branch: parent at the base LSN, then its parent, ... */
  ancestors(branch: number): Layer[] {
    return this.engineRef!.ancestorLayers(branch);
  }

  /** @internal The schema of `branch` as of `lsn`. */
  async loadCatalog(engine: LsmEngine, branch: number, lsn: number): Promise<Catalog> {
    // Past schemas never change: cache them per read point (branch ids are never reused; a
    // delete clears the cache anyway).
    const hit = this.catalogAt.get(branch)?.get(lsn);
    if (hit) return hit;
    const c = await this.loadCatalogUncached(engine, branch, lsn);
    let m = this.catalogAt.get(branch);
    if (!m) this.catalogAt.set(branch, (m = new Map()));
    if (m.size >= 64) m.delete(m.keys().next().value!);
    m.set(lsn, c);
    return c;
  }

  private readonly catalogAt = new Map<number, Map<number, Catalog>>();

  private async loadCatalogUncached(engine: LsmEngine, branch: number, lsn: number): Promise<Catalog> {
    const t = new Transaction(engine, lsn, branch, new Catalog([]), branch === MAIN_BRANCH ? [] : this.ancestors(branch), true);
    try {
      return await Catalog.load(t);
    } finally {
      t.release();
    }
  }

  private readonly hosts = new Map<number, PointHost>();

  /** @internal The time-point resolver for statements on `branch` (cached: point queries are hot). */
  pointHost(engine: LsmEngine, branch = this.branchIdValue): PointHost {
    let h = this.hosts.get(branch);
    if (!h || h.engine !== engine) {
      h = this.makePointHost(engine, branch);
      this.hosts.set(branch, h);
    }
    return h;
  }

  private makePointHost(engine: LsmEngine, branch: number): PointHost {
    return {
      engine,
      branch,
      branchId: (name) => this.branchRef(name).id,
      ancestors: (b) => (b === MAIN_BRANCH ? [] : this.ancestors(b)),
      snapshotPoint: (name) => {
        argString(name, 'snapshot', 'a snapshot name');
        const snap = engine.snapshots.get(name);
        if (!snap) throw new DoSQLError('NOT_FOUND', `sql: no such snapshot: ${name}`, { details: { snapshot: name } });
        return { branch: snap.branch, lsn: snap.lsn };
      },
      loadCatalog: (b, lsn) => this.loadCatalog(engine, b, lsn),
      cachedCatalog: (b, lsn) => this.catalogAt.get(b)?.get(lsn),
    };
  }

  /** @internal The branch called `name` ('main' included). Throws NOT_FOUND. */
  branchRef(name: string): { id: number; name: string; parent: number | null; baseLsn: number; mergedAt?: number | null } {
    argString(name, 'branch', 'a branch name');
    if (name === 'main') return { id: MAIN_BRANCH, name: 'main', parent: null, baseLsn: 0 };
    const r = this.engineRef!.branches.get(name);
    if (!r) throw new DoSQLError('NOT_FOUND', `sql: no such branch: ${name}`, { details: { branch: name } });
    return r;
  }

  /** @internal */
  branchName(id: number): string {
    if (id === MAIN_BRANCH) return 'main';
    return this.engineRef!.branches.list().find((b) => b.id === id)?.name ?? `#${id}`;
  }

  /** Resolves an API time point (lsn(), timestamp(), snapshot(), branch(), relative()) to a read point. */
  async resolve(point: TimePoint): Promise<ReadPoint> {
    argTimePoint(point, 'db.resolve()');
    const engine = await this.eng();
    return resolvePoint(this.pointHost(engine), point);
  }

  /**
   * Creates a branch from the current branch (or from a snapshot `from: 'main@5'`, or an
   * LSN `fromLSN`): a manifest entry (parent, base LSN); no data is copied. The base LSN is
   * pinned against garbage collection while the branch exists.
   */
  async branch(name: string, options: { from?: string; fromLSN?: number } = {}): Promise<{ name: string; baseLsn: number }> {
    argString(name, 'db.branch()', 'the branch name');
    optionOf(argOptions(options, 'db.branch()'), 'from', 'string', 'db.branch()');
    optionNumber(options, 'fromLSN', 'db.branch()', { integer: true, min: 0 });
    const engine = await this.eng();
    let parent = this.branchIdValue;
    let baseLsn: number | undefined;
    if (options.from !== undefined) {
      const p = this.pointHost(engine).snapshotPoint(options.from);
      parent = p.branch;
      baseLsn = p.lsn;
    } else if (options.fromLSN !== undefined) baseLsn = options.fromLSN;
    const ref = await engine.branches.create(name, { parent, ...(baseLsn !== undefined ? { baseLsn } : {}) });
    return { name, baseLsn: ref.baseLsn };
  }

  /** Switches this handle to branch `name` ('main' included). No transaction may be open. */
  async checkout(name: string): Promise<void> {
    const engine = await this.eng();
    if (this.session.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot switch branches inside a transaction');
    const ref = this.branchRef(name);
    const lsn = engine.lastVisibleLsn;
    this.catalog = await this.loadCatalog(engine, ref.id, lsn);
    this.catalogLsn = lsn;
    this.branchIdValue = ref.id;
    this.cache.clear();
  }

  /** Name of the branch this handle is on. */
  currentBranch(): string {
    return this.engineRef ? this.branchName(this.branchIdValue) : 'main';
  }

  /** Every branch: main first, then in creation order. */
  async listBranches(): Promise<{ name: string; parent: string | null; baseLsn: number; createdAt: number; merged: boolean }[]> {
    const engine = await this.eng();
    return [
      { name: 'main', parent: null, baseLsn: 0, createdAt: 0, merged: false },
      ...engine.branches.list().map((b) => ({ name: b.name, parent: b.parent === null ? null : this.branchName(b.parent), baseLsn: b.baseLsn, createdAt: b.createdAt, merged: b.mergedAt != null })),
    ];
  }

  /** Deletes a branch (its rows become garbage). Refuses an unmerged branch unless `force`, and branches with children. */
  async deleteBranch(name: string, options: { force?: boolean } = {}): Promise<void> {
    optionOf(argOptions(options, 'db.deleteBranch()'), 'force', 'boolean', 'db.deleteBranch()');
    const engine = await this.eng();
    const ref = this.branchRef(name);
    if (ref.id === MAIN_BRANCH) throw new DoSQLError('INVALID_ARGUMENT', 'sql: cannot delete main');
    if (ref.id === this.branchIdValue) throw new DoSQLError('INVALID_ARGUMENT', `sql: cannot delete the checked-out branch ${name}`);
    // Children are refused by the engine, in the same manifest edit as the delete.
    if (!engine.branches.list().some((b) => b.parent === ref.id) && ref.mergedAt == null && !options.force && (await this.ownWrites(engine, ref.id))) {
      throw new DoSQLError('INVALID_ARGUMENT', `sql: branch ${name} has unmerged changes; merge it or pass { force: true }`, { details: { branch: name } });
    }
    this.catalogAt.clear();
    this.hosts.clear();
    await engine.branches.delete(name);
  }

  /** True when the branch wrote anything since it was created (beyond its commit log). */
  private async ownWrites(engine: LsmEngine, branch: number): Promise<boolean> {
    const any = async (lower: Uint8Array, upper: Uint8Array): Promise<boolean> => {
      const it = engine.scanVersions(lower, upper, engine.lastVisibleLsn, false);
      const first = await it.next();
      await it.return(undefined);
      return !first.done;
    };
    // Its catalog rows and its tables and indexes; not its commit log.
    return (
      (await any(encodeTablePrefix(branch, CATALOG_TABLE_ID), encodeTablePrefix(branch, COMMIT_LOG_TABLE_ID))) ||
      (await any(encodeTablePrefix(branch, COMMIT_LOG_TABLE_ID + 1), encodeTablePrefix(branch + 1, 0)))
    );
  }

  /** Pins the current state as a named snapshot `<branch>@<n>` (or `name`), kept from garbage collection. */
  async createSnapshot(name?: string): Promise<{ name: string; lsn: number; branch: string }> {
    if (name !== undefined && argString(name, 'db.createSnapshot()', 'the snapshot name') === '') throw new DoSQLError('INVALID_ARGUMENT', 'sql: db.createSnapshot(): the snapshot name must not be empty');
    const engine = await this.eng();
    const branchId = this.branchIdValue;
    const snap = await engine.snapshots.create({ branch: branchId, ...(name !== undefined ? { name } : {}) });
    return { name: snap.name, lsn: snap.lsn, branch: this.branchName(branchId) };
  }

  async listSnapshots(): Promise<{ name: string; lsn: number; branch: string; createdAt: number }[]> {
    const engine = await this.eng();
    return engine.snapshots.list().map((x) => ({ name: x.name, lsn: x.lsn, branch: this.branchName(x.branch), createdAt: x.createdAt }));
  }

  async deleteSnapshot(name: string): Promise<void> {
    argString(name, 'db.deleteSnapshot()', 'the snapshot name');
    const engine = await this.eng();
    await engine.snapshots.delete(name);
  }

  /**
   * Merges branch `source` (a child of the checked-out branch) into it: a three-way,
   * cell-level merge against the branch base, written as one commit (see merge.ts).
   * 'auto' throws MERGE_CONFLICT listing conflicts; 'manual' returns them for
   * `resolveConflict` / `completeMerge`; 'ours' / 'theirs' settle them.
   */
  async merge(source: string, options: { strategy?: MergeStrategy; message?: string } = {}): Promise<{ merged: boolean; lsn: number | null; changes: number; conflicts: MergeConflict[] }> {
    optionOneOf(argOptions(options, 'db.merge()'), 'strategy', ['auto', 'manual', 'ours', 'theirs'], 'db.merge()');
    optionOf(options, 'message', 'string', 'db.merge()');
    const engine = await this.eng();
    if (this.session.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot merge inside a transaction');
    const src = this.branchRef(source);
    if (src.parent !== this.branchIdValue) {
      throw new DoSQLError('NOT_SUPPORTED', `sql: merge: ${source} is not a child of ${this.currentBranch()} (merging into the parent branch is supported)`);
    }
    const strategy = options.strategy ?? 'auto';
    const txn = this.begin(engine);
    let plan: MergePlan;
    try {
      plan = await planMerge(engine, txn, src, [{ branch: src.id, lsn: engine.lastVisibleLsn }, ...this.ancestors(src.id)]);
    } catch (e) {
      txn.release();
      throw e;
    }
    if (plan.conflicts.length && strategy === 'auto') {
      txn.release();
      throw new DoSQLError('MERGE_CONFLICT', `sql: merge of ${source}: ${plan.conflicts.length} conflict(s); merge with strategy 'ours', 'theirs' or 'manual'`, { details: { conflicts: plan.conflicts } });
    }
    if (plan.conflicts.length && strategy === 'manual') {
      txn.release();
      this.pendingMerge = plan;
      return { merged: false, lsn: null, changes: 0, conflicts: plan.conflicts };
    }
    return this.finishMerge(engine, txn, plan, strategy);
  }

  private pendingMerge: MergePlan | undefined;

  private async finishMerge(engine: LsmEngine, txn: Transaction, plan: MergePlan, strategy: MergeStrategy): Promise<{ merged: boolean; lsn: number; changes: number; conflicts: MergeConflict[] }> {
    let changes: number;
    try {
      changes = await applyMerge(txn, plan, strategy, engine.clockNow());
    } catch (e) {
      txn.release();
      throw e;
    }
    txn.ddl ||= plan.schema.length > 0;
    const lsn = await this.commit(engine, txn);
    await engine.branches.markMerged(plan.sourceId, lsn);
    this.pendingMerge = undefined;
    this.cache.clear();
    return { merged: true, lsn, changes, conflicts: plan.conflicts };
  }

  /** Chooses the value of a conflict of the pending manual merge: a value, or 'ours' / 'theirs'. */
  resolveConflict(id: number, value: SqlValue | 'ours' | 'theirs'): void {
    if (!(value === null || ['bigint', 'number', 'string'].includes(typeof value) || value instanceof Uint8Array)) {
      throw new DoSQLError('INVALID_ARGUMENT', `sql: db.resolveConflict(): the value must be null, a bigint, a number, a string, a Uint8Array, 'ours' or 'theirs', got ${describeValue(value)}`);
    }
    const p = this.pendingMerge;
    if (!p) throw new DoSQLError('SQL_ERROR', 'sql: no manual merge is pending');
    if (!p.conflicts.some((c) => c.id === id)) throw new DoSQLError('NOT_FOUND', `sql: no merge conflict ${id}`);
    p.resolutions.set(id, value);
  }

  /** Commits the pending manual merge once every conflict is resolved. */
  async completeMerge(): Promise<{ merged: boolean; lsn: number; changes: number; conflicts: MergeConflict[] }> {
    const engine = await this.eng();
    const p = this.pendingMerge;
    if (!p) throw new DoSQLError('SQL_ERROR', 'sql: no manual merge is pending');
    const open = p.conflicts.filter((c) => !p.resolutions.has(c.id));
    if (open.length) throw new DoSQLError('MERGE_CONFLICT', `sql: ${open.length} conflict(s) still unresolved: ${open.map((c) => c.id).join(', ')}`, { details: { conflicts: open } });
    return this.finishMerge(engine, this.begin(engine), p, 'manual');
  }

  /**
   * Commits on `a` that `b` does not have (ahead) and the reverse (behind); diverged when both;
   * canFastForward when `a` has nothing `b` lacks.
   */
  async compareBranches(a: string, b: string): Promise<{ ahead: number; behind: number; diverged: boolean; canFastForward: boolean }> {
    const engine = await this.eng();
    const layers = (name: string): Layer[] => {
      const id = this.branchRef(name).id;
      return [{ branch: id, lsn: engine.lastVisibleLsn }, ...(id === MAIN_BRANCH ? [] : this.ancestors(id))];
    };
    const ca = new Set((await commits(engine, layers(a))).map((c) => c.lsn));
    const cb = new Set((await commits(engine, layers(b))).map((c) => c.lsn));
    let ahead = 0;
    let behind = 0;
    for (const x of ca) if (!cb.has(x)) ahead++;
    for (const x of cb) if (!ca.has(x)) behind++;
    return { ahead, behind, diverged: ahead > 0 && behind > 0, canFastForward: ahead === 0 };
  }

  /**
   * Rows of `table` that differ between two points (time points, or branch names):
   * added, removed, and changed (before/after), by primary key.
   */
  async diff(from: TimePoint | string, to: TimePoint | string, options: { table: string }): Promise<{ added: Record<string, JsValue>[]; removed: Record<string, JsValue>[]; changed: { before: Record<string, JsValue>; after: Record<string, JsValue> }[] }> {
    argPointOrBranch(from, 'db.diff()');
    argPointOrBranch(to, 'db.diff()');
    argString(argOptions(options, 'db.diff()').table, 'db.diff()', 'option table');
    const engine = await this.eng();
    const host = this.pointHost(engine);
    const point = (p: TimePoint | string): Promise<ReadPoint> => resolvePoint(host, typeof p === 'string' ? { kind: 'branch', name: p } : p);
    const rowsAt = async (p: ReadPoint): Promise<Map<string, Record<string, JsValue>>> => {
      const { view, catalog } = await openView(host, p);
      try {
        const t = catalog.table(options.table);
        const plan = compileStatement({ kind: 'select', body: { kind: 'selectCore', distinct: false, columns: [{ kind: 'star' }, ...(t.withoutRowid ? [] : [{ kind: 'expr' as const, expr: { kind: 'column' as const, column: 'rowid' }, alias: '_rowid' }])], from: { kind: 'table', name: t.name } } }, catalog);
        const env = new ExecEnv(view, [], this.info, engine.clockNow(), randomInt64);
        const r = await plan.execute(env, '');
        const objs = rowsToObjects(plan.columns, r.rows, false);
        const keyCols = t.withoutRowid ? t.primaryKey.map((i) => t.columns[i]!.name) : ['_rowid'];
        const m = new Map<string, Record<string, JsValue>>();
        for (const o of objs) {
          const k = JSON.stringify(keyCols.map((c) => o[c]), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
          if (!t.withoutRowid) delete o._rowid;
          m.set(k, o);
        }
        return m;
      } finally {
        view.release();
      }
    };
    const [a, b] = [await rowsAt(await point(from)), await rowsAt(await point(to))];
    const same = (x: Record<string, JsValue>, y: Record<string, JsValue>): boolean => JSON.stringify(x, identityJson) === JSON.stringify(y, identityJson);
    const out = { added: [] as Record<string, JsValue>[], removed: [] as Record<string, JsValue>[], changed: [] as { before: Record<string, JsValue>; after: Record<string, JsValue> }[] };
    for (const [k, v] of b) {
      const old = a.get(k);
      if (!old) out.added.push(v);
      else if (!same(old, v)) out.changed.push({ before: old, after: v });
    }
    for (const [k, v] of a) if (!b.has(k)) out.removed.push(v);
    return out;
  }

  // ---------------------------------------------------------------- cold tier (Iceberg)

  /**
   * Compacts the engine (`full`: to one sorted level). With `tier: 'cold'` also publishes
   * every table of the current branch as an Iceberg v2 snapshot of its state at the current
   * LSN (docs/format/iceberg.md). Returns the snapshots published.
   */
  async compact(options: { full?: boolean; tier?: 'hot' | 'cold' } = {}): Promise<{ published: { table: string; snapshotId: bigint; lsn: number }[] }> {
    optionOf(argOptions(options, 'db.compact()'), 'full', 'boolean', 'db.compact()');
    optionOneOf(options, 'tier', ['hot', 'cold'], 'db.compact()');
    const engine = await this.eng();
    if (options.tier === 'cold') await engine.compact({ tier: 'cold' });
    else await engine.compact({ full: options.full ?? false });
    if (options.tier !== 'cold') return { published: [] };
    return { published: await this.publishIceberg() };
  }

  /** Publishes tables (default: all) as Iceberg snapshots of their state at the current LSN. */
  async publishIceberg(tables?: readonly string[]): Promise<{ table: string; snapshotId: bigint; lsn: number }[]> {
    argNames(tables, 'db.publishIceberg()');
    const engine = await this.eng();
    const iceberg = this.iceberg(engine);
    const view = this.begin(engine);
    try {
      const names = tables ?? view.catalog.objects().filter((o) => o.type === 'table').map((o) => o.name);
      const out: { table: string; snapshotId: bigint; lsn: number }[] = [];
      for (const name of names) {
        const t = view.catalog.table(name);
        // The cold tier references runs that hold exactly this state in place; otherwise it writes a copy.
        const r = await iceberg.publish(icebergSource(view, t, engine.clockNow()), { lsn: view.readLsn, branch: view.branch });
        out.push({ table: name, snapshotId: r.snapshotId, lsn: view.readLsn });
      }
      await this.refreshExternalRefs(engine, iceberg);
      return out;
    } finally {
      view.release();
    }
  }

  /**
   * Lists, in the manifest, exactly the columnar runs some retained Iceberg snapshot of a
   * table references, so compaction keeps them while a reader may open them (and frees the rest).
   */
  private async refreshExternalRefs(engine: LsmEngine, iceberg: IcebergTables): Promise<void> {
    const catalog = await this.loadCatalog(engine, MAIN_BRANCH, engine.lastVisibleLsn);
    await iceberg.refreshExternalRefs(catalog.objects().filter((o) => o.type === 'table').map((o) => o.name));
  }

  /** The Iceberg snapshots of `table`: `{ snapshotId, lsn, timestampMs, metadataPath }`. */
  async icebergSnapshots(table: string): Promise<{ snapshotId: bigint; lsn: number; timestampMs: number; metadataPath: string }[]> {
    argString(table, 'db.icebergSnapshots()', 'the table name');
    return this.iceberg(await this.eng()).snapshots(this.publishedName(table));
  }

  /** A table's name as created (its Iceberg folder derives from it), or `name` for a table no longer in the catalog. */
  private publishedName(name: string): string {
    return this.catalog.findTable(name)?.name ?? name;
  }

  /**
   * Deletes files in the tables' Iceberg folders that no metadata version references (left by
   * a publish that crashed or lost a race). Run it when no publish is in flight.
   */
  async cleanupIceberg(tables?: readonly string[]): Promise<{ table: string; removed: string[] }[]> {
    argNames(tables, 'db.cleanupIceberg()');
    const iceberg = this.iceberg(await this.eng());
    const names = tables ?? this.catalog.objects().filter((o) => o.type === 'table').map((o) => o.name);
    const out: { table: string; removed: string[] }[] = [];
    for (const name of names) {
      const removed = await iceberg.removeOrphans(this.publishedName(name));
      out.push({ table: name, removed });
    }
    return out;
  }

  /**
   * Expires Iceberg snapshots older than `olderThanMs` (keeping the newest `retainLast`, at
   * least the current one), then removes the files no remaining metadata references. dosql's
   * own history is unaffected: it lives in the LSM under the retention policy.
   */
  async expireIcebergSnapshots(options: { olderThanMs: number; retainLast?: number; tables?: readonly string[] }): Promise<{ table: string; expired: bigint[]; removed: string[] }[]> {
    if (argOptions(options, 'db.expireIcebergSnapshots()').olderThanMs === undefined) throw new DoSQLError('INVALID_ARGUMENT', 'sql: db.expireIcebergSnapshots(): option olderThanMs is required');
    optionNumber(options, 'olderThanMs', 'db.expireIcebergSnapshots()');
    optionNumber(options, 'retainLast', 'db.expireIcebergSnapshots()', { integer: true, min: 1 });
    argNames(options.tables, 'db.expireIcebergSnapshots()');
    const engine = await this.eng();
    const iceberg = this.iceberg(engine);
    const names = options.tables ?? this.catalog.objects().filter((o) => o.type === 'table').map((o) => o.name);
    const out: { table: string; expired: bigint[]; removed: string[] }[] = [];
    for (const name of names) {
      const r = await iceberg.expireSnapshots(this.publishedName(name), { olderThanMs: options.olderThanMs, ...(options.retainLast ? { retainLast: options.retainLast } : {}) });
      out.push({ table: name, expired: r.expired, removed: await iceberg.removeOrphans(this.publishedName(name)) });
    }
    await this.refreshExternalRefs(engine, iceberg);
    return out;
  }

  /** Root URL of the Iceberg warehouse (hand `<root>/<namespace>/<table>` to other engines). */
  warehousePath(): string {
    return this.requireWarehouse().url;
  }

  /** @internal The columnar-run lookup a statement's ExecEnv uses (main branch only: runs hold main's rows). */
  coldLookup(branch: number): ((tableId: number) => ColdSource | undefined) | undefined {
    const engine = this.engineRef;
    if (branch !== MAIN_BRANCH || !engine) return undefined;
    return (tableId) => engine.cold.runs(tableId) ?? undefined;
  }

  private requireWarehouse(): Warehouse {
    if (!this.warehouse) throw new DoSQLError('NOT_SUPPORTED', `sql: database ${this.name} has no cold tier configured`);
    return this.warehouse;
  }

  /** The warehouse's Iceberg tables as the engine's cold tier publishes them. Throws NOT_SUPPORTED without a warehouse. */
  private iceberg(engine: LsmEngine): IcebergTables {
    return engine.cold.iceberg(this.requireWarehouse());
  }

  /** @internal A read-only view (and its schema) at a resolved point; release the view. */
  async viewAt(point: ReadPoint): Promise<{ view: Transaction; catalog: Catalog }> {
    const engine = await this.eng();
    return openView(this.pointHost(engine), point);
  }

  /**
   * @internal Commits `txn` through the engine (src/mvcc/commit.ts): first committer wins.
   * Throws WRITE_CONFLICT (retryable) when a key it wrote, a unique-index range it checked or
   * the schema it planned against changed after its read LSN. Adds the commit-log row, which
   * makes the commit's timestamp findable from its LSN and back.
   */
  async commit(engine: LsmEngine, txn: Transaction): Promise<number> {
    if (txn.writes.size === 0) return (await engine.commit(txn)).lsn;
    txn.claimSchema();
    const reload = txn.ddl && txn.branch === this.branchIdValue;
    if (reload) this.ddlCommits++;
    try {
      const info = await engine.commit(txn, { extraOps: (ts) => [{ kind: KIND_PUT, userKey: commitLogKey(txn.branch, ts), value: COMMIT_LOG_VALUE }] });
      if (reload) {
        this.catalog = await this.loadCatalog(engine, txn.branch, info.lsn);
        this.catalogLsn = info.lsn;
      }
      return info.lsn;
    } finally {
      if (reload) this.ddlCommits--;
    }
  }

  /**
   * Runs `fn` in its own transaction (snapshot isolation): commits when it resolves, rolls
   * back when it throws. A WRITE_CONFLICT at commit is thrown (retryable) unless
   * `retries` allows running `fn` again.
   */
  async transaction<T>(fn: (tx: TransactionHandle) => Promise<T>, options: { retries?: number } & StatementOptions = {}): Promise<T> {
    argFunction(fn, 'db.transaction()', 'the callback');
    optionNumber(argOptions(options, 'db.transaction()'), 'retries', 'db.transaction()', { integer: true, min: 0 });
    const engine = await this.eng();
    // An explicit timeout is one deadline for the whole callback (each statement gets what is
    // left); without one, each statement has the database's default timeout.
    const interrupt = options.timeoutMs !== undefined || options.signal !== undefined ? this.interruptOf(options) : undefined;
    for (let attempt = 0; ; attempt++) {
      const txn = this.begin(engine);
      const handle = new TransactionHandle(this, txn, interrupt);
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
        await this.commit(engine, txn);
        return result;
      } catch (e) {
        if (e instanceof DoSQLError && e.code === 'WRITE_CONFLICT' && attempt < (options.retries ?? 0)) continue;
        throw e;
      }
    }
  }

  /** Closes the database: rolls back an open transaction, closes the engine. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.txn?.release();
    this.session.txn = undefined;
    const engine = await this.ready.catch(() => undefined);
    await engine?.close();
  }

  /** True while the handle's own BEGIN ... COMMIT is open. */
  get inTransaction(): boolean {
    return this.session.txn !== undefined;
  }

  /** @internal */
  get engineIfOpen(): LsmEngine | undefined {
    return this.engineRef;
  }
}

/** The handle passed to `db.transaction(fn)`: the same query methods, inside one transaction. */
export class TransactionHandle {
  /** @internal */
  done = false;
  private readonly lock = new Mutex();

  constructor(
    private readonly db: Database,
    private readonly txn: Transaction,
    /** The transaction's own timeout and signal (db.transaction(fn, options)). */
    private readonly interrupt?: Interrupt,
  ) {}

  /** A call's own timeout and signal, when it gave any. */
  private own(options: StatementOptions | undefined): Interrupt | undefined {
    return options && (options.timeoutMs !== undefined || options.signal !== undefined) ? this.db.interruptOf(options) : undefined;
  }

  private async execute(p: Prepared, params: BindParams | StatementArgs | undefined, own?: Interrupt): Promise<ExecResult & { columns: readonly string[]; lsn: number }> {
    if (this.done) throw new DoSQLError('SQL_ERROR', 'sql: transaction already finished');
    const k = p.parsed.statement.kind;
    if (k === 'begin' || k === 'commit' || k === 'rollback' || k === 'savepoint' || k === 'release') {
      throw new DoSQLError('SQL_ERROR', `sql: ${k.toUpperCase()} is not allowed inside db.transaction(); return or throw from the callback instead`);
    }
    const unlock = await this.lock.lock();
    try {
      return await this.db.execPrepared(p, params, this.txn, combineInterrupts(this.interrupt, own ?? this.db.interruptOf(undefined)));
    } finally {
      unlock();
    }
  }

  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    argOptions(options, 'tx.query()');
    const r = await this.execute(this.db.prepared(sql), params, this.own(options));
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  async run(sql: string, params?: BindParams, options?: StatementOptions): Promise<Omit<RunResult, 'lsn'>> {
    const r = await this.execute(this.db.prepared(sql), params, this.own(options));
    return { changes: r.changes, lastInsertRowId: jsRowid(r.lastInsertRowId ?? 0n) };
  }

  /** Runs every statement in `sql`, binding nothing (see Database.exec). */
  async exec(sql: string, params?: BindParams, options?: StatementOptions): Promise<void> {
    refuseScriptParams(params);
    checkSql(sql);
    const own = this.own(options);
    for (const p of parse(sql)) await this.execute({ parsed: p, sql: sql.slice(p.start, p.end) }, SCRIPT_ARGS, own);
  }
}

function findSavepoint(s: Session, name: string): number {
  for (let i = s.savepoints.length - 1; i >= 0; i--) if (s.savepoints[i]!.name.toLowerCase() === name.toLowerCase()) return i;
  throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${name}`);
}

function jsRowid(r: bigint): number | bigint {
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

export function rowsToObjects(columns: readonly string[], rows: readonly Row[], safe: boolean): Record<string, JsValue>[] {
  const out: Record<string, JsValue>[] = new Array(rows.length);
  // Any column name is kept, `__proto__` included (src/util/record.ts).
  const assignable = assignableKeys(columns);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const o: Record<string, JsValue> = {};
    if (assignable) for (let j = 0; j < columns.length; j++) o[columns[j]!] = toJsValue(r[j]!, safe);
    else for (let j = 0; j < columns.length; j++) setOwn(o, columns[j]!, toJsValue(r[j]!, safe));
    out[i] = o;
  }
  return out;
}

function engineNow(engine: LsmEngine): number {
  return engine.clockNow();
}

const rnd = new BigInt64Array(1);
function randomInt64(): bigint {
  globalThis.crypto.getRandomValues(rnd);
  return rnd[0]!;
}
