// Plans a table's RowPrograms (execution/row-programs.ts): its generated columns, ordered so
// each is computed after the generated columns it reads, and the expressions and WHERE
// clauses of its indexes, all compiled over a row of its columns then the rowid.
import { DoSQLError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Limits } from '../execution/limits.js';
import type { Compiled } from '../execution/compiled.js';
import { NO_PROGRAMS, type IndexProgram, type RowPrograms } from '../execution/row-programs.js';
import { exprChildren } from '../parser/ast-walk.js';
import type { Expr } from '../parser/ast.js';
import * as ops from '../execution/value-ops.js';
import { compileExpr } from './compile-expr.js';
import { buildFrom, type PlanSelectFn } from './plan-from.js';
import { planSelect } from './plan-select.js';
import { PlannerContext } from './planner-context.js';
import { Scope } from './scope.js';

/** Lower-case names of the columns `e` reads (subqueries are refused where these are created). */
export function columnsRead(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'column') out.add(e.column.toLowerCase());
  for (const c of exprChildren(e)) columnsRead(c, out);
  return out;
}

/** Throws SQL_ERROR (SQLite's message) when `e` holds a subquery; `what` as "index expressions". */
export function refuseSubqueries(e: Expr, what: string): void {
  if (e.kind === 'subquery' || e.kind === 'exists' || (e.kind === 'in' && e.select)) throw new DoSQLError('SQL_ERROR', `sql: subqueries prohibited in ${what}`);
  for (const c of exprChildren(e)) refuseSubqueries(c, what);
}

/** Throws SQL_ERROR (SQLite's message) when `e` calls a non-deterministic function (random(), changes(), ...). */
export function refuseNondeterministic(e: Expr, what: string): void {
  if (e.kind === 'function' && ops.scalarFunction(e.name)?.deterministic === false) throw new DoSQLError('SQL_ERROR', `sql: non-deterministic functions prohibited in ${what}`);
  for (const c of exprChildren(e)) refuseNondeterministic(c, what);
}

/**
 * Positions of `t`'s generated columns, each after the generated columns it reads; SQLite's
 * "generated column loop on "x"" (x: the column whose expression closes the loop) otherwise.
 */
export function generationOrder(t: TableSchema): number[] {
  const byName = new Map(t.columns.map((col, i) => [col.name.toLowerCase(), i] as const));
  const state = new Map<number, 'visiting' | 'done'>();
  const out: number[] = [];
  const visit = (i: number): void => {
    state.set(i, 'visiting');
    for (const n of columnsRead(t.columns[i]!.generated!.expr)) {
      const j = byName.get(n);
      if (j === undefined || !t.columns[j]!.generated) continue;
      if (state.get(j) === 'visiting') throw new DoSQLError('SQL_ERROR', `sql: generated column loop on "${t.columns[i]!.name}"`);
      if (!state.has(j)) visit(j);
    }
    state.set(i, 'done');
    out.push(i);
  };
  t.columns.forEach((col, i) => {
    if (col.generated && !state.has(i)) visit(i);
  });
  return out;
}

function needsPrograms(t: TableSchema, indexes: readonly IndexSchema[]): boolean {
  return t.columns.some((c) => c.generated) || indexes.some((ix) => ix.where || ix.columns.some((c) => c.expr));
}

/** The RowPrograms of `t` with `indexes`; NO_PROGRAMS when it has nothing to compute. */
export function compileRowPrograms(t: TableSchema, indexes: readonly IndexSchema[], pc: PlannerContext, plan: PlanSelectFn = planSelect): RowPrograms {
  if (!needsPrograms(t, indexes)) return NO_PROGRAMS;
  const scope = new Scope(undefined, 0);
  const from = buildFrom({ kind: 'table', name: t.name }, scope, pc, plan);
  from.leaves[0]!.reader!.width = scope.width;
  const cx = { scope, planSubquery: () => { throw new DoSQLError('SQL_ERROR', 'sql: subqueries prohibited in generated columns and index expressions'); }, nextSlot: () => pc.nextSlot(), indexes: (n: string) => pc.catalog.indexesOf(n) };
  const c = (e: Expr): Compiled => compileExpr(e, cx);
  const generated = generationOrder(t).map((i) => ({ col: i, c: c(t.columns[i]!.generated!.expr) }));
  const programs = new Map<string, IndexProgram>();
  for (const ix of indexes) {
    if (!ix.where && !ix.columns.some((col) => col.expr)) continue;
    programs.set(ix.name.toLowerCase(), { exprs: ix.columns.map((col) => (col.expr ? c(col.expr) : undefined)), ...(ix.where ? { where: c(ix.where) } : {}) });
  }
  return { generated, indexes: programs };
}

/** compileRowPrograms outside a statement's planning (CREATE INDEX backfill, branch merge). */
export function rowProgramsFor(catalog: Catalog, t: TableSchema, indexes: readonly IndexSchema[], limits?: Limits): RowPrograms {
  if (!needsPrograms(t, indexes)) return NO_PROGRAMS;
  return compileRowPrograms(t, indexes, new PlannerContext(catalog, undefined, limits));
}

/** Compiles each generated column of `t` once, so one naming a missing column fails CREATE TABLE as in SQLite. */
export function checkGeneratedColumns(catalog: Catalog, t: TableSchema, limits?: Limits): void {
  if (!t.columns.some((c) => c.generated)) return;
  const pc = new PlannerContext(catalog, undefined, limits);
  const scope = new Scope(undefined, 0);
  buildFrom({ kind: 'table', name: t.name }, scope, pc, planSelect).leaves[0]!.reader!.width = scope.width;
  const cx = { scope, planSubquery: () => { throw new DoSQLError('SQL_ERROR', 'sql: subqueries prohibited in generated columns'); }, nextSlot: () => pc.nextSlot(), indexes: (n: string) => pc.catalog.indexesOf(n) };
  for (const c of t.columns) if (c.generated) compileExpr(c.generated.expr, cx);
  generationOrder(t);
}
