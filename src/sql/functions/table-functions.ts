// Table-valued functions (https://sqlite.org/vtab.html#tabfunc2): functions called in FROM that
// yield rows, modelled on SQLite's eponymous virtual tables. A function declares its columns;
// its arguments are HIDDEN columns, filled in order by the call's arguments
// (`json_each(x, '$.a')`) or by `WHERE hidden_column = value` (`FROM json_each WHERE json = x`),
// and hidden columns are not part of `*`. The planner evaluates the arguments (per outer row
// when they read other FROM sources) and calls `open`.
//
// Built in: json_each, json_tree, jsonb_each, jsonb_tree (json/json-each.ts) and
// generate_series (generate-series.ts). Other layers add theirs (the pragma_* forms) through
// registerTableFunction.
import type { Affinity } from '../types/affinity.js';
import type { MaybeSubtyped } from '../types/subtype.js';
import type { SqlValue } from '../types/value.js';
import type { FunctionContext } from './function-types.js';
import { GENERATE_SERIES } from './generate-series.js';
import { JSON_TABLE_FUNCTIONS } from './json/json-each.js';

export interface TableFunctionColumn {
  readonly name: string;
  /** HIDDEN: not expanded by `*` (argument columns are hidden). */
  readonly hidden: boolean;
  /** The column's affinity in comparisons (default BLOB, none: as SQLite's table-valued functions). External tables declare their inferred types' affinities. */
  readonly affinity?: Affinity;
}

export type BoundOp = '=' | '<' | '<=' | '>' | '>=';

/** A comparison on the function's bound column that the function applies itself. */
export interface ColumnBound {
  readonly op: BoundOp;
  readonly value: SqlValue;
}

/** One call: the argument columns' values (undefined: not given) and the bounds chosen by `chooseBounds`. */
export interface TableFunctionCall {
  readonly args: readonly (MaybeSubtyped | undefined)[];
  readonly bounds: readonly ColumnBound[];
}

export interface TableFunction {
  /** Lower-case name. */
  readonly name: string;
  /** Every column, hidden ones included, in row order. */
  readonly columns: readonly TableFunctionColumn[];
  /** Positions in `columns` of the argument columns, in the order call arguments fill them. */
  readonly argColumns: readonly number[];
  /** Column whose =, <, <=, >, >= comparisons may be handed to the function (consumed: not checked again). */
  readonly boundColumn?: number;
  /** Column that is also the rowid; without one the rowid counts rows from 0. */
  readonly rowidColumn?: number;
  /**
   * Of the comparisons on `boundColumn` (in WHERE order), the ones the function takes, as
   * SQLite's xBestIndex picks them; the rest stay ordinary filters. Required with boundColumn.
   */
  chooseBounds?(ops: readonly BoundOp[]): number[];
  /**
   * Called at planning with which arguments a scan will have (by argColumns position) and the
   * bounds chosen; throws when the function cannot run that way (SQLite's xBestIndex errors,
   * e.g. generate_series without a start).
   */
  checkPlan?(present: readonly boolean[], boundOps: readonly BoundOp[]): void;
  /**
   * The rows of one call, every column's value in `columns` order (async for functions that
   * read tables: foreign_key_check). `ctx` is the statement's
   * execution environment (execution/env.ts ExecEnv implements FunctionContext), so functions
   * registered from higher layers may read more of it.
   */
  open(call: TableFunctionCall, ctx: FunctionContext): Iterable<SqlValue[]> | AsyncIterable<SqlValue[]>;
  /**
   * The same rows in batches (external tables: a Parquet row group at a time), which the scan
   * prefers to `open` when present: one await per batch instead of one per row.
   */
  openBatches?(call: TableFunctionCall, ctx: FunctionContext): AsyncIterable<readonly SqlValue[][]>;
  /**
   * The subtype of the function's column `column` in a row holding its columns from `offset`
   * (json_each's value is JSON text for arrays and objects); undefined for none.
   */
  subtypeOf?(column: number, row: readonly SqlValue[], offset: number): number | undefined;
}

const registry = new Map<string, TableFunction>();
for (const f of [...JSON_TABLE_FUNCTIONS, GENERATE_SERIES]) registry.set(f.name, f);

/** The table-valued function called `name` (any case), or undefined. */
export function getTableFunction(name: string): TableFunction | undefined {
  return registry.get(name.toLowerCase());
}

/**
 * Adds a table-valued function (e.g. a pragma_* form). INVALID_ARGUMENT-free by design: a
 * second registration under the same name replaces the first, so modules can be reloaded.
 */
export function registerTableFunction(f: TableFunction): void {
  registry.set(f.name.toLowerCase(), f);
}

/** Names of all table-valued functions, sorted. */
export function tableFunctionNames(): string[] {
  return [...registry.keys()].sort();
}
