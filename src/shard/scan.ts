// Where a statement's tables are: every table reference in a SELECT (or DML) tree, with the
// facts routing needs: is it in the top-level FROM (where a per-shard evaluation sees exactly
// its shard's rows), is it on the null-supplying side of an outer join, and which names
// (CTEs) shadow base tables.
import type { Expr, FromItem, SelectBody, SelectStmt, TableRef } from '../sql/parser/ast.js';
import { exprChildren, exprSubqueries } from '../sql/parser/ast-walk.js';

export interface TableOccurrence {
  readonly ref: TableRef;
  /** In the FROM of the statement's own top-level SELECT core (not a subquery, CTE or compound arm). */
  readonly topLevel: boolean;
  /** On the side of an outer join that may be NULL-extended. */
  readonly nullSupplying: boolean;
  /** On the side of an outer join whose rows are kept unmatched (LEFT's left, RIGHT's right, FULL's both). */
  readonly preserved: boolean;
}

/** What a scan of a statement found. */
export interface StatementScan {
  readonly tables: TableOccurrence[];
  /** True when some expression holds a subquery, or FROM holds a derived table, CTE or table function. */
  readonly nested: boolean;
  /** True when the statement has WITH, a compound SELECT or VALUES as its body. */
  readonly complexBody: boolean;
  /** True when some expression calls a window function. */
  readonly windows: boolean;
}

/** Scans a SELECT: its top-level core's FROM is `topLevel`; everything else is nested. */
export function scanSelect(s: SelectStmt): StatementScan {
  const st = { tables: [] as TableOccurrence[], nested: false, windows: false, ctes: new Set<string>() };
  const complexBody = s.with !== undefined || s.body.kind !== 'selectCore';
  visitSelect(s, st, true);
  return { tables: st.tables.filter((t) => !st.ctes.has(t.ref.name.toLowerCase())), nested: st.nested, complexBody, windows: st.windows };
}

/** Scans expressions of a DML statement (its WHERE, SET values, ...): every table they reference is nested. */
export function scanExprs(exprs: readonly (Expr | undefined)[], from?: FromItem): StatementScan {
  const st = { tables: [] as TableOccurrence[], nested: false, windows: false, ctes: new Set<string>() };
  for (const e of exprs) if (e) visitExpr(e, st);
  if (from) visitFrom(from, st, false, false, false);
  return { tables: st.tables, nested: st.nested || from !== undefined, complexBody: false, windows: st.windows };
}

interface ScanState {
  tables: TableOccurrence[];
  nested: boolean;
  windows: boolean;
  ctes: Set<string>;
}

function visitSelect(s: SelectStmt, st: ScanState, top: boolean): void {
  for (const c of s.with?.ctes ?? []) {
    st.ctes.add(c.name.toLowerCase());
    st.nested = true;
    visitSelect(c.select, st, false);
  }
  visitBody(s.body, st, top && s.with === undefined);
  for (const o of s.orderBy ?? []) visitExpr(o.expr, st);
  if (s.limit) visitExpr(s.limit, st);
  if (s.offset) visitExpr(s.offset, st);
}

function visitBody(b: SelectBody, st: ScanState, top: boolean): void {
  if (b.kind === 'compound') {
    visitBody(b.left, st, false);
    visitBody(b.right, st, false);
    return;
  }
  if (b.kind === 'values') {
    for (const r of b.rows) for (const e of r) visitExpr(e, st);
    return;
  }
  for (const c of b.columns) if (c.kind === 'expr') visitExpr(c.expr, st);
  if (b.from) visitFrom(b.from, st, top, false, false);
  for (const e of [b.where, b.having, ...(b.groupBy ?? [])]) if (e) visitExpr(e, st);
  for (const w of b.windows ?? []) {
    st.windows = true;
    for (const e of w.spec.partitionBy) visitExpr(e, st);
    for (const o of w.spec.orderBy) visitExpr(o.expr, st);
  }
}

function visitFrom(f: FromItem, st: ScanState, top: boolean, nullSupplying: boolean, preserved: boolean): void {
  switch (f.kind) {
    case 'table':
      st.tables.push({ ref: f, topLevel: top, nullSupplying, preserved });
      if (f.temporal) for (const e of temporalExprs(f)) visitExpr(e, st);
      return;
    case 'subquery':
      st.nested = true;
      visitSelect(f.select, st, false);
      return;
    case 'tableFunction':
      st.nested = true;
      for (const a of f.args) visitExpr(a, st);
      return;
    case 'join': {
      const t = f.joinType;
      visitFrom(f.left, st, top, nullSupplying || t === 'RIGHT' || t === 'FULL', preserved || t === 'LEFT' || t === 'FULL');
      visitFrom(f.right, st, top, nullSupplying || t === 'LEFT' || t === 'FULL', preserved || t === 'RIGHT' || t === 'FULL');
      if (f.on) visitExpr(f.on, st);
    }
  }
}

function temporalExprs(t: TableRef): Expr[] {
  const c = t.temporal!;
  const pts = c.kind === 'asOf' ? [c.point] : c.kind === 'all' ? [] : [c.from, c.to];
  return pts.flatMap((p) => ('value' in p ? [p.value] : 'name' in p ? [p.name] : []));
}

function visitExpr(e: Expr, st: ScanState): void {
  if (e.kind === 'function') {
    if (e.over !== undefined) st.windows = true;
    if (e.filter) visitExpr(e.filter, st);
    if (e.over !== undefined && typeof e.over !== 'string') {
      for (const p of e.over.partitionBy) visitExpr(p, st);
      for (const o of e.over.orderBy) visitExpr(o.expr, st);
    }
    for (const o of e.orderBy ?? []) visitExpr(o.expr, st);
  }
  const subs = exprSubqueries(e);
  if (subs.length) st.nested = true;
  for (const s of subs) visitSelect(s, st, false);
  if (e.kind === 'in' && e.table) {
    st.nested = true;
    st.tables.push({ ref: { kind: 'table', name: e.table.name }, topLevel: false, nullSupplying: false, preserved: false });
  }
  for (const c of exprChildren(e)) visitExpr(c, st);
}

/** Splits `e` into its top-level AND conjuncts. */
export function conjuncts(e: Expr | undefined): Expr[] {
  if (!e) return [];
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** The join conditions of inner joins in `f` (ON of INNER/CROSS joins), and of every join when `all`. */
export function joinConditions(f: FromItem | undefined, all: boolean): { on: Expr; joinType: string }[] {
  if (!f || f.kind !== 'join') return [];
  const out = [...joinConditions(f.left, all), ...joinConditions(f.right, all)];
  if (f.on && (all || f.joinType === 'INNER' || f.joinType === 'CROSS')) out.push({ on: f.on, joinType: f.joinType });
  return out;
}
