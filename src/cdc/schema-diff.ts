// Schema events of a commit: the catalog before it against the catalog after it, by key-space
// id (names change; ids do not) and, inside a table, by stable column id (docs/cdc.md,
// "Schema events"). Order inside the commit, so a replica applying them in turn always has a
// valid shape: drop_index, drop_table, rename_table, then per table (by id) rename_column,
// drop_column, add_column, then create_table, create_index. Views and triggers are not
// emitted; `alter_column` never is (dosql has no such DDL).
import type { Catalog } from '../sql/catalog/catalog.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import { columnDefaults } from '../sql/rows/row-materializer.js';
import { jsValue } from './row-image.js';
import type { ColumnInfo, SchemaChangeEvent } from './types.js';

/** A schema event without its position (the decoder numbers it). */
export type SchemaChange = Omit<SchemaChangeEvent, 'id' | 'txnId' | 'schemaVersion' | 'timestamp' | 'lsn' | 'seq'>;

/** The columns of `t` as events describe them (constant defaults: what rows written before an ADD COLUMN read as). */
export function columnsOf(t: TableSchema): ColumnInfo[] {
  const defaults = columnDefaults(t);
  return t.columns.map((c, i) => ({ name: c.name, type: c.type, notNull: c.notNull, primaryKey: c.primaryKey, defaultValue: jsValue(defaults[i]!, true) }));
}

function tablesById(c: Catalog): Map<number, TableSchema> {
  const m = new Map<number, TableSchema>();
  for (const o of c.objects()) if (o.type === 'table') m.set(o.id, o);
  return m;
}

function indexesById(c: Catalog): Map<number, IndexSchema> {
  const m = new Map<number, IndexSchema>();
  for (const o of c.objects()) if (o.type === 'index') m.set(o.id, o);
  return m;
}

/** The schema events that turn `before` into `after`, in the order above. */
export function diffCatalogs(before: Catalog, after: Catalog): SchemaChange[] {
  const tb = tablesById(before);
  const ta = tablesById(after);
  const ib = indexesById(before);
  const ia = indexesById(after);
  const byId = (a: number, b: number): number => a - b;
  const out: SchemaChange[] = [];
  for (const id of [...ib.keys()].sort(byId)) {
    if (ia.has(id)) continue;
    const ix = ib.get(id)!;
    const t = [...tb.values()].find((x) => x.name.toLowerCase() === ix.table.toLowerCase());
    out.push({ type: 'schema_change', changeType: 'drop_index', table: ix.table, tableId: t?.id ?? 0, index: ix.name, columns: t ? columnsOf(ta.get(t.id) ?? t) : [] });
  }
  for (const id of [...tb.keys()].sort(byId)) {
    if (ta.has(id)) continue;
    const t = tb.get(id)!;
    out.push({ type: 'schema_change', changeType: 'drop_table', table: t.name, tableId: id, columns: columnsOf(t) });
  }
  for (const id of [...ta.keys()].sort(byId)) {
    const a = ta.get(id)!;
    const b = tb.get(id);
    if (b && b.name !== a.name) out.push({ type: 'schema_change', changeType: 'rename_table', table: a.name, tableId: id, oldName: b.name, columns: columnsOf(a) });
  }
  for (const id of [...ta.keys()].sort(byId)) {
    const a = ta.get(id)!;
    const b = tb.get(id);
    if (!b) continue;
    const colsA = new Map(a.columns.map((c) => [c.id, c]));
    const colsB = new Map(b.columns.map((c) => [c.id, c]));
    for (const c of a.columns) {
      const old = colsB.get(c.id);
      if (old && old.name !== c.name) out.push({ type: 'schema_change', changeType: 'rename_column', table: a.name, tableId: id, column: c.name, oldName: old.name, columns: columnsOf(a) });
    }
    for (const c of b.columns) {
      if (!colsA.has(c.id)) out.push({ type: 'schema_change', changeType: 'drop_column', table: a.name, tableId: id, column: c.name, oldType: c.type, columns: columnsOf(a) });
    }
    for (const c of a.columns) {
      if (!colsB.has(c.id)) out.push({ type: 'schema_change', changeType: 'add_column', table: a.name, tableId: id, column: c.name, newType: c.type, columns: columnsOf(a) });
    }
  }
  for (const id of [...ta.keys()].sort(byId)) {
    if (tb.has(id)) continue;
    const a = ta.get(id)!;
    out.push({ type: 'schema_change', changeType: 'create_table', table: a.name, tableId: id, columns: columnsOf(a) });
  }
  for (const id of [...ia.keys()].sort(byId)) {
    if (ib.has(id)) continue;
    const ix = ia.get(id)!;
    const t = [...ta.values()].find((x) => x.name.toLowerCase() === ix.table.toLowerCase());
    out.push({ type: 'schema_change', changeType: 'create_index', table: ix.table, tableId: t?.id ?? 0, index: ix.name, columns: t ? columnsOf(t) : [] });
  }
  return out;
}
