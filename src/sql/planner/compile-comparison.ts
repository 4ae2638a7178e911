// Comparisons (lang_expr.html "Binary operators", BETWEEN, IN with a list) under SQLite's
// rules for which affinity each operand gets first and which collation decides
// (datatype3.html §4.2 and §7.1). plan-join.ts applies the same rules to key probes.
import type { Compiled, Ev } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { BetweenExpr, Expr, InExpr } from '../parser/ast.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import { convert, merge } from './compile-common.js';
import { compileExpr, type CompileContext } from './compile-expr.js';

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '=' | '!=' | 'IS' | 'IS NOT';

/** Collating sequence of a binary comparison: explicit left, explicit right, column left, column right. */
export function comparisonCollation(l: Compiled, r: Compiled): Collation {
  if (l.explicitCollation && l.collation) return l.collation;
  if (r.explicitCollation && r.collation) return r.collation;
  return l.collation ?? r.collation ?? 'BINARY';
}

/**
 * What affinity to apply to each operand before comparing (datatype3 §4.2): numeric wins
 * over text/none; text wins over none.
 */
export function comparisonConversions(la: Affinity | null, ra: Affinity | null): { left: Affinity | null; right: Affinity | null } {
  // sqlite3CompareAffinity: two operands with affinity (columns, CASTs; BLOB counts) compare
  // numerically if either is numeric, else as they are; one without affinity takes the other's.
  const ln = la === 'INTEGER' || la === 'REAL' || la === 'NUMERIC';
  const rn = ra === 'INTEGER' || ra === 'REAL' || ra === 'NUMERIC';
  if (la !== null && ra !== null) {
    if (ln && !rn) return { left: null, right: 'NUMERIC' };
    if (rn && !ln) return { left: 'NUMERIC', right: null };
    return { left: null, right: null };
  }
  if (la === null && ra !== null) return { left: rn ? 'NUMERIC' : ra === 'TEXT' ? 'TEXT' : null, right: null };
  if (ra === null && la !== null) return { left: null, right: ln ? 'NUMERIC' : la === 'TEXT' ? 'TEXT' : null };
  return { left: null, right: null };
}

/** A comparison closure returning 1n/0n/null, with affinity conversions and collation. */
export function comparator(op: ComparisonOp, l: Compiled, r: Compiled): Ev {
  const conv = comparisonConversions(l.affinity, r.affinity);
  const le = convert(l.ev, conv.left);
  const re = convert(r.ev, conv.right);
  const coll = comparisonCollation(l, r);
  switch (op) {
    case 'IS':
    case 'IS NOT': {
      const want = op === 'IS' ? 1n : 0n;
      const other = op === 'IS' ? 0n : 1n;
      return (row, env) => {
        const a = le(row, env);
        const b = re(row, env);
        if (a === null || b === null) return a === b ? want : other;
        return ops.compare(a, b, coll) === 0 ? want : other;
      };
    }
    default: {
      const test = TESTS[op];
      return (row, env) => {
        const a = le(row, env);
        if (a === null) return null;
        const b = re(row, env);
        if (b === null) return null;
        return test(ops.compare(a, b, coll)) ? 1n : 0n;
      };
    }
  }
}

const TESTS: Record<'<' | '<=' | '>' | '>=' | '=' | '!=', (c: number) => boolean> = {
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
};

/** `x [NOT] BETWEEN lo AND hi`: `x >= lo AND x <= hi`, each comparison with its own conversions. */
export function compileBetween(e: BetweenExpr, cx: CompileContext): Compiled {
  const x = compileExpr(e.operand, cx);
  const lo = compileExpr(e.low, cx);
  const hi = compileExpr(e.high, cx);
  const ge = comparator('>=', x, lo);
  const le = comparator('<=', x, hi);
  const not = e.not;
  return merge([x, lo, hi], (r, env) => {
    const a = ge(r, env);
    if (a === 0n) return not ? 1n : 0n;
    const b = le(r, env);
    let res: SqlValue;
    if (b === 0n) res = 0n;
    else if (a === null || b === null) res = null;
    else res = 1n;
    if (!not || res === null) return res;
    return res === 1n ? 0n : 1n;
  });
}

/** `x [NOT] IN (a, b, ...)`; the subquery and table forms are in compile-subquery.ts. */
export function compileInList(e: InExpr, list: readonly Expr[], cx: CompileContext): Compiled {
  const x = compileExpr(e.operand, cx);
  const not = e.not;
  const items = list.map((i) => compileExpr(i, cx));
  // datatype3 §4.2: list items have no affinity; the left operand's applies to them.
  const aff = x.affinity === 'INTEGER' || x.affinity === 'REAL' || x.affinity === 'NUMERIC' ? 'NUMERIC' : x.affinity === 'TEXT' ? 'TEXT' : null;
  const coll = x.collation ?? 'BINARY';
  const xf = x.ev;
  const fs = items.map((i) => i.ev);
  return merge([x, ...items], (row, env) => {
    if (fs.length === 0) return not ? 1n : 0n;
    const v = xf(row, env);
    if (v === null) return null;
    let sawNull = false;
    for (let k = 0; k < fs.length; k++) {
      let w = fs[k]!(row, env);
      if (w === null) {
        sawNull = true;
        continue;
      }
      if (aff) w = ops.applyAffinity(w, aff);
      if (ops.compare(v, w, coll) === 0) return not ? 0n : 1n;
    }
    if (sawNull) return null;
    return not ? 1n : 0n;
  });
}
