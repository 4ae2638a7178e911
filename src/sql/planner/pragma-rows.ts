// The schema PRAGMAs (https://sqlite.org/pragma.html): table_info, table_xinfo, index_list,
// index_info, index_xinfo, foreign_key_list, database_list, table_list, and the rows of
// sqlite_schema, computed from a catalog as SQLite's pragma.c and its schema table show them.
// Used by the PRAGMA statement and by the pragma_* table-valued functions (pragma-tables.ts).
//
// What SQLite shows and dosql keeps differently: rootpage is the object's key-space id (dosql
// has no pages), views and triggers 0; an index column's collation is shown in upper case.
import type { Catalog } from '../catalog/catalog.js';
import type { IndexSchema, SchemaObject, TableSchema, ViewSchema } from '../catalog/schema.js';
import type { Expr, FkAction, SelectBody } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { exprToSql } from './expr-name.js';

export type PragmaRow = SqlValue[];

/** SQLite's standard type names, shown in upper case whatever the case written (build.c sqlite3StdType). */
const STD_TYPES = new Set(['ANY', 'BLOB', 'INT', 'INTEGER', 'REAL', 'TEXT']);

export function shownType(type: string): string {
  const u = type.toUpperCase();
  return STD_TYPES.has(u) ? u : type;
}

/** The columns of sqlite_schema (and of a PRAGMA table_info on it). */
const SCHEMA_COLUMNS: readonly (readonly [string, string])[] = [
  ['type', 'TEXT'],
  ['name', 'TEXT'],
  ['tbl_name', 'TEXT'],
  ['rootpage', 'INT'],
  ['sql', 'TEXT'],
];

const SCHEMA_NAMES = new Set(['sqlite_schema', 'sqlite_master', 'sqlite_temp_schema', 'sqlite_temp_master']);

/**
 * A table's columns as table_xinfo lists them: [cid, name, type, notnull, dflt_value, pk,
 * hidden]; `xinfo` false drops generated columns and `hidden` (table_info). Views list their
 * result columns with the declared type of the column each one reads.
 */
export function tableInfo(catalog: Catalog, name: string, xinfo: boolean): PragmaRow[] {
  if (SCHEMA_NAMES.has(name.toLowerCase())) return SCHEMA_COLUMNS.map(([n, t], i) => row(i, n, t, 0, null, 0, 0, xinfo));
  const t = catalog.findTable(name);
  if (t) {
    const rows: PragmaRow[] = [];
    t.columns.forEach((c, i) => {
      const hidden = c.generated ? (c.generated.stored ? 3 : 2) : 0;
      if (hidden && !xinfo) return;
      const pk = t.primaryKey.indexOf(i) + 1;
      const dflt = c.defaultText ?? (c.defaultExpr ? exprToSql(c.defaultExpr) : null);
      rows.push(row(xinfo ? i : rows.length, c.name, shownType(c.type), c.notNull ? 1 : 0, dflt, pk, hidden, xinfo));
    });
    return rows;
  }
  const v = catalog.findView(name);
  if (v) return viewColumns(catalog, v).map(([n, type], i) => row(i, n, type, 0, null, 0, 0, xinfo));
  return [];
}

function row(cid: number, name: string, type: string, notnull: number, dflt: SqlValue, pk: number, hidden: number, xinfo: boolean): PragmaRow {
  const r: PragmaRow = [BigInt(cid), name, type, BigInt(notnull), dflt, BigInt(pk)];
  if (xinfo) r.push(BigInt(hidden));
  return r;
}

/** A view's result columns with the declared type of the table column each reads directly ('' otherwise). */
function viewColumns(catalog: Catalog, v: ViewSchema): [string, string][] {
  let body: SelectBody = v.select.body;
  while (body.kind === 'compound') body = body.left;
  const out: [string, string][] = [];
  if (body.kind === 'values') {
    body.rows[0]?.forEach((_, i) => out.push([`column${i + 1}`, '']));
  } else {
    const sources = fromTables(catalog, body.from);
    const typeOf = (e: Expr): string => {
      if (e.kind !== 'column') return '';
      for (const s of sources) {
        if (e.table && e.table.toLowerCase() !== s.alias.toLowerCase()) continue;
        const c = s.table.columns.find((x) => x.name.toLowerCase() === e.column.toLowerCase());
        if (c) return shownType(c.type);
      }
      return '';
    };
    for (const rc of body.columns) {
      if (rc.kind === 'expr') out.push([rc.alias ?? (rc.expr.kind === 'column' ? rc.expr.column : (rc.text ?? exprToSql(rc.expr))), typeOf(rc.expr)]);
      else for (const s of sources) if (rc.kind === 'star' || rc.table.toLowerCase() === s.alias.toLowerCase()) for (const c of s.table.columns) out.push([c.name, shownType(c.type)]);
    }
  }
  if (v.columns) return out.map(([, type], i) => [v.columns![i] ?? `column${i + 1}`, type]);
  return out;
}

