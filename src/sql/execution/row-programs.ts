// What a TableWriter evaluates on each row it writes beyond plain column values (planned by
// planner/plan-row-programs.ts): generated columns (lang_createtable.html "Generated
// columns"), the key expressions of indexes on expressions and the WHERE of partial indexes
// (lang_createindex.html "Indexes On Expressions", partialindex.html). SQLite allows neither
// subqueries nor non-deterministic functions in them, so each is a synchronous closure over a
// row of the table's columns then its rowid.
import type { Compiled } from './compiled.js';

export interface IndexProgram {
  /** Per index column: the compiled expression of an expression column, undefined for a plain column. */
  readonly exprs: readonly (Compiled | undefined)[];
  /** A partial index's WHERE: only rows for which it is true have an entry. */
  readonly where?: Compiled;
}

export interface RowPrograms {
  /** Generated columns (position in the row) in an order where each follows those it reads. */
  readonly generated: readonly { readonly col: number; readonly c: Compiled }[];
  /** By index name (lower case); absent for indexes of plain columns. */
  readonly indexes: ReadonlyMap<string, IndexProgram>;
}

export const NO_PROGRAMS: RowPrograms = { generated: [], indexes: new Map() };
