// Walking expressions: the direct child expressions of a node, and the subqueries it holds.
import type { Expr, SelectStmt } from './ast.js';

/** Direct child expressions of `e` (not looking inside subqueries). */
export function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case 'unary':
    case 'cast':
    case 'collate':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'in':
      return [e.operand, ...(e.list ?? [])];
    case 'like':
      return e.escape ? [e.operand, e.pattern, e.escape] : [e.operand, e.pattern];
    case 'case': {
      const out: Expr[] = e.operand ? [e.operand] : [];
      for (const w of e.whens) out.push(w.when, w.then);
      if (e.else) out.push(e.else);
      return out;
    }
    case 'function':
      return [...e.args];
    case 'vector':
      return [...e.items];
    default:
      return [];
  }
}

/** Subqueries held directly by `e` (scalar, EXISTS, IN (SELECT ...)). */
export function exprSubqueries(e: Expr): SelectStmt[] {
  if (e.kind === 'subquery' || e.kind === 'exists') return [e.select];
  if (e.kind === 'in' && e.select) return [e.select];
  return [];
}
