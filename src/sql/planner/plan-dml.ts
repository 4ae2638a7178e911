// INSERT / UPDATE / DELETE (lang_insert.html, lang_update.html, lang_delete.html,
// lang_upsert.html, lang_returning.html). Rows to change are read completely before the
// first write, so a statement never sees its own changes (no Halloween problem).
import { DoSQLError } from '../../errors.js';
import { byteString } from '../../util/bytes.js';
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { ExecEnv, Row } from '../execution/env.js';
import * as ops from '../execution/value-ops.js';
import { collectCharged } from '../execution/collect.js';
import type { Compiled } from '../execution/compiled.js';
import { evaluate, predicatesPass } from '../execution/evaluate.js';
import type { Operator } from '../execution/operators.js';
import { TableWriter } from '../execution/table-writer.js';
import { ForeignKeyEnforcer } from '../execution/foreign-keys.js';
import type { TableDml } from '../execution/table-dml.js';
import { DmlTargets } from './plan-table-dml.js';
import type { ConflictAction, DeleteStmt, FromItem, InsertStmt, ResultColumn, UpdateStmt, UpsertClause } from '../parser/ast.js';
import { rowKey } from '../rows/row-keys.js';
import type { SqlValue } from '../types/value.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { exprToSql } from './expr-name.js';
import { buildFrom, type Leaf } from './plan-from.js';
import { planJoin, splitAnd } from './plan-join.js';
import { planSelect, withCtes } from './plan-select.js';
import type { PlannerContext } from './planner-context.js';
import { Scope } from './scope.js';

export interface DmlResult {
  rows: Row[];
  changes: number;
  lastInsertRowId?: bigint;
}

export interface DmlPlan {
  readonly columns: readonly string[];
  execute(env: ExecEnv): Promise<DmlResult>;
  describe(): string[];
}

function cxFor(scope: Scope, pc: PlannerContext): CompileContext {
  return { scope, planSubquery: (s, child) => planSelect(s, child, pc), nextSlot: () => pc.nextSlot(), indexes: (t) => pc.catalog.indexesOf(t) };
}

function targetTable(pc: PlannerContext, name: string): TableSchema {
  const t = pc.catalog.findTable(name);
  if (!t) {
    if (pc.catalog.findView(name)) throw new DoSQLError('SQL_ERROR', `sql: cannot modify ${name} because it is a view`);
    throw new DoSQLError('SQL_ERROR', `sql: no such table: ${name}`, { details: { table: name } });
  }
  if (pc.catalog.triggersOf(t.name).length > 0) throw new DoSQLError('NOT_SUPPORTED', `sql: writing to ${t.name} would fire triggers, which are not supported yet`);
  return t;
}

