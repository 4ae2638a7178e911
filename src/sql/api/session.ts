// A handle's session: its own explicit transaction (BEGIN ... COMMIT through SQL text) and
// savepoints, and the entry point of every statement of the handle. A statement outside any
// transaction runs in its own (autocommit); one given a transaction (db.transaction's handle,
// a time-travel view, the Worker's interactive transactions) runs in that one.
//
// Async safety: statements of the session run one at a time (`lock`); the read fast path
// takes no lock and so is refused while the session has a statement running or a
// transaction open. Different transactions interleave freely; commits serialise in the engine.
import { DoSQLError } from '../../errors.js';
import { checkDeferredForeignKeys, deferredViolations, restoreDeferredViolations } from '../execution/foreign-keys.js';
import type { LsmEngine } from '../../lsm/engine.js';
import { Mutex } from '../../util/async.js';
import type { Row } from '../execution/env.js';
import type { Interrupt, ResultCaps, StatementGuard } from '../execution/statement-guard.js';
import { temporalRefs } from '../planner/temporal-refs.js';
import type { Transaction } from '../txn/transaction.js';
import { preparedXacts } from '../txn/prepared-xacts.js';
import { isTempKey } from '../txn/temp-store.js';
import { MAIN_BRANCH } from '../../mvcc/internal-key.js';
import { commitLogOp } from './commit-log.js';
import type { SqlValue } from '../types/value.js';
import { bindParams, type StatementArgs } from './bind-params.js';
import type { DatabaseCore } from './core.js';
import type { QueryMetrics } from './query-metrics.js';
import type { Prepared, StatementResult, StatementRunner } from './statement-runner.js';
import { StatementLog } from './statement-log.js';
import type { BindParams } from './values.js';

export class Session {
  /** The session's open transaction (BEGIN, or a SAVEPOINT outside one). */
  private txn: Transaction | undefined;
  private savepoints: { name: string; mark: number; deferred: number }[] = [];
  /** SAVEPOINT outside BEGIN started the transaction: RELEASE of the outermost commits it. */
  private implicitBySavepoint = false;
  /** Serialises statements of the session. */
  private readonly lock = new Mutex();

  constructor(
    private readonly core: DatabaseCore,
    private readonly runner: StatementRunner,
    /** Logs slow and failed statements (DB() options `log`, `slowQueryMs`). */
    private readonly log: StatementLog = new StatementLog(),
  ) {}

  /** True while the session's own BEGIN ... COMMIT is open. */
  get inTransaction(): boolean {
    return this.txn !== undefined;
  }

  /** Throws SQL_ERROR `sql: cannot <what> inside a transaction` while the session has one open. */
  refuseInTransaction(what: string): void {
    if (this.txn) throw new DoSQLError('SQL_ERROR', `sql: cannot ${what} inside a transaction`);
  }

  /** Rolls back the session's open transaction, if any (the handle closes). */
  rollbackOpen(): void {
    this.txn?.release();
    this.txn = undefined;
  }

  /**
   * The fast path of an autocommit SELECT outside any explicit transaction: no session lock,
   * no commit, synchronous when the rows are in memory. Returns undefined when the statement
   * must take the general path (`execPrepared`).
   */
  tryRead(p: Prepared, params: BindParams | StatementArgs | undefined, interrupt?: Interrupt, caps?: ResultCaps): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined {
    const engine = this.core.engineRef;
    if (!engine || this.core.closed || this.txn || this.lock.locked || p.parsed.statement.kind !== 'select') return undefined;
    const t = performance.now();
    const metrics = this.core.metrics;
    let r;
    try {
      if (this.log.active) {
        r = this.log.observe(p, () => this.readFast(engine, p, params, interrupt, caps));
      } else r = this.readFast(engine, p, params, interrupt, caps);
    } catch (e) {
      observeFailed(metrics, t);
      throw e;
    }
    return r === undefined ? undefined : observed(metrics, t, r);
  }

  private readFast(engine: LsmEngine, p: Prepared, params: BindParams | StatementArgs | undefined, interrupt: Interrupt | undefined, caps: ResultCaps | undefined): { columns: readonly string[]; rows: Row[] } | Promise<{ columns: readonly string[]; rows: Row[] }> | undefined {
    p.temporal ??= temporalRefs(p.parsed.statement);
    const values = bindParams(p.parsed, params);
    const guard = this.core.guard(interrupt, caps);
    return this.runner.tryRead(engine, p, values, guard);
  }

  /** Executes a prepared statement: in `txn` when given, else in the session. */
  execPrepared(p: Prepared, params: BindParams | StatementArgs | undefined, txn?: Transaction, interrupt?: Interrupt, caps?: ResultCaps): Promise<StatementResult> {
    const t = performance.now();
    const r = this.log.active ? (this.log.observe(p, () => this.execOne(p, params, txn, interrupt, caps)) as Promise<StatementResult>) : this.execOne(p, params, txn, interrupt, caps);
    observed(this.core.metrics, t, r);
    return r;
  }

