// Statement execution for one Database handle: the plan cache, running a statement in a
// transaction (FOR SYSTEM_TIME references bound per execution, conflict actions on error,
// autocommit), and the read fast path. Which transaction a statement runs in is the
// session's business (session.ts); this file runs it.
import { DoSQLError } from '../../errors.js';
import type { LsmEngine } from '../../lsm/engine.js';
import type { Catalog } from '../catalog/catalog.js';
import { ExecEnv, type ProcedureArgument, type ProcedureCaller, type Row, type SessionInfo } from '../execution/env.js';
import type { ColdSource } from '../execution/columnar-aggregate-op.js';
import { flushIndexWork } from '../execution/index-methods.js';
import { checkDeferredForeignKeys, deferredViolations, restoreDeferredViolations } from '../execution/foreign-keys.js';
import type { OperatorProfiler } from '../execution/op-profile.js';
import type { StatementGuard } from '../execution/statement-guard.js';
import type { ParsedStatement, Statement, TableFunctionRef, TableRef } from '../parser/ast.js';
import type { TableFunction } from '../functions/table-functions.js';
import { externalRefs, externalRequests, type ExternalRef } from '../planner/external-refs.js';
import { externalResolver, type ExternalHost } from '../planner/external-tables.js';
import { parse, parseOne } from '../parser/index.js';
import type { TemporalBinding } from '../planner/planner-context.js';
import { compileStatement, type Executable, type ExecResult } from '../planner/plan-statement.js';
import { temporalRefs } from '../planner/temporal-refs.js';
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { checkSql } from './bind-params.js';
import type { DatabaseCore } from './core.js';
import { bindTemporal, bindTemporalSync, type PointHost } from './temporal.js';

/** A parsed statement with its cached plans (one per SQL text, per handle). */
export interface Prepared {
  readonly parsed: ParsedStatement;
  readonly sql: string;
  plan?: Executable;
  /** FOR SYSTEM_TIME references (resolved per execution). */
  temporal?: TableRef[];
  /** External references (string locations in FROM, registered URL tables; resolved and planned per execution). */
  external?: ExternalRef[];
  /** The plan of a statement with FOR SYSTEM_TIME references, for one combination of schemas. */
  temporalPlan?: { base: Catalog; kinds: string; catalogs: Catalog[]; plan: Executable };
  /** A profiled run (db.query(..., { profile: true })): a Prepared of its own, so its plans are too. */
  profiler?: OperatorProfiler;
  /** [this], as statements() returns it (made once, not per call). */
  alone?: Prepared[];
}

/** A statement's outcome: its result, the result's column names, and the commit (or read) LSN. */
export type StatementResult = ExecResult & { columns: readonly string[]; lsn: number };

/** What the runner needs besides the core: time-point resolution and the cold tier's runs. */
export interface RunnerHosts {
  /** The time-point resolver for statements on `branch` (time-travel-host.ts). */
  pointHost(engine: LsmEngine, branch: number): PointHost;
  /** The columnar-run lookup of a statement on `branch` (cold-tier.ts), if any. */
  coldLookup(branch: number): ((tableId: number) => ColdSource | undefined) | undefined;
  /** Where external tables are read from (DatabaseOptions.external). */
  readonly external?: ExternalHost;
  /** Runs CALL name(args) in `txn` (procedures.ts). */
  call?(txn: Transaction, name: string, args: readonly ProcedureArgument[]): Promise<{ readonly columns: readonly string[]; readonly rows: Row[] }>;
}

/** Distinct SQL texts whose parse and plans are cached before the cache starts over. */
const PLAN_CACHE_SIZE = 1000;

export class StatementRunner {
  /** changes(), total_changes(), last_insert_rowid() of the handle (as SQLite's connection). */
  readonly info: SessionInfo = { changes: 0, totalChanges: 0, lastInsertRowId: 0n };
  private readonly cache = new Map<string, Prepared>();
  private readonly scripts = new Map<string, Prepared[]>();

