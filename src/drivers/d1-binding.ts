// `dosql/d1`: a D1-compatible binding over a dosql Database, so code written for Cloudflare D1
// (`env.DB.prepare(sql).bind(...).first() / all() / run() / raw()`, `env.DB.batch([...])`,
// `env.DB.exec(sql)`) and `drizzle-orm/d1` run unchanged. The shapes follow Cloudflare's D1
// Worker API reference (developers.cloudflare.com/d1/worker-api/):
//   - a D1Result is `{ success: true, results, meta }`; `meta` has `changes`, `last_row_id`,
//     `changed_db`, `rows_read`, `rows_written`, `duration` (ms), `size_after`, `served_by`,
//     `timings.sql_duration_ms`; `run()` returns the same shape as `all()`.
//   - `first()` is the first row or null; `first(column)` that column's value, or null without
//     rows; a column the result lacks throws (D1_COLUMN_NOTFOUND).
//   - `raw()` is rows as arrays; `raw({ columnNames: true })` puts the column names first.
//   - `bind()` takes positional values (`?`, `?NNN`); booleans bind as 1 / 0, ArrayBuffer and
//     typed arrays as BLOBs, undefined is refused (D1_TYPE_ERROR). BLOBs come back as arrays
//     of bytes (number[]), as D1 returns them.
//   - `batch()` runs its statements in order in one transaction (dosql's db.batch()): when one
//     fails, none is committed, and the error is thrown.
//   - `exec()` runs a script (no parameters) and returns `{ count, duration }`.
// `dosql` extras are not added to these shapes; `meta.lsn` is the one addition (the commit's LSN).
import { DoSQLError } from '../errors.js';
import type { Database, ExecuteResult } from '../sql/api/database.js';
import { splitStatements } from '../sql/api/host.js';
import type { BindValue, JsValue } from '../sql/api/values.js';

/** D1's `meta` object (with dosql's `lsn`). */
export interface D1Meta {
  duration: number;
  size_after: number;
  rows_read: number;
  rows_written: number;
  last_row_id: number;
  changed_db: boolean;
  changes: number;
  served_by: string;
  served_by_region?: string;
  served_by_primary?: boolean;
  timings?: { sql_duration_ms: number };
  /** dosql: LSN of the commit (or the read LSN). */
  lsn: number;
}

/** D1's result of `all()`, `run()` and each statement of `batch()`. */
export interface D1Result<T = Record<string, unknown>> {
  success: true;
  results: T[];
  meta: D1Meta;
}

/** D1's result of `exec()`. */
export interface D1ExecResult {
  count: number;
  duration: number;
}

/** Values D1 binds. */
export type D1Value = null | number | bigint | string | boolean | ArrayBuffer | ArrayBufferView;

function d1Error(code: 'D1_TYPE_ERROR' | 'D1_COLUMN_NOTFOUND' | 'D1_ERROR', message: string): DoSQLError {
  return new DoSQLError(code === 'D1_ERROR' ? 'SQL_ERROR' : 'INVALID_ARGUMENT', `d1: ${code}: ${message}`, { details: { d1: code } });
}

function toBind(v: unknown, i: number): BindValue {
  if (v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw d1Error('D1_TYPE_ERROR', `Type '${v === undefined ? 'undefined' : typeof v}' not supported for value ${i + 1}`);
}

/** A value as D1 returns it: BLOBs as arrays of bytes, bigints as numbers. */
function fromSql(v: JsValue): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function rowOut(row: Record<string, JsValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row)) out[k] = fromSql(row[k]!);
  return out;
}

function d1Result<T>(r: ExecuteResult, ms: number): D1Result<T> {
  const rows = r.rows.map(rowOut) as T[];
  const wrote = r.changes > 0;
  return {
    success: true,
    results: rows,
    meta: {
      duration: ms,
      size_after: 0,
      rows_read: rows.length,
      rows_written: r.changes,
      last_row_id: Number(r.lastInsertRowid),
      changed_db: wrote,
      changes: r.changes,
      served_by: 'dosql',
      timings: { sql_duration_ms: ms },
      lsn: r.lsn,
    },
  };
}

