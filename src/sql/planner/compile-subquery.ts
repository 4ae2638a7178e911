// Subquery expressions (lang_expr.html "Subquery expressions", "The EXISTS operator", "The IN
// and NOT IN operators"): the SELECT is planned here, in a child scope, and becomes a
// SubqueryRef that execution runs before the closure (execution/evaluate.ts) — once per
// statement when uncorrelated, once per outer row when it reads an enclosing query.
import { DoSQLError } from '../../errors.js';
import type { Compiled, SubPlan, SubqueryRef } from '../execution/compiled.js';
import type { InSet } from '../execution/in-set.js';
import type { ExistsExpr, InExpr, SelectStmt, SubqueryExpr } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { convert, literal, merge, union } from './compile-common.js';
import { comparisonConversions } from './compile-comparison.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { restoreSubtype } from './compile-subtype.js';

/**
 * Connects a subquery's references to enclosing queries: columns of this query's own
 * sources become sources of the expression (it must be evaluated per row of them); deeper
 * references are passed on to the enclosing query.
 */
function linkOuterRefs(plan: SubPlan, cx: CompileContext): { minOuter: number; sources: ReadonlySet<number> } {
  let minOuter = Infinity;
  const sources = new Set<number>();
  for (const [level, source] of plan.outerRefs) {
    if (level === cx.scope.level) sources.add(source);
    else if (level < cx.scope.level) {
      minOuter = Math.min(minOuter, level);
      cx.onOuterRef?.(level, source);
    }
  }
  return { minOuter, sources };
}

/** `(SELECT ...)` as a value (its first row's first column, NULL when empty) and `[NOT] EXISTS (SELECT ...)`. */
export function compileSubquery(e: SubqueryExpr | ExistsExpr, cx: CompileContext): Compiled {
  const child = cx.scope.child();
  const plan = cx.planSubquery(e.select, child);
  const slot = cx.nextSlot();
  const correlated = plan.minOuterLevel <= cx.scope.level;
  const ref: SubqueryRef = { slot, kind: e.kind === 'subquery' ? 'scalar' : 'exists', plan, correlated, level: cx.scope.level };
  const { minOuter, sources } = linkOuterRefs(plan, cx);
  if (e.kind === 'exists') {
    const not = e.not;
    return { ...literal(null), ev: (_r, env) => ((env.sub[slot] as boolean) !== not ? 1n : 0n), subqueries: [ref], minOuterLevel: minOuter, constant: false, sources };
  }
  const ev = (_r: unknown, env: { sub: unknown[] }): SqlValue => env.sub[slot] as SqlValue;
  const st = plan.subtypes?.[0];
  return {
    ...literal(null),
    ev,
    ...(st === undefined ? {} : { resultSubtype: st, evSubtype: restoreSubtype(ev, st) }),
    subqueries: [ref],
    minOuterLevel: minOuter,
    sources,
    constant: false,
    affinity: plan.affinities[0] ?? null,
    collation: plan.collations[0],
  };
}

/** `x [NOT] IN (SELECT ...)` and `x [NOT] IN table`; the list form is in compile-comparison.ts. */
export function compileInSubquery(e: InExpr, cx: CompileContext): Compiled {
  const x = compileExpr(e.operand, cx);
  const not = e.not;
  let select: SelectStmt;
  if (e.select) select = e.select;
  else {
    const t = e.table!;
    select = {
      kind: 'select',
      body: { kind: 'selectCore', distinct: false, columns: [{ kind: 'star' }], from: { kind: 'table', name: t.name, ...(t.schema ? { schema: t.schema } : {}) } },
    };
  }
  const child = cx.scope.child();
  const plan = cx.planSubquery(select, child);
  if (plan.columnCount !== 1) throw new DoSQLError('SQL_ERROR', `sql: sub-select returns ${plan.columnCount} columns - expected 1`);
  const slot = cx.nextSlot();
  const ref: SubqueryRef = { slot, kind: 'in', plan, correlated: plan.minOuterLevel <= cx.scope.level, level: cx.scope.level };
  const conv = comparisonConversions(x.affinity, plan.affinities[0] ?? null);
  const coll = x.explicitCollation && x.collation ? x.collation : (x.collation ?? plan.collations[0] ?? 'BINARY');
  const xf = convert(x.ev, conv.left);
  const rightAff = conv.right;
  const linked = linkOuterRefs(plan, cx);
  const minOuter = Math.min(x.minOuterLevel, linked.minOuter);
  return merge([x], (row, env) => {
    const set = env.sub[slot] as InSet;
    if (set.values.length === 0 && !set.hasNull) return not ? 1n : 0n;
    const v = xf(row, env);
    if (v === null) return null;
    if (set.contains(v, rightAff, coll)) return not ? 0n : 1n;
    if (set.hasNull) return null;
    return not ? 1n : 0n;
  }, { subqueries: [...x.subqueries, ref], minOuterLevel: minOuter, constant: false, sources: union(x.sources, linked.sources) });
}
