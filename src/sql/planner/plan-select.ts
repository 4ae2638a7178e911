// SELECT planning (lang_select.html): WITH, compound selects, the core pipeline
// FROM/WHERE → GROUP BY/aggregates → HAVING → result columns → DISTINCT → ORDER BY →
// LIMIT/OFFSET, and result-column naming, affinity and collation.
import { rewriteSelect } from './virtual-tables.js';
import { DoSQLError } from '../../errors.js';
import { AggregateOp, checkAggregateArity, type AggSpec } from '../execution/aggregate-op.js';
import { WindowOp } from '../execution/window-op.js';
import type { ExecEnv, Row } from '../execution/env.js';
import { collect } from '../execution/collect.js';
import {
  CompoundOp,
  DistinctOp,
  FilterOp,
  LimitOp,
  ProjectOp,
  SingleRowOp,
  SortOp,
  TrimOp,
  ValuesOp,
  type Operator,
  type SortKey,
} from '../execution/operators.js';
import type { Expr, FunctionExpr, OrderingTerm, ResultColumn, SelectBody, SelectCore, SelectStmt, ValuesClause, WithClause } from '../parser/ast.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { Compiled, SubPlan } from '../execution/compiled.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { astKey, exprToSql } from './expr-name.js';
import { exprChildren } from '../parser/ast-walk.js';
import { ColumnarAggregateOp } from '../execution/columnar-aggregate-op.js';
import { ColumnarScanOp } from '../execution/columnar-scan-op.js';
import { columnarQuery, columnarScanQuery } from './plan-columnar.js';
import { buildFrom } from './plan-from.js';
import { analyzeWindows, planWindowOp, windowScopeExprs } from './plan-window.js';
import { planJoin, splitAnd } from './plan-join.js';
import type { CteDef, PlannerContext } from './planner-context.js';
import type { Scope } from './scope.js';
import * as ops from '../execution/value-ops.js';

export interface SelectPlan extends SubPlan {
  readonly columnNames: readonly string[];
  readonly op: Operator;
  describe(): string[];
}

interface Tracker {
  min: number;
  refs: Map<string, readonly [number, number]>;
}

function newTracker(): Tracker {
  return { min: Infinity, refs: new Map() };
}

function makeCx(scope: Scope, pc: PlannerContext, tr: Tracker, extra: Partial<CompileContext> = {}): CompileContext {
  return {
    scope,
    planSubquery: (s, child) => planSelect(s, child, pc),
    nextSlot: () => pc.nextSlot(),
    onOuterRef: (lvl, source) => {
      if (lvl >= scope.level) return;
      if (lvl < tr.min) tr.min = lvl;
      tr.refs.set(`${lvl}:${source}`, [lvl, source]);
    },
    indexes: (t) => pc.catalog.indexesOf(t),
    ...extra,
  };
}

class Plan implements SelectPlan {
  constructor(
    readonly op: Operator,
    readonly columnNames: readonly string[],
    readonly affinities: readonly (Affinity | null)[],
    readonly collations: readonly (Collation | undefined)[],
    readonly minOuterLevel: number,
    readonly outerRefs: readonly (readonly [number, number])[],
    readonly subtypes?: readonly (number | undefined)[],
  ) {}
  get columnCount(): number {
    return this.columnNames.length;
  }
  run(env: ExecEnv, limit?: number): Row[] | Promise<Row[]> {
    return collect(this.op, env, limit);
  }
  stream(env: ExecEnv): AsyncGenerator<Row[]> {
    return this.op.run(env);
  }
  describe(): string[] {
    const out: string[] = [];
    this.op.describe(out, 0);
    return out;
  }
}

/** Plans a SELECT statement whose FROM sources go into `scope` (a fresh scope for this query level). */
export function planSelect(stmt: SelectStmt, scope: Scope, pc: PlannerContext): SelectPlan {
  return pc.nested(() => withCtes(stmt.with, pc, () => planStmtBody(rewriteSelect(stmt, pc.catalog, (n) => pc.findCte(n) !== undefined), scope, pc)));
}

