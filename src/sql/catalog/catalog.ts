// The catalog: every schema object, read from the versioned system table (id 1) at a
// read point. Immutable: DDL builds a new Catalog (`with` / `without`) and writes the
// change into the transaction, so a rolled-back DDL statement leaves no trace.
import { DoSQLError } from '../../errors.js';
import { encodeUserKey } from '../../mvcc/internal-key.js';
import { utf8Decoder, utf8Encoder } from '../../util/bytes.js';
import { TEMP_CATALOG_ID } from '../txn/temp-store.js';
import type { Transaction } from '../txn/transaction.js';
import { decodeSchemaObject, encodeSchemaObject, type CatalogObject, type IndexSchema, type ProcedureSchema, type SchemaObject, type TableSchema, type TriggerSchema, type ViewSchema } from './schema.js';

/** Key-space id of the catalog table. Persisted: never change. */
export const CATALOG_TABLE_ID = 1;
/** First id handed to user tables and indexes. */
export const FIRST_USER_ID = 16;

let versionCounter = 0;

function objectKey(branch: number, type: string, name: string, temp = false): Uint8Array {
  return encodeUserKey(branch, temp ? TEMP_CATALOG_ID : CATALOG_TABLE_ID, [type, name.toLowerCase()]);
}

/** Decodes catalog rows (JSON schema objects; other rows, such as the id counter, skipped). */
function decodeRows(values: Iterable<Uint8Array>): CatalogObject[] {
  const objects: CatalogObject[] = [];
  for (const v of values) {
    const text = utf8Decoder.decode(v);
    if (text.startsWith('{')) {
      const o = decodeSchemaObject(text);
      if (o.type) objects.push(o);
    }
  }
  return objects;
}

export class Catalog {
  /** Changes whenever the schema changes: prepared statements re-plan when it differs. */
  readonly version = ++versionCounter;
  /** Every object by `type:name`, a TEMP object shadowing a main one of its name (SQLite resolves temp first). */
  private readonly byName: Map<string, CatalogObject>;
  /** The main schema's objects. */
  private readonly mains: Map<string, CatalogObject>;
  /** The handle's TEMP objects (sqlite_temp_schema; src/sql/txn/temp-store.ts). */
  private readonly temps: Map<string, CatalogObject>;

  constructor(objects: Iterable<CatalogObject>, temps: Iterable<CatalogObject> = []) {
    this.mains = new Map();
    for (const o of objects) this.mains.set(`${o.type}:${o.name.toLowerCase()}`, o);
    this.temps = new Map();
    for (const o of temps) this.temps.set(`${o.type}:${o.name.toLowerCase()}`, o);
    this.byName = this.temps.size ? new Map([...this.mains, ...this.temps]) : this.mains;
  }

  /** This catalog's main objects with `temps` as its TEMP objects (the handle's, read from its temp store). */
  withTemps(temps: Iterable<Uint8Array>): Catalog {
    const objs = decodeRows(temps);
    if (objs.length === 0 && this.temps.size === 0) return this;
    return new Catalog(this.mains.values(), objs);
  }

  /** The main schema alone (what other handles, time travel and the cold tier see). */
  mainOnly(): Catalog {
    return this.temps.size ? new Catalog(this.mains.values()) : this;
  }

  /** True when `o` (by name and type) is one of the TEMP objects. */
  isTemp(o: { readonly type: string; readonly name: string }): boolean {
    return this.temps.get(`${o.type}:${o.name.toLowerCase()}`) === o;
  }

  /** True when the temp schema has a table or view named `name` (unqualified `name` resolves to it). */
  shadows(name: string): boolean {
    const n = name.toLowerCase();
    return this.temps.has(`table:${n}`) || this.temps.has(`view:${n}`);
  }

