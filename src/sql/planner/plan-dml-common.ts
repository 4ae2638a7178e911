// What INSERT, UPDATE and DELETE planning share (plan-dml-insert.ts, plan-dml-update.ts,
// plan-dml-delete.ts): the target's scope and TableDml, RETURNING, and the row operations
// every writer of a row goes through with its foreign-key counts and triggers (the
// statement's own RowHooks at top level, those of the statement whose trigger runs it
// otherwise).
import { DoSQLError } from '../../errors.js';
import type { TableSchema } from '../catalog/schema.js';
import type { Compiled } from '../execution/compiled.js';
import type { ExecEnv, Row } from '../execution/env.js';
import { evaluate } from '../execution/evaluate.js';
import { ForeignKeyEnforcer } from '../execution/foreign-keys.js';
import type { Operator } from '../execution/operators.js';
import type { TableDml } from '../execution/table-dml.js';
import type { TableWriter } from '../execution/table-writer.js';
import { RowHooks, type TriggerEvent, type TriggerTiming } from '../execution/triggers.js';
import type { ConflictAction, ResultColumn } from '../parser/ast.js';
import { rowKey } from '../rows/row-keys.js';
import { bytesEqual } from '../../util/bytes.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { exprToSql } from './expr-name.js';
import { buildFrom, type Leaf } from './plan-from.js';
import { planSelect } from './plan-select.js';
import { DmlTargets } from './plan-table-dml.js';
import type { PlanTriggerStep } from './plan-trigger.js';
import type { PlannerContext } from './planner-context.js';
import type { Scope } from './scope.js';

export interface DmlResult {
  rows: Row[];
  changes: number;
  lastInsertRowId?: bigint;
}

export interface DmlPlan {
  readonly columns: readonly string[];
  /** The result, or a promise of it (a plain INSERT whose steps all completed synchronously returns it at once). */
  execute(env: ExecEnv): DmlResult | Promise<DmlResult>;
  describe(): string[];
}

export function cxFor(scope: Scope, pc: PlannerContext): CompileContext {
  return { scope, planSubquery: (s, child) => planSelect(s, child, pc), nextSlot: () => pc.nextSlot(), indexes: (t) => pc.catalog.indexesOf(t) };
}

/** The table a statement writes (views go through plan-view-dml.ts first). */
export function targetTable(pc: PlannerContext, name: string): TableSchema {
  const t = pc.catalog.findTable(name);
  if (!t) {
    if (pc.catalog.findView(name)) throw new DoSQLError('SQL_ERROR', `sql: cannot modify ${name} because it is a view`);
    throw new DoSQLError('SQL_ERROR', `sql: no such table: ${name}`, { details: { table: name } });
  }
  return t;
}

