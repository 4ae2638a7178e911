// Lake table schemas (docs/lake.md, "Schema"): four visible system columns, then the sources'
// columns by field id, evolved from the sources' schema events. Each source keeps its own
// column name → field id map (in the positions object), so a rename on one shard does not cut
// another shard's rows off their field; a field is dropped when no source maps it any more.
// The type of a field is the type of its column at first sight (another source's values of
// another type are off-type: kept in the Parquet shadow column, NULL to other readers).
import { DoSQLError } from '../errors.js';
import type { LakeColumn, LakeEvent } from '../cdc/lake-protocol.js';
import { fromLakeValue } from '../cdc/lake-protocol.js';
import { addColumn, dropColumn, renameColumn } from '../iceberg/schema-evolution.js';
import type { IcebergField, IcebergPrimitiveType, IcebergSchema } from '../iceberg/types.js';
import type { JsValue } from '../sql/api/values.js';
import { affinityOfDeclaredType } from '../sql/types/affinity.js';

/** Field ids of the system columns (persisted: never renumber). */
export const F_SOURCE = 1;
export const F_KEY = 2;
export const F_LSN = 3;
export const F_TS = 4;
/** `_dosql_part_ts`, only in tables partitioned by a column (partition.ts). */
export const F_PART = 5;
export const PART_FIELD_NAME = '_dosql_part_ts';

export const SYSTEM_FIELDS: readonly IcebergField[] = [
  { id: F_SOURCE, name: '_dosql_source', required: true, type: 'string', doc: 'sourceDoId of the database the row came from' },
  { id: F_KEY, name: '_dosql_key', required: true, type: 'binary', doc: 'the row key tuple in dosql key encoding' },
  { id: F_LSN, name: '_dosql_lsn', required: true, type: 'long', doc: 'commit LSN of this row version at its source' },
  { id: F_TS, name: '_dosql_ts', required: true, type: 'timestamptz', doc: 'commit time of this row version' },
];

const PART_FIELD: IcebergField = { id: F_PART, name: PART_FIELD_NAME, required: false, type: 'timestamptz', doc: 'the partition column read as a time (partition day(_dosql_part_ts))' };

/** The schema of a new lake table (with `_dosql_part_ts` when it is partitioned by a column). */
export function initialSchema(byColumn = false): IcebergSchema {
  return { type: 'struct', 'schema-id': 0, 'identifier-field-ids': [F_SOURCE, F_KEY], fields: [...SYSTEM_FIELDS, ...(byColumn ? [PART_FIELD] : [])] };
}

/** The lake's own fields: ids 1-4, and `_dosql_part_ts` (id 5) where a table has it. */
export function isSystemField(f: Pick<IcebergField, 'id' | 'name'>): boolean {
  return f.id <= F_TS || (f.id === F_PART && f.name === PART_FIELD_NAME);
}

/**
 * The Iceberg type of a column declared `declared` (SQLite datatype3.html §3.1 affinity):
 * INTEGER → long, REAL and NUMERIC → double, TEXT → string, BLOB → binary, no type → string
 * (values rendered as SQLite text), as the cold tier publishes (iceberg/schema-evolution.ts).
 */
export function lakeType(declared: string): IcebergPrimitiveType {
  if (declared.trim() === '') return 'string';
  switch (affinityOfDeclaredType(declared)) {
    case 'INTEGER':
      return 'long';
    case 'REAL':
    case 'NUMERIC':
      return 'double';
    case 'TEXT':
      return 'string';
    case 'BLOB':
      return 'binary';
  }
}

/** A source's column name → field id map (immutable: changes make a new one). */
export type ColumnMap = Readonly<Record<string, number>>;

/** Schema work of one commit: the evolving schema, the sources' maps, what older rows need. */
export class SchemaWork {
  schema: IcebergSchema;
  lastColumnId: number;
  readonly maps: Record<string, ColumnMap>;
  /** Per source, field id → the default rows written before its add_column read (this flush). */
  readonly addedDefaults: Record<string, Record<number, JsValue>> = {};
  /** Non-NULL defaults that rows of a source already in data files must get (a table rewrite). */
  readonly fills: { source: string; fieldId: number; value: JsValue }[] = [];
  /** Sources whose table was dropped (every row of theirs goes). */
  readonly dropped = new Set<string>();
  changed = false;

