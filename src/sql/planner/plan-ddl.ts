// CREATE / DROP / ALTER (lang_createtable.html, lang_createindex.html, lang_createview.html,
// lang_createtrigger.html, lang_droptable.html, lang_altertable.html). Schema changes are
// catalog rows written in the same transaction as any data they move, so DDL is
// transactional and versioned like data.
import { dropVirtualTable } from './virtual-tables.js';
import { DoSQLError } from '../../errors.js';
import { limitExceeded } from '../execution/limits.js';
import { encodeTablePrefix } from '../../mvcc/internal-key.js';
import { Catalog } from '../catalog/catalog.js';
import { EXPRESSION_COLUMN, type ColumnSchema, type IndexColumnSchema, type IndexSchema, type SchemaObject, type TableSchema } from '../catalog/schema.js';
import type { ExecEnv, Row } from '../execution/env.js';
import * as ops from '../execution/value-ops.js';
import { TableReader } from '../execution/table-reader.js';
import { TableWriter } from '../execution/table-writer.js';
import type { AlterTableStmt, ColumnDef, CreateIndexStmt, CreateTableStmt, CreateTriggerStmt, CreateViewStmt, DropStmt, IndexedColumn } from '../parser/ast.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { planSelect } from './plan-select.js';
import { createTableAsSql } from './ctas-sql.js';
import { forgetSequence, SEQUENCE_SQL, SEQUENCE_TABLE } from '../execution/autoincrement.js';
import { parseOne } from '../parser/index.js';
import { checkGeneratedColumns, refuseNondeterministic, refuseSubqueries, rowProgramsFor } from './plan-row-programs.js';
import { PlannerContext } from './planner-context.js';
import { Scope } from './scope.js';
import type { Collation } from '../types/compare.js';

/** Runs a DDL statement in `env.txn`; `sql` is the statement text stored in the catalog. */
export type DdlRunner = (env: ExecEnv, sql: string) => Promise<void>;

/** LIMIT_EXCEEDED with SQLite's message when `n` columns pass limits.maxColumns (SQLITE_MAX_COLUMN). */
function checkColumnCount(env: ExecEnv, n: number, message: string): void {
  const max = env.guard.limits.maxColumns;
  if (n > max) throw limitExceeded('maxColumns', max, message);
}

function exists(msg: string, name: string): DoSQLError {
  return new DoSQLError('SQL_ERROR', `sql: ${msg} ${name} already exists`, { details: { name } });
}

function checkName(name: string): void {
  if (name.toLowerCase().startsWith('sqlite_')) throw new DoSQLError('SQL_ERROR', `sql: object name reserved for internal use: ${name}`);
}

function collationOf(def: ColumnDef): Collation {
  const c = def.constraints.find((x) => x.kind === 'collate');
  return c && c.kind === 'collate' ? ops.collation(c.collation) : 'BINARY';
}

function indexedColumnName(ic: IndexedColumn): string {
  let e = ic.expr;
  if (e.kind === 'collate') e = e.operand;
  if (e.kind !== 'column' || e.table) throw new DoSQLError('NOT_SUPPORTED', 'sql: indexes on expressions are not supported yet');
  return e.column;
}

function indexedCollation(ic: IndexedColumn, col: ColumnSchema): Collation {
  if (ic.collation) return ops.collation(ic.collation);
  if (ic.expr.kind === 'collate') return ops.collation(ic.expr.collation);
  return col.collation;
}

/** A UNIQUE or PRIMARY KEY constraint's automatic index, in the order SQLite numbers them (sqlite_autoindex_T_N). */
export interface AutoIndexDef {
  name?: string;
  columns: IndexedColumn[];
  onConflict?: IndexSchema['onConflict'];
  /** The PRIMARY KEY: no index for an INTEGER PRIMARY KEY, none in the catalog for a WITHOUT ROWID table (the table is keyed by it) but it takes its number. */
  pk?: boolean;
}

