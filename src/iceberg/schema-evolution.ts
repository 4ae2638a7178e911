// SQL columns → Iceberg schemas, and schema evolution by field id.
// Sources: Iceberg spec "Schema Evolution" (columns are tracked by id; ids are never reused;
// `last-column-id` is the highest id ever assigned; allowed promotions int→long, float→double)
// and SQLite datatype3.html §3 (the five affinities).
import { DoSQLError } from '../errors.js';
import type { IcebergField, IcebergPrimitiveType, IcebergSchema, TableMetadata } from './types.js';

/** SQLite column affinity (datatype3.html §3.1); NONE is the affinity of a column without a type. */
export type SqlAffinity = 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' | 'NUMERIC' | 'NONE';

/**
 * The Iceberg type a column of `affinity` is published as. INTEGER → long (SQLite integers
 * are 64-bit), REAL and NUMERIC → double (NUMERIC values that are integers are widened; a
 * lossless alternative would need a per-file type), TEXT → string, BLOB → binary. NONE columns
 * can hold any storage class, so they are published as their text rendering (string).
 */
export function icebergType(affinity: SqlAffinity): IcebergPrimitiveType {
  switch (affinity) {
    case 'INTEGER':
      return 'long';
    case 'REAL':
    case 'NUMERIC':
      return 'double';
    case 'TEXT':
    case 'NONE':
      return 'string';
    case 'BLOB':
      return 'binary';
  }
}

export interface SqlColumn {
  name: string;
  affinity: SqlAffinity;
  notNull?: boolean;
}

/** A first schema (id `schemaId`) with field ids 1..n in column order. */
export function schemaFromColumns(columns: readonly SqlColumn[], schemaId = 0): IcebergSchema {
  return {
    type: 'struct',
    'schema-id': schemaId,
    fields: columns.map((c, i) => ({ id: i + 1, name: c.name, required: c.notNull === true, type: icebergType(c.affinity) })),
  };
}

export interface EvolvedSchema {
  schema: IcebergSchema;
  /** The table's `last-column-id` after the change. */
  lastColumnId: number;
}

function nameTaken(schema: IcebergSchema, name: string, exceptId?: number): boolean {
  return schema.fields.some((f) => f.id !== exceptId && f.name.toLowerCase() === name.toLowerCase());
}

function fieldById(schema: IcebergSchema, fieldId: number): IcebergField {
  const f = schema.fields.find((x) => x.id === fieldId);
  if (!f) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: no field with id ${fieldId}`);
  return f;
}

/**
 * Appends an optional column with the next unused id (`lastColumnId + 1`). The new schema
 * has id `schema-id + 1`; the caller registers it with {@link withCurrentSchema}.
 * Throws INVALID_ARGUMENT when the name is taken (names compare case-insensitively, as in SQL).
 */
export function addColumn(schema: IcebergSchema, lastColumnId: number, name: string, type: IcebergPrimitiveType): EvolvedSchema {
  if (nameTaken(schema, name)) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: column ${name} already exists`);
  const id = lastColumnId + 1;
  return {
    schema: { ...schema, 'schema-id': schema['schema-id'] + 1, fields: [...schema.fields, { id, name, required: false, type }] },
    lastColumnId: id,
  };
}

/** Renames field `fieldId`; data files keep matching by id. */
export function renameColumn(schema: IcebergSchema, fieldId: number, newName: string): IcebergSchema {
  fieldById(schema, fieldId);
  if (nameTaken(schema, newName, fieldId)) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: column ${newName} already exists`);
  return { ...schema, 'schema-id': schema['schema-id'] + 1, fields: schema.fields.map((f) => (f.id === fieldId ? { ...f, name: newName } : f)) };
}

/** Drops field `fieldId`; its id stays retired (`last-column-id` does not go down). */
export function dropColumn(schema: IcebergSchema, fieldId: number): IcebergSchema {
  fieldById(schema, fieldId);
  return {
    ...schema,
    'schema-id': schema['schema-id'] + 1,
    fields: schema.fields.filter((f) => f.id !== fieldId),
    ...(schema['identifier-field-ids'] ? { 'identifier-field-ids': schema['identifier-field-ids'].filter((id) => id !== fieldId) } : {}),
  };
}

const PROMOTIONS: ReadonlySet<string> = new Set(['int>long', 'float>double']);

function sameFields(a: IcebergSchema, b: IcebergSchema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const g = b.fields[i]!;
      return f.id === g.id && f.name === g.name && f.type === g.type && f.required === g.required;
    })
  );
}

/**
 * `m` with `schema` as its current schema. An existing schema with the same fields is reused
 * (no new schema id); otherwise the schema is added with id max+1. Checks the id rules: a field
 * id at or below `last-column-id` must have existed in an earlier schema (ids are never
 * invented below the watermark nor reused for another type, except int→long and float→double).
 * Throws INVALID_ARGUMENT on a violation.
 */
export function withCurrentSchema(m: TableMetadata, schema: IcebergSchema): TableMetadata {
  const same = m.schemas.find((s) => sameFields(s, schema));
  if (same) return same['schema-id'] === m['current-schema-id'] ? m : { ...m, 'current-schema-id': same['schema-id'] };
  const seen = new Map<number, IcebergField>();
  for (const s of m.schemas) for (const f of s.fields) seen.set(f.id, f);
  const ids = new Set<number>();
  for (const f of schema.fields) {
    if (!Number.isInteger(f.id) || f.id <= 0 || ids.has(f.id)) throw new DoSQLError('INVALID_ARGUMENT', `iceberg: bad or duplicate field id ${f.id}`);
    ids.add(f.id);
    const old = seen.get(f.id);
    if (old === undefined && f.id <= m['last-column-id']) {
      throw new DoSQLError('INVALID_ARGUMENT', `iceberg: field id ${f.id} (${f.name}) is at or below last-column-id ${m['last-column-id']} but was never assigned; new columns need fresh ids`);
    }
    if (old !== undefined && old.type !== f.type && !PROMOTIONS.has(`${old.type}>${f.type}`)) {
      throw new DoSQLError('INVALID_ARGUMENT', `iceberg: field id ${f.id} changes type ${old.type} → ${f.type}; field ids are never reused`);
    }
  }
  const schemaId = Math.max(...m.schemas.map((s) => s['schema-id'])) + 1;
  return {
    ...m,
    schemas: [...m.schemas, { ...schema, 'schema-id': schemaId }],
    'current-schema-id': schemaId,
    'last-column-id': Math.max(m['last-column-id'], ...schema.fields.map((f) => f.id)),
  };
}
