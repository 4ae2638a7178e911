// UPDATE / DELETE ... ORDER BY ... LIMIT ... OFFSET (SQLite's SQLITE_ENABLE_UPDATE_DELETE_LIMIT,
// lang_update.html "Optional LIMIT and ORDER BY clauses"): the rows to change are ordered and
// cut before any is changed. Without ORDER BY, LIMIT takes them in scan (rowid) order, as SQLite.
import { DoSQLError } from '../../errors.js';
import { AppendOp } from '../execution/append-op.js';
import { LimitOp, SortOp, TrimOp, type Operator, type SortKey } from '../execution/operators.js';
import * as ops from '../execution/value-ops.js';
import type { DeleteStmt, UpdateStmt } from '../parser/ast.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

/** `op` (rows of `width` values) ordered and limited as the statement says; `op` itself without ORDER BY / LIMIT. */
export function orderAndLimit(stmt: UpdateStmt | DeleteStmt, op: Operator, width: number, cx: CompileContext): Operator {
  if (!stmt.orderBy?.length && !stmt.limit) return op;
  // SQLite's grammar: ORDER BY without LIMIT is a syntax error there ("ORDER BY without LIMIT on UPDATE").
  if (!stmt.limit) throw new DoSQLError('SQL_ERROR', `sql: ORDER BY without LIMIT on ${stmt.kind.toUpperCase()}`);
  let out = op;
  if (stmt.orderBy?.length) {
    const keys: SortKey[] = [];
    const exprs = stmt.orderBy.map((t, i) => {
      const c = compileExpr(t.expr, cx);
      const desc = t.direction === 'DESC';
      const coll = t.collation ? ops.collation(t.collation) : (c.collation ?? 'BINARY');
      keys.push({ index: width + i, desc, nullsFirst: t.nulls ? t.nulls === 'FIRST' : !desc, collation: coll });
      return c;
    });
    out = new SortOp(new AppendOp(out, exprs), keys);
  }
  out = new LimitOp(out, compileExpr(stmt.limit, cx), stmt.offset && compileExpr(stmt.offset, cx));
  return stmt.orderBy?.length ? new TrimOp(out, width) : out;
}