  constructor(
    private readonly table: string,
    schema: IcebergSchema,
    lastColumnId: number,
    maps: Readonly<Record<string, ColumnMap>>,
  ) {
    this.schema = schema;
    this.lastColumnId = lastColumnId;
    this.maps = { ...maps };
  }

  /** Applies one schema event of `source`; returns the source's map after it. */
  apply(source: string, ev: NonNullable<LakeEvent['schema']>): ColumnMap {
    const map: Record<string, number> = { ...(this.maps[source] ?? {}) };
    const info = (name: string): LakeColumn | undefined => ev.columns.find((c) => c.name === name);
    switch (ev.changeType) {
      case 'create_table':
        for (const k of Object.keys(map)) delete map[k];
        for (const c of ev.columns) map[c.name] = this.fieldFor(c);
        this.dropped.delete(source);
        break;
      case 'add_column': {
        const c = ev.column === undefined ? undefined : info(ev.column);
        if (!c) throw this.conflict(`add_column of ${String(ev.column)} without the column in the event`);
        const id = this.fieldFor(c);
        map[c.name] = id;
        const d = fromLakeValue(c.defaultValue);
        if (d !== null) {
          (this.addedDefaults[source] ??= {})[id] = d;
          this.fills.push({ source, fieldId: id, value: d });
        }
        break;
      }
      case 'drop_column':
        if (ev.column !== undefined) delete map[ev.column];
        break;
      case 'rename_column': {
        const id = ev.oldName === undefined ? undefined : map[ev.oldName];
        if (id === undefined || ev.column === undefined) break;
        delete map[ev.oldName!];
        map[ev.column] = id;
        const f = this.schema.fields.find((x) => x.id === id);
        const taken = this.schema.fields.some((x) => x.id !== id && x.name.toLowerCase() === ev.column!.toLowerCase());
        if (f && f.name !== ev.column && !taken) {
          this.schema = renameColumn(this.schema, id, ev.column);
          this.changed = true;
        }
        break;
      }
      case 'drop_table':
        for (const k of Object.keys(map)) delete map[k];
        this.dropped.add(source);
        break;
      default:
        // rename_table keeps the lake table; alter_column is never emitted; indexes are not lake data.
        break;
    }
    this.maps[source] = map;
    this.dropUnmapped();
    return map;
  }

  /** The field a source column maps to: the field of that name, else a new one. */
  private fieldFor(c: LakeColumn): number {
    const lower = c.name.toLowerCase();
    if (lower === PART_FIELD_NAME || SYSTEM_FIELDS.some((f) => f.name.toLowerCase() === lower)) throw this.conflict(`column ${JSON.stringify(c.name)} has the name of a system column`);
    const f = this.schema.fields.find((x) => !isSystemField(x) && x.name.toLowerCase() === lower);
    if (f) return f.id;
    const e = addColumn(this.schema, this.lastColumnId, c.name, lakeType(c.type));
    this.schema = e.schema;
    this.lastColumnId = e.lastColumnId;
    this.changed = true;
    return e.lastColumnId;
  }

  /** Drops user fields no source maps any more (their ids stay retired). */
  private dropUnmapped(): void {
    const used = new Set<number>();
    for (const m of Object.values(this.maps)) for (const id of Object.values(m)) used.add(id);
    for (const f of this.schema.fields) {
      if (!isSystemField(f) && !used.has(f.id)) {
        this.schema = dropColumn(this.schema, f.id);
        this.changed = true;
      }
    }
  }

  private conflict(why: string): DoSQLError {
    return new DoSQLError('LAKE_SCHEMA_CONFLICT', `lake: table ${this.table}: ${why}`, { details: { table: this.table } });
  }
}
