// UPDATE (lang_update.html, lang_returning.html). The rows to change are read first (no
// Halloween problem); then per row, in SQLite's order: BEFORE UPDATE triggers (then the row
// is read again: a trigger may have changed or deleted it; columns the UPDATE does not set
// take their current values), constraints and conflict resolution, the foreign-key counts,
// the write, the ON UPDATE actions, AFTER UPDATE triggers.
import { DoSQLError } from '../../errors.js';
import { byteString } from '../../util/bytes.js';
import { collectCharged } from '../execution/collect.js';
import type { ExecEnv } from '../execution/env.js';
import type { Compiled } from '../execution/compiled.js';
import { evaluate } from '../execution/evaluate.js';
import { TableWriter } from '../execution/table-writer.js';
import { applyRowObject, rowObject } from '../execution/row-triggers.js';
import { RaiseIgnore, type RowHooks } from '../execution/triggers.js';
import * as ops from '../execution/value-ops.js';
import type { FromItem, UpdateStmt } from '../parser/ast.js';
import { rowKey } from '../rows/row-keys.js';
import type { SqlValue } from '../types/value.js';
import { applyUpdate, columnIndex, compileReturning, cxFor, fire, planLines, project, rowHooks, targetsFor, targetTable, type DmlPlan, type DmlResult } from './plan-dml-common.js';
import { keyOrderOf, orderAndLimit } from './plan-dml-order.js';
import { generatedRefused, rowValueSet } from './plan-row-value-set.js';
import { buildFrom } from './plan-from.js';
import { planJoin, splitAnd } from './plan-join.js';
import { planSelect } from './plan-select.js';
import type { PlannerContext } from './planner-context.js';

export function planTableUpdate(stmt: UpdateStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  const scope = pc.rootScope();
  const fromItem: FromItem = stmt.from
    ? { kind: 'join', joinType: 'INNER', natural: false, left: { kind: 'table', schema: pc.catalog.isTemp(t) ? 'temp' : 'main', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) }, right: stmt.from }
    : { kind: 'table', schema: pc.catalog.isTemp(t) ? 'temp' : 'main', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) };
  const from = buildFrom(fromItem, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const cx = cxFor(scope, pc);
  const join = planJoin(from, splitAnd(stmt.where), scope.width, cx);
  const rowsOp = orderAndLimit(stmt, join.op, scope.width, cx, keyOrderOf(t));
  const sets: { col: number; c: Compiled }[] = [];
  pc.checkColumns(stmt.sets.length, 'too many columns in set list');
  for (const s of stmt.sets) {
    const values = rowValueSet(s.columns.length, s.value, cx);
    s.columns.forEach((name, i) => {
      let col: number;
      try {
        col = columnIndex(t, name);
      } catch {
        // UPDATE names an unknown column as SQLite does (INSERT's message is the other one).
        throw new DoSQLError('SQL_ERROR', `sql: no such column: ${name}`, { details: { table: t.name, column: name } });
      }
      sets.push({ col: generatedRefused(t, col), c: values[i]! });
    });
  }
  const dml = targetsFor(pc).get(t);
  const assigned = new Set(sets.map((x) => x.col));
  // SQLite's sqlite3FkRequired: this UPDATE takes part in foreign keys when it assigns a child
  // key (a self reference always counts) or a parent key; then every constraint referencing
  // the table must be usable (sqlite3FkOldmask locates them all), and the child keys it checks.
  const touches = (cols: readonly number[]): boolean => cols.some((c) => assigned.has(c) || (c === t.rowidAlias && assigned.has(t.columns.length)));
  const outgoing = dml.outgoing.filter((f) => touches(f.childCols) || f.parentName.toLowerCase() === t.name.toLowerCase());
  const relevant = outgoing.length > 0 || dml.incoming.some((f) => touches(f.parentCols)) ? [...outgoing, ...dml.incoming] : [];
  const returning = compileReturning(stmt.returning, scope, pc);
  const width = t.columns.length + (t.withoutRowid ? 0 : 1);
  const reader = from.leaves[0]!.reader!;
  reader.used = undefined; // rows get rewritten whole
  // Compiled now for a top-level statement so their errors are its own; a trigger's statements
  // compile theirs when first fired (they may lead back here).
  if (!pc.triggerScope) dml.triggers('UPDATE');
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
    const orAction = env.conflictOverride ?? stmt.orAction;
    const writer = new TableWriter(t, dml.indexes, reader, dml.checks, dml.programs);
    const triggers = dml.triggers('UPDATE');
    const fk = hooks.fk;
    fk.checkUsable(relevant);
    // Foreign-key actions and triggers of earlier rows may change or remove later ones: read each again.
    // So may a REPLACE conflict of an earlier row (it deletes the row in the way).
    const replaces = orAction === 'REPLACE' || (orAction === undefined && (t.pkConflict === 'REPLACE' || dml.indexes.some((ix) => ix.onConflict === 'REPLACE')));
    const reread = (fk.on && dml.incoming.length > 0) || triggers.length > 0 || !top || replaces;
    const rows = await collectCharged(rowsOp, env, 'UPDATE');
    const seen = new Set<string>();
    const out: DmlResult = { rows: [], changes: 0 };
    const branch = env.txn.branch;
    for (const row of rows) {
      const k = rowKey(branch, t, row, t.withoutRowid ? null : (row[t.columns.length] as bigint));
      const ks = byteString(k);
      if (seen.has(ks)) continue;
      seen.add(ks);
      try {
        if (reread) {
          const cur = await writer.reader.getRaw(env, k);
          if (!cur) continue;
          for (let i = 0; i < width; i++) row[i] = cur[i]!;
        }
        const next = row.slice(0, width);
        const vals: SqlValue[] = [];
        for (const s of sets) vals.push(await evaluate(s.c, row, env));
        sets.forEach((s, i) => {
          next[s.col] = s.col === t.columns.length ? vals[i]! : ops.applyAffinity(vals[i]!, t.columns[s.col]!.affinity);
        });
        const before = row.slice(0, width);
        let old = before;
        if (triggers.length) {
          await fire(env, hooks, dml, 'BEFORE', 'UPDATE', next, before, assigned, orAction);
          const cur = await writer.reader.getRaw(env, k);
          if (!cur) continue;
          old = cur.slice(0, width);
          for (let i = 0; i < width; i++) if (!assigned.has(i)) next[i] = old[i]!;
        }
        const rt = env.rowTriggers;
        if (rt?.fires(t.name, 'before', 'update')) {
          const o = await rt.before(t.name, 'update', rowObject(t, old), rowObject(t, next), env.txn.branch);
          if (o) applyRowObject(t, next, o, `a BEFORE UPDATE trigger on ${t.name}`);
        }
        if (!(await applyUpdate(env, writer, old, next, orAction, hooks, dml, assigned))) continue;
        if (rt?.fires(t.name, 'after', 'update')) env.txn.recordAfter({ table: t.name, event: 'update', old: rowObject(t, old), new: rowObject(t, next), branch: env.txn.branch });
        out.changes++;
        if (returning.exprs.length) {
          const r = row.slice();
          for (let i = 0; i < width; i++) r[i] = next[i]!;
          out.rows.push(await project(returning.exprs, r, env));
        }
        if (triggers.length) await fire(env, hooks, dml, 'AFTER', 'UPDATE', next, before, assigned, orAction);
      } catch (e) {
        if (!(e instanceof RaiseIgnore)) throw e;
      }
    }
    if (top) fk.finish();
    return out;
  }
}
