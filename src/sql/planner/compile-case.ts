// CASE expressions (lang_expr.html "The CASE expression"): the first WHEN that is true
// decides; `CASE x WHEN v` compares x = v under the comparison rules.
import type { Compiled } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { CaseExpr } from '../parser/ast.js';
import { merge } from './compile-common.js';
import { comparator } from './compile-comparison.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { subtypedEv } from './compile-subtype.js';

export function compileCase(e: CaseExpr, cx: CompileContext): Compiled {
  const parts: Compiled[] = [];
  const operand = e.operand ? compileExpr(e.operand, cx) : undefined;
  if (operand) parts.push(operand);
  const whens = e.whens.map((w) => {
    const when = compileExpr(w.when, cx);
    const then = compileExpr(w.then, cx);
    parts.push(when, then);
    return { test: operand ? comparator('=', operand, when) : when.ev, then: then.ev, thenC: then };
  });
  const els = e.else ? compileExpr(e.else, cx) : undefined;
  if (els) parts.push(els);
  const ef = els?.ev;
  const c = merge(parts, (row, env) => {
    for (let i = 0; i < whens.length; i++) {
      const w = whens[i]!;
      if (ops.toBool(w.test(row, env)) === true) return w.then(row, env);
    }
    return ef ? ef(row, env) : null;
  });
  if (!whens.some((w) => w.thenC.evSubtype) && !els?.evSubtype) return c;
  // The chosen branch's value keeps its subtype (json_array(CASE ... THEN json(x) END) nests).
  const thens = whens.map((w) => subtypedEv(w.thenC));
  const es = els && subtypedEv(els);
  return {
    ...c,
    evSubtype: (row, env) => {
      for (let i = 0; i < whens.length; i++) {
        if (ops.toBool(whens[i]!.test(row, env)) === true) return thens[i]!(row, env);
      }
      return es ? es(row, env) : null;
    },
  };
}
