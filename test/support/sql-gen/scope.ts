// What generated expressions can see and what they are: scope columns, generated
// expressions with their value classes, and the environment they are generated in.
import { KIND_CLASSES, type SchemaModel, type TableModel, type ValueClasses } from './model.js';
import type { Rng } from './random.js';

/** A column visible to an expression: how to write it and what it may hold. */
export interface ScopeColumn {
  /** Qualified reference, e.g. `q3.a`. */
  readonly sql: string;
  /** Bare column name (for USING). */
  readonly name: string;
  readonly classes: ValueClasses;
  /** May hold integers near the 64-bit limits. */
  readonly wide: boolean;
  /** May hold a REAL whose text form needs 17 digits (from / or avg): kept out of text contexts. */
  readonly inexact: boolean;
}

export interface GenExpr {
  readonly sql: string;
  readonly classes: ValueClasses;
  readonly wide: boolean;
  readonly inexact: boolean;
}

/** Where an expression is generated: its columns, correlation columns, what it may contain. */
export interface ExprEnv {
  readonly rng: Rng;
  readonly schema: SchemaModel;
  /** Columns the expression may reference directly (for a grouped query: its group keys). */
  readonly scope: readonly ScopeColumn[];
  /** Columns of enclosing queries, for correlated subqueries. */
  readonly outer: readonly ScopeColumn[];
  /** Row-level columns aggregate calls may read; undefined means no aggregates here. */
  readonly aggScope?: readonly ScopeColumn[];
  /** Remaining subquery nesting allowed. */
  readonly subqueryDepth: number;
  readonly aliases: AliasCounter;
}

/** Hands out q0, q1, ... so every FROM item in a statement has its own alias. */
export class AliasCounter {
  private n = 0;
  next(): string {
    return `q${this.n++}`;
  }
}

export function column(c: ScopeColumn): GenExpr {
  return { sql: c.sql, classes: c.classes, wide: c.wide, inexact: c.inexact };
}

/** The columns of a table under an alias. */
export function tableScope(t: TableModel, alias: string): ScopeColumn[] {
  return t.columns.map((c) => ({ sql: `${alias}.${c.name}`, name: c.name, classes: KIND_CLASSES[c.kind], wide: c.wide, inexact: false }));
}
