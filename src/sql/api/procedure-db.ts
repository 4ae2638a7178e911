// `ctx.db` of a procedure (docs/procedures.md): the statement methods of a Database, running
// inside the transaction of the CALL (or of executor.execute()) that started the procedure,
// so the caller's rollback undoes the procedure's writes. `transaction(fn)` nests as a
// savepoint: fn's writes are undone when it throws, and kept (until the caller's commit or
// rollback) when it returns.
import { DoSQLError } from '../../errors.js';
import type { StatementOptions } from '../execution/statement-guard.js';
import type { Transaction } from '../txn/transaction.js';
import { argFunction } from './arguments.js';
import type { DatabaseParts, ExecuteResult, QueryOptions, RunResult } from './database.js';
import { TransactionHandle } from './transaction-handle.js';
import type { BindParams, JsValue } from './values.js';

export class ProcedureDb {
  private readonly handle: TransactionHandle;

  /** @internal Made by the procedure host (procedures.ts). */
  constructor(
    parts: DatabaseParts,
    private readonly txn: Transaction,
  ) {
    this.handle = new TransactionHandle(parts, txn);
  }

  /** @internal The procedure returned or threw: later calls throw SQL_ERROR. */
  finish(): void {
    this.handle.done = true;
  }

  query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T[]> {
    return this.handle.query<T>(sql, params, options);
  }

  queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T | undefined> {
    return this.handle.queryOne<T>(sql, params, options);
  }

  run(sql: string, params?: BindParams, options?: StatementOptions): Promise<Omit<RunResult, 'lsn'>> {
    return this.handle.run(sql, params, options);
  }

  execute<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<ExecuteResult<T>> {
    return this.handle.execute<T>(sql, params, options);
  }

  exec(sql: string, params?: BindParams, options?: StatementOptions): Promise<void> {
    return this.handle.exec(sql, params, options);
  }

  /** Runs `fn` as a savepoint of the caller's transaction: its writes are undone when it throws. */
  async transaction<T>(fn: (tx: ProcedureDb) => Promise<T>): Promise<T> {
    argFunction(fn, 'ctx.db.transaction()', 'the callback');
    const mark = this.savepoint();
    try {
      return await fn(this);
    } catch (e) {
      this.rollbackTo(mark);
      throw e;
    }
  }

  /** @internal A savepoint mark of the caller's transaction (the sandbox's ctx.db.transaction). */
  savepoint(): number {
    if (this.handle.done) throw new DoSQLError('SQL_ERROR', 'sql: transaction already finished');
    return this.txn.mark();
  }

  /** @internal Undoes what was written since `mark`. */
  rollbackTo(mark: number): void {
    if (!this.handle.done) this.txn.rollbackTo(mark);
  }
}
