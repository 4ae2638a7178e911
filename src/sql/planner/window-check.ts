// Which calls may carry OVER, and SQLite's errors for those that may not (resolve.c and
// window.c): the built-in window functions with their argument counts, and every aggregate.
import { DoSQLError } from '../../errors.js';
import type { WindowKind } from '../execution/window-functions.js';
import * as ops from '../execution/value-ops.js';
import type { Expr, FunctionExpr } from '../parser/ast.js';
import { exprChildren } from '../parser/ast-walk.js';

/** Built-in window functions that are not aggregates: [fewest, most] arguments (sqlite3WindowFunctions). */
const BUILT_IN: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['row_number', [0, 0]],
  ['rank', [0, 0]],
  ['dense_rank', [0, 0]],
  ['percent_rank', [0, 0]],
  ['cume_dist', [0, 0]],
  ['ntile', [1, 1]],
  ['first_value', [1, 1]],
  ['last_value', [1, 1]],
  ['nth_value', [2, 2]],
  ['lag', [1, 3]],
  ['lead', [1, 3]],
]);

/** True for the names of built-in window functions (row_number, rank, lag, ...). */
export function isWindowOnlyName(name: string): boolean {
  return BUILT_IN.has(name);
}

function fail(message: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `sql: ${message}`);
}

/**
 * What `f` computes as a window function, or SQLite's error: "no such function", "wrong
 * number of arguments", "X() may not be used as a window function" (scalars), DISTINCT,
 * FILTER on a non-aggregate, ORDER BY inside the arguments.
 */
export function windowKindOf(f: FunctionExpr): WindowKind {
  if (f.distinct) throw fail('DISTINCT is not supported for window functions');
  const n = f.star ? 0 : f.args.length;
  const builtIn = BUILT_IN.get(f.name);
  let kind: WindowKind;
  if (builtIn) {
    if (n < builtIn[0] || n > builtIn[1]) throw fail(`wrong number of arguments to function ${f.name}()`);
    kind = f.name as WindowKind;
  } else if (ops.isAggregate(f.name, n, f.star)) {
    const agg = ops.aggregateFunction(f.name)!;
    if (n < agg.minArgs || (agg.maxArgs >= 0 && n > agg.maxArgs)) throw fail(`wrong number of arguments to function ${f.name}()`);
    kind = 'aggregate';
  } else if (ops.scalarFunction(f.name) || ['coalesce', 'ifnull', 'iif', 'if', 'changes', 'total_changes', 'last_insert_rowid'].includes(f.name)) {
    throw fail(`${f.name}() may not be used as a window function`);
  } else {
    throw fail(`no such function: ${f.name}`);
  }
  if (f.orderBy?.length) throw fail(`ORDER BY may not be used with non-aggregate ${f.name}()`);
  if (kind !== 'aggregate' && f.filter) throw fail('FILTER clause may only be used with aggregate window functions');
  return kind;
}

/** The error for a window call where none may be (WHERE, GROUP BY, HAVING, inside another call), after the call's own checks. */
export function misusedWindow(f: FunctionExpr): DoSQLError {
  if (f.over !== undefined) {
    windowKindOf(f);
  } else {
    const range = BUILT_IN.get(f.name)!;
    const n = f.star ? 0 : f.args.length;
    if (n < range[0] || n > range[1]) return fail(`wrong number of arguments to function ${f.name}()`);
  }
  return fail(`misuse of window function ${f.name}()`);
}

/** Whether `e` holds a window call outside subqueries (an alias of it may not be used in WHERE: "misuse of aliased window function"). */
export function containsWindow(e: Expr): boolean {
  if (e.kind === 'function' && e.over !== undefined) return true;
  return exprChildren(e).some(containsWindow);
}
