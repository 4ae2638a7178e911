// A prepared statement with better-sqlite3's method names (async here, because storage is).
import { ExecEnv } from '../execution/env.js';
import { retryCollected } from './reader-retry.js';
import type { DatabaseParts, RunResult } from './database.js';
import type { Prepared } from './statement-runner.js';
import { rowsToObjects, toJsValue, type BindValue, type JsValue } from './values.js';
import { bindParams, statementArgs, type StatementArgs } from './bind-params.js';
import type { StatementOptions } from '../execution/statement-guard.js';
import type { SqlValue } from '../types/value.js';
import type { Table as ArrowTable } from 'apache-arrow';
import { resultToArrowTable } from '../../util/arrow-result.js';

/** Arguments as better-sqlite3 takes them: values, arrays of values, and one plain object of named values (bind-params.ts). */
type Args = readonly (BindValue | readonly BindValue[] | Readonly<Record<string, BindValue>>)[];

function toParams(p: Prepared, args: Args): StatementArgs {
  return statementArgs(args, p.parsed.paramNames.length > 0);
}

export class Statement {
  private rawMode = false;
  private safe = false;
  private pluckMode = false;
  private options: StatementOptions | undefined;

  /** @internal */
  constructor(
    private readonly parts: DatabaseParts,
    private readonly p: Prepared,
  ) {}

  /** The SQL text. */
  get source(): string {
    return this.p.sql;
  }

  /** True when the statement returns rows. */
  get reader(): boolean {
    const k = this.p.parsed.statement.kind;
    if (k === 'select' || k === 'explain') return true;
    if (k === 'insert' || k === 'update' || k === 'delete') return (this.p.parsed.statement as { returning?: unknown }).returning !== undefined;
    return false;
  }

  /** Rows as arrays instead of objects. */
  raw(on = true): this {
    this.rawMode = on;
    if (on) this.pluckMode = false;
    return this;
  }

  /** Only the first column of each row. */
  pluck(on = true): this {
    this.pluckMode = on;
    if (on) this.rawMode = false;
    return this;
  }

  /** INTEGER values as bigint. */
  safeIntegers(on = true): this {
    this.safe = on;
    return this;
  }

  /**
   * Timeout and AbortSignal for each later execution (all, get, run, iterate): each call
   * gets `timeoutMs` from when it starts; INTERRUPTED when it runs out or the signal aborts.
   */
  withOptions(options: StatementOptions): this {
    this.parts.core.interruptOf(options);
    this.options = options;
    return this;
  }

  private shape(columns: readonly string[], rows: readonly (readonly import('../types/value.js').SqlValue[])[]): unknown[] {
    if (this.rawMode) return rawRows(rows, this.safe);
    if (this.pluckMode) return rows.map((r) => toJsValue(r[0] ?? null, this.safe));
    return rowsToObjects(columns, rows as import('../execution/env.js').Row[], this.safe);
  }

  /** Every result row. */
  all<T = unknown>(...args: Args): Promise<T[]> {
    const engine = this.parts.core.engineRef;
    // A read-only handle runs the read again when the writer collected a file under it.
    if (engine?.readOnly) return retryCollected(engine, () => this.allOnce<T>(...args));
    return this.allOnce<T>(...args);
  }

