// The catalog: every schema object, read from the versioned system table (id 1) at a
// read point. Immutable: DDL builds a new Catalog (`with` / `without`) and writes the
// change into the transaction, so a rolled-back DDL statement leaves no trace.
import { DoSQLError } from '../../errors.js';
import { encodeUserKey } from '../../mvcc/internal-key.js';
import { utf8Decoder, utf8Encoder } from '../../util/bytes.js';
import type { Transaction } from '../txn/transaction.js';
import { decodeSchemaObject, encodeSchemaObject, type CatalogObject, type IndexSchema, type ProcedureSchema, type SchemaObject, type TableSchema, type TriggerSchema, type ViewSchema } from './schema.js';

/** Key-space id of the catalog table. Persisted: never change. */
export const CATALOG_TABLE_ID = 1;
/** First id handed to user tables and indexes. */
export const FIRST_USER_ID = 16;

let versionCounter = 0;

function objectKey(branch: number, type: string, name: string): Uint8Array {
  return encodeUserKey(branch, CATALOG_TABLE_ID, [type, name.toLowerCase()]);
}

export class Catalog {
  /** Changes whenever the schema changes: prepared statements re-plan when it differs. */
  readonly version = ++versionCounter;
  private readonly byName: Map<string, CatalogObject>;

  constructor(objects: Iterable<CatalogObject>) {
    this.byName = new Map();
    for (const o of objects) this.byName.set(`${o.type}:${o.name.toLowerCase()}`, o);
  }

  /** Reads every schema object visible to `txn`. */
  static async load(txn: Transaction): Promise<Catalog> {
    const lower = encodeUserKey(txn.branch, CATALOG_TABLE_ID, []);
    const upper = encodeUserKey(txn.branch, CATALOG_TABLE_ID + 1, []);
    const objects: CatalogObject[] = [];
    for await (const e of txn.scan(lower, upper)) {
      const text = utf8Decoder.decode(e.value);
      if (text.startsWith('{')) {
        const o = decodeSchemaObject(text);
        if (o.type) objects.push(o);
      }
    }
    return new Catalog(objects);
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
    for (const o of this.byName.values()) if (o.type !== 'procedure') out.push(o);
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

  /** True when a table, view or index already uses `name` (they share one namespace in SQLite). */
  nameInUse(name: string): SchemaObject | undefined {
    const n = name.toLowerCase();
    return (this.byName.get(`table:${n}`) ?? this.byName.get(`view:${n}`) ?? this.byName.get(`index:${n}`)) as SchemaObject | undefined;
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
    for (const o of this.byName.values()) if (o.type === 'index' && o.table.toLowerCase() === t) out.push(o);
    return out.sort((a, b) => a.id - b.id);
  }

  triggersOf(table: string): TriggerSchema[] {
    const t = table.toLowerCase();
    const out: TriggerSchema[] = [];
    for (const o of this.byName.values()) if (o.type === 'trigger' && o.table.toLowerCase() === t) out.push(o);
    return out;
  }

  /** A new catalog with `o` added or replaced; also writes it into `txn`. */
  with(txn: Transaction, o: CatalogObject, replacing?: CatalogObject): Catalog {
    const objs = new Map(this.byName);
    if (replacing) {
      objs.delete(`${replacing.type}:${replacing.name.toLowerCase()}`);
      txn.delete(objectKey(txn.branch, replacing.type, replacing.name));
    }
    objs.set(`${o.type}:${o.name.toLowerCase()}`, o);
    txn.put(objectKey(txn.branch, o.type, o.name), utf8Encoder.encode(encodeSchemaObject(o)));
    txn.ddl = true;
    return new Catalog(objs.values());
  }

  /** A new catalog without `o`; also deletes it in `txn`. */
  without(txn: Transaction, o: CatalogObject): Catalog {
    const objs = new Map(this.byName);
    objs.delete(`${o.type}:${o.name.toLowerCase()}`);
    txn.delete(objectKey(txn.branch, o.type, o.name));
    txn.ddl = true;
    return new Catalog(objs.values());
  }

  /**
   * Allocates a key-space id for a new table or index. The counter is a catalog row, so two
   * transactions allocating concurrently conflict at commit instead of sharing an id.
   */
  static async allocateId(txn: Transaction): Promise<number> {
    const key = encodeUserKey(txn.branch, CATALOG_TABLE_ID, ['~meta', 'next_id']);
    const cur = await txn.get(key);
    const id = cur ? Number(utf8Decoder.decode(cur)) : FIRST_USER_ID;
    txn.put(key, utf8Encoder.encode(String(id + 1)));
    return id;
  }
}