/** Runs `f` with the CTEs of a WITH clause visible (SELECT, INSERT, UPDATE, DELETE). */
export function withCtes<T>(w: WithClause | undefined, pc: PlannerContext, f: () => T): T {
  if (!w) return f();
  const defs = new Map<string, CteDef>();
  for (const c of w.ctes) {
    defs.set(c.name.toLowerCase(), { name: c.name, ...(c.columns ? { columns: c.columns } : {}), select: c.select, recursive: w.recursive } as CteDef);
  }
  pc.pushCtes(defs);
  try {
    return f();
  } finally {
    pc.popCtes();
  }
}

function planStmtBody(stmt: SelectStmt, scope: Scope, pc: PlannerContext): SelectPlan {
  const tr: Tracker = newTracker();
  const body = stmt.body;
  if (body.kind === 'selectCore') return planCore(body, stmt, scope, pc, tr);
  const inner = planBody(body, scope, pc, tr);
  let op = inner.op;
  const cx = makeCx(scope, pc, tr);
  if (stmt.orderBy?.length) {
    pc.checkColumns(stmt.orderBy.length, 'too many terms in ORDER BY clause');
    const keys = stmt.orderBy.map((t, i) => compoundOrderKey(t, i, inner, firstCore(body)));
    op = new SortOp(op, keys);
  }
  if (stmt.limit || stmt.offset) op = new LimitOp(op, stmt.limit && compileExpr(stmt.limit, cx), stmt.offset && compileExpr(stmt.offset, cx));
  return new Plan(op, inner.columnNames, inner.affinities, inner.collations, Math.min(tr.min, inner.minOuterLevel), [...tr.refs.values()], inner.subtypes);
}

function firstCore(b: SelectBody): SelectCore | ValuesClause {
  return b.kind === 'compound' ? firstCore(b.left) : b;
}