type FromItemOf<B> = B extends { from?: infer F } ? F : never;

function fromTables(catalog: Catalog, from: FromItemOf<Extract<SelectBody, { kind: 'selectCore' }>> | undefined): { alias: string; table: TableSchema }[] {
  if (!from) return [];
  if (from.kind === 'join') return [...fromTables(catalog, from.left), ...fromTables(catalog, from.right)];
  if (from.kind !== 'table') return [];
  const t = catalog.findTable(from.name);
  return t ? [{ alias: from.alias ?? t.name, table: t }] : [];
}

/** Origin of an index for index_list: 'pk' (PRIMARY KEY), 'u' (UNIQUE constraint) or 'c' (CREATE INDEX). */
function origin(t: TableSchema, ix: IndexSchema): string {
  if (!ix.auto) return 'c';
  if (ix.origin === 'pk' || (t.withoutRowid && ix.id === t.id)) return 'pk';
  return 'u';
}

/** Creation order: automatic indexes by their number (a WITHOUT ROWID primary key's among them), then CREATE INDEX ones by id. */
function created(ix: IndexSchema): number {
  const m = ix.auto ? /_(\d+)$/.exec(ix.name) : null;
  return m ? Number(m[1]) - 1e9 : ix.id;
}

/** The indexes of `t` in SQLite's order: newest first, REPLACE-conflict ones last (build.c links them so). */
function tableIndexes(catalog: Catalog, t: TableSchema): IndexSchema[] {
  const all = catalog.indexesOf(t.name).slice();
  if (t.withoutRowid) all.push(withoutRowidPk(t));
  all.sort((a, b) => created(a) - created(b));
  const plain = all.filter((ix) => ix.onConflict !== 'REPLACE').reverse();
  return [...plain, ...all.filter((ix) => ix.onConflict === 'REPLACE')];
}

/** The PRIMARY KEY index SQLite keeps for a WITHOUT ROWID table (not in the catalog: the table is keyed by it). */
function withoutRowidPk(t: TableSchema): IndexSchema {
  return {
    type: 'index',
    name: t.pkIndexName ?? `sqlite_autoindex_${t.name}_1`,
    id: t.id,
    table: t.name,
    unique: true,
    columns: t.primaryKey.map((i) => ({ columnId: t.columns[i]!.id, collation: t.columns[i]!.collation, desc: false })),
    auto: true,
    sql: '',
  };
}

/** index_list(table): [seq, name, unique, origin, partial]. */
export function indexList(catalog: Catalog, name: string): PragmaRow[] {
  const t = catalog.findTable(name);
  if (!t) return [];
  const list = tableIndexes(catalog, t);
  return list.map((ix, i) => [BigInt(i), ix.name, ix.unique ? 1n : 0n, origin(t, ix), ix.where ? 1n : 0n]);
}

function findIndex(catalog: Catalog, name: string): { ix: IndexSchema; t: TableSchema } | undefined {
  const ix = catalog.findIndex(name);
  if (ix) {
    const t = catalog.findTable(ix.table);
    return t && { ix, t };
  }
  // A WITHOUT ROWID table's PRIMARY KEY index, by its name or the table's.
  const m = /^sqlite_autoindex_(.+)_\d+$/i.exec(name);
  const t = catalog.findTable(m ? m[1]! : name);
  if (!t?.withoutRowid) return undefined;
  const pk = withoutRowidPk(t);
  return m && pk.name.toLowerCase() !== name.toLowerCase() ? undefined : { ix: pk, t };
}

/**
 * index_info(index) [seqno, cid, name], or with `xinfo` index_xinfo's [seqno, cid, name, desc,
 * coll, key] including the columns after the key (the rowid, or a WITHOUT ROWID table's other
 * primary key columns).
 */
