// DELETE (lang_delete.html, lang_returning.html). The rows to delete are read first; then per
// row, in SQLite's order: BEFORE DELETE triggers (the row is skipped if one removed it), the
// foreign-key counts, the delete, the ON DELETE actions, AFTER DELETE triggers (OLD is the
// row as read before the BEFORE triggers).
import { collectCharged } from '../execution/collect.js';
import type { ExecEnv } from '../execution/env.js';
import { TableWriter } from '../execution/table-writer.js';
import { rowObject } from '../execution/row-triggers.js';
import { RaiseIgnore, type RowHooks } from '../execution/triggers.js';
import type { DeleteStmt } from '../parser/ast.js';
import { rowKey } from '../rows/row-keys.js';
import { compileReturning, cxFor, fire, planLines, project, rowHooks, targetsFor, targetTable, type DmlPlan, type DmlResult } from './plan-dml-common.js';
import { keyOrderOf, orderAndLimit } from './plan-dml-order.js';
import { buildFrom } from './plan-from.js';
import { planJoin, splitAnd } from './plan-join.js';
import { planSelect } from './plan-select.js';
import type { PlannerContext } from './planner-context.js';

export function planTableDelete(stmt: DeleteStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  const scope = pc.rootScope();
  const from = buildFrom({ kind: 'table', schema: pc.catalog.isTemp(t) ? 'temp' : 'main', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const cx = cxFor(scope, pc);
  const join = planJoin(from, splitAnd(stmt.where), scope.width, cx);
  const rowsOp = orderAndLimit(stmt, join.op, scope.width, cx, keyOrderOf(t));
  const dml = targetsFor(pc).get(t);
  const returning = compileReturning(stmt.returning, scope, pc);
  const reader = from.leaves[0]!.reader!;
  reader.used = undefined; // index entries of deleted rows need every indexed column
  // Compiled now for a top-level statement so their errors are its own; a trigger's statements
  // compile theirs when first fired (they may lead back here).
  if (!pc.triggerScope) dml.triggers('DELETE');
  const width = t.columns.length + (t.withoutRowid ? 0 : 1);
  return {
    columns: returning.names,
    describe: () => planLines(rowsOp),
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
    const writer = new TableWriter(t, dml.indexes, reader, [], dml.programs);
    const triggers = dml.triggers('DELETE');
    const fk = hooks.fk;
    // Deleting looks up the parents of the rows (a missing parent table is an error) and their children.
    fk.checkUsable([...dml.outgoing, ...dml.incoming]);
    // A CASCADE or trigger from an earlier row may already have deleted or changed a later one.
    const reread = (fk.on && dml.incoming.length > 0) || triggers.length > 0 || !top;
    const rows = await collectCharged(rowsOp, env, 'DELETE');
    const out: DmlResult = { rows: [], changes: 0 };
    const branch = env.txn.branch;
    for (const row of rows) {
      const key = rowKey(branch, t, row, t.withoutRowid ? null : (row[t.columns.length] as bigint));
      try {
        // SQLite collects the rows' keys, then reads each row as it comes to it: OLD shows
        // what earlier rows' triggers and actions did to it.
        let cur: typeof row | undefined = row;
        if (reread) {
          cur = await writer.reader.getRaw(env, key);
          if (!cur) continue;
        }
        const old = cur.slice(0, width);
        if (triggers.length) {
          await fire(env, hooks, dml, 'BEFORE', 'DELETE', undefined, old);
          cur = await writer.reader.getRaw(env, key);
          if (!cur) continue;
        }
        const rt = env.rowTriggers;
        // A BEFORE DELETE handler may only reject the row (by throwing).
        if (rt?.fires(t.name, 'before', 'delete')) await rt.before(t.name, 'delete', rowObject(t, cur), undefined, env.txn.branch);
        await fk.beforeDelete(dml, cur);
        writer.deleteRow(env, cur);
        await fk.afterDelete(dml, cur);
        if (rt?.fires(t.name, 'after', 'delete')) env.txn.recordAfter({ table: t.name, event: 'delete', old: rowObject(t, cur), branch: env.txn.branch });
        out.changes++;
        if (returning.exprs.length) out.rows.push(await project(returning.exprs, row, env));
        if (triggers.length) await fire(env, hooks, dml, 'AFTER', 'DELETE', undefined, old);
      } catch (e) {
        if (!(e instanceof RaiseIgnore)) throw e;
      }
    }
    if (top) fk.finish();
    return out;
  }
}
