// The handle passed to `db.transaction(fn)`: the query methods of a Database, inside one
// transaction that the database commits when `fn` resolves (database.ts, `transaction`).
import { DoSQLError } from '../../errors.js';
import { Mutex } from '../../util/async.js';
import { combineInterrupts, type Interrupt, type StatementOptions } from '../execution/statement-guard.js';
import { parse } from '../parser/index.js';
import type { Transaction } from '../txn/transaction.js';
import { checkSql, refuseScriptParams, SCRIPT_ARGS, type StatementArgs } from './bind-params.js';
import { argOptions } from './arguments.js';
import type { DatabaseParts, ExecuteResult, QueryOptions, RunResult } from './database.js';
import type { Prepared, StatementResult } from './statement-runner.js';
import { executeResult, jsRowid, rowsToObjects, type BindParams, type JsValue } from './values.js';

/** tx.run()'s answer for one statement. */
function runResult(r: StatementResult): Omit<RunResult, 'lsn'> {
  const last = jsRowid(r.lastInsertRowId ?? 0n);
  return { changes: r.changes, lastInsertRowId: last, lastInsertRowid: last, lastRowId: last };
}

/** The handle passed to `db.transaction(fn)`: the same query methods, inside one transaction. */
export class TransactionHandle {
  /** @internal Set once the callback settled: later calls throw. */
  done = false;
  private readonly lock = new Mutex();
  /** The last rowid an INSERT in this transaction made (sqlite3_last_insert_rowid within it). */
  private lastRowid = 0n;

  /** @internal */
  constructor(
    private readonly parts: DatabaseParts,
    private readonly txn: Transaction,
    /** The transaction's own timeout and signal (db.transaction(fn, options)). */
    private readonly interrupt?: Interrupt,
  ) {}

  /** A call's own timeout and signal, when it gave any. */
  private own(options: StatementOptions | undefined): Interrupt | undefined {
    return options && (options.timeoutMs !== undefined || options.signal !== undefined) ? this.parts.core.interruptOf(options) : undefined;
  }

  /**
   * Runs one statement in the transaction, one at a time. Not async itself: while the handle's
   * lock is free (statements awaited one by one, the bulk-load loop) it allocates no frame.
   */
  private runPrepared(p: Prepared, params: BindParams | StatementArgs | undefined, own?: Interrupt): Promise<StatementResult>;
  /** `map` applied to the result in the step that releases the lock (tx.run: one promise less per statement). */
  private runPrepared<R>(p: Prepared, params: BindParams | StatementArgs | undefined, own: Interrupt | undefined, map: (r: StatementResult) => R): Promise<R>;
  private runPrepared<R>(p: Prepared, params: BindParams | StatementArgs | undefined, own?: Interrupt, map?: (r: StatementResult) => R): Promise<R | StatementResult> {
    if (this.done) return Promise.reject(new DoSQLError('SQL_ERROR', 'sql: transaction already finished'));
    const k = p.parsed.statement.kind;
    if (k === 'begin' || k === 'commit' || k === 'rollback' || k === 'savepoint' || k === 'release' || k === 'twoPhase') {
      const what = k === 'twoPhase' ? 'PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED' : k.toUpperCase();
      return Promise.reject(new DoSQLError('SQL_ERROR', `sql: ${what} is not allowed inside db.transaction(); use BEGIN ... PREPARE TRANSACTION on the handle`));
    }
    const unlock = this.lock.tryLock();
    if (!unlock) return map ? this.runWaiting(p, params, own).then(map) : this.runWaiting(p, params, own);
    let r: StatementResult | Promise<StatementResult>;
    try {
      r = this.parts.session.execInTransaction(p, params, this.txn, combineInterrupts(this.interrupt, own ?? this.parts.core.interruptOf(undefined)));
    } catch (e) {
      unlock();
      return Promise.reject(e);
    }
    if (!(r instanceof Promise)) {
      // Completed synchronously: one resolved promise for the caller, none in between.
      unlock();
      try {
        return Promise.resolve(map ? map(r) : r);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return r.then(
      (v) => {
        unlock();
        return map ? map(v) : v;
      },
      (e: unknown) => {
        unlock();
        throw e;
      },
    );
  }

  /** runPrepared once the statement running now (or queued before) is done. */
  private async runWaiting(p: Prepared, params: BindParams | StatementArgs | undefined, own: Interrupt | undefined): Promise<StatementResult> {
    const unlock = await this.lock.lock();
    try {
      return await this.parts.session.execPrepared(p, params, this.txn, combineInterrupts(this.interrupt, own ?? this.parts.core.interruptOf(undefined)));
    } finally {
      unlock();
    }
  }

  async query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T[]> {
    argOptions(options, 'tx.query()');
    const r = await this.runPrepared(this.parts.runner.prepared(sql), params, this.own(options));
    return rowsToObjects(r.columns, r.rows, options.safeIntegers ?? false) as T[];
  }

  async queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<T | undefined> {
    return (await this.query<T>(sql, params, options))[0];
  }

  run(sql: string, params?: BindParams, options?: StatementOptions): Promise<Omit<RunResult, 'lsn'>> {
    // One statement (the bulk-load loop) without an async frame; several run as a script, as in Database.run.
    let ps: Prepared[];
    try {
      ps = this.parts.runner.statements(sql);
      if (ps.length === 1) return this.runPrepared(ps[0]!, params, this.own(options), runResult);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.runScript(ps, params, options);
  }

  private async runScript(ps: readonly Prepared[], params: BindParams | undefined, options: StatementOptions | undefined): Promise<Omit<RunResult, 'lsn'>> {
    if (ps.length > 1) refuseScriptParams(params, 'run() of several statements');
    const own = this.own(options);
    let changes = 0;
    let r: StatementResult | undefined;
    for (const p of ps) {
      r = await this.runPrepared(p, ps.length > 1 ? SCRIPT_ARGS : params, own);
      const kind = p.parsed.statement.kind;
      if (ps.length === 1 || kind === 'insert' || kind === 'update' || kind === 'delete') changes = r.changes;
    }
    const last = jsRowid(r?.lastInsertRowId ?? 0n);
    return { changes, lastInsertRowId: last, lastInsertRowid: last, lastRowId: last };
  }

  /** Runs one statement in the transaction and returns its rows and effect together (see Database.execute). */
  async execute<T = Record<string, JsValue>>(sql: string, params?: BindParams, options: QueryOptions = {}): Promise<ExecuteResult<T>> {
    argOptions(options, 'tx.execute()');
    const r = await this.runPrepared(this.parts.runner.prepared(sql), params, this.own(options));
    if (r.lastInsertRowId !== undefined) this.lastRowid = r.lastInsertRowId;
    return executeResult<T>(r, this.lastRowid, options.safeIntegers ?? false);
  }

  /** Runs every statement in `sql`, binding nothing (see Database.exec). */
  async exec(sql: string, params?: BindParams, options?: StatementOptions): Promise<void> {
    refuseScriptParams(params);
    checkSql(sql);
    const own = this.own(options);
    for (const p of parse(sql)) await this.runPrepared({ parsed: p, sql: sql.slice(p.start, p.end) }, SCRIPT_ARGS, own);
  }
}