/** Scope holding just the target table (alias allowed), rowid last. */
function tableLeaf(t: TableSchema, alias: string | undefined, scope: Scope, pc: PlannerContext): Leaf {
  const from = buildFrom({ kind: 'table', name: t.name, ...(alias ? { alias } : {}) }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const leaf = from.leaves[0]!;
  leaf.reader!.width = scope.width;
  leaf.reader!.used = undefined; // rows get rewritten whole
  return leaf;
}

function targetsFor(pc: PlannerContext): DmlTargets {
  return new DmlTargets(pc, (s, sc, p) => planSelect(s, sc, p));
}

/** Deletes the row under `key` (a REPLACE conflict) with its foreign-key checks and actions. */
async function replaceDelete(env: ExecEnv, writer: TableWriter, fk: ForeignKeyEnforcer, dml: TableDml, key: Uint8Array): Promise<void> {
  const old = await writer.reader.getRaw(env, key);
  if (!old) return;
  await fk.beforeDelete(dml, old);
  writer.deleteRow(env, old);
  await fk.afterDelete(dml, old);
}

function compileReturning(cols: readonly ResultColumn[] | undefined, scope: Scope, pc: PlannerContext): { names: string[]; exprs: Compiled[] } {
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

async function project(exprs: readonly Compiled[], row: Row, env: ExecEnv): Promise<Row> {
  const out: Row = [];
  for (const e of exprs) out.push(await evaluate(e, row, env));
  return out;
}

function columnIndex(t: TableSchema, name: string): number {
  const n = name.toLowerCase();
  const i = t.columns.findIndex((c) => c.name.toLowerCase() === n);
  if (i >= 0) return i;
  if (!t.withoutRowid && (n === 'rowid' || n === 'oid' || n === '_rowid_')) return t.columns.length;
  throw new DoSQLError('SQL_ERROR', `sql: table ${t.name} has no column named ${name}`, { details: { table: t.name, column: name } });
}

// ---------------------------------------------------------------- INSERT

export function planInsert(stmt: InsertStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => planInsertBody(stmt, pc));
}

function planInsertBody(stmt: InsertStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  const ncols = t.columns.length;
  const targets = stmt.source.kind === 'defaultValues' ? [] : stmt.columns ? stmt.columns.map((c) => columnIndex(t, c)) : t.columns.map((_, i) => i);
  const emptyCx = cxFor(new Scope(undefined, 0), pc);
  let source: { kind: 'values'; rows: Compiled[][] } | { kind: 'select'; run: (env: ExecEnv) => Row[] | Promise<Row[]> } | { kind: 'default' };
  if (stmt.source.kind === 'values') {
    const rows = stmt.source.rows.map((r) => {
      if (r.length !== targets.length) {
        throw new DoSQLError('SQL_ERROR', stmt.columns ? `sql: ${r.length} values for ${targets.length} columns` : `sql: table ${t.name} has ${ncols} columns but ${r.length} values were supplied`);
      }
      return r.map((e) => compileExpr(e, emptyCx));
    });
    source = { kind: 'values', rows };
  } else if (stmt.source.kind === 'select') {
    const plan = planSelect(stmt.source.select, new Scope(undefined, 0), pc);
    if (plan.columnCount !== targets.length) {
      throw new DoSQLError('SQL_ERROR', stmt.columns ? `sql: ${plan.columnCount} values for ${targets.length} columns` : `sql: table ${t.name} has ${ncols} columns but ${plan.columnCount} values were supplied`);
    }
    source = { kind: 'select', run: (env) => collectCharged(plan.op, env, 'INSERT ... SELECT') };
  } else source = { kind: 'default' };

  const dml = targetsFor(pc).get(t);
  const defaults = dml.defaults;
  const scope = new Scope(undefined, 0);
  const leaf = tableLeaf(t, stmt.alias, scope, pc);
  const returning = compileReturning(stmt.returning, scope, pc);
  const upsert = stmt.upsert?.length ? planUpsert(stmt.upsert, t, stmt.alias, pc, dml) : undefined;
  const orAction = stmt.orAction;
  // One VALUES row that no REPLACE can turn into a delete (SQLite's single-row INSERT, see ForeignKeyEnforcer.singleRowInsert).
  const singleRow =
    source.kind !== 'select' && (source.kind !== 'values' || source.rows.length === 1) && orAction !== 'REPLACE' && t.pkConflict !== 'REPLACE' && !dml.indexes.some((ix) => ix.onConflict === 'REPLACE');

  return {
    columns: returning.names,
    describe: () => [`INSERT INTO ${t.name}`],
    async execute(env) {
      const writer = new TableWriter(t, dml.indexes, leaf.reader!, dml.checks);
      const fk = new ForeignKeyEnforcer(env);
      fk.checkUsable(dml.outgoing);
      fk.singleRowInsert = singleRow;
      const out: DmlResult = { rows: [], changes: 0 };
      let inputs: Row[];
      if (source.kind === 'values') {
        inputs = [];
        for (const r of source.rows) inputs.push(r.every((c) => c.subqueries.length === 0) ? r.map((c) => c.ev([], env)) : await project(r, [], env));
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
        const rowid = await writer.resolveRowid(env, values, explicitRowid);
        values[ncols] = rowid;
        if (!(await writer.checkRow(env, values, rowid, orAction, defaultValues))) continue;
        if (upsert) {
          const r = await upsert.handle(env, writer, values, rowid, fk);
          if (r !== undefined) {
            if (r) {
              out.changes++;
              if (returning.exprs.length) out.rows.push(await project(returning.exprs, r, env));
            }
            continue;
          }
        }
        let conflict = await writer.findConflict(env, values, rowid);
        let skip = false;
        while (conflict) {
          const action: ConflictAction = orAction ?? (conflict.index ? conflict.index.onConflict : t.pkConflict) ?? 'ABORT';
          if (action === 'IGNORE') {
            skip = true;
            break;
          }
          if (action !== 'REPLACE') throw writer.conflictError(conflict, action);
          await replaceDelete(env, writer, fk, dml, conflict.rowKey);
          conflict = await writer.findConflict(env, values, rowid);
        }
        if (skip) continue;
        await fk.beforeInsert(dml, values);
        writer.putRow(env, values, rowid);
        out.changes++;
        if (rowid !== null) out.lastInsertRowId = rowid;
        if (returning.exprs.length) out.rows.push(await project(returning.exprs, values, env));
      }
      fk.finish();
      return out;
    },
  };
}

interface UpsertPlan {
  /**
   * Finds a conflict the UPSERT clauses handle and handles it: `undefined` when none applies
   * (the normal conflict rules follow), else the updated row or null (DO NOTHING / WHERE false).
   */
  handle(env: ExecEnv, writer: TableWriter, proposed: Row, rowid: bigint | null, fk: ForeignKeyEnforcer): Promise<Row | null | undefined>;
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
  const scope = new Scope(undefined, 0);
  tableLeaf(t, alias, scope, pc);
  const ex = buildFrom({ kind: 'table', name: t.name, alias: 'excluded' }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  ex.leaves[0]!.reader!.width = scope.width;
  // Unqualified names mean the existing row; the proposed one is only reachable as excluded.x.
  for (const c of ex.leaves[0]!.src.columns) ex.leaves[0]!.src.mergedNames.add(c.name.toLowerCase());
  const cx = cxFor(scope, pc);
  const width = t.columns.length + (t.withoutRowid ? 0 : 1);
  const plans = clauses.map((clause, i) => {
    if (!clause.target && i !== clauses.length - 1) throw new DoSQLError('SQL_ERROR', 'sql: only the last ON CONFLICT clause may omit the conflict target');
    const target = clause.target ? upsertTarget(t, clause.target.columns.map((ic) => (ic.expr.kind === 'column' ? ic.expr.column : '?')), pc) : undefined;
    if (clause.action.kind === 'nothing') return { target, nothing: true as const };
    const sets = clause.action.sets.map((s) => {
      if (s.columns.length !== 1) throw new DoSQLError('NOT_SUPPORTED', 'sql: row-value SET in UPSERT is not supported yet');
      return { col: columnIndex(t, s.columns[0]!), c: compileExpr(s.value, cx) };
    });
    const where = clause.action.where ? compileExpr(clause.action.where, cx) : undefined;
    return { target, nothing: false as const, sets, where };
  });
  return {
    async handle(env, writer, proposed, rowid, fk) {
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
        return (await applyUpdate(env, writer, old.slice(0, width), next, undefined, fk, dml, new Set(p.sets.map((x) => x.col)))) ? next : null;
      }
      return undefined;
    },
  };
}

/** Writes `next` over `old` (both table-reader rows); false when skipped by IGNORE. */
async function applyUpdate(env: ExecEnv, writer: TableWriter, old: Row, next: Row, orAction: ConflictAction | undefined, fk: ForeignKeyEnforcer, dml: TableDml, assigned: ReadonlySet<number>): Promise<boolean> {
  const t = writer.table;
  const ncols = t.columns.length;
  const oldRowid = t.withoutRowid ? null : (old[ncols] as bigint);
  let newRowid = oldRowid;
  if (!t.withoutRowid) {
    if (t.rowidAlias >= 0 && next[t.rowidAlias] !== old[t.rowidAlias]) {
      if (next[t.rowidAlias] === null) throw new DoSQLError('MISMATCH', `sql: datatype mismatch (${t.name}.${t.columns[t.rowidAlias]!.name} is an INTEGER PRIMARY KEY and cannot be NULL)`);
      newRowid = await writer.resolveRowid(env, next, undefined);
    }
    else if (next[ncols] !== old[ncols]) newRowid = await writer.resolveRowid(env, next, next[ncols]!);
    next[ncols] = newRowid;
  }
  if (!(await writer.checkRow(env, next, newRowid, orAction, []))) return false;
  const branch = env.txn.branch;
  const oldKey = rowKey(branch, t, old, oldRowid);
  let conflict = await writer.findConflict(env, next, newRowid, oldKey);
  while (conflict) {
    const action: ConflictAction = orAction ?? (conflict.index ? conflict.index.onConflict : t.pkConflict) ?? 'ABORT';
    if (action === 'IGNORE') return false;
    if (action !== 'REPLACE') throw writer.conflictError(conflict, action);
    await replaceDelete(env, writer, fk, dml, conflict.rowKey);
    conflict = await writer.findConflict(env, next, newRowid, oldKey);
  }
  const change = { assigned, rowidChanged: newRowid !== oldRowid };
  await fk.beforeUpdateOld(dml, old, change);
  writer.deleteRow(env, old);
  await fk.beforeUpdateNew(dml, next, change);
  writer.putRow(env, next, newRowid);
  await fk.afterUpdate(dml, old, next, change);
  return true;
}

/** EXPLAIN QUERY PLAN lines of the rows a statement changes. */
function planLines(op: Operator): string[] {
  const out: string[] = [];
  op.describe(out, 0);
  return out;
}

// ---------------------------------------------------------------- UPDATE

export function planUpdate(stmt: UpdateStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => planUpdateBody(stmt, pc));
}