/** Scope holding just the target table (alias allowed), rowid last. */
export function tableLeaf(t: TableSchema, alias: string | undefined, scope: Scope, pc: PlannerContext): Leaf {
  // Qualified (main or temp, its own schema): the table itself, even where a virtual table of its name scans it (plan-from.ts).
  const from = buildFrom({ kind: 'table', schema: pc.catalog.isTemp(t) ? 'temp' : 'main', name: t.name, ...(alias ? { alias } : {}) }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const leaf = from.leaves[0]!;
  leaf.reader!.width = scope.width;
  leaf.reader!.used = undefined; // rows get rewritten whole
  return leaf;
}

let stepPlanner: PlanTriggerStep | undefined;

/** Set by plan-dml.ts, which knows every statement a trigger body may hold (breaks an import cycle). */
export function setTriggerStepPlanner(f: PlanTriggerStep): void {
  stepPlanner = f;
}

export function targetsFor(pc: PlannerContext): DmlTargets {
  return new DmlTargets(pc, (s, sc, p) => planSelect(s, sc, p), (s, p) => stepPlanner!(s, p));
}

/** The row hooks a statement uses: its own at top level (`top`: it checks the foreign-key count at its end), else its trigger's. */
export function rowHooks(env: ExecEnv): { hooks: RowHooks; top: boolean } {
  if (env.hooks) return { hooks: env.hooks, top: false };
  const fk = new ForeignKeyEnforcer(env);
  const hooks = new RowHooks(fk);
  fk.hooks = hooks;
  env.hooks = hooks;
  return { hooks, top: true };
}

/** Fires `dml`'s triggers of `timing` for `event` on one row (RaiseIgnore propagates to the row loop). */
export async function fire(env: ExecEnv, hooks: RowHooks, dml: TableDml, timing: TriggerTiming, event: TriggerEvent, next: Row | undefined, old: Row | undefined, assigned?: ReadonlySet<number>, override?: ConflictAction): Promise<void> {
  const programs = dml.triggers(event);
  if (programs.length) await hooks.fire(env, programs, timing, dml.table.columns.length + 1, next, old, assigned, override);
}

/** Deletes the row under `key` (a REPLACE conflict) with its foreign-key checks and actions (no triggers: recursive_triggers is off). */
export async function replaceDelete(env: ExecEnv, writer: TableWriter, hooks: RowHooks, dml: TableDml, key: Uint8Array): Promise<void> {
  const old = await writer.reader.getRaw(env, key);
  if (!old) return;
  await hooks.fk.beforeDelete(dml, old);
  writer.deleteRow(env, old);
  await hooks.fk.afterDelete(dml, old);
}

/** Writes `next` over `old` (both table-reader rows) with constraints, conflicts and foreign keys; false when skipped by IGNORE. */
export async function applyUpdate(env: ExecEnv, writer: TableWriter, old: Row, next: Row, orAction: ConflictAction | undefined, hooks: RowHooks, dml: TableDml, assigned: ReadonlySet<number>): Promise<boolean> {
  const t = writer.table;
  const ncols = t.columns.length;
  const oldRowid = t.withoutRowid ? null : (old[ncols] as bigint);
  let newRowid = oldRowid;
  if (!t.withoutRowid) {
    if (t.rowidAlias >= 0 && next[t.rowidAlias] !== old[t.rowidAlias]) {
      if (next[t.rowidAlias] === null) throw new DoSQLError('MISMATCH', `sql: datatype mismatch (${t.name}.${t.columns[t.rowidAlias]!.name} is an INTEGER PRIMARY KEY and cannot be NULL)`);
      newRowid = await writer.resolveRowid(env, next, undefined);
    } else if (next[ncols] !== old[ncols]) newRowid = await writer.resolveRowid(env, next, next[ncols]!);
    next[ncols] = newRowid;
  }
  if (!(await writer.checkRow(env, next, newRowid, orAction, []))) return false;
  const oldKey = rowKey(env.txn.branch, t, old, oldRowid);
  let conflict = await writer.findConflict(env, next, newRowid, oldKey);
  while (conflict) {
    const action: ConflictAction = orAction ?? (conflict.index ? conflict.index.onConflict : t.pkConflict) ?? 'ABORT';
    if (action === 'IGNORE') return false;
    if (action !== 'REPLACE') throw writer.conflictError(conflict, action);
    await replaceDelete(env, writer, hooks, dml, conflict.rowKey);
    conflict = await writer.findConflict(env, next, newRowid, oldKey);
  }
  const fk = hooks.fk;
  const change = { assigned, rowidChanged: newRowid !== oldRowid };
  await fk.beforeUpdateOld(dml, old, change);
  writer.deleteRow(env, old);
  await fk.beforeUpdateNew(dml, next, change);
  // A new key was probed free by findConflict; the old key's image was logged by deleteRow.
  writer.putRow(env, next, newRowid, bytesEqual(rowKey(env.txn.branch, t, next, newRowid), oldKey) ? undefined : null);
  await fk.afterUpdate(dml, old, next, change);
  return true;
}

export function compileReturning(cols: readonly ResultColumn[] | undefined, scope: Scope, pc: PlannerContext): { names: string[]; exprs: Compiled[] } {
  if (!cols) return { names: [], exprs: [] };
  const cx = cxFor(scope, pc);
  const names: string[] = [];
  const exprs: Compiled[] = [];
  for (const c of cols) {
    if (c.kind === 'expr') {
      names.push(c.alias ?? (c.expr.kind === 'column' ? c.expr.column : exprToSql(c.expr)));
      exprs.push(compileExpr(c.expr, cx));
    } else {
      for (const s of scope.sources) {
        if (c.kind === 'tableStar' && s.name.toLowerCase() !== c.table.toLowerCase()) continue;
        for (const col of s.columns) {
          if (col.hidden) continue;
          names.push(col.name);
          exprs.push(compileExpr({ kind: 'column', table: s.name, column: col.name }, cx));
        }
      }
    }
  }
  return { names, exprs };
}

export async function project(exprs: readonly Compiled[], row: Row, env: ExecEnv): Promise<Row> {
  const out: Row = [];
  for (const e of exprs) out.push(await evaluate(e, row, env));
  return out;
}

export function columnIndex(t: TableSchema, name: string): number {
  const n = name.toLowerCase();
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === n);
  if (i >= 0) return i;
  if (!t.withoutRowid && (n === 'rowid' || n === 'oid' || n === '_rowid_')) return t.columns.length;
  throw new DoSQLError('SQL_ERROR', `sql: table ${t.name} has no column named ${name}`, { details: { table: t.name, column: name } });
}

/** EXPLAIN QUERY PLAN lines of the rows a statement changes. */
export function planLines(op: Operator): string[] {
  const out: string[] = [];
  op.describe(out, 0);
  return out;
}