  /** Reads every schema object visible to `txn`. */
  static async load(txn: Transaction): Promise<Catalog> {
    const lower = encodeUserKey(txn.branch, CATALOG_TABLE_ID, []);
    const upper = encodeUserKey(txn.branch, CATALOG_TABLE_ID + 1, []);
    const values: Uint8Array[] = [];
    for await (const e of txn.scan(lower, upper)) values.push(e.value);
    return new Catalog(decodeRows(values));
  }

  private byId: Map<number, TableSchema> | undefined;

  /** The table whose key-space id is `id` (indexes share the id space: they are not tables). */
  tableById(id: number): TableSchema | undefined {
    if (!this.byId) {
      this.byId = new Map();
      for (const o of this.byName.values()) if (o.type === 'table') this.byId.set(o.id, o);
    }
    return this.byId.get(id);
  }

  /** The SQLite schema objects (tables, indexes, views, triggers): procedures are listed by procedures(). */
  objects(): SchemaObject[] {
    const out: SchemaObject[] = [];
    // Both schemas: a TEMP object does not hide the main one of its name from the listings.
    for (const o of this.mains.values()) if (o.type !== 'procedure') out.push(o);
    for (const o of this.temps.values()) if (o.type !== 'procedure') out.push(o);
    return out;
  }

  /** The stored procedures (CREATE PROCEDURE). */
  procedures(): ProcedureSchema[] {
    const out: ProcedureSchema[] = [];
    for (const o of this.byName.values()) if (o.type === 'procedure') out.push(o);
    return out;
  }

  findProcedure(name: string): ProcedureSchema | undefined {
    return this.byName.get(`procedure:${name.toLowerCase()}`) as ProcedureSchema | undefined;
  }

  findTable(name: string): TableSchema | undefined {
    return this.byName.get(`table:${name.toLowerCase()}`) as TableSchema | undefined;
  }

  findView(name: string): ViewSchema | undefined {
    return this.byName.get(`view:${name.toLowerCase()}`) as ViewSchema | undefined;
  }

  findIndex(name: string): IndexSchema | undefined {
    return this.byName.get(`index:${name.toLowerCase()}`) as IndexSchema | undefined;
  }

  findTrigger(name: string): TriggerSchema | undefined {
    return this.byName.get(`trigger:${name.toLowerCase()}`) as TriggerSchema | undefined;
  }

  /** The table named `name`; throws SQL_ERROR "no such table". */
  table(name: string): TableSchema {
    const t = this.findTable(name);
    if (!t) throw new DoSQLError('SQL_ERROR', `sql: no such table: ${name}`, { details: { table: name } });
    return t;
  }

  /**
   * True when a table, view or index already uses `name` (they share one namespace in SQLite);
   * `temp`: in the temp schema only (a TEMP object may take a main object's name and shadow it),
   * false: in the main schema only, undefined: either.
   */
  nameInUse(name: string, temp?: boolean): SchemaObject | undefined {
    const n = name.toLowerCase();
    const m = temp === undefined ? this.byName : temp ? this.temps : this.mains;
    return (m.get(`table:${n}`) ?? m.get(`view:${n}`) ?? m.get(`index:${n}`)) as SchemaObject | undefined;
  }

  /**
   * Checks a schema-qualified table or view name (`main.x`, `temp.x`) against this catalog,
   * whose lookups resolve temp first: `temp.x` must name a TEMP object (SQL_ERROR "no such
   * table"); `main.x` must not be shadowed by one (NOT_SUPPORTED: statements reach a
   * shadowed main table only from other handles).
   */
  checkQualified(schema: string | undefined, name: string): void {
    const s = schema?.toLowerCase();
    if (s === 'temp' && !this.shadows(name)) throw new DoSQLError('SQL_ERROR', `sql: no such table: temp.${name}`, { details: { table: name } });
    if (s === 'main' && this.shadows(name)) throw new DoSQLError('NOT_SUPPORTED', `sql: main.${name} while TEMP ${name} shadows it on this handle`, { details: { table: name } });
  }

