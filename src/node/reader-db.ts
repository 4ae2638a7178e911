// A Database opened with `readonly: true` (src/node/db.ts): a follower of the database's
// writer (src/lsm/follower.ts) that holds no writer lease and claims no epoch, so any number of
// readers, in this process or others, run beside one writer without fencing it.
//
// Each statement run through query / queryOne / run / exec / execute / batch / transaction first catches up with
// the writer, so it sees every commit acknowledged before it started. Prepared statements and
// streams see the commits of the last catch-up (reads start one in the background at most every
// EngineOptions.followMs). A read that finds a file the writer collected after a compaction
// (NOT_FOUND naming the file: nothing in the writer's process pins a reader's manifest version)
// catches up to the writer's newer manifest and runs again; a statement is read-only here, so
// running it again is safe.
import { DoSQLError } from '../errors.js';
import type { LsmEngine } from '../lsm/engine.js';
import { Database, type ExecuteResult, type ProfiledRows, type QueryOptions, type RunResult, type StatementOptions } from '../sql/api/database.js';
import { readsOnly, retryCollected, splitStatements } from '../sql/api/host.js';
import type { TransactionHandle } from '../sql/api/transaction-handle.js';
import type { BindParams, JsValue } from '../sql/api/values.js';

export class ReaderDatabase extends Database {
  /** Runs `fn` on a caught-up engine; again after a newer manifest when it lost a file. */
  private async fresh<T>(fn: () => Promise<T>): Promise<T> {
    const engine: LsmEngine = await this.engine();
    await engine.catchUp();
    return retryCollected(engine, fn);
  }

  override query<T = Record<string, JsValue>>(sql: string, params: BindParams | undefined, options: QueryOptions & { profile: true }): Promise<ProfiledRows<T>>;
  override query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T[]>;
  override query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T[]> {
    return this.fresh(() => super.query<T>(sql, params, options));
  }

  override run(sql: string, params?: BindParams, options?: StatementOptions): Promise<RunResult> {
    return refuseWrites(sql) ?? this.fresh(() => super.run(sql, params, options));
  }

  override exec(sql: string, params?: BindParams, options?: StatementOptions): Promise<void> {
    return refuseWrites(sql) ?? this.fresh(() => super.exec(sql, params, options));
  }

  override execute<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<ExecuteResult<T>> {
    return refuseWrites(sql) ?? this.fresh(() => super.execute<T>(sql, params, options));
  }

  override transaction<T>(fn: (tx: TransactionHandle) => Promise<T>, options?: { retries?: number } & StatementOptions): Promise<T> {
    // The callback may have side effects: caught up once, not run again.
    return this.engine().then(async (engine) => {
      await engine.catchUp();
      return super.transaction(fn, options);
    });
  }
}

/**
 * READ_ONLY for a statement that may write, even one that would change nothing (SQLite's
 * "attempt to write a readonly database" for DELETE on an empty table too); undefined when
 * every statement only reads (text that does not parse goes on, to fail with its SQL error).
 */
function refuseWrites(sql: string): Promise<never> | undefined {
  if (typeof sql !== 'string' || readsOnly(sql) || !parses(sql)) return undefined;
  return Promise.reject(new DoSQLError('READ_ONLY', 'sql: attempt to write a readonly database (opened with readonly: true); write through the database\'s writer'));
}

function parses(sql: string): boolean {
  try {
    splitStatements(sql);
    return true;
  } catch {
    return false;
  }
}
