// Rebuilding expressions: a bottom-up map over every expression node (not into subqueries,
// whose SELECTs are left as they are), and the structural key that matches GROUP BY terms.
import type { Expr } from '../sql/parser/ast.js';
import { astKey } from '../sql/planner/expr-name.js';

export { astKey };

/** Thrown by a map callback to abandon the rewrite. */
export class CannotRewrite extends Error {}

/**
 * `e` with `f` applied: `f` sees each node first and returns a replacement, or undefined to
 * descend into the children (rebuilt from their mapped forms).
 */
export function mapExpr(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r !== undefined) return r;
  const m = (x: Expr): Expr => mapExpr(x, f);
  switch (e.kind) {
    case 'unary':
      return { ...e, operand: m(e.operand) };
    case 'cast':
      return { ...e, operand: m(e.operand) };
    case 'collate':
      return { ...e, operand: m(e.operand) };
    case 'binary':
      return { ...e, left: m(e.left), right: m(e.right) };
    case 'between':
      return { ...e, operand: m(e.operand), low: m(e.low), high: m(e.high) };
    case 'in':
      return { ...e, operand: m(e.operand), ...(e.list ? { list: e.list.map(m) } : {}) };
    case 'like':
      return { ...e, operand: m(e.operand), pattern: m(e.pattern), ...(e.escape ? { escape: m(e.escape) } : {}) };
    case 'case':
      return { ...e, ...(e.operand ? { operand: m(e.operand) } : {}), whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })), ...(e.else ? { else: m(e.else) } : {}) };
    case 'function':
      return { ...e, args: e.args.map(m), ...(e.filter ? { filter: m(e.filter) } : {}) };
    case 'vector':
      return { ...e, items: e.items.map(m) };
    default:
      return e;
  }
}

/** True when `e` (not looking into subqueries) contains a node for which `p` holds. */
export function someExpr(e: Expr, p: (e: Expr) => boolean): boolean {
  let found = false;
  mapExpr(e, (x) => {
    if (found) return x;
    if (p(x)) {
      found = true;
      return x;
    }
    return undefined;
  });
  return found;
}
