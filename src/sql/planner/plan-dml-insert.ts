// INSERT (lang_insert.html, lang_upsert.html, lang_returning.html). Per row, in SQLite's
// order: BEFORE INSERT triggers (NEW.rowid -1 when the rowid is not given), the rowid, NOT
// NULL and CHECK, UPSERT or the conflict resolution (REPLACE deletes with foreign-key
// actions), the foreign-key count, the write, then AFTER INSERT triggers. Rows to insert
// are computed before the first write, so the statement never sees its own rows.
import { DoSQLError } from '../../errors.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import { collectCharged } from '../execution/collect.js';
import type { Compiled } from '../execution/compiled.js';
import type { ExecEnv, Row } from '../execution/env.js';
import { evaluate, predicatesPass } from '../execution/evaluate.js';
import type { TableDml } from '../execution/table-dml.js';
import { TableWriter } from '../execution/table-writer.js';
import { rowKey } from '../rows/row-keys.js';
import { RaiseIgnore, type RowHooks } from '../execution/triggers.js';
import * as ops from '../execution/value-ops.js';
import type { ConflictAction, InsertStmt, UpsertClause } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { sequenceOf, writeSequence } from '../execution/autoincrement.js';
import { applyRowObject, rowObject } from '../execution/row-triggers.js';
import { rowValueSet } from './plan-row-value-set.js';
import { insertPlainRows, type PlainInsert } from './plan-insert-plain.js';
import { compileExpr } from './compile-expr.js';
import { applyUpdate, columnIndex, compileReturning, cxFor, fire, project, replaceDelete, rowHooks, tableLeaf, targetsFor, targetTable, type DmlPlan, type DmlResult } from './plan-dml-common.js';
import { buildFrom } from './plan-from.js';
import { planSelect } from './plan-select.js';
import type { PlannerContext } from './planner-context.js';

/** The row VALUES expressions are evaluated over: none (they may only read parameters). */
const NO_ROW: Row = [];

