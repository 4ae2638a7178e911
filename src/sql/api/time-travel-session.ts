// createTimeTravelSession(db, { asOf }): one consistent read view for many queries, as of
// any time point, with the schema of that point. Read-only; close() releases the view so
// compaction may collect what only it kept.
import { DoSQLError } from '../../errors.js';
import { Database, databaseParts, type QueryOptions } from './database.js';
import { argOptions, argTimePoint, optionOneOf } from './arguments.js';
import { describeValue } from './bind-params.js';
import type { ReadPoint } from './temporal.js';
import type { TimePoint } from './time-points.js';
import { rowsToObjects, type BindParams, type JsValue } from './values.js';
import { branchName } from './branch-names.js';
import type { Transaction } from '../txn/transaction.js';

export interface TimeTravelSession {
  /** The resolved read point (branch name and LSN). */
  readonly point: { readonly branch: string; readonly lsn: number };
  query<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T[]>;
  queryOne<T = Record<string, JsValue>>(sql: string, params?: BindParams, options?: QueryOptions): Promise<T | undefined>;
  close(): Promise<void>;
}

/**
 * How far a session's point reaches. One database has one answer: every table of the
 * database is read at the point, so 'database' (the default) and seed 001's names 'local'
 * (this database), 'branch' (the branch the point is on) and 'global' (every database the
 * session reads: here, this one) all mean the same; cross-shard sessions are not built.
 */
export type TimeTravelScope = 'database' | 'local' | 'branch' | 'global';

/**
 * Opens a read view at `asOf` (lsn(), timestamp(), snapshot(), branch(), relative()) with the
 * schema of that point: SELECT, and CALL of the procedures as stored at that point.
 * Throws BEFORE_RETENTION_HORIZON for points older than the retention horizon.
 */
export async function createTimeTravelSession(db: Database, options: { asOf: TimePoint; scope?: TimeTravelScope }): Promise<TimeTravelSession> {
  if (!(db instanceof Database)) throw new DoSQLError('INVALID_ARGUMENT', `sql: createTimeTravelSession(): the first argument must be a database from DB(), got ${describeValue(db)}`);
  argTimePoint(argOptions(options, 'createTimeTravelSession()').asOf, 'createTimeTravelSession()');
  optionOneOf(options, 'scope', ['database', 'local', 'branch', 'global'], 'createTimeTravelSession()');
  const { core, runner, session, timeTravel } = databaseParts(db);
  const point: ReadPoint = await db.resolve(options.asOf);
  const { view } = await timeTravel.viewAt(point);
  let open = true;
  const run = async (sql: string, params?: BindParams, o?: QueryOptions): Promise<{ columns: readonly string[]; rows: import('../execution/env.js').Row[] }> => {
    if (!open) throw new DoSQLError('CLOSED', 'sql: time-travel session is closed');
    const p = runner.prepared(sql);
    // CALL runs the procedure as stored at the point, reading the data as of it (its writes fail: the view is read-only).
    const k = p.parsed.statement.kind;
    if (k !== 'select' && k !== 'call') throw new DoSQLError('SQL_ERROR', 'sql: a time-travel session is read-only (SELECT and CALL only)');
    return session.execPrepared(p, params, view as Transaction, core.interruptOf(o));
  };
  return {
    point: { branch: branchName(core.engineRef!, point.branch), lsn: point.lsn },
    async query(sql, params, o = {}) {
      argOptions(o, 'session.query()');
      const r = await run(sql, params, o);
      return rowsToObjects(r.columns, r.rows, o.safeIntegers ?? false) as never[];
    },
    async queryOne(sql, params, o = {}) {
      argOptions(o, 'session.queryOne()');
      const r = await run(sql, params, o);
      return rowsToObjects(r.columns, r.rows, o.safeIntegers ?? false)[0] as never;
    },
    async close() {
      if (!open) return;
      open = false;
      view.release();
    },
  };
}
