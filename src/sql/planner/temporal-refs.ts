// Finds the table references of a statement that carry FOR SYSTEM_TIME clauses, so the
// session can resolve their read points (and schemas as of those points) before planning.
import type { Expr, FromItem, SelectBody, SelectStmt, Statement, TableRef } from '../parser/ast.js';
import { exprChildren, exprSubqueries } from '../parser/ast-walk.js';

export function temporalRefs(stmt: Statement): TableRef[] {
  const out: TableRef[] = [];
  visitStatement(stmt, out);
  return out;
}

function visitStatement(s: Statement, out: TableRef[]): void {
  switch (s.kind) {
    case 'select':
      return visitSelect(s, out);
    case 'insert':
      if (s.source.kind === 'select') visitSelect(s.source.select, out);
      if (s.source.kind === 'values') s.source.rows.forEach((r) => r.forEach((e) => visitExpr(e, out)));
      return;
    case 'update':
      if (s.from) visitFrom(s.from, out);
      visitExpr(s.where, out);
      s.sets.forEach((x) => visitExpr(x.value, out));
      return;
    case 'delete':
      visitExpr(s.where, out);
      return;
    case 'explain':
      return visitStatement(s.statement, out);
    default:
      return;
  }
}

function visitSelect(s: SelectStmt, out: TableRef[]): void {
  s.with?.ctes.forEach((c) => visitSelect(c.select, out));
  visitBody(s.body, out);
  s.orderBy?.forEach((o) => visitExpr(o.expr, out));
}

function visitBody(b: SelectBody, out: TableRef[]): void {
  if (b.kind === 'compound') {
    visitBody(b.left, out);
    visitBody(b.right, out);
  } else if (b.kind === 'values') b.rows.forEach((r) => r.forEach((e) => visitExpr(e, out)));
  else {
    if (b.from) visitFrom(b.from, out);
    b.columns.forEach((c) => c.kind === 'expr' && visitExpr(c.expr, out));
    visitExpr(b.where, out);
    visitExpr(b.having, out);
    b.groupBy?.forEach((g) => visitExpr(g, out));
  }
}

function visitFrom(f: FromItem, out: TableRef[]): void {
  switch (f.kind) {
    case 'table':
      if (f.temporal) out.push(f);
      return;
    case 'subquery':
      return visitSelect(f.select, out);
    case 'join':
      visitFrom(f.left, out);
      visitFrom(f.right, out);
      f.on && visitExpr(f.on, out);
      return;
    default:
      return;
  }
}

function visitExpr(e: Expr | undefined, out: TableRef[]): void {
  if (!e) return;
  for (const sel of exprSubqueries(e)) visitSelect(sel, out);
  for (const c of exprChildren(e)) visitExpr(c, out);
}
