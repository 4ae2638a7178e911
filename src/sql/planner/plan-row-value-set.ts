// The value side of `UPDATE ... SET (a, b) = (x, y)` and `SET (a, b) = (SELECT x, y ...)`
// (rowvalue.html "Row values in UPDATE"): one compiled value per assigned column. The
// subquery runs once per row: the first column's value runs it, the others read its row.
import { DoSQLError } from '../../errors.js';
import type { TableSchema } from '../catalog/schema.js';
import type { Compiled, SubqueryRef } from '../execution/compiled.js';
import type { Expr } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { literal } from './compile-common.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

/** `n` compiled values for a SET clause of `n` columns; SQLite's "N columns assigned M values" otherwise. */
export function rowValueSet(n: number, value: Expr, cx: CompileContext): Compiled[] {
  if (n === 1) return [compileExpr(value, cx)];
  const mismatch = (m: number): DoSQLError => new DoSQLError('SQL_ERROR', `sql: ${n} columns assigned ${m} values`);
  if (value.kind === 'vector') {
    if (value.items.length !== n) throw mismatch(value.items.length);
    return value.items.map((e) => compileExpr(e, cx));
  }
  if (value.kind !== 'subquery') throw mismatch(1);
  const plan = cx.planSubquery(value.select, cx.scope.child());
  if (plan.columnCount !== n) throw mismatch(plan.columnCount);
  const slot = cx.nextSlot();
  const correlated = plan.minOuterLevel <= cx.scope.level;
  const ref: SubqueryRef = { slot, kind: 'row', plan, correlated, level: cx.scope.level };
  const sources = new Set<number>();
  let minOuter = Infinity;
  for (const [level, source] of plan.outerRefs) {
    if (level === cx.scope.level) sources.add(source);
    else if (level < cx.scope.level) {
      minOuter = Math.min(minOuter, level);
      cx.onOuterRef?.(level, source);
    }
  }
  return Array.from({ length: n }, (_, i) => ({
    ...literal(null),
    ev: (_r, env) => ((env.sub[slot] as SqlValue[] | null)?.[i] ?? null) as SqlValue,
    subqueries: i === 0 ? [ref] : [],
    minOuterLevel: minOuter,
    sources,
    constant: false,
    affinity: plan.affinities[i] ?? null,
    collation: plan.collations[i],
  }));
}

/** `col` of `t`, unless it is a generated column (SQLite: cannot UPDATE generated column "c"). */
export function generatedRefused(t: TableSchema, col: number): number {
  const c = t.columns[col];
  if (c?.generated) throw new DoSQLError('SQL_ERROR', `sql: cannot UPDATE generated column "${c.name}"`);
  return col;
}
