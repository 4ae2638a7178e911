// Compiles bound expressions into closures over a row. Semantics follow SQLite's
// lang_expr.html and datatype3.html §4 (affinity before comparison, collation choice).
// Subqueries are planned here and evaluated by the caller before the closure runs
// (execution/evaluate.ts), so the closures themselves stay synchronous and cheap.
import { DoSQLError } from '../../errors.js';
import type { IndexSchema } from '../catalog/schema.js';
import type { Expr, FunctionExpr, SelectStmt } from '../parser/ast.js';
import type { Compiled, Ev, SubPlan, SubqueryRef } from '../execution/compiled.js';
import type { InSet } from '../execution/in-set.js';
import * as ops from '../execution/value-ops.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { SqlValue } from '../types/value.js';
import type { Scope } from './scope.js';
import { astKey } from './expr-name.js';

export interface CompileContext {
  readonly scope: Scope;
  /** Plans a nested SELECT in a child scope. */
  planSubquery(select: SelectStmt, scope: Scope): SubPlan;
  nextSlot(): number;
  /** Aggregate calls of the current query and their positions in the post-aggregation row. */
  readonly aggregates?: ReadonlyMap<FunctionExpr, number>;
  /** Result-column aliases usable in WHERE/GROUP BY/HAVING (SQLite extension). */
  readonly aliases?: ReadonlyMap<string, Expr>;
  /** Told about every reference to an enclosing query level (for correlation tracking). */
  readonly onOuterRef?: (level: number, source: number) => void;
  /** GROUP BY terms (by astKey) and their slots in the post-aggregation row. */
  readonly groupTerms?: ReadonlyMap<string, number>;
  /** Indexes of a table, for access-path selection. */
  readonly indexes?: (table: string) => readonly IndexSchema[];
}

const NONE: ReadonlySet<number> = new Set();

