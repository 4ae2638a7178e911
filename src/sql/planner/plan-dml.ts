// INSERT / UPDATE / DELETE (lang_insert.html, lang_update.html, lang_delete.html): on a
// table (plan-dml-insert.ts, plan-dml-update.ts, plan-dml-delete.ts) or, through its INSTEAD
// OF triggers, on a view (plan-view-dml.ts); and the statements of trigger bodies, planned
// here because they are any of these or a SELECT.
import type { ExecEnv } from '../execution/env.js';
import type { DeleteStmt, InsertStmt, Statement, UpdateStmt } from '../parser/ast.js';
import { setTriggerStepPlanner, type DmlPlan } from './plan-dml-common.js';
import { virtualTableCommand, virtualTableFollowsContent } from './virtual-tables.js';
import { planTableDelete } from './plan-dml-delete.js';
import { planTableInsert } from './plan-dml-insert.js';
import { planTableUpdate } from './plan-dml-update.js';
import { planSelect, withCtes } from './plan-select.js';
import { selectStep, type PlanTriggerStep } from './plan-trigger.js';
import { planViewDml } from './plan-view-dml.js';
import type { PlannerContext } from './planner-context.js';

export type { DmlPlan, DmlResult } from './plan-dml-common.js';

export function planInsert(stmt: InsertStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => {
    pc.catalog.checkQualified(stmt.table.schema, stmt.table.name);
    const cmd = virtualTableCommand(stmt, pc.catalog);
    if (cmd) return { columns: [], execute: async (env) => (await cmd.run(env), { rows: [], changes: 0 }), describe: () => [`VIRTUAL TABLE COMMAND ${stmt.table.name}`] };
    if (virtualTableFollowsContent(stmt, pc.catalog)) return { columns: [], execute: async () => ({ rows: [], changes: 0 }), describe: () => [`NOTHING: ${stmt.table.name} follows its content table`] };
    const v = pc.catalog.findTable(stmt.table.name) ? undefined : pc.catalog.findView(stmt.table.name);
    return v ? planViewDml(stmt, v, pc, planTriggerStep) : planTableInsert(stmt, pc);
  });
}

export function planUpdate(stmt: UpdateStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => {
    pc.catalog.checkQualified(stmt.table.schema, stmt.table.name);
    const v = pc.catalog.findTable(stmt.table.name) ? undefined : pc.catalog.findView(stmt.table.name);
    return v ? planViewDml(stmt, v, pc, planTriggerStep) : planTableUpdate(stmt, pc);
  });
}

export function planDelete(stmt: DeleteStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => {
    pc.catalog.checkQualified(stmt.table.schema, stmt.table.name);
    const v = pc.catalog.findTable(stmt.table.name) ? undefined : pc.catalog.findView(stmt.table.name);
    return v ? planViewDml(stmt, v, pc, planTriggerStep) : planTableDelete(stmt, pc);
  });
}

/** One statement of a trigger body, planned in the trigger's PlannerContext (NEW and OLD at level 0). */
const planTriggerStep: PlanTriggerStep = (stmt: Statement, pc: PlannerContext) => {
  let plan: DmlPlan;
  switch (stmt.kind) {
    case 'select':
      return selectStep(stmt, pc, (s, sc, p) => planSelect(s, sc, p));
    case 'insert':
      plan = planInsert(stmt, pc);
      break;
    case 'update':
      plan = planUpdate(stmt, pc);
      break;
    case 'delete':
      plan = planDelete(stmt, pc);
      break;
    default:
      throw new Error(`sql: internal: ${stmt.kind} in a trigger body`);
  }
  return async (env: ExecEnv) => {
    await plan.execute(env);
  };
};

setTriggerStepPlanner(planTriggerStep);
