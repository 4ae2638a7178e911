// The shapes of what a Database handle's calls return and take (database.ts re-exports them):
// run/execute/batch results, query options and a profiled query's plan and statistics.
import type { OperatorProfile } from '../execution/op-profile.js';
import type { StatementOptions } from '../execution/statement-guard.js';
import type { BindParams, JsValue } from './values.js';

/** What `run` returns: rows changed, the last rowid inserted, and the commit's LSN. */
export interface RunResult {
  changes: number;
  lastInsertRowId: number | bigint;
  /** The same as `lastInsertRowId`, spelt as better-sqlite3 and libsql spell it. */
  lastInsertRowid: number | bigint;
  /** The same as `lastInsertRowId` (the name seed code uses, D1's `meta.last_row_id`). */
  lastRowId: number | bigint;
  /** LSN of the commit (the read LSN when nothing was written). */
  lsn: number;
}

/**
 * What `execute` and each statement of `batch` return: the result rows (objects keyed by
 * column name; empty for a statement that returns none) together with its effect, in one call
 * (what drivers need: Kysely's `executeQuery`, D1's `all()` with its `meta`).
 */
export interface ExecuteResult<T = Record<string, JsValue>> {
  /** Result column names, in order. */
  columns: string[];
  rows: T[];
  /** Rows the statement changed (SQLite's sqlite3_changes: 0 for a read). */
  changes: number;
  /** Rowid of the last row inserted through this handle (SQLite's sqlite3_last_insert_rowid). */
  lastInsertRowid: number | bigint;
  /** LSN of the commit, or the read LSN (inside a transaction: its read LSN). */
  lsn: number;
}

/** One statement of `db.batch()`: its text and its parameters (as for query()). */
export interface BatchStatement {
  sql: string;
  params?: BindParams;
}

export interface QueryOptions extends StatementOptions {
  /** Return INTEGER values as bigint (better-sqlite3's safeIntegers). */
  safeIntegers?: boolean;
  /**
   * Profile the query (seed 003's `db.query(sql, params, { profile: true })`): the rows come
   * back with `queryPlan` (SQLite's EXPLAIN QUERY PLAN rows), `stats` (QueryStats) and
   * `operators` (per-operator loops, rows and times, as DuckDB's EXPLAIN ANALYZE) attached as
   * non-enumerable properties.
   */
  profile?: boolean;
}

/** One step of a query plan, as SQLite's EXPLAIN QUERY PLAN reports it (`detail`: 'SCAN t', 'SEARCH t USING INDEX i (a=?)'). */
export interface QueryPlanStep {
  id: number;
  parent: number;
  detail: string;
}

/** What a profiled query measured. */
export interface QueryStats {
  /** Wall time of the query itself, ms (the plan is read apart). */
  durationMs: number;
  /** Rows returned. */
  rowsReturned: number;
  /** LSN the query read at (the latest when it began). */
  readLsn: number;
}

/**
 * Rows of a profiled query: the rows, with `queryPlan`, `stats` and `operators` (non-enumerable).
 * `operators` has one row per operator of a SELECT's plan (op-profile.ts: loops, rows in and
 * out, time), as EXPLAIN ANALYZE returns them; [] for other statements.
 */
export type ProfiledRows<T> = T[] & { readonly queryPlan: QueryPlanStep[]; readonly stats: QueryStats; readonly operators: OperatorProfile[] };