function ordinal(i: number): string {
  const n = i + 1;
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

function compoundOrderKey(t: OrderingTerm, i: number, plan: { columnCount?: number; columnNames: readonly string[]; collations: readonly (Collation | undefined)[] }, first: SelectCore | ValuesClause): SortKey {
  let idx = -1;
  const e = t.collation ? t.expr : stripCollate(t);
  const coll = t.collation ?? (t.expr.kind === 'collate' ? t.expr.collation : undefined);
  if (e.kind === 'literal' && typeof e.value === 'bigint') {
    idx = Number(e.value) - 1;
    const n = plan.columnNames.length;
    if (idx < 0 || idx >= n) throw new DoSQLError('SQL_ERROR', `sql: ${ordinal(i)} ORDER BY term out of range - should be between 1 and ${n}`);
  } else if (e.kind === 'column') {
    idx = plan.columnNames.findIndex((n) => n.toLowerCase() === e.column.toLowerCase());
  }
  if (idx < 0 && first.kind === 'selectCore') {
    const key = astKey(e);
    idx = first.columns.findIndex((c) => c.kind === 'expr' && astKey(c.expr) === key);
  }
  if (idx < 0) throw new DoSQLError('SQL_ERROR', `sql: ${ordinal(i)} ORDER BY term does not match any column in the result set`);
  return sortKey(t, idx, (coll ? ops.collation(coll) : undefined) ?? plan.collations[idx] ?? 'BINARY');
}

function stripCollate(t: OrderingTerm): Expr {
  return t.expr.kind === 'collate' ? t.expr.operand : t.expr;
}

function sortKey(t: OrderingTerm, index: number, collation: Collation): SortKey {
  const desc = t.direction === 'DESC';
  // SQLite: NULLs are smallest, so first in ASC and last in DESC unless NULLS FIRST/LAST.
  const nullsFirst = t.nulls ? t.nulls === 'FIRST' : !desc;
  return { index, desc, nullsFirst, collation };
}


interface BodyPlan {
  op: Operator;
  columnNames: string[];
  affinities: (Affinity | null)[];
  collations: (Collation | undefined)[];
  minOuterLevel: number;
  /** Per column, the subtype its TEXT values carry (SubPlan.subtypes). */
  subtypes?: readonly (number | undefined)[];
}

function planBody(b: SelectBody, scope: Scope, pc: PlannerContext, tr: Tracker): BodyPlan {
  if (b.kind === 'selectCore') {
    const p = planCore(b, undefined, scope, pc, tr);
    return { op: p.op, columnNames: [...p.columnNames], affinities: [...p.affinities], collations: [...p.collations], minOuterLevel: p.minOuterLevel, ...(p.subtypes ? { subtypes: p.subtypes } : {}) };
  }
  if (b.kind === 'values') return planValues(b, scope, pc, tr);
  const left = planBody(b.left, scope, pc, tr);
  // Each arm of a compound is its own query level sharing the parent's outer scopes.
  const right = planBody(b.right, scope.parent ? scope.parent.child() : new (scope.constructor as typeof Scope)(undefined, scope.level), pc, tr);
  if (left.columnNames.length !== right.columnNames.length) {
    throw new DoSQLError('SQL_ERROR', `sql: SELECTs to the left and right of ${b.op} do not have the same number of result columns`);
  }
  const colls = left.collations.map((c, i) => c ?? right.collations[i] ?? 'BINARY');
  // A column keeps a subtype only when both arms give it (a value keeps its own in SQLite).
  const subtypes = left.subtypes && right.subtypes ? left.subtypes.map((st, i) => (st === right.subtypes![i] ? st : undefined)) : undefined;
  return {
    ...(subtypes?.some((st) => st !== undefined) ? { subtypes } : {}),
    op: new CompoundOp(left.op, right.op, b.op, left.columnNames.length, colls),
    columnNames: left.columnNames,
    affinities: left.affinities,
    collations: colls,
    minOuterLevel: Math.min(left.minOuterLevel, right.minOuterLevel),
  };
}

function planValues(v: ValuesClause, scope: Scope, pc: PlannerContext, tr: Tracker): BodyPlan {
  const cx = makeCx(scope, pc, tr);
  const width = v.rows[0]?.length ?? 0;
  pc.checkColumns(width, 'too many columns in result set');
  const rows = v.rows.map((r) => {
    if (r.length !== width) throw new DoSQLError('SQL_ERROR', 'sql: all VALUES must have the same number of terms');
    return r.map((e) => compileExpr(e, cx));
  });
  const op = new ValuesOp(rows);
  return {
    op,
    columnNames: Array.from({ length: width }, (_, i) => `column${i + 1}`),
    affinities: new Array(width).fill(null),
    collations: new Array(width).fill(undefined),
    minOuterLevel: tr.min,
  };
}

/** Aggregate calls in `e`, not looking inside subqueries. */
function collectAggregates(e: Expr | undefined, out: FunctionExpr[]): void {
  if (!e) return;
  if (e.kind === 'function' && e.over === undefined && ops.isAggregate(e.name, e.args.length, e.star)) {
    out.push(e);
    return;
  }
  for (const c of exprChildren(e)) collectAggregates(c, out);
}

export interface OutCol {
  expr: Expr;
  name: string;
}

function expandColumns(cols: readonly ResultColumn[], scope: Scope): OutCol[] {
  const out: OutCol[] = [];
  for (const c of cols) {
    if (c.kind === 'expr') {
      out.push({ expr: c.expr, name: c.alias ?? (c.expr.kind === 'column' ? scope.columnOutputName(c.expr.table, c.expr.column) : (c.text ?? exprToSql(c.expr))) });
      continue;
    }
    const sources = c.kind === 'star' ? scope.sources : scope.sources.filter((s) => s.name.toLowerCase() === c.table.toLowerCase());
    if (c.kind === 'tableStar' && sources.length === 0) throw new DoSQLError('SQL_ERROR', `sql: no such table: ${c.table}`);
    if (c.kind === 'star' && scope.sources.length === 0) throw new DoSQLError('SQL_ERROR', 'sql: no tables specified');
    for (const s of sources) {
      for (const col of s.columns) {
        if (col.hidden) continue;
        if (c.kind === 'star' && s.mergedNames.has(col.name.toLowerCase())) continue;
        out.push({ expr: { kind: 'column', table: s.name, column: col.name }, name: col.name });
      }
    }
  }
  return out;
}

function planCore(core: SelectCore, stmt: SelectStmt | undefined, scope: Scope, pc: PlannerContext, tr: Tracker): SelectPlan {
  const windows = analyzeWindows(core, stmt?.orderBy ?? []);
  const from = core.from ? buildFrom(core.from, scope, pc, (s, sc, p) => planSelect(s, sc, p)) : undefined;
  const width = scope.width;
  const outCols = expandColumns(core.columns, scope);
  pc.checkColumns(outCols.length, 'too many columns in result set');
  pc.checkColumns(core.groupBy?.length ?? 0, 'too many terms in GROUP BY clause');
  pc.checkColumns(stmt?.orderBy?.length ?? 0, 'too many terms in ORDER BY clause');
  const aliases = new Map<string, Expr>();
  for (const c of core.columns) if (c.kind === 'expr' && c.alias) aliases.set(c.alias.toLowerCase(), c.expr);
  const cx = makeCx(scope, pc, tr, { aliases });

  // FROM + WHERE.
  const where = splitAnd(core.where);
  let op: Operator = from ? planJoin(from, where, width, cx).op : whereOnly(new SingleRowOp(width), where, cx);
  const scan = from && columnarScanQuery(from, where, cx);
  if (scan) op = new ColumnarScanOp(scan, op);

  // Aggregation.
  const orderBy = stmt?.orderBy ?? [];
  const aggCalls: FunctionExpr[] = [];
  for (const c of outCols) collectAggregates(c.expr, aggCalls);
  collectAggregates(core.having, aggCalls);
  for (const t of orderBy) collectAggregates(t.expr, aggCalls);
  if (windows) for (const e of windowScopeExprs(windows)) collectAggregates(e, aggCalls);
  aggCalls.splice(0, aggCalls.length, ...new Set(aggCalls));
  const isAgg = aggCalls.length > 0 || (core.groupBy?.length ?? 0) > 0 || core.having !== undefined;
  let post = cx;
  let rowWidth = width;
  if (isAgg) {
    const slots = new Map<FunctionExpr, number>();
    const specs: AggSpec[] = [];
    for (const f of aggCalls) {
      checkAggregateArity(f.name, f.star ? 0 : f.args.length);
      if (f.args.some((a) => collectAggregatesIn(a))) throw new DoSQLError('SQL_ERROR', `sql: misuse of aggregate function ${f.name}()`);
      const args = f.star ? [] : f.args.map((a) => compileExpr(a, cx));
      if (f.distinct && args.length !== 1) throw new DoSQLError('SQL_ERROR', 'sql: DISTINCT aggregates must have exactly one argument');
      slots.set(f, width + specs.length);
      specs.push({
        name: f.name,
        args,
        distinct: f.distinct,
        ...(f.filter ? { filter: compileExpr(f.filter, cx) } : {}),
        collation: args[0]?.collation ?? 'BINARY',
        ...(f.orderBy?.length
          ? {
              orderBy: f.orderBy.map((t) => {
                const c = compileExpr(stripCollate(t), cx);
                const desc = t.direction === 'DESC';
                const coll = t.collation ?? (t.expr.kind === 'collate' ? t.expr.collation : undefined);
                return { c, desc, nullsFirst: t.nulls ? t.nulls === 'FIRST' : !desc, collation: coll ? ops.collation(coll) : (c.collation ?? 'BINARY') };
              }),
            }
          : {}),
      });
    }
    const groupBy = (core.groupBy ?? []).map((g) => {
      if (g.kind === 'literal' && typeof g.value === 'bigint') {
        const k = Number(g.value);
        if (k < 1 || k > outCols.length) throw new DoSQLError('SQL_ERROR', `sql: GROUP BY term out of range - should be between 1 and ${outCols.length}`);
        g = outCols[k - 1]!.expr;
      }
      const c = compileExpr(g, cx);
      if (c.sources.has(-1)) throw new DoSQLError('SQL_ERROR', 'sql: aggregate functions are not allowed in the GROUP BY clause');
      return c;
    });
    op = new AggregateOp(op, groupBy, specs, width);
    rowWidth = width + specs.length + groupBy.length;
    // GROUP BY terms read the group's first row (SQLite keeps the key it grouped on).
    const groupTerms = new Map<string, number>();
    (core.groupBy ?? []).forEach((g, i) => {
      if (!(g.kind === 'literal' && typeof g.value === 'bigint')) groupTerms.set(astKey(g), width + specs.length + i);
    });
    post = { ...cx, aggregates: slots, groupTerms };
    if (core.having) op = new FilterOp(op, [compileExpr(core.having, post)]);
  }

  // Window functions, over the rows after GROUP BY and HAVING.
  if (windows) {
    const w = planWindowOp(op, windows, post, rowWidth);
    op = w.op;
    post = { ...post, windows: w.slots };
  }

  // Result columns, then hidden ORDER BY keys.
  const exprs = outCols.map((c) => compileExpr(c.expr, post));
  const names = outCols.map((c) => c.name);
  const keys: SortKey[] = [];
  const hidden: Compiled[] = [];
  orderBy.forEach((t, i) => {
    const coll = t.collation ?? (t.expr.kind === 'collate' ? t.expr.collation : undefined);
    const e = stripCollate(t);
    let idx = -1;
    if (e.kind === 'literal' && typeof e.value === 'bigint') {
      idx = Number(e.value) - 1;
      if (idx < 0 || idx >= outCols.length) throw new DoSQLError('SQL_ERROR', `sql: ${ordinal(i)} ORDER BY term out of range - should be between 1 and ${outCols.length}`);
    } else if (e.kind === 'column' && !e.table) {
      const a = core.columns.findIndex((c) => c.kind === 'expr' && c.alias?.toLowerCase() === e.column.toLowerCase());
      if (a >= 0) idx = outCols.findIndex((oc) => oc.expr === (core.columns[a] as { expr: Expr }).expr);
    }
    if (idx < 0) {
      const k = astKey(e);
      idx = outCols.findIndex((oc) => astKey(oc.expr) === k);
    }
    let collation: Collation;
    if (idx >= 0) collation = coll ? ops.collation(coll) : (exprs[idx]!.collation ?? 'BINARY');
    else {
      const c = compileExpr(e, { ...post, aliases: undefined });
      idx = outCols.length + hidden.length;
      hidden.push(c);
      collation = coll ? ops.collation(coll) : (c.collation ?? 'BINARY');
    }
    keys.push(sortKey(t, idx, collation));
  });
  const projected = [...exprs, ...hidden];
  if (op instanceof WindowOp && projected.every((e) => e.subqueries.length === 0)) op.fuseProjection(projected);
  else op = new ProjectOp(op, projected);
  if (hidden.length === 0 && !windows) {
    const cq = columnarQuery(core, outCols, pc);
    if (cq) op = new ColumnarAggregateOp(cq, op);
  }
  if (core.distinct) op = new DistinctOp(op, outCols.length, exprs.map((e) => e.collation ?? 'BINARY'));
  if (keys.length) op = new SortOp(op, keys);
  if (stmt && (stmt.limit || stmt.offset)) op = new LimitOp(op, stmt.limit && compileExpr(stmt.limit, cx), stmt.offset && compileExpr(stmt.offset, cx));
  if (hidden.length) op = new TrimOp(op, outCols.length);
  return new Plan(
    op,
    names,
    exprs.map((e) => e.affinity),
    exprs.map((e) => e.collation),
    tr.min,
    [...tr.refs.values()],
    exprs.some((e) => e.resultSubtype !== undefined) ? exprs.map((e) => e.resultSubtype) : undefined,
  );
}

function collectAggregatesIn(e: Expr): boolean {
  const out: FunctionExpr[] = [];
  collectAggregates(e, out);
  return out.length > 0;
}

function whereOnly(input: Operator, where: readonly Expr[], cx: CompileContext): Operator {
  if (where.length === 0) return input;
  return new FilterOp(input, where.map((w) => compileExpr(w, cx)));
}
