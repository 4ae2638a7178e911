// State shared while planning one statement: the catalog, visible CTEs, subquery slots.
import { Scope } from './scope.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Row } from '../execution/env.js';
import { DEFAULT_LIMITS, limitExceeded, type Limits } from '../execution/limits.js';
import type { SelectStmt, TableFunctionRef, TableRef } from '../parser/ast.js';
import type { TableFunction } from '../functions/table-functions.js';
import type { Transaction } from '../txn/transaction.js';

/**
 * A FOR SYSTEM_TIME table reference, resolved by the session before planning: a read view
 * at the point (AS OF), or the versions to return with their validity (history).
 */
export type TemporalBinding =
  | { readonly kind: 'asOf'; readonly view: Transaction; readonly catalog: Catalog; readonly label: string }
  | {
      readonly kind: 'history';
      readonly view: Transaction;
      readonly catalog: Catalog;
      /** SQL:2011 predicate on a version valid over LSNs [from, to) (to = Infinity: current). */
      readonly keep: (from: number, to: number) => boolean;
      /** Commit timestamp (ms) of an LSN. */
      readonly timeOf: (lsn: number) => number | undefined;
      readonly label: string;
    };

export interface CteDef {
  readonly name: string;
  readonly columns?: readonly string[];
  readonly select: SelectStmt;
  /** While planning the recursive part, references read this working table. */
  working?: { rows: Row[]; columns: readonly string[] };
  /** WITH RECURSIVE: the CTE may refer to itself. */
  readonly recursive?: boolean;
  /** Set while the CTE's own body is being planned. */
  inProgress?: boolean;
}

/**
 * Most SELECTs one statement may plan (each view, CTE reference and subquery is one): a view
 * that uses the view before it twice doubles at every level, and planning is synchronous, so
 * without a bound a few lines of DDL block the event loop for hours. SQLite bounds the same
 * growth by refusing more than 65535 references to one view.
 */
export const MAX_PLANNED_QUERIES = 10_000;

export class PlannerContext {
  private slots = 0;
  private cteStack: Map<string, CteDef>[] = [];
  /** Views being expanded (guards against a view referring to itself). */
  readonly viewStack: string[] = [];
  /** SELECTs being planned inside one another (subqueries, views, CTEs). */
  private depth = 0;
  /** SELECTs planned so far for this statement. */
  private planned = 0;

  constructor(
    readonly catalog: Catalog,
    readonly temporal?: ReadonlyMap<TableRef, TemporalBinding>,
    /** The database's limits: result width (maxColumns) and nesting (maxQueryDepth) are checked while planning. */
    readonly limits: Readonly<Limits> = DEFAULT_LIMITS,
    /** Planning a trigger's statement: NEW and OLD, the level every statement scope sits under (plan-trigger.ts). */
    readonly triggerScope?: Scope,
    /** External references resolved by the session before planning (external-tables.ts). */
    readonly external?: ReadonlyMap<TableFunctionRef, TableFunction>,
  ) {}

  /** A statement's outermost scope: level 0, or under the trigger's NEW and OLD. */
  rootScope(): Scope {
    return this.triggerScope ? this.triggerScope.child() : new Scope(undefined, 0);
  }

  /**
   * Plans a nested SELECT with `f`: LIMIT_EXCEEDED past limits.maxQueryDepth, before the
   * planner's (and later the executor's) recursion can overflow the stack. Chains of views or
   * CTEs, and subqueries inside subqueries, all count.
   */
  nested<T>(f: () => T): T {
    const max = this.limits.maxQueryDepth;
    if (this.depth >= max) {
      throw limitExceeded('maxQueryDepth', max, `query nested too deeply: more than ${max} levels of subqueries, views and common table expressions (limits.maxQueryDepth)`);
    }
    if (++this.planned > MAX_PLANNED_QUERIES) {
      throw limitExceeded('plannedQueries', MAX_PLANNED_QUERIES, `query too complex: it expands to more than ${MAX_PLANNED_QUERIES} subqueries, views and common table expression references`);
    }
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** LIMIT_EXCEEDED with SQLite's message when a list of `n` columns passes limits.maxColumns. */
  checkColumns(n: number, what: string): void {
    const max = this.limits.maxColumns;
    if (n > max) throw limitExceeded('maxColumns', max, what);
  }

  nextSlot(): number {
    return this.slots++;
  }

  pushCtes(defs: Map<string, CteDef>): void {
    this.cteStack.push(defs);
  }

  popCtes(): void {
    this.cteStack.pop();
  }

  findCte(name: string): CteDef | undefined {
    const n = name.toLowerCase();
    for (let i = this.cteStack.length - 1; i >= 0; i--) {
      const d = this.cteStack[i]!.get(n);
      if (d) return d;
    }
    return undefined;
  }

  /** Runs `f` with the CTE stack cut back to what was visible where a CTE was defined. */
  withCteDepth<T>(depth: number, f: () => T): T {
    const saved = this.cteStack;
    this.cteStack = saved.slice(0, depth);
    try {
      return f();
    } finally {
      this.cteStack = saved;
    }
  }

  get cteDepth(): number {
    return this.cteStack.length;
  }
}
