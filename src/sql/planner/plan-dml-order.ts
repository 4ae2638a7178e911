// UPDATE / DELETE ... ORDER BY ... LIMIT ... OFFSET (SQLite's SQLITE_ENABLE_UPDATE_DELETE_LIMIT,
// lang_update.html "Optional LIMIT and ORDER BY clauses"): the rows to change are ordered and
// cut before any is changed, then changed in key order: SQLite rewrites the statement as
// `WHERE rowid IN (SELECT rowid ... ORDER BY ... LIMIT ...)` (sqlite3LimitWhere), which visits
// them in rowid (WITHOUT ROWID: primary key) order. That order decides which row an OR IGNORE
// or OR REPLACE conflict keeps. Without ORDER BY, LIMIT takes rows in scan order.
import { DoSQLError } from '../../errors.js';
import { AppendOp } from '../execution/append-op.js';
import { LimitOp, SortOp, TrimOp, type Operator, type SortKey } from '../execution/operators.js';
import * as ops from '../execution/value-ops.js';
import type { TableSchema } from '../catalog/schema.js';
import type { DeleteStmt, UpdateStmt } from '../parser/ast.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

/**
 * `op` (rows of `width` values) ordered and limited as the statement says, then in `keyOrder`
 * (the target's row key in the row); `op` itself without ORDER BY / LIMIT.
 */
export function orderAndLimit(stmt: UpdateStmt | DeleteStmt, op: Operator, width: number, cx: CompileContext, keyOrder: readonly SortKey[]): Operator {
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
  out = new SortOp(out, keyOrder);
  return stmt.orderBy?.length ? new TrimOp(out, width) : out;
}

/** Sort keys putting rows of `t` (first in the row) in key order: the rowid, or a WITHOUT ROWID table's primary key. */
export function keyOrderOf(t: TableSchema): SortKey[] {
  if (!t.withoutRowid) return [{ index: t.columns.length, desc: false, nullsFirst: true, collation: 'BINARY' }];
  return t.primaryKey.map((i) => ({ index: i, desc: false, nullsFirst: true, collation: t.columns[i]!.collation }));
}