function union(a: ReadonlySet<number>, b: ReadonlySet<number>): ReadonlySet<number> {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

function merge(parts: readonly Compiled[], ev: Ev, extra: Partial<Compiled> = {}): Compiled {
  let sources = NONE;
  let subs: SubqueryRef[] = [];
  let minOuter = Infinity;
  let constant = true;
  for (const p of parts) {
    sources = union(sources, p.sources);
    if (p.subqueries.length) subs = subs.concat(p.subqueries);
    minOuter = Math.min(minOuter, p.minOuterLevel);
    constant &&= p.constant;
  }
  return {
    ev,
    affinity: null,
    collation: undefined,
    explicitCollation: false,
    subqueries: subs,
    sources,
    minOuterLevel: minOuter,
    constant,
    ...extra,
  };
}

function literal(v: SqlValue): Compiled {
  return { ev: () => v, affinity: null, collation: undefined, explicitCollation: false, subqueries: [], sources: NONE, minOuterLevel: Infinity, constant: true };
}

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

function convert(ev: Ev, aff: Affinity | null): Ev {
  if (aff === null) return ev;
  return (row, env) => ops.applyAffinity(ev(row, env), aff);
}

export function compileExpr(e: Expr, cx: CompileContext): Compiled {
  if (cx.groupTerms && e.kind !== 'literal') {
    const slot = cx.groupTerms.get(astKey(e));
    if (slot !== undefined) {
      const inner = compileExpr(e, { ...cx, groupTerms: undefined });
      return { ...inner, ev: (row) => row[slot]!, columnIndex: undefined, subqueries: [] };
    }
  }
  switch (e.kind) {
    case 'literal':
      return literal(e.value);
    case 'param': {
      const i = e.index - 1;
      return { ...literal(null), ev: (_r, env) => (i < env.params.length ? env.params[i]! : null), constant: false };
    }
    case 'column':
      return compileColumn(e, cx);
    case 'unary': {
      const a = compileExpr(e.operand, cx);
      const f = a.ev;
      switch (e.op) {
        case '-':
          return merge([a], (r, env) => ops.negate(f(r, env)));
        case '+':
          // Unary plus keeps the value but drops column affinity (SQLite's "+x" idiom).
          return merge([a], f, { collation: a.collation, explicitCollation: a.explicitCollation });
        case '~':
          return merge([a], (r, env) => ops.bitNot(f(r, env)));
        case 'NOT':
          return merge([a], (r, env) => {
            const b = ops.toBool(f(r, env));
            return b === null ? null : b ? 0n : 1n;
          });
      }
      break;
    }
    case 'binary':
      return compileBinary(e.op, e.left, e.right, cx);
    case 'between': {
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
    case 'in':
      return compileIn(e, cx);
    case 'like': {
      const x = compileExpr(e.operand, cx);
      const p = compileExpr(e.pattern, cx);
      const esc = e.escape ? compileExpr(e.escape, cx) : undefined;
      const not = e.not;
      const op = e.op;
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
    case 'case':
      return compileCase(e, cx);
    case 'cast': {
      const a = compileExpr(e.operand, cx);
      const f = a.ev;
      const type = e.type;
      const aff = ops.affinityOf(type.name);
      return merge([a], (r, env) => ops.cast(f(r, env), type.name), { affinity: aff, collation: a.collation, explicitCollation: a.explicitCollation });
    }
    case 'collate': {
      const a = compileExpr(e.operand, cx);
      const coll = ops.collation(e.collation);
      return { ...a, collation: coll, explicitCollation: true, columnIndex: undefined };
    }
    case 'function':
      return compileFunction(e, cx);
    case 'subquery':
    case 'exists': {
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
      return {
        ...literal(null),
        ev: (_r, env) => env.sub[slot] as SqlValue,
        subqueries: [ref],
        minOuterLevel: minOuter,
        sources,
        constant: false,
        affinity: plan.affinities[0] ?? null,
        collation: plan.collations[0],
      };
    }
    case 'raise':
      throw new DoSQLError('SQL_ERROR', 'sql: RAISE() may only be used within a trigger-program');
  }
  throw new DoSQLError('NOT_SUPPORTED', `sql: expression kind ${(e as Expr).kind} is not supported yet`);
}

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

function compileColumn(e: Extract<Expr, { kind: 'column' }>, cx: CompileContext): Compiled {
  let res;
  try {
    res = cx.scope.resolve(e.table, e.column);
  } catch (err) {
    throw err;
  }
  if (!res) {
    if (!e.table && cx.aliases) {
      const a = cx.aliases.get(e.column.toLowerCase());
      if (a) return compileExpr(a, { ...cx, aliases: undefined });
    }
    if (e.dquoted && !e.table) return literal(e.column);
    const name = e.table ? `${e.table}.${e.column}` : e.column;
    throw new DoSQLError('SQL_ERROR', `sql: no such column: ${name}`, { details: { column: name } });
  }
  const idx = res.index;
  const base = { affinity: res.affinity, collation: res.collation, explicitCollation: false, subqueries: [] as SubqueryRef[], constant: false };
  if (res.level === cx.scope.level) {
    return { ...base, ev: (row) => row[idx]!, sources: new Set([res.source]), minOuterLevel: Infinity, columnIndex: idx };
  }
  const lvl = res.level;
  cx.onOuterRef?.(lvl, res.source);
  return { ...base, ev: (_row, env) => env.outer[lvl]![idx]!, sources: NONE, minOuterLevel: lvl };
}

/** A comparison closure returning 1n/0n/null, with affinity conversions and collation. */
function comparator(op: '<' | '<=' | '>' | '>=' | '=' | '!=' | 'IS' | 'IS NOT', l: Compiled, r: Compiled): Ev {
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

function compileBinary(op: Extract<Expr, { kind: 'binary' }>['op'], le: Expr, re: Expr, cx: CompileContext): Compiled {
  const l = compileExpr(le, cx);
  const r = compileExpr(re, cx);
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
      throw new DoSQLError('NOT_SUPPORTED', `sql: the ${op} JSON operator is not supported yet`);
  }
}

function compileIn(e: Extract<Expr, { kind: 'in' }>, cx: CompileContext): Compiled {
  const x = compileExpr(e.operand, cx);
  const not = e.not;
  if (e.list) {
    const items = e.list.map((i) => compileExpr(i, cx));
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

function compileCase(e: Extract<Expr, { kind: 'case' }>, cx: CompileContext): Compiled {
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

function compileFunction(e: FunctionExpr, cx: CompileContext): Compiled {
  if (e.over !== undefined) throw new DoSQLError('NOT_SUPPORTED', `sql: window functions (${e.name}() OVER ...) are not supported yet`);
  const slot = cx.aggregates?.get(e);
  if (slot !== undefined) {
    return { ...literal(null), ev: (row) => row[slot]!, constant: false, sources: new Set([-1]) };
  }
  if (ops.isAggregate(e.name, e.args.length, e.star)) {
    throw new DoSQLError('SQL_ERROR', `sql: misuse of aggregate function ${e.name}()`);
  }
  if (e.distinct || e.filter || e.star) throw new DoSQLError('SQL_ERROR', `sql: ${e.name}() is not an aggregate function`);
  const args = e.args.map((a) => compileExpr(a, cx));
  const fs = args.map((a) => a.ev);
  switch (e.name) {
    case 'changes':
      return merge(args, (_r, env) => BigInt(env.session.changes), { constant: false });
    case 'total_changes':
      return merge(args, (_r, env) => BigInt(env.session.totalChanges), { constant: false });
    case 'last_insert_rowid':
      return merge(args, (_r, env) => env.session.lastInsertRowId, { constant: false });
    case 'coalesce':
    case 'ifnull': {
      if (e.name === 'ifnull' ? fs.length !== 2 : fs.length < 2) throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
      return merge(args, (r, env) => {
        for (let i = 0; i < fs.length; i++) {
          const v = fs[i]!(r, env);
          if (v !== null) return v;
        }
        return null;
      });
    }
    case 'iif':
    case 'if': {
      if (fs.length !== 3) throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
      const [c, a, b] = fs as [Ev, Ev, Ev];
      return merge(args, (r, env) => (ops.toBool(c(r, env)) === true ? a(r, env) : b(r, env)));
    }
  }
  const fn = ops.scalarFunction(e.name);
  if (!fn) throw new DoSQLError('SQL_ERROR', `sql: no such function: ${e.name}`);
  if (fs.length < fn.minArgs || (fn.maxArgs >= 0 && fs.length > fn.maxArgs)) {
    throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
  }
  const n = fs.length;
  // Functions that compare (min, max, nullif) use the first explicit, else column, collation.
  const collation = args.find((a) => a.explicitCollation)?.collation ?? args.find((a) => a.collation)?.collation;
  const callColl = collation ?? 'BINARY';
  const ev: Ev = (r, env) => {
    const vals: SqlValue[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = fs[i]!(r, env);
    return fn.call(vals, env, callColl);
  };
  return merge(args, ev, { constant: fn.deterministic && args.every((a) => a.constant), collation, explicitCollation: args.some((a) => a.explicitCollation) });
}

/** Evaluates uncorrelated, constant expressions once (LIMIT, OFFSET, defaults). */
export function isAggregateCall(e: Expr): e is FunctionExpr {
  return e.kind === 'function' && e.over === undefined && ops.isAggregate(e.name, e.args.length, e.star);
}
