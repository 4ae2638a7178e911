// The client surface: the same query/run/exec/transaction methods as the embedded DB()
// (src/sql/api/database.ts), over the Worker API.
import type { Table as ArrowTable } from 'apache-arrow';
import type { WireAsOf, WireJsValue } from './wire.js';

/** A value returned to JavaScript: INTEGER as number (bigint with safeIntegers), REAL, TEXT, BLOB, NULL. */
export type ClientValue = null | number | bigint | string | Uint8Array;

/** Positional parameters or one object of named parameters (with or without the :/@/$ prefix). */
export type ClientParams = readonly WireJsValue[] | Readonly<Record<string, WireJsValue>>;

export interface ClientQueryOptions {
  /** INTEGER values as bigint (better-sqlite3's safeIntegers). */
  safeIntegers?: boolean;
  /** Read as of an LSN, a date-time, or { lsn } / { timestamp } / { snapshot } / { branch } / { versionOffset }. */
  asOf?: WireAsOf;
  /** Run on this branch (default main). */
  branch?: string;
}

export interface ClientRunResult {
  changes: number;
  lastInsertRowId: number | bigint;
  /** LSN of the commit (for AS OF queries later). */
  lsn: number;
}

/** The handle a transaction callback receives: statements inside one server-side transaction. */
export interface ClientTransaction {
  query<T = Record<string, ClientValue>>(sql: string, params?: ClientParams, options?: { safeIntegers?: boolean }): Promise<T[]>;
  queryOne<T = Record<string, ClientValue>>(sql: string, params?: ClientParams, options?: { safeIntegers?: boolean }): Promise<T | undefined>;
  run(sql: string, params?: ClientParams): Promise<Omit<ClientRunResult, 'lsn'>>;
  exec(sql: string): Promise<void>;
}

/** One statement of `batch()`: its text and parameters. */
export interface ClientBatchStatement {
  sql: string;
  params?: ClientParams;
}

/** What one statement of `batch()` did (as the embedded db.batch()'s ExecuteResult). */
export interface ClientExecuteResult<T = Record<string, ClientValue>> {
  columns: string[];
  rows: T[];
  changes: number;
  lastInsertRowid: number | bigint;
  /** The batch's commit LSN (every statement of a batch commits together). */
  lsn: number;
}

export interface DoSQLClient {
  /**
   * The rows of a query as an Apache Arrow Table, typed as the embedded `db.queryArrow()`
   * types them (one encoder: src/util/arrow-result.ts; docs/arrow.md).
   */
  queryArrow(sql: string, params?: ClientParams, options?: Omit<ClientQueryOptions, 'safeIntegers'>): Promise<ArrowTable>;
  /**
   * Runs `statements` in order in one transaction, all or nothing (as the embedded
   * db.batch() and D1's batch()): the first error rolls every one back and is thrown.
   */
  batch<T = Record<string, ClientValue>>(statements: readonly ClientBatchStatement[], options?: { safeIntegers?: boolean; branch?: string }): Promise<ClientExecuteResult<T>[]>;
  /** Rows as objects keyed by column name. */
  query<T = Record<string, ClientValue>>(sql: string, params?: ClientParams, options?: ClientQueryOptions): Promise<T[]>;
  queryOne<T = Record<string, ClientValue>>(sql: string, params?: ClientParams, options?: ClientQueryOptions): Promise<T | undefined>;
  /** Runs one statement: rows changed, last rowid, commit LSN. */
  run(sql: string, params?: ClientParams, options?: { branch?: string }): Promise<ClientRunResult>;
  /** Runs every statement in `sql` (no parameters). */
  exec(sql: string, options?: { branch?: string }): Promise<void>;
  /**
   * Runs `fn` in one transaction (snapshot isolation): commits when it resolves, rolls back
   * when it throws. A WRITE_CONFLICT at commit is retried up to `retries` times.
   */
  transaction<T>(fn: (tx: ClientTransaction) => Promise<T>, options?: { retries?: number; branch?: string }): Promise<T>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** Base URL of the Worker, e.g. https://dosql.example.workers.dev */
  url: string;
  /** The API token (DOSQL_TOKEN). */
  token: string;
  /** Database name (default 'default'). */
  database?: string;
}