function planUpdateBody(stmt: UpdateStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  if (stmt.orderBy || stmt.limit) throw new DoSQLError('NOT_SUPPORTED', 'sql: UPDATE ... ORDER BY/LIMIT is not supported yet');
  const scope = new Scope(undefined, 0);
  const fromItem: FromItem = stmt.from
    ? { kind: 'join', joinType: 'INNER', natural: false, left: { kind: 'table', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) }, right: stmt.from }
    : { kind: 'table', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) };
  const from = buildFrom(fromItem, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const cx = cxFor(scope, pc);
  const join = planJoin(from, splitAnd(stmt.where), scope.width, cx);
  const sets: { col: number; c: Compiled }[] = [];
  pc.checkColumns(stmt.sets.length, 'too many columns in set list');
  for (const s of stmt.sets) {
    if (s.columns.length !== 1) throw new DoSQLError('NOT_SUPPORTED', 'sql: row-value SET (a, b) = (...) is not supported yet');
    let col: number;
    try {
      col = columnIndex(t, s.columns[0]!);
    } catch {
      // UPDATE names an unknown column as SQLite does (INSERT's message is the other one).
      throw new DoSQLError('SQL_ERROR', `sql: no such column: ${s.columns[0]!}`, { details: { table: t.name, column: s.columns[0]! } });
    }
    sets.push({ col, c: compileExpr(s.value, cx) });
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
  return {
    columns: returning.names,
    describe: () => planLines(join.op),
    async execute(env) {
      const writer = new TableWriter(t, dml.indexes, reader, dml.checks);
      const fk = new ForeignKeyEnforcer(env);
      fk.checkUsable(relevant);
      // Foreign-key actions of earlier rows may change or remove later ones: read each again.
      const reread = fk.on && dml.incoming.length > 0;
      const rows = await collectCharged(join.op, env, 'UPDATE');
      const seen = new Set<string>();
      const out: DmlResult = { rows: [], changes: 0 };
      const branch = env.txn.branch;
      for (const row of rows) {
        const k = rowKey(branch, t, row, t.withoutRowid ? null : (row[t.columns.length] as bigint));
        const ks = byteString(k);
        if (seen.has(ks)) continue;
        seen.add(ks);
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
        if (!(await applyUpdate(env, writer, row.slice(0, width), next, stmt.orAction, fk, dml, assigned))) continue;
        out.changes++;
        if (returning.exprs.length) {
          const r = row.slice();
          for (let i = 0; i < width; i++) r[i] = next[i]!;
          out.rows.push(await project(returning.exprs, r, env));
        }
      }
      fk.finish();
      return out;
    },
  };
}

// ---------------------------------------------------------------- DELETE

export function planDelete(stmt: DeleteStmt, pc: PlannerContext): DmlPlan {
  return withCtes(stmt.with, pc, () => planDeleteBody(stmt, pc));
}

function planDeleteBody(stmt: DeleteStmt, pc: PlannerContext): DmlPlan {
  const t = targetTable(pc, stmt.table.name);
  if (stmt.orderBy || stmt.limit) throw new DoSQLError('NOT_SUPPORTED', 'sql: DELETE ... ORDER BY/LIMIT is not supported yet');
  const scope = new Scope(undefined, 0);
  const from = buildFrom({ kind: 'table', name: t.name, ...(stmt.alias ? { alias: stmt.alias } : {}) }, scope, pc, (s, sc, p) => planSelect(s, sc, p));
  const cx = cxFor(scope, pc);
  const join = planJoin(from, splitAnd(stmt.where), scope.width, cx);
  const dml = targetsFor(pc).get(t);
  const returning = compileReturning(stmt.returning, scope, pc);
  const reader = from.leaves[0]!.reader!;
  reader.used = undefined; // index entries of deleted rows need every indexed column
  return {
    columns: returning.names,
    describe: () => planLines(join.op),
    async execute(env) {
      const writer = new TableWriter(t, dml.indexes, reader, []);
      const fk = new ForeignKeyEnforcer(env);
      // Deleting looks up the parents of the rows (a missing parent table is an error) and their children.
      fk.checkUsable([...dml.outgoing, ...dml.incoming]);
      // A CASCADE from an earlier row may already have deleted a later one.
      const reread = fk.on && dml.incoming.length > 0;
      const rows = await collectCharged(join.op, env, 'DELETE');
      const out: DmlResult = { rows: [], changes: 0 };
      const branch = env.txn.branch;
      for (const row of rows) {
        if (reread && !(await writer.reader.getRaw(env, rowKey(branch, t, row, t.withoutRowid ? null : (row[t.columns.length] as bigint))))) continue;
        await fk.beforeDelete(dml, row);
        writer.deleteRow(env, row);
        await fk.afterDelete(dml, row);
        out.changes++;
        if (returning.exprs.length) out.rows.push(await project(returning.exprs, row, env));
      }
      fk.finish();
      return out;
    },
  };
}