  /** True when `o` belongs to the temp schema: a TEMP table or view, or an index or trigger of one. */
  belongsToTemp(o: CatalogObject): boolean {
    if (o.type === 'table' || o.type === 'view') return o.temp === true;
    if (o.type === 'index' || o.type === 'trigger') {
      const n = o.table.toLowerCase();
      return this.temps.has(`table:${n}`) || this.temps.has(`view:${n}`);
    }
    return false;
  }

  private indexCache = new Map<string, IndexSchema[]>();

  indexesOf(table: string): IndexSchema[] {
    const t = table.toLowerCase();
    const hit = this.indexCache.get(t);
    if (hit) return hit;
    const r = this.indexesOfUncached(t);
    this.indexCache.set(t, r);
    return r;
  }

  private indexesOfUncached(t: string): IndexSchema[] {
    const out: IndexSchema[] = [];
    for (const o of this.schemaOf(t).values()) if (o.type === 'index' && o.table.toLowerCase() === t) out.push(o);
    return out.sort((a, b) => a.id - b.id);
  }

  /** The schema (temp or main) that unqualified table or view `t` (lower case) resolves to. */
  private schemaOf(t: string): Map<string, CatalogObject> {
    return this.temps.size && (this.temps.has(`table:${t}`) || this.temps.has(`view:${t}`)) ? this.temps : this.mains;
  }

  triggersOf(table: string): TriggerSchema[] {
    const t = table.toLowerCase();
    const out: TriggerSchema[] = [];
    for (const o of this.schemaOf(t).values()) if (o.type === 'trigger' && o.table.toLowerCase() === t) out.push(o);
    return out;
  }

  /** A new catalog with `o` added or replaced; also writes it into `txn`. */
  with(txn: Transaction, o: CatalogObject, replacing?: CatalogObject): Catalog {
    const mains = new Map(this.mains);
    const temps = new Map(this.temps);
    if (replacing) {
      const rt = this.isTemp(replacing);
      (rt ? temps : mains).delete(`${replacing.type}:${replacing.name.toLowerCase()}`);
      txn.delete(objectKey(txn.branch, replacing.type, replacing.name, rt));
    }
    const temp = this.belongsToTemp(o);
    (temp ? temps : mains).set(`${o.type}:${o.name.toLowerCase()}`, o);
    txn.put(objectKey(txn.branch, o.type, o.name, temp), utf8Encoder.encode(encodeSchemaObject(o)));
    txn.ddl = true;
    return new Catalog(mains.values(), temps.values());
  }

  /** A new catalog without `o`; also deletes it in `txn`. */
  without(txn: Transaction, o: CatalogObject): Catalog {
    const temp = this.isTemp(o);
    const mains = new Map(this.mains);
    const temps = new Map(this.temps);
    (temp ? temps : mains).delete(`${o.type}:${o.name.toLowerCase()}`);
    txn.delete(objectKey(txn.branch, o.type, o.name, temp));
    txn.ddl = true;
    return new Catalog(mains.values(), temps.values());
  }

  /**
   * Allocates a key-space id for a new table or index. The counter is a catalog row, so two
   * transactions allocating concurrently conflict at commit instead of sharing an id.
   */
  static async allocateId(txn: Transaction, temp = false): Promise<number> {
    // TEMP objects take the handle's ids (temp-store.ts): the shared counter never learns of them.
    if (temp) {
      if (!txn.temp) throw new DoSQLError('NOT_SUPPORTED', 'sql: TEMP objects need a database handle (not a time-travel or recovery view)');
      return txn.temp.allocateId();
    }
    const key = encodeUserKey(txn.branch, CATALOG_TABLE_ID, ['~meta', 'next_id']);
    const cur = await txn.get(key);
    const id = cur ? Number(utf8Decoder.decode(cur)) : FIRST_USER_ID;
    txn.put(key, utf8Encoder.encode(String(id + 1)));
    return id;
  }
}