export function planTableInsert(stmt: InsertStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  const ncols = t.columns.length;
  // Generated columns take no values: left out of the implicit column list, refused in an explicit one.
  const targets = stmt.source.kind === 'defaultValues' ? [] : stmt.columns ? stmt.columns.map((c) => columnIndex(t, c)) : t.columns.flatMap((c, i) => (c.generated ? [] : [i]));
  for (const i of targets) if (t.columns[i]?.generated) throw new DoSQLError('SQL_ERROR', `sql: cannot INSERT into generated column "${t.columns[i]!.name}"`);
  const ncolsGiven = targets.length;
  const emptyCx = cxFor(pc.rootScope(), pc);
  // direct[i]: VALUES row i has no subquery, so its expressions evaluate synchronously.
  let source: { kind: 'values'; rows: Compiled[][]; direct: boolean[] } | { kind: 'select'; run: (env: ExecEnv) => Row[] | Promise<Row[]> } | { kind: 'default' };
  if (stmt.source.kind === 'values') {
    const rows = stmt.source.rows.map((r) => {
      if (r.length !== targets.length) {
        throw new DoSQLError('SQL_ERROR', stmt.columns ? `sql: ${r.length} values for ${targets.length} columns` : `sql: table ${t.name} has ${ncolsGiven} columns but ${r.length} values were supplied`);
      }
      return r.map((e) => compileExpr(e, emptyCx));
    });
    source = { kind: 'values', rows, direct: rows.map((r) => r.every((c) => c.subqueries.length === 0)) };
  } else if (stmt.source.kind === 'select') {
    const plan = planSelect(stmt.source.select, pc.rootScope(), pc);
    if (plan.columnCount !== targets.length) {
      throw new DoSQLError('SQL_ERROR', stmt.columns ? `sql: ${plan.columnCount} values for ${targets.length} columns` : `sql: table ${t.name} has ${ncolsGiven} columns but ${plan.columnCount} values were supplied`);
    }
    source = { kind: 'select', run: (env) => collectCharged(plan.op, env, 'INSERT ... SELECT') };
  } else source = { kind: 'default' };

  const dml = targetsFor(pc).get(t);
  const defaults = dml.defaults;
  const scope = pc.rootScope();
  const leaf = tableLeaf(t, stmt.alias, scope, pc);
  const returning = compileReturning(stmt.returning, scope, pc);
  const upsert = stmt.upsert?.length ? planUpsert(stmt.upsert, t, stmt.alias, pc, dml) : undefined;
  // Triggers that may fire, compiled now for a top-level statement so their errors are its
  // own; a trigger's statements compile theirs when first fired (they may lead back here).
  const hasTriggers = pc.catalog.triggersOf(t.name).some((tr) => tr.stmt.event.kind === 'INSERT' && tr.stmt.timing !== 'INSTEAD OF');
  if (!pc.triggerScope) {
    dml.triggers('INSERT');
    if (upsert) dml.triggers('UPDATE');
  }
  // One VALUES row that no REPLACE or trigger can turn into more writes (SQLite's single-row INSERT, see ForeignKeyEnforcer.beforeInsert).
  const singleRow =
    source.kind !== 'select' && (source.kind !== 'values' || source.rows.length === 1) && stmt.orAction !== 'REPLACE' && t.pkConflict !== 'REPLACE' && !dml.indexes.some((ix) => ix.onConflict === 'REPLACE') && !hasTriggers;

  // A plain VALUES insert takes plan-insert-plain.ts's loop: nothing in it needs an await
  // unless a read or check does (REPLACE, triggers, UPSERT, RETURNING and AUTOINCREMENT do).
  const plain =
    source.kind === 'values' &&
    source.direct.every((d) => d) &&
    !upsert &&
    returning.exprs.length === 0 &&
    !t.autoincrement &&
    !hasTriggers &&
    stmt.orAction !== 'REPLACE' &&
    t.pkConflict !== 'REPLACE' &&
    !dml.indexes.some((ix) => ix.onConflict === 'REPLACE') &&
    defaults.every((d) => !d || d.subqueries.length === 0);

  // The plain path's writer, kept between executions while none runs (a prepared INSERT run
  // once per row made one per row): taken by one execution at a time, its automatic rowid
  // forgotten at each start (it is per statement), given back when the statement completed.
  let idleWriter: TableWriter | undefined;
  // A table without DEFAULT clauses: the same all-NULL defaults for every execution (read only).
  const noDefaults: readonly SqlValue[] = defaults.every((d) => !d) ? new Array<SqlValue>(ncols).fill(null) : [];
  return {
    columns: returning.names,
    describe: () => [`INSERT INTO ${t.name}`],
    execute(env) {
      const { hooks, top } = rowHooks(env);
      try {
        const rt = env.rowTriggers;
        const r =
          plain && env.conflictOverride !== 'REPLACE' && dml.triggers('INSERT').length === 0 && !rt?.fires(t.name, 'before', 'insert') && !rt?.fires(t.name, 'after', 'insert')
            ? runPlain(env, hooks, top)
            : run(env, hooks, top);
        return r instanceof Promise ? r.catch((e: unknown): never => {
          throw top ? hooks.fk.onError(e) : e;
        }) : r;
      } catch (e) {
        throw top ? hooks.fk.onError(e) : e;
      }
    },
  };
  function runPlain(env: ExecEnv, hooks: RowHooks, top: boolean): DmlResult | Promise<DmlResult> {
    let writer = idleWriter;
    if (writer) {
      idleWriter = undefined;
      writer.forgetRowid();
    } else writer = new TableWriter(t, dml.indexes, leaf.reader!, dml.checks, dml.programs);
    const done = writer;
    const fk = hooks.fk;
    fk.checkUsable(dml.outgoing);
    const { rows } = source as { rows: Compiled[][] };
    const inputs: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const vals: Row = new Array(r.length);
      for (let k = 0; k < r.length; k++) vals[k] = r[k]!.ev(NO_ROW, env);
      inputs[i] = vals;
    }
    let defaultValues: readonly SqlValue[] = noDefaults;
    if (defaultValues.length !== ncols) {
      const dv: SqlValue[] = new Array(ncols);
      for (let i = 0; i < ncols; i++) {
        const d = defaults[i];
        dv[i] = d ? ops.applyAffinity(d.ev(NO_ROW, env), t.columns[i]!.affinity) : null;
      }
      defaultValues = dv;
    }
    const out: DmlResult = { rows: [], changes: 0 };
    const p: PlainInsert = { env, t, dml, writer, fk, targets, defaults: defaultValues, orAction: env.conflictOverride ?? stmt.orAction, singleRow: top && singleRow, out };
    const r = insertPlainRows(p, inputs, 0);
    if (r instanceof Promise) {
      return r.then((o) => {
        if (top) fk.finish();
        idleWriter = done;
        return o;
      });
    }
    if (top) fk.finish();
    idleWriter = done;
    return r;
  }
  async function run(env: ExecEnv, hooks: RowHooks, top: boolean): Promise<DmlResult> {
    const orAction = env.conflictOverride ?? stmt.orAction;
    const writer = new TableWriter(t, dml.indexes, leaf.reader!, dml.checks, dml.programs);
    if (t.autoincrement) writer.autoSeq = { value: await sequenceOf(env, t) };
    const fk = hooks.fk;
    fk.checkUsable(dml.outgoing);
    const out: DmlResult = { rows: [], changes: 0 };
    const triggers = dml.triggers('INSERT');
    let inputs: Row[];
    if (source.kind === 'values') {
      inputs = [];
      const { rows, direct } = source;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (!direct[i]) {
          inputs.push(await project(r, NO_ROW, env));
          continue;
        }
        const vals: Row = new Array(r.length);
        for (let k = 0; k < r.length; k++) vals[k] = r[k]!.ev(NO_ROW, env);
        inputs.push(vals);
      }
    } else if (source.kind === 'select') inputs = await source.run(env);
    else inputs = [[]];
    const defaultValues: SqlValue[] = [];
    for (let i = 0; i < ncols; i++) {
      const d = defaults[i];
      defaultValues.push(d ? ops.applyAffinity(await evaluate(d, [], env), t.columns[i]!.affinity) : null);
    }
    for (const input of inputs) {
      const values: Row = defaultValues.slice();
      values.push(null);
      let explicitRowid: SqlValue | undefined;
      for (let k = 0; k < targets.length; k++) {
        const ci = targets[k]!;
        if (ci === ncols) explicitRowid = input[k]!;
        else values[ci] = ops.applyAffinity(input[k]!, t.columns[ci]!.affinity);
      }
      try {
        if (triggers.length) {
          const img = values.slice();
          const given = t.rowidAlias >= 0 ? values[t.rowidAlias] : explicitRowid;
          img[ncols] = given === undefined || given === null ? -1n : ops.applyAffinity(given, 'INTEGER');
          if (t.rowidAlias >= 0) img[t.rowidAlias] = img[ncols]!;
          await fire(env, hooks, dml, 'BEFORE', 'INSERT', img, undefined, undefined, orAction);
          writer.forgetRowid();
        }
        // The per-row steps may complete synchronously: await only the promises they return.
        let rid = writer.resolveRowid(env, values, explicitRowid);
        if (rid instanceof Promise) rid = await rid;
        let rowid = rid;
        values[ncols] = rowid;
        const rt = env.rowTriggers;
        if (rt?.fires(t.name, 'before', 'insert')) {
          const given = t.rowidAlias >= 0 ? values[t.rowidAlias] : undefined;
          const o = await rt.before(t.name, 'insert', undefined, rowObject(t, values), env.txn.branch);
          if (o) {
            applyRowObject(t, values, o, `a BEFORE INSERT trigger on ${t.name}`);
            if (t.rowidAlias >= 0 && values[t.rowidAlias] !== given) values[ncols] = rowid = await writer.resolveRowid(env, values, undefined);
          }
        }
        let ok = writer.checkRow(env, values, rowid, orAction, defaultValues);
        if (ok instanceof Promise) ok = await ok;
        if (!ok) continue;
        if (upsert) {
          const r = await upsert.handle(env, writer, values, rowid, hooks, orAction);
          if (r !== undefined) {
            if (r) {
              out.changes++;
              if (returning.exprs.length) out.rows.push(await project(returning.exprs, r, env));
            }
            continue;
          }
        }
        const key = rowKey(env.txn.branch, t, values, rowid);
        let found = writer.findConflict(env, values, rowid, undefined, undefined, key);
        if (found instanceof Promise) found = await found;
        let conflict = found;
        let skip = false;
        while (conflict) {
          const action: ConflictAction = orAction ?? (conflict.index ? conflict.index.onConflict : t.pkConflict) ?? 'ABORT';
          if (action === 'IGNORE') {
            skip = true;
            break;
          }
          if (action !== 'REPLACE') throw writer.conflictError(conflict, action);
          await replaceDelete(env, writer, hooks, dml, conflict.rowKey);
          conflict = await writer.findConflict(env, values, rowid);
        }
        if (skip) continue;
        const fkDone = fk.beforeInsert(dml, values, top && singleRow);
        if (fkDone) await fkDone;
        // The conflict loop found the key free (or freed it: REPLACE logged that row's image),
        // and the foreign-key check only reads parents: no row was there (the CDC before image).
        writer.putRow(env, values, rowid, null, key);
        if (rt?.fires(t.name, 'after', 'insert')) env.txn.recordAfter({ table: t.name, event: 'insert', new: rowObject(t, values), branch: env.txn.branch });
        out.changes++;
        if (rowid !== null) out.lastInsertRowId = rowid;
        if (returning.exprs.length) out.rows.push(await project(returning.exprs, values, env));
        if (triggers.length) await fire(env, hooks, dml, 'AFTER', 'INSERT', values, undefined, undefined, orAction);
      } catch (e) {
        if (!(e instanceof RaiseIgnore)) throw e;
      }
    }
    if (writer.autoSeq) await writeSequence(env, t, writer.autoSeq.value);
    if (top) fk.finish();
    return out;
  }
}