export function buildTableSchema(stmt: CreateTableStmt, id: number, sql: string): { table: TableSchema; uniques: AutoIndexDef[] } {
  const names = new Set<string>();
  let pkCols: IndexedColumn[] | undefined;
  let pkConflict: TableSchema['pkConflict'];
  let autoincrement = false;
  const uniques: AutoIndexDef[] = [];
  const checks: { name?: string; expr: import('../parser/ast.js').Expr }[] = [];
  const foreignKeys: TableSchema['foreignKeys'][number][] = [];
  const columns: ColumnSchema[] = stmt.columns.map((def, i) => {
    const lower = def.name.toLowerCase();
    if (names.has(lower)) throw new DoSQLError('SQL_ERROR', `sql: duplicate column name: ${def.name}`);
    names.add(lower);
    let notNull = false;
    let notNullConflict: ColumnSchema['notNullConflict'];
    let defaultExpr: ColumnSchema['defaultExpr'];
    let defaultText: string | undefined;
    let primaryKey = false;
    let generated: ColumnSchema['generated'];
    for (const c of def.constraints) {
      switch (c.kind) {
        case 'primaryKey':
          if (pkCols) throw new DoSQLError('SQL_ERROR', `sql: table "${stmt.name}" has more than one primary key`);
          pkCols = [{ expr: { kind: 'column', column: def.name }, ...(c.direction ? { direction: c.direction } : {}) }];
          pkConflict = c.onConflict;
          uniques.push({ columns: pkCols, pk: true });
          autoincrement = c.autoincrement;
          primaryKey = true;
          break;
        case 'notNull':
          notNull = true;
          notNullConflict = c.onConflict;
          break;
        case 'unique':
          uniques.push({ ...(c.name ? { name: c.name } : {}), columns: [{ expr: { kind: 'column', column: def.name } }], ...(c.onConflict ? { onConflict: c.onConflict } : {}) });
          break;
        case 'check':
          checks.push({ ...(c.name ? { name: c.name } : {}), expr: c.expr });
          break;
        case 'default':
          defaultExpr = c.expr;
          defaultText = c.text;
          break;
        case 'references':
          foreignKeys.push({ columns: [def.name], fk: c.fk });
          break;
        case 'generated':
          generated = { expr: c.expr, stored: c.stored };
          break;
        default:
          break;
      }
    }
    if (generated) {
      // lang_createtable.html "Generated columns": the restrictions SQLite checks at CREATE TABLE.
      if (defaultExpr) throw new DoSQLError('SQL_ERROR', 'sql: cannot use DEFAULT on a generated column');
      if (primaryKey) throw new DoSQLError('SQL_ERROR', 'sql: generated columns cannot be part of the PRIMARY KEY');
      refuseSubqueries(generated.expr, 'generated columns');
      refuseNondeterministic(generated.expr, 'generated columns');
    }
    const type = def.type ? (def.type.text ?? `${def.type.name}${def.type.args.length ? `(${def.type.args.join(',')})` : ''}`) : '';
    return {
      id: i,
      name: def.name,
      type,
      affinity: ops.affinityOf(def.type?.name),
      notNull,
      ...(notNullConflict ? { notNullConflict } : {}),
      ...(defaultExpr ? { defaultExpr } : {}),
      ...(defaultText !== undefined ? { defaultText } : {}),
      collation: collationOf(def),
      primaryKey,
      ...(generated ? { generated } : {}),
    };
  });
  for (const c of stmt.constraints) {
    switch (c.kind) {
      case 'primaryKey':
        if (pkCols) throw new DoSQLError('SQL_ERROR', `sql: table "${stmt.name}" has more than one primary key`);
        pkCols = [...c.columns];
        pkConflict = c.onConflict;
        uniques.push({ columns: pkCols, pk: true });
        autoincrement = c.autoincrement;
        break;
      case 'unique':
        uniques.push({ ...(c.name ? { name: c.name } : {}), columns: [...c.columns], ...(c.onConflict ? { onConflict: c.onConflict } : {}) });
        break;
      case 'check':
        checks.push({ ...(c.name ? { name: c.name } : {}), expr: c.expr });
        break;
      case 'foreignKey':
        foreignKeys.push({ ...(c.name ? { name: c.name } : {}), columns: c.columns, fk: c.fk });
        break;
    }
  }
  const colIndex = (n: string): number => {
    const i = columns.findIndex((c) => c.name.toLowerCase() === n.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', `sql: no such column: ${n}`);
    return i;
  };
  const primaryKey = (pkCols ?? []).map((ic) => colIndex(indexedColumnName(ic)));
  if (primaryKey.some((i) => columns[i]!.generated)) throw new DoSQLError('SQL_ERROR', 'sql: generated columns cannot be part of the PRIMARY KEY');
  for (const i of primaryKey) columns[i] = { ...columns[i]!, primaryKey: true };
  let rowidAlias = -1;
  if (!stmt.withoutRowid && primaryKey.length === 1) {
    const col = columns[primaryKey[0]!]!;
    const desc = pkCols![0]!.direction === 'DESC' && stmt.columns.some((d) => d.name === col.name && d.constraints.some((x) => x.kind === 'primaryKey'));
    if (col.type.toUpperCase() === 'INTEGER' && !desc) rowidAlias = primaryKey[0]!;
  }
  if (autoincrement && rowidAlias < 0) throw new DoSQLError('SQL_ERROR', 'sql: AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY');
  if (stmt.withoutRowid && primaryKey.length === 0) throw new DoSQLError('SQL_ERROR', `sql: PRIMARY KEY missing on table ${stmt.name}`);
  if (stmt.withoutRowid) for (const i of primaryKey) columns[i] = { ...columns[i]!, notNull: true };
  // A PRIMARY KEY that is not the rowid is enforced by an automatic unique index; an INTEGER
  // PRIMARY KEY has none and takes no sqlite_autoindex number.
  const pkAt = uniques.findIndex((u) => u.pk);
  if (pkAt >= 0) {
    if (rowidAlias >= 0) uniques.splice(pkAt, 1);
    else if (pkConflict) uniques[pkAt]!.onConflict = pkConflict;
  }
  return {
    table: {
      type: 'table',
      name: stmt.name,
      id,
      columns,
      nextColumnId: columns.length,
      withoutRowid: stmt.withoutRowid,
      rowidAlias,
      primaryKey,
      ...(pkConflict ? { pkConflict } : {}),
      autoincrement,
      checks,
      foreignKeys,
      sql,
    },
    uniques,
  };
}

async function createIndexObject(env: ExecEnv, t: TableSchema, name: string, columns: readonly IndexedColumn[], unique: boolean, auto: boolean, sql: string, extra: Partial<IndexSchema> = {}): Promise<IndexSchema> {
  const id = await Catalog.allocateId(env.txn, env.txn.catalog.isTemp(t) || t.temp === true);
  const cols = columns.map((ic): IndexColumnSchema => {
    const bare = ic.expr.kind === 'collate' ? ic.expr.operand : ic.expr;
    if (!auto && (bare.kind !== 'column' || bare.table)) {
      // An index on an expression (lang_createindex.html "Indexes On Expressions").
      refuseSubqueries(ic.expr, 'index expressions');
      const collation = ic.collation ? ops.collation(ic.collation) : ic.expr.kind === 'collate' ? ops.collation(ic.expr.collation) : 'BINARY';
      return { columnId: EXPRESSION_COLUMN, expr: bare, collation, desc: ic.direction === 'DESC' };
    }
    const n = indexedColumnName(ic);
    const col = t.columns.find((c) => c.name.toLowerCase() === n.toLowerCase());
    if (!col) throw new DoSQLError('SQL_ERROR', `sql: no such column: ${n}`);
    return { columnId: col.id, collation: indexedCollation(ic, col), desc: ic.direction === 'DESC' };
  });
  return { type: 'index', name, id, table: t.name, unique, columns: cols, auto, sql, ...extra };
}

/**
 * Writes index entries for every existing row (and checks uniqueness). The rows are read as of
 * the read LSN, so the table's keys are claimed: a row written, changed or deleted by a commit
 * after it (planned without this index) makes this commit a WRITE_CONFLICT instead of an index
 * that misses the row or keeps a stale entry.
 */
async function backfill(env: ExecEnv, t: TableSchema, ix: IndexSchema): Promise<void> {
  const branch = env.txn.branch;
  env.txn.claim({ lower: encodeTablePrefix(branch, t.id), upper: encodeTablePrefix(branch, t.id + 1), anyChange: true, label: `table ${t.name}, which changed while index ${ix.name} was built` });
  const reader = new TableReader(t, t.columns.length + 1, 0, columnDefaults(t));
  // Compiled now: an expression naming a missing column fails CREATE INDEX, as in SQLite.
  const writer = new TableWriter(t, [ix], reader, [], rowProgramsFor(env.txn.catalog, t, [ix], env.guard.limits));
  const rows: Row[] = [];
  for await (const b of reader.scan(env)) rows.push(...b);
  // The range claims findConflict adds are dropped: the index's key range is new in this
  // transaction (its id allocated here), so no other commit can write into it.
  const claims = env.txn.claims.length;
  for (const row of rows) {
    const rowid = t.withoutRowid ? null : (row[t.columns.length] as bigint);
    if (ix.unique) {
      // Only the new index: the row's own key is always there, and checking it first would
      // end the search before the index (a unique index over duplicate values).
      const c = await writer.findConflict(env, row, rowid, undefined, ix);
      env.txn.claims.length = claims;
      if (c) throw writer.conflictError(c);
    }
    // Only the index entries: the rows themselves do not change (no new row versions).
    writer.putIndexEntries(env, row, rowid);
  }
}

export async function createTable(env: ExecEnv, given: CreateTableStmt, sql: string): Promise<void> {
  const txn = env.txn;
  // CREATE TABLE temp.x is CREATE TEMP TABLE x (lang_createtable.html).
  const stmt = given.schema?.toLowerCase() === 'temp' && !given.temp ? { ...given, temp: true } : given;
  checkName(stmt.name);
  // A TEMP table may take a main table's name and shadow it (SQLite resolves temp first).
  const clash = txn.catalog.nameInUse(stmt.name, stmt.temp);
  if (clash) {
    if (stmt.ifNotExists && clash.type !== 'index') return;
    throw exists(clash.type === 'index' ? 'there is already an index named' : clash.type, stmt.name);
  }
  checkColumnCount(env, stmt.columns.length, `too many columns on ${stmt.name}`);
  let def = stmt;
  let rows: Row[] | undefined;
  if (stmt.asSelect) {
    const plan = planSelect(stmt.asSelect, new Scope(undefined, 0), new PlannerContext(txn.catalog, undefined, env.guard.limits, undefined, env.external));
    rows = await plan.run(env);
    const typeFor = (a: string | null): string | undefined => (a === 'INTEGER' ? 'INT' : a === 'TEXT' ? 'TEXT' : a === 'REAL' ? 'REAL' : a === 'NUMERIC' ? 'NUM' : undefined);
    def = {
      ...stmt,
      columns: plan.columnNames.map((n, i) => {
        const tn = typeFor(plan.affinities[i] ?? null);
        return { name: n, ...(tn ? { type: { name: tn, args: [] } } : {}), constraints: [] };
      }),
    };
  }
  const id = await Catalog.allocateId(txn, stmt.temp);
  // SQLite stores the table CREATE TABLE ... AS SELECT made, not the statement.
  const text = stmt.asSelect ? createTableAsSql(stmt.name, def.columns.map((c) => [c.name, c.type?.name ?? ''] as const)) : sql;
  const built = buildTableSchema(def, id, text);
  const uniques = built.uniques;
  const pkAt = uniques.findIndex((u) => u.pk);
  let table: TableSchema = built.table.withoutRowid && pkAt >= 0 ? { ...built.table, pkIndexName: `sqlite_autoindex_${built.table.name}_${pkAt + 1}` } : built.table;
  if (stmt.temp) table = { ...table, temp: true };
  if (stmt.temp && table.autoincrement) throw new DoSQLError('NOT_SUPPORTED', `sql: AUTOINCREMENT on TEMP table ${stmt.name} (its sqlite_sequence would be the temp schema's)`);
  let cat = txn.catalog.with(txn, table);
  checkGeneratedColumns(cat, table, env.guard.limits);
  if (table.autoincrement && !cat.findTable(SEQUENCE_TABLE)) {
    // autoinc.html: sqlite_sequence comes with the first AUTOINCREMENT table.
    const seqId = await Catalog.allocateId(txn);
    cat = cat.with(txn, buildTableSchema(parseOne(SEQUENCE_SQL).statement as CreateTableStmt, seqId, SEQUENCE_SQL).table);
  }
  let n = 0;
  for (const u of uniques) {
    const name = `sqlite_autoindex_${table.name}_${++n}`;
    if (u.pk && table.withoutRowid) continue;
    const ix = await createIndexObject(env, table, name, u.columns, true, true, '', { ...(u.onConflict ? { onConflict: u.onConflict } : {}), ...(u.pk ? { origin: 'pk' as const } : {}) });
    cat = cat.with(txn, ix);
  }
  txn.catalog = cat;
  if (rows) {
    const reader = new TableReader(table, table.columns.length + 1, 0, []);
    const writer = new TableWriter(table, [], reader, []);
    for (const r of rows) {
      const values: Row = table.columns.map((c, i) => ops.applyAffinity(r[i]!, c.affinity));
      values.push(null);
      const rowid = await writer.resolveRowid(env, values, undefined);
      writer.putRow(env, values, rowid, null); // a new table: no row was there
    }
  }
}

export async function createIndex(env: ExecEnv, stmt: CreateIndexStmt, sql: string): Promise<void> {
  const txn = env.txn;
  checkName(stmt.name);
  // The table first, as SQLite's sqlite3CreateIndex: IF NOT EXISTS does not excuse a missing table.
  const t = txn.catalog.findTable(stmt.table);
  if (!t) throw new DoSQLError('SQL_ERROR', `sql: no such table: ${stmt.table}`, { details: { table: stmt.table } });
  if (t.name.toLowerCase().startsWith('sqlite_')) throw new DoSQLError('SQL_ERROR', `sql: table ${t.name} may not be indexed`);
  const clash = txn.catalog.nameInUse(stmt.name, txn.catalog.isTemp(t));
  if (clash) {
    if (stmt.ifNotExists) return;
    throw exists(clash.type === 'index' ? 'index' : `there is already a ${clash.type} named`, stmt.name);
  }
  checkColumnCount(env, stmt.columns.length, 'too many columns in index');
  const ix = await createIndexObject(env, t, stmt.name, stmt.columns, stmt.unique, false, sql, {
    ...(stmt.where ? { where: stmt.where } : {}),
    ...(stmt.using ? { using: stmt.using } : {}),
  });
  if (ix.where) refuseSubqueries(ix.where, 'partial index WHERE clauses');
  txn.catalog = txn.catalog.with(txn, ix);
  if (!ix.using) await backfill(env, t, ix);
}

export async function createView(env: ExecEnv, stmt: CreateViewStmt, sql: string): Promise<void> {
  const txn = env.txn;
  // TEMP views, as TEMP tables, are the handle's own (src/sql/txn/temp-store.ts).
  checkName(stmt.name);
  const temp = stmt.temp || stmt.schema?.toLowerCase() === 'temp';
  const clash = txn.catalog.nameInUse(stmt.name, temp);
  if (clash) {
    if (stmt.ifNotExists) return;
    throw exists(clash.type, stmt.name);
  }
  // Plan once so a view over missing tables or columns fails now, as in SQLite.
  const plan = planSelect(stmt.select, new Scope(undefined, 0), new PlannerContext(txn.catalog, undefined, env.guard.limits));
  if (stmt.columns && stmt.columns.length !== plan.columnCount) {
    throw new DoSQLError('SQL_ERROR', `sql: expected ${stmt.columns.length} columns for '${stmt.name}' but got ${plan.columnCount}`);
  }
  txn.catalog = txn.catalog.with(txn, { type: 'view', name: stmt.name, ...(stmt.columns ? { columns: stmt.columns } : {}), select: stmt.select, ...(temp ? { temp: true } : {}), sql });
}

export async function createTrigger(env: ExecEnv, stmt: CreateTriggerStmt, sql: string): Promise<void> {
  const txn = env.txn;
  checkName(stmt.name);
  if (txn.catalog.findTrigger(stmt.name)) {
    if (stmt.ifNotExists) return;
    throw exists('trigger', stmt.name);
  }
  const t = txn.catalog.findTable(stmt.table);
  const v = t ? undefined : txn.catalog.findView(stmt.table);
  if (!t && !v) throw new DoSQLError('SQL_ERROR', `sql: no such table: main.${stmt.table}`);
  if (t && t.name.toLowerCase().startsWith('sqlite_')) throw new DoSQLError('SQL_ERROR', 'sql: cannot create trigger on system table');
  if (v && stmt.timing !== 'INSTEAD OF') throw new DoSQLError('SQL_ERROR', `sql: cannot create ${stmt.timing} trigger on view: ${stmt.table}`);
  if (t && stmt.timing === 'INSTEAD OF') throw new DoSQLError('SQL_ERROR', `sql: cannot create INSTEAD OF trigger on table: ${stmt.table}`);
  const seq = 1 + Math.max(0, ...txn.catalog.objects().map((o) => (o.type === 'trigger' ? (o.seq ?? 0) : 0)));
  txn.catalog = txn.catalog.with(txn, { type: 'trigger', name: stmt.name, table: (t ?? v)!.name, seq, stmt, sql });
}

async function deleteKeyspace(env: ExecEnv, id: number): Promise<void> {
  const branch = env.txn.branch;
  const lower = encodeTablePrefix(branch, id);
  const upper = encodeTablePrefix(branch, id + 1);
  const keys: Uint8Array[] = [];
  for await (const e of env.txn.scan(lower, upper)) keys.push(e.uk);
  for (const k of keys) env.txn.delete(k);
}

export async function drop(env: ExecEnv, stmt: DropStmt): Promise<void> {
  const txn = env.txn;
  const cat = txn.catalog;
  const kind = stmt.objectType.toLowerCase() as 'table' | 'index' | 'view' | 'trigger';
  // Qualified by schema: `main.x` under a TEMP x is refused (Catalog.checkQualified); `temp.x` names only a TEMP x.
  const schema = stmt.schema?.toLowerCase();
  if ((kind === 'table' || kind === 'view') && schema === 'main') cat.checkQualified(schema, stmt.name);
  const found: SchemaObject | undefined = kind === 'table' ? cat.findTable(stmt.name) : kind === 'index' ? cat.findIndex(stmt.name) : kind === 'view' ? cat.findView(stmt.name) : cat.findTrigger(stmt.name);
  const obj = found && schema === 'temp' && !cat.isTemp(found) ? undefined : found;
  if (!obj && kind === 'table' && (await dropVirtualTable(env, stmt.name))) return;
  if (!obj) {
    if (stmt.ifExists) return;
    if (kind === 'table' && cat.findView(stmt.name)) throw new DoSQLError('SQL_ERROR', `sql: use DROP VIEW to delete view ${stmt.name}`);
    if (kind === 'view' && cat.findTable(stmt.name)) throw new DoSQLError('SQL_ERROR', `sql: use DROP TABLE to delete table ${stmt.name}`);
    throw new DoSQLError('SQL_ERROR', `sql: no such ${kind}: ${stmt.name}`, { details: { name: stmt.name } });
  }
  let next = cat;
  if (obj.type === 'table' && obj.name.toLowerCase() === SEQUENCE_TABLE) throw new DoSQLError('SQL_ERROR', `sql: table ${SEQUENCE_TABLE} may not be dropped`);
  if (obj.type === 'table' && obj.autoincrement) await forgetSequence(env, obj.name);
  if (obj.type === 'table') {
    for (const ix of cat.indexesOf(obj.name)) {
      await deleteKeyspace(env, ix.id);
      next = next.without(txn, ix);
    }
    for (const tr of cat.triggersOf(obj.name)) next = next.without(txn, tr);
    await deleteKeyspace(env, obj.id);
  } else if (obj.type === 'index') {
    if (obj.auto) throw new DoSQLError('SQL_ERROR', `sql: index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped`);
    await deleteKeyspace(env, obj.id);
  }
  txn.catalog = next.without(txn, obj);
}

export async function alterTable(env: ExecEnv, stmt: AlterTableStmt): Promise<void> {
  const txn = env.txn;
  txn.catalog.checkQualified(stmt.schema, stmt.table);
  const t = txn.catalog.table(stmt.table);
  const a = stmt.action;
  let cat = txn.catalog;
  switch (a.kind) {
    case 'renameTable': {
      const clash = cat.nameInUse(a.newName);
      if (clash) throw new DoSQLError('SQL_ERROR', `sql: there is already another table or index with this name: ${a.newName}`);
      checkName(a.newName);
      cat = cat.without(txn, t).with(txn, { ...t, name: a.newName });
      for (const ix of txn.catalog.indexesOf(t.name)) cat = cat.with(txn, { ...ix, table: a.newName, ...(ix.auto ? { name: ix.name.replace(`sqlite_autoindex_${t.name}_`, `sqlite_autoindex_${a.newName}_`) } : {}) }, ix);
      for (const tr of txn.catalog.triggersOf(t.name)) cat = cat.with(txn, { ...tr, table: a.newName });
      break;
    }
    case 'renameColumn': {
      const i = t.columns.findIndex((c) => c.name.toLowerCase() === a.from.toLowerCase());
      if (i < 0) throw new DoSQLError('SQL_ERROR', `sql: no such column: "${a.from}"`);
      if (t.columns.some((c) => c.name.toLowerCase() === a.to.toLowerCase())) throw new DoSQLError('SQL_ERROR', `sql: duplicate column name: ${a.to}`);
      const columns = t.columns.map((c, k) => (k === i ? { ...c, name: a.to } : c));
      cat = cat.with(txn, { ...t, columns });
      break;
    }
    case 'addColumn': {
      const def = a.column;
      checkColumnCount(env, t.columns.length + 1, `too many columns on ${t.name}`);
      if (t.columns.some((c) => c.name.toLowerCase() === def.name.toLowerCase())) throw new DoSQLError('SQL_ERROR', `sql: duplicate column name: ${def.name}`);
      if (def.constraints.some((c) => c.kind === 'primaryKey' || c.kind === 'unique')) throw new DoSQLError('SQL_ERROR', `sql: Cannot add a ${def.constraints.some((c) => c.kind === 'primaryKey') ? 'PRIMARY KEY' : 'UNIQUE'} column`);
      const { table: one } = buildTableSchema({ kind: 'createTable', temp: false, ifNotExists: false, name: t.name, columns: [def], constraints: [], withoutRowid: false, strict: false }, t.id, '');
      const col = { ...one.columns[0]!, id: t.nextColumnId };
      if (col.generated?.stored) throw new DoSQLError('SQL_ERROR', 'sql: cannot add a STORED column');
      // dosql keeps VIRTUAL columns in the row (computed on write), so existing rows would need rewriting.
      if (col.generated) throw new DoSQLError('NOT_SUPPORTED', 'sql: ALTER TABLE ADD COLUMN of a generated column is not supported (dosql stores VIRTUAL columns); recreate the table');
      const d = col.defaultExpr;
      if (d && d.kind !== 'literal' && !(d.kind === 'unary' && d.operand.kind === 'literal')) throw new DoSQLError('SQL_ERROR', 'sql: Cannot add a column with non-constant default');
      if (col.notNull && (!d || (d.kind === 'literal' && d.value === null))) throw new DoSQLError('SQL_ERROR', 'sql: Cannot add a NOT NULL column with default value NULL');
      cat = cat.with(txn, { ...t, columns: [...t.columns, col], nextColumnId: t.nextColumnId + 1, checks: [...t.checks, ...one.checks], foreignKeys: [...t.foreignKeys, ...one.foreignKeys] });
      break;
    }
    case 'dropColumn': {
      const i = t.columns.findIndex((c) => c.name.toLowerCase() === a.column.toLowerCase());
      if (i < 0) throw new DoSQLError('SQL_ERROR', `sql: no such column: "${a.column}"`);
      const col = t.columns[i]!;
      if (col.primaryKey) throw new DoSQLError('SQL_ERROR', `sql: cannot drop PRIMARY KEY column: "${col.name}"`);
      if (cat.indexesOf(t.name).some((ix) => ix.columns.some((c) => c.columnId === col.id))) throw new DoSQLError('SQL_ERROR', `sql: cannot drop ${col.name} column: it is indexed`);
      if (t.columns.length === 1) throw new DoSQLError('SQL_ERROR', `sql: cannot drop column "${col.name}": no other columns exist`);
      const columns = t.columns.filter((_, k) => k !== i);
      const remap = (k: number): number => (k > i ? k - 1 : k);
      cat = cat.with(txn, { ...t, columns, primaryKey: t.primaryKey.map(remap), rowidAlias: t.rowidAlias < 0 ? -1 : remap(t.rowidAlias) });
      break;
    }
  }
  txn.catalog = cat;
}
