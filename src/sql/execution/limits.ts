// Resource limits of one database, as SQLite's sqlite3_limit (https://sqlite.org/limits.html).
// Every limit is enforced before the resource is used: a string is measured before it is
// built, a buffer is charged before it grows. docs/limits.md lists each limit, its default,
// the SQLite equivalent and how to change it.
import { DoSQLError } from '../../errors.js';
import { DEFAULT_MAX_LENGTH } from '../types/length-limit.js';

export interface Limits {
  /**
   * Largest TEXT (UTF-8 bytes) or BLOB (bytes) a statement may build, as SQLITE_MAX_LENGTH
   * (SQLite's default is 1,000,000,000; here 256 MiB, because a JavaScript string holds at
   * most 2^29 - 24 characters and a heap is smaller than a disk).
   */
  maxLength: number;
  /** Most columns in a table, an index, a result set or a GROUP BY / ORDER BY, as SQLITE_MAX_COLUMN (2000). */
  maxColumns: number;
  /**
   * Deepest nesting of queries: subqueries, views and common table expressions inside one
   * another (SQLite bounds the same recursion through SQLITE_MAX_EXPR_DEPTH). Default 150.
   */
  maxQueryDepth: number;
  /**
   * Bytes of rows one statement may hold at once in sorts, groups, DISTINCT and set
   * operations, join build sides, materialised subqueries and CTEs, and its result
   * (estimated from the rows; SQLite's nearest equivalent is sqlite3_hard_heap_limit64).
   */
  maxMemoryBytes: number;
  /**
   * Longest a CALL of a SQL-stored MODULE procedure may run, ms, its statements included
   * (docs/procedures.md; the sandbox stops it with INTERRUPTED). Default 5000.
   */
  procedureTimeoutMs: number;
  /** Heap a SQL-stored MODULE procedure's sandbox may use, MiB (Node: the worker thread's resourceLimits). Default 64. */
  procedureMemoryMb: number;
}

/** The defaults for a database in Node.js (the Worker lowers some: src/worker/config.ts). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxLength: DEFAULT_MAX_LENGTH,
  maxColumns: 2000,
  maxQueryDepth: 150,
  maxMemoryBytes: 256 * 1024 * 1024,
  procedureTimeoutMs: 5000,
  procedureMemoryMb: 64,
});

/** `given` over the defaults; INVALID_ARGUMENT for a value that is not a positive integer. */
export function resolveLimits(given: Partial<Limits> | undefined, base: Readonly<Limits> = DEFAULT_LIMITS): Readonly<Limits> {
  if (given === undefined) return base;
  if (given === null || typeof given !== 'object') throw new DoSQLError('INVALID_ARGUMENT', 'sql: limits must be an object');
  const out: Limits = { ...base };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in base)) throw new DoSQLError('INVALID_ARGUMENT', `sql: unknown limit ${JSON.stringify(k)} (known: ${Object.keys(base).join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new DoSQLError('INVALID_ARGUMENT', `sql: limit ${k} must be a positive integer, got ${String(v)}`);
    out[k as keyof Limits] = v;
  }
  return Object.freeze(out);
}

/** The LIMIT_EXCEEDED error for limit `limit` (a key of Limits, or a Worker cap). */
export function limitExceeded(limit: string, max: number, message: string): DoSQLError {
  return new DoSQLError('LIMIT_EXCEEDED', `sql: ${message}`, { details: { limit, max } });
}

/**
 * A JavaScript stack overflow (RangeError) as LIMIT_EXCEEDED: the backstop behind
 * limits.maxQueryDepth and the parser's depth limits, for recursion they do not count.
 * Anything else is returned unchanged.
 */
export function stackOverflowAsLimit(e: unknown, limits: Readonly<Limits>): unknown {
  if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) return e;
  const err = limitExceeded('maxQueryDepth', limits.maxQueryDepth, 'statement nested too deeply: it ran out of stack (limits.maxQueryDepth)');
  return Object.assign(err, { cause: e });
}