  constructor(
    private readonly core: DatabaseCore,
    private readonly hosts: RunnerHosts,
  ) {}

  /**
   * The statements of `sql` (cached): one Prepared for a single statement (as prepared()),
   * several for a script of `;`-separated statements (run() takes them as sqlite3_exec does).
   */
  statements(sql: string): Prepared[] {
    const one = this.cache.get(sql);
    if (one) return (one.alone ??= [one]);
    const many = this.scripts.get(sql);
    if (many) return many;
    checkSql(sql);
    const parsed = parse(sql);
    if (parsed.length <= 1) {
      const p = this.prepared(sql);
      return (p.alone ??= [p]);
    }
    const out = parsed.map((p) => ({ parsed: p, sql: sql.slice(p.start, p.end) }));
    if (this.scripts.size > PLAN_CACHE_SIZE) this.scripts.clear();
    this.scripts.set(sql, out);
    return out;
  }

  /** Parses (cached) one statement. */
  prepared(sql: string): Prepared {
    checkSql(sql);
    let p = this.cache.get(sql);
    if (!p) {
      p = { parsed: parseOne(sql), sql };
      if (this.cache.size > PLAN_CACHE_SIZE) this.cache.clear();
      this.cache.set(sql, p);
    }
    return p;
  }

  /** Forgets every cached parse and plan (the schema changed under them: checkout, merge). */
  clearPlans(): void {
    this.cache.clear();
    this.scripts.clear();
  }

  private clock: { engine: LsmEngine; now: () => number } | undefined;

  /** The engine's clock as a function, made once per engine (ExecEnv reads it when a statement first asks for 'now'). */
  private clockOf(engine: LsmEngine): () => number {
    const c = this.clock;
    if (c?.engine === engine) return c.now;
    const now = (): number => engine.clockNow();
    this.clock = { engine, now };
    return now;
  }

  /** The plan of `p` for `catalog`, re-planned when the schema changed. */
  planFor(p: Prepared, catalog: Catalog): Executable {
    if (!p.plan || p.plan.catalogVersion !== catalog.version) p.plan = compileStatement(p.parsed.statement, catalog, undefined, this.core.limits);
    return p.plan;
  }

  /**
   * Runs a statement in `txn`; on error undoes the statement's writes (`ended` is called when
   * a ROLLBACK conflict action ended the whole transaction); commits when `autocommit`.
   */
  runIn(engine: LsmEngine, txn: Transaction, p: Prepared, values: SqlValue[], autocommit: boolean, guard: StatementGuard, ended?: () => void): Promise<StatementResult> {
    const r = this.runInSync(engine, txn, p, values, autocommit, guard, ended);
    return Promise.resolve(r);
  }

  /**
   * `runIn`, answering synchronously when the statement completed synchronously and its commit
   * (if `autocommit`) too (a statement of a caller's transaction whose rows are in memory: the
   * bulk-load loop then takes no promise per statement below the caller's own; an autocommit
   * INSERT made durable at once).
   */
  runInSync(engine: LsmEngine, txn: Transaction, p: Prepared, values: SqlValue[], autocommit: boolean, guard: StatementGuard, ended?: () => void): StatementResult | Promise<StatementResult> {
    let bound: boolean;
    try {
      const temporal = (p.temporal ??= temporalRefs(p.parsed.statement));
      const external = (p.external ??= externalRefs(p.parsed.statement));
      bound = temporal.length > 0 || external.length > 0;
    } catch (e) {
      return Promise.reject(e);
    }
    if (bound) return this.runInBound(engine, txn, p, values, autocommit, guard, ended);
    // No references to bind first: the statement runs at once, and one that completes
    // synchronously (a plain INSERT of rows in memory) continues without an async frame.
    const mark = txn.mark();
    const deferredAtStart = deferredViolations(txn);
    let plan: Executable;
    let r: ExecResult | Promise<ExecResult>;
    try {
      plan = this.planFor(p, txn.catalog);
      if (p.profiler && plan.root) p.profiler.attach(plan.root);
      r = plan.execute(this.envFor(engine, txn, values, autocommit, guard), p.sql);
    } catch (e) {
      return this.undo(engine, txn, e, mark, deferredAtStart, autocommit, ended);
    }
    if (r instanceof Promise) {
      return r.then(
        (result) => this.completed(engine, txn, plan, result, autocommit, mark, deferredAtStart, ended),
        (e: unknown) => this.undo(engine, txn, e, mark, deferredAtStart, autocommit, ended),
      );
    }
    return this.completed(engine, txn, plan, r, autocommit, mark, deferredAtStart, ended);
  }