interface UpsertPlan {
  /**
   * Finds a conflict the UPSERT clauses handle and handles it: `undefined` when none applies
   * (the normal conflict rules follow), else the updated row or null (DO NOTHING / WHERE false).
   */
  handle(env: ExecEnv, writer: TableWriter, proposed: Row, rowid: bigint | null, hooks: RowHooks, override: ConflictAction | undefined): Promise<Row | null | undefined>;
}

/** The constraint an ON CONFLICT target names (lang_upsert.html): the PRIMARY KEY or a UNIQUE index with exactly those columns. */
function upsertTarget(t: TableSchema, cols: readonly string[], pc: PlannerContext): 'pk' | IndexSchema {
  const want = new Set(cols.map((c) => columnIndex(t, c)));
  const same = (xs: readonly number[]): boolean => xs.length === want.size && xs.every((x) => want.has(x));
  if (!t.withoutRowid && t.rowidAlias >= 0 && same([t.rowidAlias])) return 'pk';
  if (!t.withoutRowid && want.size === 1 && want.has(t.columns.length)) return 'pk';
  if (t.withoutRowid && same(t.primaryKey)) return 'pk';
  for (const ix of pc.catalog.indexesOf(t.name)) {
    if (!ix.unique || ix.where) continue;
    // SQLite does not match an index containing the INTEGER PRIMARY KEY column (it stores the rowid there).
    if (t.rowidAlias >= 0 && ix.columns.some((c) => c.columnId === t.columns[t.rowidAlias]!.id)) continue;
    if (same(ix.columns.map((c) => t.columns.findIndex((col) => col.id === c.columnId)))) return ix;
  }
  throw new DoSQLError('SQL_ERROR', 'sql: ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint');
}

