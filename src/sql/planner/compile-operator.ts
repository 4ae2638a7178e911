// Operators (lang_expr.html "Operators, and Parse-Affecting Attributes"): unary and binary
// operators, LIKE / GLOB, and the two that change what an operand carries rather than its
// value alone: CAST (affinity) and COLLATE (collation). Comparisons are in compile-comparison.ts.
import { DoSQLError } from '../../errors.js';
import type { Compiled } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { BinaryExpr, CastExpr, CollateExpr, Expr, LikeExpr, UnaryExpr } from '../parser/ast.js';
import { merge } from './compile-common.js';
import { comparator } from './compile-comparison.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { compileJsonArrow } from './compile-json.js';
import { sameSubtype } from './compile-subtype.js';

/** `-x`, `+x`, `~x`, `NOT x`. */
export function compileUnary(e: UnaryExpr, cx: CompileContext): Compiled {
  const a = compileExpr(e.operand, cx);
  const f = a.ev;
  switch (e.op) {
    case '-':
      return merge([a], (r, env) => ops.negate(f(r, env)));
    case '+':
      // Unary plus keeps the value but drops column affinity (SQLite's "+x" idiom).
      return sameSubtype(merge([a], f, { collation: a.collation, explicitCollation: a.explicitCollation }), a);
    case '~':
      return merge([a], (r, env) => ops.bitNot(f(r, env)));
    case 'NOT':
      return merge([a], (r, env) => {
        const b = ops.toBool(f(r, env));
        return b === null ? null : b ? 0n : 1n;
      });
  }
  throw new DoSQLError('NOT_SUPPORTED', `sql: expression kind ${(e as Expr).kind} is not supported yet`);
}

/** Binary operators: comparisons, AND / OR (three-valued), `||`, arithmetic, bitwise. */
export function compileBinary(e: BinaryExpr, cx: CompileContext): Compiled {
  const op = e.op;
  const l = compileExpr(e.left, cx);
  const r = compileExpr(e.right, cx);
  const lf = l.ev;
  const rf = r.ev;
  switch (op) {
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '=':
    case '!=':
    case 'IS':
    case 'IS NOT':
      return merge([l, r], comparator(op, l, r));
    case 'AND':
      return merge([l, r], (row, env) => {
        const a = ops.toBool(lf(row, env));
        if (a === false) return 0n;
        const b = ops.toBool(rf(row, env));
        if (b === false) return 0n;
        return a === null || b === null ? null : 1n;
      });
    case 'OR':
      return merge([l, r], (row, env) => {
        const a = ops.toBool(lf(row, env));
        if (a === true) return 1n;
        const b = ops.toBool(rf(row, env));
        if (b === true) return 1n;
        return a === null || b === null ? null : 0n;
      });
    case '||':
      return merge([l, r], (row, env) => ops.concat(lf(row, env), rf(row, env), env.maxLength));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const f = ops.arith(op);
      return merge([l, r], (row, env) => f(lf(row, env), rf(row, env)));
    }
    case '&':
    case '|':
    case '<<':
    case '>>': {
      const f = ops.bitwise(op);
      return merge([l, r], (row, env) => f(lf(row, env), rf(row, env)));
    }
    case '->':
    case '->>':
      return compileJsonArrow(op, l, r);
  }
}

/** `x [NOT] LIKE p [ESCAPE c]` and `x [NOT] GLOB p`; REGEXP and MATCH have no function behind them, as in SQLite. */
export function compileLike(e: LikeExpr, cx: CompileContext): Compiled {
  const x = compileExpr(e.operand, cx);
  const p = compileExpr(e.pattern, cx);
  const esc = e.escape ? compileExpr(e.escape, cx) : undefined;
  const not = e.not;
  const op = e.op;
  // `x MATCH y` calls match(y, x) when a layer registered one (src/search), as SQLite's MATCH calls the match() function.
  const matchFn = op === 'MATCH' ? ops.scalarFunction('match') : undefined;
  if (matchFn) {
    const [xe0, pe0] = [x.ev, p.ev];
    return merge([x, p], (r, env) => {
      const m = matchFn.call([pe0(r, env), xe0(r, env)], env);
      if (m === null) return null;
      return ops.toBool(m) !== not ? 1n : 0n;
    });
  }
  if (op === 'REGEXP' || op === 'MATCH') throw new DoSQLError('SQL_ERROR', `sql: no such function: ${op.toLowerCase()}`);
  const xe = x.ev;
  const pe = p.ev;
  const ee = esc?.ev;
  return merge(esc ? [x, p, esc] : [x, p], (r, env) => {
    const v = xe(r, env);
    const pat = pe(r, env);
    if (v === null || pat === null) return null;
    let m: boolean | null;
    if (op === 'LIKE') {
      const escV = ee ? ee(r, env) : undefined;
      if (escV === null) return null;
      m = ops.like(pat, v, escV);
    } else m = ops.glob(pat, v);
    if (m === null) return null;
    return m !== not ? 1n : 0n;
  });
}

/** `CAST(x AS type)`: the value converted, and the type's affinity for later comparisons. */
export function compileCast(e: CastExpr, cx: CompileContext): Compiled {
  const a = compileExpr(e.operand, cx);
  const f = a.ev;
  const type = e.type;
  const aff = ops.affinityOf(type.name);
  const c = merge([a], (r, env) => ops.cast(f(r, env), type.name), { affinity: aff, collation: a.collation, explicitCollation: a.explicitCollation });
  // CAST(x AS TEXT) of subtyped TEXT is that same text: SQLite keeps the subtype.
  return aff === 'TEXT' ? sameSubtype(c, a) : c;
}

/** `x COLLATE name`: the same value with an explicit collation (which wins in comparisons). */
export function compileCollate(e: CollateExpr, cx: CompileContext): Compiled {
  const a = compileExpr(e.operand, cx);
  const coll = ops.collation(e.collation);
  return { ...a, collation: coll, explicitCollation: true, columnIndex: undefined };
}