  /**
   * `execPrepared` of a statement in a caller's transaction (db.transaction's handle): the
   * result itself when the statement completed synchronously (rows in memory, nothing to
   * commit), else a promise; throws what `execPrepared` would reject with before the
   * statement started. Metrics are recorded as `execPrepared` records them. The bulk-load
   * loop (`await tx.run(...)` per row) so takes no promise below the caller's own.
   */
  execInTransaction(p: Prepared, params: BindParams | StatementArgs | undefined, txn: Transaction, interrupt?: Interrupt): StatementResult | Promise<StatementResult> {
    const engine = this.core.closed ? undefined : this.core.engineRef;
    if (!engine || this.log.active || p.parsed.statement.kind === 'twoPhase') return this.execPrepared(p, params, txn, interrupt);
    const t = performance.now();
    const metrics = this.core.metrics;
    let r: StatementResult | Promise<StatementResult>;
    try {
      const values = bindParams(p.parsed, params);
      r = this.runner.runInSync(engine, txn, p, values, false, this.core.guard(interrupt, undefined));
    } catch (e) {
      observeFailed(metrics, t);
      throw e;
    }
    return observed(metrics, t, r);
  }

  /**
   * `execPrepared` of a statement outside any caller's transaction (db.run, Statement.run):
   * the result itself when it completed synchronously — an autocommit INSERT whose rows are in
   * memory and whose commit the write path made durable at once (WritePath.writeNow) — else a
   * promise, as `execPrepared`; errors are rejections. Only when the session's lock is free
   * and no transaction of its own is open, so statements still run one at a time, in order.
   * The autocommit loop (`await db.run(...)` per row) then takes one promise per statement.
   */
  execAutocommit(p: Prepared, params: BindParams | StatementArgs | undefined, interrupt?: Interrupt): StatementResult | Promise<StatementResult> {
    const engine = this.core.closed ? undefined : this.core.engineRef;
    if (!engine || this.log.active || this.txn || this.lock.locked || isControl(p.parsed.statement.kind)) return this.execPrepared(p, params, undefined, interrupt);
    const t = performance.now();
    const metrics = this.core.metrics;
    let r: StatementResult | Promise<StatementResult>;
    let unlock: (() => void) | undefined;
    try {
      const values = bindParams(p.parsed, params);
      const guard = this.core.guard(interrupt, undefined);
      const txn = this.core.tryBegin(engine);
      if (!txn) return this.execPrepared(p, params, undefined, interrupt);
      unlock = this.lock.tryLock()!;
      r = this.runner.runInSync(engine, txn, p, values, true, guard);
    } catch (e) {
      unlock?.();
      observeFailed(metrics, t);
      return Promise.reject(e);
    }
    if (!(r instanceof Promise)) {
      unlock();
      observed(metrics, t, r);
      // Programmatic AFTER triggers of what this statement committed, as execLocked.
      return this.core.afterTriggersPending ? this.core.drainAfterTriggers().then(() => r) : r;
    }
    return observed(metrics, t, this.unlockAfter(r, unlock));
  }

