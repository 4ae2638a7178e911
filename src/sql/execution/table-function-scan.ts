// The rows of a table-valued function in FROM (functions/table-functions.ts, SQLite's
// eponymous virtual tables, https://sqlite.org/vtab.html#tabfunc2): the arguments and the
// bounds the function takes are evaluated on the current joined row (so `FROM t,
// json_each(t.tags)` calls json_each once per row of t), the function is opened, and its rows
// are placed at the source's offset with the rowid after the function's columns.
import { DoSQLError } from '../../errors.js';
import type { ColumnBound, TableFunction } from '../functions/table-functions.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { Compiled } from './compiled.js';
import type { Transaction } from '../txn/transaction.js';
import { BATCH_ROWS, envWithTxn, type ExecEnv, type Row } from './env.js';
import { evaluate, evaluateSubtyped } from './evaluate.js';
import { rowBytes } from './statement-guard.js';

export interface TableFunctionBound {
  readonly op: ColumnBound['op'];
  readonly value: Compiled;
}

/**
 * One call of a table-valued function in a FROM clause. Planning fills `args` and `bounds`
 * (plan-join.ts, once the whole FROM clause is in scope); execution calls `rows`.
 */
export class TableFunctionScan {
  /** By argColumns position: the argument's expression, or undefined when not given. */
  args: (Compiled | undefined)[] = [];
  bounds: TableFunctionBound[] = [];
  /** Other sources of the same FROM clause the arguments read (ScopeSource.index). */
  deps: ReadonlySet<number> = new Set();
  /**
   * The read view the function's rows come from, when not the statement's transaction: a
   * virtual table read `FOR SYSTEM_TIME AS OF` (resolved per execution, so plans stay reusable).
   */
  view?: (env: ExecEnv) => Transaction;

  constructor(
    readonly fn: TableFunction,
    /** Where the function's first column goes in the joined row. */
    readonly offset: number,
    /** Width of the joined row. */
    public width: number,
  ) {}

  /** Columns the source occupies: the function's, then its rowid. */
  get columnCount(): number {
    return this.fn.columns.length + 1;
  }

  /**
   * The function's rows for the joined row `cur` (its arguments read from there), `width`
   * wide, in batches as made: the outermost loop of a join streams them, so a LIMIT above
   * stops an unbounded generate_series.
   */
  async *batches(cur: Row, env: ExecEnv): AsyncGenerator<Row[]> {
    const args: (MaybeSubtyped | undefined)[] = [];
    for (const a of this.args) args.push(a === undefined ? undefined : await evaluateSubtyped(a, cur, env));
    const bounds: ColumnBound[] = [];
    for (const b of this.bounds) bounds.push({ op: b.op, value: await evaluate(b.value, cur, env) });
    // Arguments are evaluated in the statement's environment; the function reads its view.
    if (this.view) env = envWithTxn(env, this.view(env));
    const n = this.fn.columns.length;
    const off = this.offset;
    let rowid = 0n;
    let batch: Row[] = [];
    const place = (r: readonly SqlValue[]): void => {
      const w: Row = new Array(this.width).fill(null);
      for (let i = 0; i < n; i++) w[off + i] = r[i] ?? null;
      w[off + n] = this.fn.rowidColumn === undefined ? rowid++ : (r[this.fn.rowidColumn] ?? null);
      batch.push(w);
    };
    if (this.fn.openBatches) {
      for await (const rows of this.fn.openBatches({ args, bounds }, env)) {
        for (const r of rows) {
          place(r);
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
            const t = env.guard.tick();
            if (t) await t;
          }
        }
      }
      if (batch.length) yield batch;
      return;
    }
    const source = this.fn.open({ args, bounds }, env);
    if (Symbol.asyncIterator in source) {
      for await (const r of source) {
        place(r);
        if (batch.length >= BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
    } else {
      for (const r of source) {
        place(r);
        if (batch.length >= BATCH_ROWS) {
          yield batch;
          batch = [];
        }
        const t = env.guard.tick();
        if (t) await t;
      }
    }
    if (batch.length) yield batch;
  }

  /** Every row for `cur` (an inner join level's candidates), charged to the statement's memory budget while built. */
  async rows(cur: Row, env: ExecEnv): Promise<Row[]> {
    const out: Row[] = [];
    let bytes = 0;
    try {
      for await (const b of this.batches(cur, env)) {
        for (const r of b) {
          const k = rowBytes(r);
          env.guard.charge(k, `the rows of ${this.fn.name}()`);
          bytes += k;
          out.push(r);
        }
      }
    } finally {
      env.guard.release(bytes);
    }
    return out;
  }
}

/** SQLite's error for a table-valued function whose arguments read a source it cannot follow. */
export function noQuerySolution(): DoSQLError {
  return new DoSQLError('SQL_ERROR', 'sql: no query solution');
}