/** D1's prepared statement: immutable; `bind` returns a new one. */
export class D1PreparedStatement {
  /** @internal */
  constructor(
    private readonly db: Database,
    private readonly sql: string,
    private readonly params: readonly BindValue[] = [],
  ) {}

  /** A statement with these positional values bound (D1_TYPE_ERROR for a value D1 cannot bind). */
  bind(...values: unknown[]): D1PreparedStatement {
    return new D1PreparedStatement(this.db, this.sql, values.map(toBind));
  }

  /** @internal What `batch` runs. */
  get statement(): { sql: string; params: BindValue[] } {
    return { sql: this.sql, params: [...this.params] };
  }

  private async execute(): Promise<{ r: ExecuteResult; ms: number }> {
    const t = Date.now();
    const r = await this.db.execute(this.sql, this.params);
    return { r, ms: Date.now() - t };
  }

  /** The first row, or null; with `column`, that column's value of the first row (null without rows). */
  first<T = Record<string, unknown>>(): Promise<T | null>;
  first<T = unknown>(column: string): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    const { r } = await this.execute();
    const row = r.rows[0];
    if (column === undefined) return row === undefined ? null : (rowOut(row) as T);
    if (row === undefined) return null;
    if (!r.columns.includes(column)) throw d1Error('D1_COLUMN_NOTFOUND', `Column not found: ${column}`);
    return fromSql(row[column]!) as T;
  }

  /** Every row, with `meta`. */
  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const { r, ms } = await this.execute();
    return d1Result<T>(r, ms);
  }

  /** Runs the statement: the same result shape as `all()`. */
  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>();
  }

  /** Rows as arrays of values; `columnNames: true` puts the column names first. */
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  async raw<T>(options: { columnNames?: boolean } = {}): Promise<T[] | [string[], ...T[]]> {
    const { r } = await this.execute();
    const rows = r.rows.map((row) => r.columns.map((c) => fromSql(row[c]!))) as T[];
    return options.columnNames ? [[...r.columns], ...rows] : rows;
  }
}

/** The D1Database binding over a dosql Database: `d1(DB('app'))` where D1 code expects `env.DB`. */
export class D1Database {
  /** @internal */
  constructor(private readonly db: Database) {}

  /** A statement to bind and run. */
  prepare(sql: string): D1PreparedStatement {
    if (typeof sql !== 'string') throw d1Error('D1_TYPE_ERROR', `prepare() takes a SQL string, got ${typeof sql}`);
    return new D1PreparedStatement(this.db, sql);
  }

  /** Runs the statements in order in one transaction (all or nothing); their results in order. */
  async batch<T = Record<string, unknown>>(statements: readonly D1PreparedStatement[]): Promise<D1Result<T>[]> {
    if (!Array.isArray(statements)) throw d1Error('D1_TYPE_ERROR', 'batch() takes an array of prepared statements');
    const list = statements.map((s, i) => {
      if (!(s instanceof D1PreparedStatement)) throw d1Error('D1_TYPE_ERROR', `batch(): item ${i} is not a prepared statement`);
      return s.statement;
    });
    const t = Date.now();
    const results = await this.db.batch(list);
    const ms = Date.now() - t;
    return results.map((r) => d1Result<T>(r, ms));
  }

  /** Runs a script of statements without parameters: `{ count, duration }`. */
  async exec(sql: string): Promise<D1ExecResult> {
    const t = Date.now();
    const statements = splitScript(sql);
    for (const s of statements) await this.db.exec(s);
    return { count: statements.length, duration: Date.now() - t };
  }

  /** D1's `dump()` (deprecated in D1, and not available here). */
  async dump(): Promise<ArrayBuffer> {
    throw new DoSQLError('NOT_SUPPORTED', 'd1: dump() is not available on dosql: use db.backup() or `dosql backup`');
  }
}

/** The statements of a script, as the database's parser splits them (a trigger's body stays whole). */
function splitScript(sql: string): string[] {
  if (typeof sql !== 'string') throw d1Error('D1_TYPE_ERROR', `exec() takes a SQL string, got ${typeof sql}`);
  return splitStatements(sql);
}

/** The D1 binding of `db`: pass it where D1 code (or `drizzle-orm/d1`) expects `env.DB`. */
export function d1(db: Database): D1Database {
  return new D1Database(db);
}