function planUpsert(clauses: readonly UpsertClause[], t: TableSchema, alias: string | undefined, pc: PlannerContext, dml: TableDml): UpsertPlan {
  // Scope: the existing row, then the proposed row as "excluded".
  const scope = pc.rootScope();
  tableLeaf(t, alias, scope, pc);
  const ex = buildFrom({ kind: 'table', schema: pc.catalog.isTemp(t) ? 'temp' : 'main', name: t.name, alias: 'excluded' }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  ex.leaves[0]!.reader!.width = scope.width;
  // Unqualified names mean the existing row; the proposed one is only reachable as excluded.x.
  for (const c of ex.leaves[0]!.src.columns) ex.leaves[0]!.src.mergedNames.add(c.name.toLowerCase());
  const cx = cxFor(scope, pc);
  const width = t.columns.length + (t.withoutRowid ? 0 : 1);
  const plans = clauses.map((clause, i) => {
    if (!clause.target && i !== clauses.length - 1) throw new DoSQLError('SQL_ERROR', 'sql: only the last ON CONFLICT clause may omit the conflict target');
    const target = clause.target ? upsertTarget(t, clause.target.columns.map((ic) => (ic.expr.kind === 'column' ? ic.expr.column : '?')), pc) : undefined;
    if (clause.action.kind === 'nothing') return { target, nothing: true as const };
    const sets = clause.action.sets.flatMap((s) => {
      const values = rowValueSet(s.columns.length, s.value, cx);
      // SQLite lets DO UPDATE assign a generated column; the value is computed over it.
      return s.columns.map((name, j) => ({ col: columnIndex(t, name), c: values[j]! }));
    });
    const where = clause.action.where ? compileExpr(clause.action.where, cx) : undefined;
    return { target, nothing: false as const, sets, where };
  });
  return {
    async handle(env, writer, proposed, rowid, hooks, override) {
      for (const p of plans) {
        const c = await writer.findConflict(env, proposed, rowid, undefined, p.target);
        if (!c) continue;
        if (p.nothing) return null;
        const old = await writer.reader.getRaw(env, c.rowKey);
        if (!old) return null;
        const row: Row = old.slice(0, width);
        for (let i = 0; i < width; i++) row.push(proposed[i] ?? null);
        if (p.where && !(await predicatesPass([p.where], row, env))) return null;
        const next = old.slice(0, width);
        for (const s of p.sets) next[s.col] = s.col === t.columns.length ? await evaluate(s.c, row, env) : ops.applyAffinity(await evaluate(s.c, row, env), t.columns[s.col]!.affinity);
        const assigned = new Set(p.sets.map((x) => x.col));
        // DO UPDATE fires the UPDATE triggers of the row it changes, the programmatic ones too
        // (after the SQL BEFORE triggers, as a plain UPDATE runs them).
        await fire(env, hooks, dml, 'BEFORE', 'UPDATE', next, old.slice(0, width), assigned, override);
        const rt = env.rowTriggers;
        if (rt?.fires(t.name, 'before', 'update')) {
          const o = await rt.before(t.name, 'update', rowObject(t, old), rowObject(t, next), env.txn.branch);
          if (o) applyRowObject(t, next, o, `a BEFORE UPDATE trigger on ${t.name}`);
        }
        if (!(await applyUpdate(env, writer, old.slice(0, width), next, undefined, hooks, dml, assigned))) return null;
        if (rt?.fires(t.name, 'after', 'update')) env.txn.recordAfter({ table: t.name, event: 'update', old: rowObject(t, old), new: rowObject(t, next), branch: env.txn.branch });
        await fire(env, hooks, dml, 'AFTER', 'UPDATE', next, old.slice(0, width), assigned, override);
        return next;
      }
      return undefined;
    },
  };
}