  /** A statement ran: its deferred index writes and (autocommit) deferred foreign keys, as in runInBound; their failure undoes it. */
  private completed(engine: LsmEngine, txn: Transaction, plan: Executable, result: ExecResult, autocommit: boolean, mark: number, deferredAtStart: number, ended: (() => void) | undefined): StatementResult | Promise<StatementResult> {
    try {
      if (txn.deferredIndexWork.length) {
        return flushIndexWork(txn)
          .then(() => {
            if (autocommit) checkDeferredForeignKeys(txn);
          })
          .then(
            () => this.finish(engine, txn, plan, result, autocommit),
            (e: unknown) => this.undo(engine, txn, e, mark, deferredAtStart, autocommit, ended),
          );
      }
      if (autocommit) checkDeferredForeignKeys(txn);
    } catch (e) {
      return this.undo(engine, txn, e, mark, deferredAtStart, autocommit, ended);
    }
    return this.finish(engine, txn, plan, result, autocommit);
  }

  /** The ExecEnv of a statement without FOR SYSTEM_TIME or external references. */
  private envFor(engine: LsmEngine, txn: Transaction, values: SqlValue[], autocommit: boolean, guard: StatementGuard): ExecEnv {
    const env = new ExecEnv(txn, values, this.info, this.clockOf(engine), randomInt64, guard);
    env.inTransaction = !autocommit;
    if (this.core.rowTriggers) env.rowTriggers = this.core.rowTriggers;
    const cold = this.hosts.coldLookup(txn.branch);
    if (cold) env.cold = cold;
    if (this.hosts.call) {
      // One caller per transaction, not per statement (weakly held: it ends with the transaction).
      let fn = this.callers.get(txn);
      if (!fn) this.callers.set(txn, (fn = procedureCaller(this.hosts.call, txn)));
      env.procedures = fn;
    }
    return env;
  }

  /** envFor's procedure caller of each transaction. */
  private readonly callers = new WeakMap<Transaction, ProcedureCaller>();

  /**
   * A statement failed: what its conflict action says (lang_conflict.html: FAIL keeps its
   * earlier changes, ROLLBACK ends the whole transaction, everything else (ABORT) undoes just
   * this statement), then rejects with `e`.
   */
  private async undo(engine: LsmEngine, txn: Transaction, e: unknown, mark: number, deferredAtStart: number, autocommit: boolean, ended: (() => void) | undefined): Promise<never> {
    const action = e instanceof DoSQLError ? e.details.conflictAction : undefined;
    if (action === 'FAIL') {
      if (autocommit) await this.core.commit(engine, txn);
    } else if (action === 'ROLLBACK') {
      txn.rollbackTo(0);
      ended?.();
      txn.release();
    } else {
      txn.rollbackTo(mark);
      restoreDeferredViolations(txn, deferredAtStart);
      if (autocommit) txn.release();
    }
    throw e;
  }

