// CASE expressions (lang_expr.html "The CASE expression"): the first WHEN that is true
// decides; `CASE x WHEN v` compares x = v under the comparison rules.
import type { Compiled } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { CaseExpr } from '../parser/ast.js';
import { merge } from './compile-common.js';
import { comparator } from './compile-comparison.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

export function compileCase(e: CaseExpr, cx: CompileContext): Compiled {
  const parts: Compiled[] = [];
  const operand = e.operand ? compileExpr(e.operand, cx) : undefined;
  if (operand) parts.push(operand);
  const whens = e.whens.map((w) => {
    const when = compileExpr(w.when, cx);
    const then = compileExpr(w.then, cx);
    parts.push(when, then);
    return { test: operand ? comparator('=', operand, when) : when.ev, then: then.ev };
  });
  const els = e.else ? compileExpr(e.else, cx) : undefined;
  if (els) parts.push(els);
  const ef = els?.ev;
  return merge(parts, (row, env) => {
    for (let i = 0; i < whens.length; i++) {
      const w = whens[i]!;
      if (ops.toBool(w.test(row, env)) === true) return w.then(row, env);
    }
    return ef ? ef(row, env) : null;
  });
}
