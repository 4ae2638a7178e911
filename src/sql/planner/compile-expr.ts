// Compiles bound expressions into closures over a row (execution/compiled.ts). Semantics
// follow SQLite's lang_expr.html and datatype3.html §4 (affinity before comparison,
// collation choice). Subqueries are planned here and evaluated by the caller before the
// closure runs (execution/evaluate.ts), so the closures themselves stay synchronous and cheap.
//
// This file dispatches on the expression kind; each family compiles in its own file:
// compile-column (columns, parameters), compile-operator (unary, binary, LIKE, CAST,
// COLLATE), compile-comparison (comparison rules, BETWEEN, IN list), compile-case,
// compile-function, compile-subquery (scalar, EXISTS, IN subquery); compile-common holds
// what they share.
import { DoSQLError } from '../../errors.js';
import type { IndexSchema } from '../catalog/schema.js';
import type { Compiled, SubPlan } from '../execution/compiled.js';
import type { Expr, FunctionExpr, SelectStmt } from '../parser/ast.js';
import { compileCase } from './compile-case.js';
import { compileRaise } from './compile-raise.js';
import { compileColumn, compileParam } from './compile-column.js';
import { literal } from './compile-common.js';
import { compileBetween, compileInList } from './compile-comparison.js';
import { compileFunction } from './compile-function.js';
import { compileBinary, compileCast, compileCollate, compileLike, compileUnary } from './compile-operator.js';
import { compileInSubquery, compileSubquery } from './compile-subquery.js';
import { astKey } from './expr-name.js';
import type { Scope } from './scope.js';

export interface CompileContext {
  readonly scope: Scope;
  /** Plans a nested SELECT in a child scope. */
  planSubquery(select: SelectStmt, scope: Scope): SubPlan;
  nextSlot(): number;
  /** Aggregate calls of the current query and their positions in the post-aggregation row. */
  readonly aggregates?: ReadonlyMap<FunctionExpr, number>;
  /** Window calls of the current query and their positions in the row after the window operator. */
  readonly windows?: ReadonlyMap<FunctionExpr, number>;
  /** Result-column aliases usable in WHERE/GROUP BY/HAVING (SQLite extension). */
  readonly aliases?: ReadonlyMap<string, Expr>;
  /** Told about every reference to an enclosing query level (for correlation tracking). */
  readonly onOuterRef?: (level: number, source: number) => void;
  /** GROUP BY terms (by astKey) and their slots in the post-aggregation row. */
  readonly groupTerms?: ReadonlyMap<string, number>;
  /** Indexes of a table, for access-path selection. */
  readonly indexes?: (table: string) => readonly IndexSchema[];
}

/** Compiles `e` in `cx`. Throws SQL_ERROR (unknown column or function, misuse) or NOT_SUPPORTED. */
export function compileExpr(e: Expr, cx: CompileContext): Compiled {
  // After GROUP BY a grouped term reads its slot in the aggregated row, keeping its affinity and collation.
  if (cx.groupTerms && e.kind !== 'literal') {
    const slot = cx.groupTerms.get(astKey(e));
    if (slot !== undefined) {
      const inner = compileExpr(e, { ...cx, groupTerms: undefined });
      return { ...inner, ev: (row) => row[slot]!, columnIndex: undefined, subqueries: [], evSubtype: undefined, resultSubtype: undefined };
    }
  }
  switch (e.kind) {
    case 'literal':
      return literal(e.value);
    case 'param':
      return compileParam(e);
    case 'column':
      return compileColumn(e, cx);
    case 'unary':
      return compileUnary(e, cx);
    case 'binary':
      return compileBinary(e, cx);
    case 'between':
      return compileBetween(e, cx);
    case 'in':
      return e.list ? compileInList(e, e.list, cx) : compileInSubquery(e, cx);
    case 'like':
      return compileLike(e, cx);
    case 'case':
      return compileCase(e, cx);
    case 'cast':
      return compileCast(e, cx);
    case 'collate':
      return compileCollate(e, cx);
    case 'function':
      return compileFunction(e, cx);
    case 'subquery':
    case 'exists':
      return compileSubquery(e, cx);
    case 'raise':
      return compileRaise(e, cx);
  }
  throw new DoSQLError('NOT_SUPPORTED', `sql: expression kind ${(e as Expr).kind} is not supported yet`);
}