  /** A statement that succeeded: the handle's changes() and last rowid, then the commit when it is its own transaction. */
  private finish(engine: LsmEngine, txn: Transaction, plan: Executable, result: ExecResult, autocommit: boolean): StatementResult | Promise<StatementResult> {
    if (plan.writes) {
      this.info.changes = result.changes;
      this.info.totalChanges += result.changes;
      if (result.lastInsertRowId !== undefined) this.info.lastInsertRowId = result.lastInsertRowId;
    }
    const columns = result.columns ?? plan.columns;
    const last = result.lastInsertRowId;
    if (!autocommit) return statementResult(result, columns, last, txn.readLsn);
    // A commit made durable at once answers at once (Session.execAutocommit then takes no promise).
    const lsn = this.core.commitNow(engine, txn);
    if (!(lsn instanceof Promise)) return statementResult(result, columns, last, lsn);
    return lsn.then((l) => statementResult(result, columns, last, l));
  }

  /** runIn for a statement with FOR SYSTEM_TIME or external references, bound before it is planned. */
  private async runInBound(engine: LsmEngine, txn: Transaction, p: Prepared, values: SqlValue[], autocommit: boolean, guard: StatementGuard, ended?: () => void): Promise<StatementResult> {
    const mark = txn.mark();
    const deferredAtStart = deferredViolations(txn);
    let result: ExecResult;
    let plan: Executable;
    const temporal = p.temporal!;
    const externalRefList = p.external!;
    let bindings: Map<TableRef, TemporalBinding> | undefined;
    let external: Map<TableFunctionRef, TableFunction> | undefined;
    try {
      if (externalRefList.length) {
        // Read as they are now: listed, typed and planned for each execution (external-tables.ts).
        if (temporal.length) throw new DoSQLError('NOT_SUPPORTED', 'sql: a statement with external tables cannot also read FOR SYSTEM_TIME (docs/external-tables.md)');
        external = await resolveExternal(p.parsed.statement, externalRefList, values, this.hosts.external ?? {});
        plan = compileStatement(p.parsed.statement, txn.catalog, undefined, this.core.limits, external);
      } else if (temporal.length) {
        bindings = await bindTemporal(this.hosts.pointHost(engine, txn.branch), temporal, values, txn);
        // Plans depend on the schemas (catalog objects are cached per read point) and the
        // binding kinds; views are looked up per execution, so equal keys reuse the plan.
        if (samePlanKey(p.temporalPlan, txn.catalog, bindings)) plan = p.temporalPlan!.plan;
        else {
          plan = compileStatement(p.parsed.statement, txn.catalog, bindings, this.core.limits);
          const vals = [...bindings.values()];
          p.temporalPlan = { base: txn.catalog, kinds: vals.map((b) => b.kind).join(','), catalogs: vals.map((b) => b.catalog), plan };
        }
      } else plan = this.planFor(p, txn.catalog);
      if (p.profiler && plan.root) p.profiler.attach(plan.root);
      const env = new ExecEnv(txn, values, this.info, this.clockOf(engine), randomInt64, guard);
      env.inTransaction = !autocommit;
      if (this.core.rowTriggers) env.rowTriggers = this.core.rowTriggers;
      if (bindings) env.temporal = bindings;
      if (external) env.external = external;
      const cold = this.hosts.coldLookup(txn.branch);
      if (cold) env.cold = cold;
      if (this.hosts.call) env.procedures = procedureCaller(this.hosts.call, txn);
      result = await plan.execute(env, p.sql);
      // Index writes that read first (fts5 posting bitmaps) belong to this statement.
      if (txn.deferredIndexWork.length) await flushIndexWork(txn);
      // Deferred foreign keys of a statement that commits on its own are checked now, before its changes are kept.
      if (autocommit) checkDeferredForeignKeys(txn);
      if (bindings) for (const b of bindings.values()) b.view.release();
    } catch (e) {
      if (bindings) for (const b of bindings.values()) b.view.release();
      return this.undo(engine, txn, e, mark, deferredAtStart, autocommit, ended);
    }
    return this.finish(engine, txn, plan, result, autocommit);
  }