  private allOnce<T>(...args: Args): Promise<T[]> {
    try {
      const params = toParams(this.p, args);
      const it = this.parts.core.interruptOf(this.options);
      const fast = this.parts.session.tryRead(this.p, params, it);
      if (fast === undefined) return this.parts.session.execPrepared(this.p, params, undefined, it).then((r) => this.shape(r.columns, r.rows) as T[]);
      if (fast instanceof Promise) return fast.then((r) => this.shape(r.columns, r.rows) as T[]);
      return Promise.resolve(this.shape(fast.columns, fast.rows) as T[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Every result row as an Apache Arrow Table (one record batch; types from the columns'
   * SQLite storage classes, mixed columns as dense unions: src/util/arrow-result.ts,
   * docs/arrow.md). INTEGER is Int64 whatever `safeIntegers` says.
   */
  arrow(...args: Args): Promise<ArrowTable> {
    const engine = this.parts.core.engineRef;
    const once = (): Promise<ArrowTable> => this.resultOnce(args).then((r) => resultToArrowTable(r.columns, r.rows));
    return engine?.readOnly ? retryCollected(engine, once) : once();
  }

  private resultOnce(args: Args): Promise<{ columns: readonly string[]; rows: readonly (readonly SqlValue[])[] }> {
    try {
      const params = toParams(this.p, args);
      const it = this.parts.core.interruptOf(this.options);
      const fast = this.parts.session.tryRead(this.p, params, it);
      if (fast === undefined) return this.parts.session.execPrepared(this.p, params, undefined, it);
      return Promise.resolve(fast);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The first result row, or undefined. */
  get<T = unknown>(...args: Args): Promise<T | undefined> {
    const engine = this.parts.core.engineRef;
    if (engine?.readOnly) return retryCollected(engine, () => this.allOnce<T>(...args)).then(first);
    // The read fast path: one promise per call, only the first row converted.
    try {
      const params = toParams(this.p, args);
      const it = this.parts.core.interruptOf(this.options);
      const fast = this.parts.session.tryRead(this.p, params, it);
      if (fast !== undefined && !(fast instanceof Promise)) return Promise.resolve(this.firstOf(fast.columns, fast.rows) as T | undefined);
      return (fast ?? this.parts.session.execPrepared(this.p, params, undefined, it)).then((r) => this.firstOf(r.columns, r.rows) as T | undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The first row of a result, shaped as `get` returns it. */
  private firstOf(columns: readonly string[], rows: readonly (readonly SqlValue[])[]): unknown {
    return rows.length === 0 ? undefined : this.shape(columns, rows.length === 1 ? rows : rows.slice(0, 1))[0];
  }

  /** Runs the statement: `{ changes, lastInsertRowId, lastRowId (the same), lsn }`. */
  async run(...args: Args): Promise<RunResult> {
    const r = await this.parts.session.execAutocommit(this.p, toParams(this.p, args), this.parts.core.interruptOf(this.options));
    const last = r.lastInsertRowId === undefined ? 0 : Number(r.lastInsertRowId);
    return { changes: r.changes, lastInsertRowId: last, lastInsertRowid: last, lastRowId: last, lsn: r.lsn };
  }

  /** Result rows, streamed in batches from one read view (SELECT only). */
  async *iterate<T = unknown>(...args: Args): AsyncGenerator<T> {
    if (this.p.parsed.statement.kind !== 'select') {
      for (const r of await this.all<T>(...args)) yield r;
      return;
    }
    const { core, runner } = this.parts;
    const it = core.interruptOf(this.options);
    const engine = await core.ready;
    const values = bindParams(this.p.parsed, toParams(this.p, args));
    const guard = core.guard(it);
    const txn = await core.begin(engine);
    try {
      const plan = runner.planFor(this.p, txn.catalog);
      const env = new ExecEnv(txn, values, { changes: 0, totalChanges: 0, lastInsertRowId: 0n }, engine.clockNow(), () => 0n, guard);
      for await (const b of plan.stream!(env)) for (const row of this.shape(plan.columns, b)) yield row as T;
    } finally {
      txn.release();
    }
  }

  /**
   * Result column names, planned against the current schema (better-sqlite3's
   * `columns()`). Throws INVALID_ARGUMENT before the database has opened (await a query or `db.open()`).
   */
  columns(): { name: string }[] {
    return this.parts.runner.planFor(this.p, this.parts.core.currentCatalog()).columns.map((name) => ({ name }));
  }
}

export type { JsValue };

const first = <T>(rows: T[]): T | undefined => rows[0];

/** Rows as arrays of JavaScript values (raw mode); plain loops: this runs once per result value. */
function rawRows(rows: readonly (readonly import('../types/value.js').SqlValue[])[], safe: boolean): unknown[][] {
  const out: unknown[][] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const o: unknown[] = new Array(r.length);
    for (let j = 0; j < r.length; j++) o[j] = toJsValue(r[j]!, safe);
    out[i] = o;
  }
  return out;
}
