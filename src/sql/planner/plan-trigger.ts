// Compiles the triggers of a table or view for one event (https://sqlite.org/lang_createtrigger.html)
// into TriggerPrograms (execution/triggers.ts). A trigger's WHEN and statements see NEW and
// OLD as the two halves of the trigger row, the outermost query level (0) of their own
// PlannerContext: NEW's columns then its rowid, then OLD's. NEW exists for INSERT and
// UPDATE, OLD for UPDATE and DELETE; the other half is there but cannot be named.
import type { Catalog } from '../catalog/catalog.js';
import type { TriggerSchema } from '../catalog/schema.js';
import { collect } from '../execution/collect.js';
import type { TriggerEvent, TriggerProgram } from '../execution/triggers.js';
import type { Statement } from '../parser/ast.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import { compileExpr } from './compile-expr.js';
import type { PlanSelectFn } from './plan-from.js';
import { PlannerContext } from './planner-context.js';
import { Scope, type SourceColumn } from './scope.js';

/** The columns a trigger row is made of: the table's (or view's), then a rowid when it has one. */
export interface TriggerTarget {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly affinity: Affinity | null; readonly collation: Collation }[];
  readonly hasRowid: boolean;
}

/** Plans one statement of a trigger body in `pc` (INSERT, UPDATE, DELETE: plan-dml.ts; SELECT). */
export type PlanTriggerStep = (stmt: Statement, pc: PlannerContext) => (env: import('../execution/env.js').ExecEnv) => Promise<void>;

/** The triggers on `target` for `event`, newest first (the order SQLite fires them). */
export function triggersFor(catalog: Catalog, target: string, event: TriggerEvent): TriggerSchema[] {
  return catalog
    .triggersOf(target)
    .filter((t) => t.stmt.event.kind === event)
    .sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0) || (a.name < b.name ? 1 : -1));
}

/** The scope a trigger's WHEN and statements see: NEW and OLD (when `event` has them) over the trigger row. */
export function triggerScope(target: TriggerTarget, event: TriggerEvent): Scope {
  const scope = new Scope(undefined, 0);
  scope.trigger = true;
  const cols: SourceColumn[] = target.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation, hidden: false }));
  // The rowid slot: reachable as new.rowid / old.rowid only (a NUL name matches no column).
  cols.push({ name: '\u0000', affinity: 'INTEGER', collation: 'BINARY', hidden: true });
  const rowid = target.hasRowid ? cols.length - 1 : -1;
  scope.addSource(event === 'DELETE' ? '\u0000new' : 'new', cols, rowid);
  scope.addSource(event === 'INSERT' ? '\u0000old' : 'old', cols, rowid);
  return scope;
}

/** Compiles the triggers on `target` for `event`; `planStep` plans each body statement. */
export function compileTriggers(catalog: Catalog, limits: PlannerContext['limits'], target: TriggerTarget, event: TriggerEvent, planStep: PlanTriggerStep, planSelect: PlanSelectFn): TriggerProgram[] {
  return triggersFor(catalog, target.name, event).map((tr) => {
    const scope = triggerScope(target, event);
    const pc = new PlannerContext(catalog, undefined, limits, scope);
    const s = tr.stmt;
    const cx = { scope, planSubquery: (sel: Parameters<PlanSelectFn>[0], child: Scope) => planSelect(sel, child, pc), nextSlot: () => pc.nextSlot(), indexes: (t: string) => catalog.indexesOf(t) };
    let columns: number[] | undefined;
    if (s.event.kind === 'UPDATE' && s.event.columns) {
      columns = s.event.columns.map((n) => target.columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase())).filter((i) => i >= 0);
    }
    return {
      name: tr.name,
      timing: s.timing,
      event,
      ...(columns ? { columns } : {}),
      ...(s.when ? { when: compileExpr(s.when, cx) } : {}),
      steps: s.body.map((b) => planStep(b, pc)),
    };
  });
}

/** A SELECT step of a trigger body: run for its side effects (RAISE), rows discarded. */
export function selectStep(stmt: Extract<Statement, { kind: 'select' }>, pc: PlannerContext, planSelect: PlanSelectFn): (env: import('../execution/env.js').ExecEnv) => Promise<void> {
  const plan = planSelect(stmt, pc.rootScope(), pc) as ReturnType<PlanSelectFn> & { op: import('../execution/operators.js').Operator };
  return async (env) => {
    await collect(plan.op, env);
  };
}
