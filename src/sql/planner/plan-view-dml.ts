// INSERT, UPDATE and DELETE on a view (https://sqlite.org/lang_createtrigger.html#instead_of_triggers):
// only through its INSTEAD OF triggers, which run once per row the statement names: each
// inserted row (NEW), or each row of the view the WHERE selects (OLD, and NEW with the SET
// applied). Nothing is written to the view itself, so the statement changes no rows.
import { DoSQLError } from '../../errors.js';
import type { ViewSchema } from '../catalog/schema.js';
import { collectCharged } from '../execution/collect.js';
import type { ExecEnv } from '../execution/env.js';
import type { Compiled } from '../execution/compiled.js';
import type { Row } from '../execution/env.js';
import { evaluate } from '../execution/evaluate.js';
import { RaiseIgnore, type RowHooks, type TriggerEvent } from '../execution/triggers.js';
import type { DeleteStmt, InsertStmt, UpdateStmt } from '../parser/ast.js';
import { compileExpr } from './compile-expr.js';
import { cxFor, planLines, project, rowHooks, type DmlPlan, type DmlResult } from './plan-dml-common.js';
import { buildFrom } from './plan-from.js';
import { planJoin, splitAnd } from './plan-join.js';
import { planSelect } from './plan-select.js';
import { compileTriggers, type PlanTriggerStep } from './plan-trigger.js';
import type { PlannerContext } from './planner-context.js';

export function planViewDml(stmt: InsertStmt | UpdateStmt | DeleteStmt, v: ViewSchema, pc: PlannerContext, planStep: PlanTriggerStep): DmlPlan {
  const event: TriggerEvent = stmt.kind === 'insert' ? 'INSERT' : stmt.kind === 'update' ? 'UPDATE' : 'DELETE';
  const shape = planSelect(v.select, pc.rootScope(), pc);
  const names = v.columns ?? shape.columnNames;
  const target = { name: v.name, columns: names.map((name, i) => ({ name, affinity: shape.affinities[i] ?? null, collation: shape.collations[i] ?? 'BINARY' })), hasRowid: false };
  const programs = compileTriggers(pc.catalog, pc.limits, target, event, planStep, (s, sc, p) => planSelect(s, sc, p)).filter((p) => p.timing === 'INSTEAD OF');
  const n = names.length;
  const colOf = (name: string): number => {
    const i = names.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', stmt.kind === 'insert' ? `sql: table ${v.name} has no column named ${name}` : `sql: no such column: ${name}`);
    return i;
  };
  // An UPDATE needs a trigger for the columns it sets (UPDATE OF); none at all: it is just a view.
  const setCols = stmt.kind === 'update' ? stmt.sets.map((s) => colOf(s.columns[0]!)) : [];
  const applies = programs.some((p) => !p.columns || setCols.some((c) => p.columns!.includes(c)));
  if (!applies) throw new DoSQLError('SQL_ERROR', `sql: cannot modify ${v.name} because it is a view`);
  // The rows the triggers fire for: [NEW, OLD] images, `n` wide each.
  let images: (env: import('../execution/env.js').ExecEnv) => Promise<{ next?: Row; old?: Row; assigned?: ReadonlySet<number> }[]>;
  let describe: () => string[] = () => [`INSTEAD OF ${event} ON ${v.name}`];
  if (stmt.kind === 'insert') {
    const targets = stmt.columns ? stmt.columns.map(colOf) : names.map((_, i) => i);
    const cx = cxFor(pc.rootScope(), pc);
    let rows: (env: import('../execution/env.js').ExecEnv) => Promise<Row[]>;
    if (stmt.source.kind === 'values') {
      const compiled = stmt.source.rows.map((r) => {
        if (r.length !== targets.length) throw new DoSQLError('SQL_ERROR', `sql: ${r.length} values for ${targets.length} columns`);
        return r.map((e) => compileExpr(e, cx));
      });
      rows = async (env) => {
        const out: Row[] = [];
        for (const r of compiled) out.push(await project(r, [], env));
        return out;
      };
    } else if (stmt.source.kind === 'select') {
      const plan = planSelect(stmt.source.select, pc.rootScope(), pc);
      if (plan.columnCount !== targets.length) throw new DoSQLError('SQL_ERROR', `sql: ${plan.columnCount} values for ${targets.length} columns`);
      rows = (env) => collectCharged(plan.op, env, 'INSERT ... SELECT');
    } else rows = async () => [[]];
    images = async (env) =>
      (await rows(env)).map((r) => {
        const next: Row = new Array(n + 1).fill(null);
        targets.forEach((c, k) => (next[c] = r[k] ?? null));
        return { next };
      });
  } else {
    const scope = pc.rootScope();
    const from = buildFrom({ kind: 'table', name: v.name, ...(stmt.alias ? { alias: stmt.alias } : {}) }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
    const cx = cxFor(scope, pc);
    const join = planJoin(from, splitAnd(stmt.where), scope.width, cx);
    describe = () => planLines(join.op);
    const sets: { col: number; c: Compiled }[] = stmt.kind === 'update' ? stmt.sets.map((s) => ({ col: colOf(s.columns[0]!), c: compileExpr(s.value, cx) })) : [];
    const assigned = new Set(sets.map((s) => s.col));
    images = async (env) => {
      const out: { next?: Row; old?: Row; assigned?: ReadonlySet<number> }[] = [];
      for (const row of await collectCharged(join.op, env, event)) {
        const old = row.slice(0, n);
        old.push(null);
        if (stmt.kind === 'delete') {
          out.push({ old });
          continue;
        }
        const next = old.slice();
        for (const s of sets) next[s.col] = await evaluate(s.c, row, env);
        out.push({ next, old, assigned });
      }
      return out;
    };
  }
  return {
    columns: [],
    describe,
    async execute(env) {
      const { hooks, top } = rowHooks(env);
      try {
        return await run(env, hooks, top);
      } catch (e) {
        throw top ? hooks.fk.onError(e) : e;
      }
    },
  };
  async function run(env: ExecEnv, hooks: RowHooks, top: boolean): Promise<DmlResult> {
    // The statement's OR clause replaces those of the triggered statements; a DELETE has none
    // to pass on, not even one it was given (SQLite codes DELETE with OE_Default).
    const override = stmt.kind === 'delete' ? undefined : (env.conflictOverride ?? stmt.orAction);
    for (const img of await images(env)) {
      try {
        await hooks.fire(env, programs, 'INSTEAD OF', n + 1, img.next, img.old, img.assigned, override);
      } catch (e) {
        if (!(e instanceof RaiseIgnore)) throw e;
      }
    }
    if (top) hooks.fk.finish();
    return { rows: [], changes: 0 };
  }
}
