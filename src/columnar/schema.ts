// The columnar schema: named, typed columns with stable field ids (docs/format/columnar.md).
import { DoSQLError } from '../errors.js';
import { MAX_USER_FIELD_ID } from './format.js';

/**
 * One value as the SQL layer holds it (SQLite's five storage classes, datatype3.html §2):
 * NULL, INTEGER (bigint, signed 64-bit), REAL (number), TEXT (string), BLOB (Uint8Array).
 * Declared here because `src/columnar` sits below `src/sql`.
 */
export type ColumnValue = null | bigint | number | string | Uint8Array;

/**
 * Column types and their Parquet encoding: `long` INT64, `double` DOUBLE,
 * `string` BYTE_ARRAY (STRING), `binary` BYTE_ARRAY, `timestamptz` INT64
 * TIMESTAMP(isAdjustedToUTC, MICROS) (Iceberg `timestamptz`; the lake's commit-time columns).
 * The matching storage classes are bigint, number, string, Uint8Array and bigint (µs since the
 * Unix epoch); other values go to a shadow column (see arrow-encode.ts).
 */
export type ColumnType = 'long' | 'double' | 'string' | 'binary' | 'timestamptz';

export interface ColumnDef {
  readonly name: string;
  /** Stable id across renames; user ids are 1..2147483443 (Iceberg field ids). */
  readonly fieldId: number;
  readonly type: ColumnType;
  /** False makes the Parquet column REQUIRED; a NULL in it is then rejected on write. */
  readonly nullable: boolean;
  /**
   * A metadata column of a layout built on these files (a columnar run's system columns,
   * src/cold/run-layout.ts; Iceberg's position-delete columns): its field id is above
   * MAX_USER_FIELD_ID and its Parquet name is its name, as is (column-names.ts).
   */
  readonly reserved?: boolean;
  /**
   * Keep the column's name as its Parquet name, as reserved columns do, though its field id is a
   * user id: visible system columns of a layout (the lake's `_dosql_source`, ..., docs/lake.md)
   * that readers see under exactly that name.
   */
  readonly verbatimName?: boolean;
}

export interface ColumnarSchema {
  readonly columns: readonly ColumnDef[];
}

const TYPES: ReadonlySet<string> = new Set(['long', 'double', 'string', 'binary', 'timestamptz']);

/**
 * Checks that field ids are unique and names unique among the user columns, types known, and
 * that reserved field ids (> 2147483443) are used exactly by the reserved columns. Names are data:
 * any string, including one starting with `_dosql_` (a column's Parquet name is derived from
 * it, column-names.ts). Throws `INVALID_ARGUMENT` naming the offending column.
 */
export function validateSchema(schema: ColumnarSchema): void {
  const names = new Set<string>();
  const ids = new Set<number>();
  for (const c of schema.columns) {
    const bad = (why: string): DoSQLError =>
      new DoSQLError('INVALID_ARGUMENT', `columnar: column ${JSON.stringify(c.name)} (field id ${c.fieldId}): ${why}`);
    if (!TYPES.has(c.type)) throw bad(`unknown type ${String(c.type)}`);
    if (ids.has(c.fieldId)) throw bad('duplicate field id');
    ids.add(c.fieldId);
    if (c.reserved) {
      if (!Number.isInteger(c.fieldId) || c.fieldId <= MAX_USER_FIELD_ID) throw bad(`a reserved column's field id must be an integer above ${MAX_USER_FIELD_ID}`);
      continue;
    }
    if (names.has(c.name)) throw bad('duplicate name');
    names.add(c.name);
    if (!Number.isInteger(c.fieldId) || c.fieldId < 1 || c.fieldId > MAX_USER_FIELD_ID) {
      throw bad(`field ids must be integers in [1, ${MAX_USER_FIELD_ID}]`);
    }
  }
}

/** An Iceberg v2 schema (spec "Schemas and Data Types") in its JSON form. */
export interface IcebergSchemaJson {
  readonly type: 'struct';
  readonly 'schema-id': number;
  readonly fields: readonly { id: number; name: string; required: boolean; type: ColumnType }[];
}

/** The Iceberg schema of a file's columns, written into its `iceberg.schema` metadata. */
export function icebergSchema(schema: ColumnarSchema, schemaId = 0): IcebergSchemaJson {
  return {
    type: 'struct',
    'schema-id': schemaId,
    fields: schema.columns.map((c) => ({ id: c.fieldId, name: c.name, required: !c.nullable, type: c.type })),
  };
}