export function indexInfo(catalog: Catalog, name: string, xinfo: boolean): PragmaRow[] {
  const found = findIndex(catalog, name);
  if (!found) return [];
  const { ix, t } = found;
  const cidOf = (id: number): number => t.columns.findIndex((c) => c.id === id);
  const rows: PragmaRow[] = ix.columns.map((c, k) => {
    const cid = c.expr ? -2 : cidOf(c.columnId);
    const r: PragmaRow = [BigInt(k), BigInt(cid), t.columns[cid]?.name ?? null];
    if (xinfo) r.push(c.desc ? 1n : 0n, c.collation, 1n);
    return r;
  });
  if (!xinfo) return rows;
  if (!t.withoutRowid) rows.push([BigInt(rows.length), -1n, null, 0n, 'BINARY', 0n]);
  else {
    // After the key: the other primary key columns, or for the primary key index itself every other column.
    const inKey = new Set(ix.columns.map((c) => c.columnId));
    const rest = ix.id === t.id ? t.columns.map((_, i) => i) : t.primaryKey;
    for (const i of rest) {
      const c = t.columns[i]!;
      if (!inKey.has(c.id)) rows.push([BigInt(rows.length), BigInt(i), c.name, 0n, c.collation, 0n]);
    }
  }
  return rows;
}

/** A foreign-key action as foreign_key_list names it. */
function actionName(a: FkAction | undefined): string {
  return a ?? 'NO ACTION';
}

/** foreign_key_list(table): [id, seq, table, from, to, on_update, on_delete, match]; the last declared key is id 0, as SQLite lists them. */
export function foreignKeyList(catalog: Catalog, name: string): PragmaRow[] {
  const t = catalog.findTable(name);
  if (!t) return [];
  const rows: PragmaRow[] = [];
  const fks = [...t.foreignKeys].reverse();
  fks.forEach((f, id) => {
    f.columns.forEach((from, seq) => {
      const to = f.fk.columns?.[seq] ?? null;
      rows.push([BigInt(id), BigInt(seq), f.fk.table, from, to, actionName(f.fk.onUpdate), actionName(f.fk.onDelete), 'NONE']);
    });
  });
  return rows;
}

/** database_list: [seq, name, file]; one database, "main", with no file name of its own. */
export function databaseList(): PragmaRow[] {
  return [[0n, 'main', '']];
}

/** table_list: [schema, name, type, ncol, wr, strict] for every table and view, and the schema tables. */
export function tableList(catalog: Catalog, only?: string): PragmaRow[] {
  const rows: PragmaRow[] = [];
  for (const o of catalog.objects()) {
    if (o.type === 'table') rows.push([o.temp ? 'temp' : 'main', o.name, 'table', BigInt(o.columns.length), o.withoutRowid ? 1n : 0n, 0n]);
    else if (o.type === 'view') rows.push([o.temp ? 'temp' : 'main', o.name, 'view', BigInt(viewColumns(catalog, o).length), 0n, 0n]);
  }
  rows.push(['main', 'sqlite_schema', 'table', 5n, 0n, 0n], ['temp', 'sqlite_temp_schema', 'table', 5n, 0n, 0n]);
  return only === undefined ? rows : rows.filter((r) => (r[1] as string).toLowerCase() === only.toLowerCase());
}

/** The stored CREATE text as sqlite_schema shows it: "CREATE TABLE " and the text from the object's name on. */
export function schemaSql(o: SchemaObject): string | null {
  if (o.type === 'index' && (o.auto || o.sql === '')) return null;
  const m = /^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?(UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?:main|"main"|temp)\s*\.\s*)?/i.exec(o.sql);
  if (!m) return o.sql;
  return `CREATE ${m[1] ? 'UNIQUE ' : ''}${m[2]!.toUpperCase()} ${o.sql.slice(m[0].length)}`;
}

/** sqlite_schema's rows (`temp`: sqlite_temp_schema's): [type, name, tbl_name, rootpage, sql], tables and their indexes before views and triggers. */
export function schemaRows(catalog: Catalog, temp = false): PragmaRow[] {
  const rows: PragmaRow[] = [];
  // TEMP tables and views (and their indexes and triggers) are sqlite_temp_schema's.
  const isTemp = (o: SchemaObject): boolean => {
    if (o.type === 'table' || o.type === 'view') return o.temp === true;
    const owner = catalog.findTable(o.table) ?? catalog.findView(o.table);
    return owner?.temp === true;
  };
  const objects = catalog.objects().filter((o) => isTemp(o) === temp);
  const order = (o: SchemaObject): number => (o.type === 'table' || o.type === 'index' ? o.id : Number.MAX_SAFE_INTEGER);
  objects.sort((a, b) => order(a) - order(b));
  for (const o of objects) {
    const tbl = o.type === 'table' || o.type === 'view' ? o.name : o.table;
    const root = o.type === 'table' || o.type === 'index' ? BigInt(o.id) : 0n;
    rows.push([o.type, o.name, tbl, root, schemaSql(o)]);
  }
  return rows;
}