  private execOne(p: Prepared, params: BindParams | StatementArgs | undefined, txn?: Transaction, interrupt?: Interrupt, caps?: ResultCaps): Promise<StatementResult> {
    // The open engine without an await (a statement in a caller's transaction then starts at once).
    const engine = this.core.closed ? undefined : this.core.engineRef;
    if (!engine) return this.core.eng().then((e) => this.execWith(e, p, params, txn, interrupt, caps));
    try {
      return this.execWith(engine, p, params, txn, interrupt, caps);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private execWith(engine: LsmEngine, p: Prepared, params: BindParams | StatementArgs | undefined, txn: Transaction | undefined, interrupt: Interrupt | undefined, caps: ResultCaps | undefined): Promise<StatementResult> {
    const values = bindParams(p.parsed, params);
    const guard = this.core.guard(interrupt, caps);
    if (txn) {
      // A transaction owned by the caller (the Worker's interactive transactions): PREPARE
      // TRANSACTION ends it, as it ends the session's own; its owner must then drop it.
      const st = p.parsed.statement;
      if (st.kind === 'twoPhase') return this.twoPhaseIn(engine, txn, st.action, st.gid).then((lsn) => ({ rows: [], changes: 0, columns: [], lsn }));
      return this.runner.runIn(engine, txn, p, values, false, guard);
    }
    return this.execLocked(engine, p, values, guard);
  }

  private execLocked(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): Promise<StatementResult> {
    // The session's lock is free nearly always: the statement then starts now, with no async frame here.
    const unlock = this.lock.tryLock();
    if (!unlock) return this.execWaiting(engine, p, values, guard);
    let r: Promise<StatementResult>;
    try {
      r = this.run(engine, p, values, guard);
    } catch (e) {
      unlock();
      return Promise.reject(e);
    }
    return this.unlockAfter(r, unlock);
  }

  /**
   * `r` once settled, the session's lock released; a success waits for the programmatic AFTER
   * triggers of what the statement (or the COMMIT it was) committed.
   */
  private unlockAfter(r: Promise<StatementResult>, unlock: () => void): Promise<StatementResult> {
    return r.then(
      (v) => {
        unlock();
        return this.core.afterTriggersPending ? this.core.drainAfterTriggers().then(() => v) : v;
      },
      (e: unknown) => {
        unlock();
        throw e;
      },
    );
  }

  /** execLocked once the statement running now (or queued before) is done. */
  private async execWaiting(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): Promise<StatementResult> {
    const unlock = await this.lock.lock();
    let r: StatementResult;
    try {
      r = await this.run(engine, p, values, guard);
    } finally {
      unlock();
    }
    // Programmatic AFTER triggers of what this statement (or the COMMIT it was) committed.
    if (this.core.afterTriggersPending) await this.core.drainAfterTriggers();
    return r;
  }

  /**
   * A statement of the session: transaction control (`control`) or one run in the session's
   * transaction, else in its own (autocommit). Not async itself: the autocommit statement, the
   * common case, allocates no frame here.
   */
  private run(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): Promise<StatementResult> {
    switch (p.parsed.statement.kind) {
      case 'begin':
      case 'commit':
      case 'rollback':
      case 'savepoint':
      case 'release':
      case 'twoPhase':
        return this.control(engine, p, values, guard);
      default:
        break;
    }
    const open = this.txn;
    if (open) return this.control(engine, p, values, guard);
    const txn = this.core.tryBegin(engine);
    if (txn) return this.runner.runIn(engine, txn, p, values, true, guard);
    return this.core.begin(engine).then((t) => this.runner.runIn(engine, t, p, values, true, guard));
  }

  /** Transaction control (lang_transaction.html, lang_savepoint.html), or a statement in the session's open transaction. */
  private async control(engine: LsmEngine, p: Prepared, values: SqlValue[], guard: StatementGuard): Promise<StatementResult> {
    const st = p.parsed.statement;
    const none = { rows: [] as Row[], changes: 0, columns: [] as string[] };
    switch (st.kind) {
      case 'begin':
        if (this.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot start a transaction within a transaction');
        this.txn = await this.core.begin(engine);
        this.implicitBySavepoint = false;
        return { ...none, lsn: this.txn.readLsn };
      case 'commit': {
        if (!this.txn) throw new DoSQLError('SQL_ERROR', 'sql: cannot commit - no transaction is active');
        const txn = this.txn;
        // A deferred foreign key that does not hold fails the COMMIT and leaves the transaction open (as SQLite).
        checkDeferredForeignKeys(txn);
        this.txn = undefined;
        this.savepoints = [];
        return { ...none, lsn: await this.core.commit(engine, txn) };
      }
      case 'rollback': {
        if (!this.txn) throw new DoSQLError('SQL_ERROR', st.savepoint ? `sql: no such savepoint: ${st.savepoint}` : 'sql: cannot rollback - no transaction is active');
        if (st.savepoint) {
          const i = this.findSavepoint(st.savepoint);
          this.txn.rollbackTo(this.savepoints[i]!.mark);
          restoreDeferredViolations(this.txn, this.savepoints[i]!.deferred);
          this.savepoints.length = i + 1;
          return { ...none, lsn: this.txn.readLsn };
        }
        this.txn.release();
        this.txn = undefined;
        this.savepoints = [];
        return { ...none, lsn: engine.lastVisibleLsn };
      }
      case 'savepoint':
        if (!this.txn) {
          this.txn = await this.core.begin(engine);
          this.implicitBySavepoint = true;
        }
        this.savepoints.push({ name: st.name, mark: this.txn.mark(), deferred: deferredViolations(this.txn) });
        return { ...none, lsn: this.txn.readLsn };
      case 'release': {
        if (!this.txn) throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${st.name}`);
        const i = this.findSavepoint(st.name);
        // Releasing the outermost savepoint commits: a deferred foreign key that does not hold fails it, savepoints kept.
        if (i === 0 && this.implicitBySavepoint) checkDeferredForeignKeys(this.txn);
        this.savepoints.length = i;
        if (i === 0 && this.implicitBySavepoint) {
          const txn = this.txn;
          this.txn = undefined;
          return { ...none, lsn: await this.core.commit(engine, txn) };
        }
        return { ...none, lsn: this.txn.readLsn };
      }
      case 'twoPhase':
        return { ...none, lsn: await this.twoPhase(engine, st.action, st.gid) };
      default:
        break;
    }
    const open = this.txn;
    if (open) {
      return this.runner.runIn(engine, open, p, values, false, guard, () => {
        // A ROLLBACK conflict action ended the session's transaction.
        if (this.txn === open) {
          this.txn = undefined;
          this.savepoints = [];
        }
      });
    }
    return this.runner.runIn(engine, await this.core.begin(engine), p, values, true, guard);
  }

  /**
   * PREPARE TRANSACTION 'gid' ends the session's transaction by preparing it; COMMIT PREPARED /
   * ROLLBACK PREPARED resolve a prepared one, outside any transaction (as PostgreSQL). See
   * src/sql/txn/prepared-xacts.ts. Returns the LSN of the commit written.
   */
  /** PREPARE TRANSACTION of a transaction the caller owns; COMMIT / ROLLBACK PREPARED are refused inside one (as PostgreSQL). */
  private async twoPhaseIn(engine: LsmEngine, txn: Transaction, action: 'prepare' | 'commit' | 'rollback', gid: string): Promise<number> {
    if (action !== 'prepare') throw new DoSQLError('SQL_ERROR', `sql: cannot ${action.toUpperCase()} PREPARED inside a transaction`);
    if (engine.readOnly) throw new DoSQLError('READ_ONLY', 'sql: attempt to write a readonly database (two-phase commit)');
    checkDeferredForeignKeys(txn);
    refuseTempPrepare(txn);
    return (await (await preparedXacts(engine)).prepare(txn, gid, (ts) => commitLogOp(MAIN_BRANCH, ts))).lsn;
  }

  private async twoPhase(engine: LsmEngine, action: 'prepare' | 'commit' | 'rollback', gid: string): Promise<number> {
    if (engine.readOnly) throw new DoSQLError('READ_ONLY', 'sql: attempt to write a readonly database (two-phase commit)');
    const registry = await preparedXacts(engine);
    const logOp = (ts: number) => commitLogOp(MAIN_BRANCH, ts);
    if (action === 'prepare') {
      if (!this.txn) throw new DoSQLError('SQL_ERROR', 'sql: PREPARE TRANSACTION requires an open transaction (BEGIN first)');
      const txn = this.txn;
      // As COMMIT: a deferred foreign key that does not hold fails it and leaves the transaction open.
      checkDeferredForeignKeys(txn);
      refuseTempPrepare(txn);
      this.txn = undefined;
      this.savepoints = [];
      return (await registry.prepare(txn, gid, logOp)).lsn;
    }
    this.refuseInTransaction(`${action.toUpperCase()} PREPARED`);
    return (action === 'commit' ? await registry.commitPrepared(gid, logOp) : await registry.rollbackPrepared(gid, logOp)).lsn;
  }

  private findSavepoint(name: string): number {
    const s = this.savepoints;
    for (let i = s.length - 1; i >= 0; i--) if (s[i]!.name.toLowerCase() === name.toLowerCase()) return i;
    throw new DoSQLError('SQL_ERROR', `sql: no such savepoint: ${name}`);
  }
}

/** A prepared transaction is persisted: TEMP writes, which are the handle's alone (temp-store.ts), cannot be part of one. */
function refuseTempPrepare(txn: Transaction): void {
  for (const w of txn.writes.values()) if (isTempKey(w.uk)) throw new DoSQLError('NOT_SUPPORTED', 'sql: PREPARE TRANSACTION of a transaction that wrote TEMP objects');
}

/** Statements that act on the session's transaction rather than run in one. */
function isControl(kind: string): boolean {
  return kind === 'begin' || kind === 'commit' || kind === 'rollback' || kind === 'savepoint' || kind === 'release' || kind === 'twoPhase';
}

/** Records a statement that failed before it could complete or hand back a promise. */
function observeFailed(metrics: QueryMetrics, t: number): void {
  metrics.observe(performance.now() - t, true, Date.now());
}

/**
 * Records the duration of a statement started at `t` (performance.now(), ms): at once when it
 * completed synchronously, else when its promise settles. Timed on the side: the caller keeps
 * the statement's own promise, so recording adds no step to when it resumes (interleavings with
 * other work stay what they were). Returns `r`.
 */
function observed<T>(metrics: QueryMetrics, t: number, r: T | Promise<T>): T | Promise<T> {
  if (!(r instanceof Promise)) {
    metrics.observe(performance.now() - t, false, 0);
    return r;
  }
  r.then(
    () => metrics.observe(performance.now() - t, false, 0),
    () => observeFailed(metrics, t),
  );
  return r;
}