  /**
   * The fast path of an autocommit SELECT (the session checked that none of its own
   * transaction is open): no commit, synchronous when the rows are in memory. Returns
   * undefined when the statement must take the general path (a FOR SYSTEM_TIME point whose
   * schema or plan is not cached yet).
   */
  tryRead(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined {
    const temporal = p.temporal!;
    // External tables are listed and read asynchronously before planning: the general path.
    if ((p.external ??= externalRefs(p.parsed.statement)).length) return undefined;
    // Another handle changed the schema: the general path reads it again first.
    const txn = this.core.tryBeginRead(engine);
    if (!txn) return undefined;
    let rows: Row[] | Promise<Row[]>;
    let plan: Executable;
    let bindings: Map<TableRef, TemporalBinding> | undefined;
    try {
      if (temporal.length) {
        bindings = bindTemporalSync(this.hosts.pointHost(engine, txn.branch), temporal, values, txn);
        if (!bindings || !samePlanKey(p.temporalPlan, txn.catalog, bindings)) {
          if (bindings) releaseBindings(bindings);
          this.core.endRead(txn);
          return undefined;
        }
        plan = p.temporalPlan!.plan;
      } else plan = this.planFor(p, txn.catalog);
      const env = new ExecEnv(txn, values, this.info, this.clockOf(engine), randomInt64, guard);
      if (bindings) env.temporal = bindings;
      const cold = this.hosts.coldLookup(txn.branch);
      if (cold) env.cold = cold;
      rows = plan.runRows!(env);
    } catch (e) {
      if (bindings) releaseBindings(bindings);
      this.core.endRead(txn);
      throw e;
    }
    if (rows instanceof Promise) return new PendingRead(this.core, txn, bindings, plan.columns).settle(rows);
    if (bindings) releaseBindings(bindings);
    this.core.endRead(txn);
    return { columns: plan.columns, rows };
  }
}

/** A statement's outcome. Spelled out rather than spread: this runs once per statement. */
function statementResult(result: ExecResult, columns: readonly string[], last: bigint | undefined, lsn: number): StatementResult {
  return last !== undefined ? { rows: result.rows, changes: result.changes, lastInsertRowId: last, columns, lsn } : { rows: result.rows, changes: result.changes, columns, lsn };
}

function procedureCaller(call: NonNullable<RunnerHosts['call']>, txn: Transaction): ProcedureCaller {
  return (name, args) => call(txn, name, args);
}

function releaseBindings(bindings: Map<TableRef, TemporalBinding>): void {
  for (const b of bindings.values()) b.view.release();
}

/** A fast-path read that had to wait for I/O: ends its transaction and views when it settles. */
class PendingRead {
  constructor(
    private readonly core: DatabaseCore,
    private readonly txn: Transaction,
    private readonly bindings: Map<TableRef, TemporalBinding> | undefined,
    private readonly columns: readonly string[],
  ) {}

  settle(rows: Promise<Row[]>): Promise<{ columns: readonly string[]; rows: Row[] }> {
    return rows.then(
      (r) => {
        this.end();
        return { columns: this.columns, rows: r };
      },
      (e: unknown) => {
        this.end();
        throw e;
      },
    );
  }

  private end(): void {
    if (this.bindings) releaseBindings(this.bindings);
    this.core.endRead(this.txn);
  }
}

/** Resolves a statement's external references through the registered resolver (src/virtual). */
async function resolveExternal(stmt: Statement, refs: readonly ExternalRef[], values: readonly SqlValue[], host: ExternalHost): Promise<Map<TableFunctionRef, TableFunction>> {
  const resolver = externalResolver();
  if (!resolver) throw new DoSQLError('NOT_SUPPORTED', `sql: external table '${refs[0]!.ref.name}': no external table reader is loaded (import 'dosql/virtual')`);
  return resolver.resolve(externalRequests(stmt, refs, values), host);
}

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

const rnd = new BigInt64Array(1);
/** random(): a uniformly random 64-bit integer (as SQLite's). */
export function randomInt64(): bigint {
  globalThis.crypto.getRandomValues(rnd);
  return rnd[0]!;
}
