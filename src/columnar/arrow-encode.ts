// Rows -> one Arrow record batch, built with makeData from typed arrays (no Arrow Builders:
// they compile code with `new Function`, which workerd forbids). Layout: docs/format/columnar.md.
import { Binary, Field, Float64, Int64, RecordBatch, Schema, Struct, Table, TimestampMicrosecond, Utf8, makeData, type Data, type DataType } from 'apache-arrow';
import { DoSQLError } from '../errors.js';
import { utf8Encoder } from '../util/bytes.js';
import { parquetColumnNames } from './column-names.js';
import { ARROW_FIELD_ID_KEY, shadowColumnName } from './format.js';
import type { ColumnDef, ColumnType, ColumnValue, ColumnarSchema } from './schema.js';
import { encodeShadow, fitsType } from './shadow-codec.js';

/** One physical column of a written file. */
export interface FileColumn {
  /** The column's Parquet name (column-names.ts: the schema's name made Avro-compatible and unique). */
  readonly name: string;
  /** Parquet field id; `null` for shadow columns, which have none. */
  readonly fieldId: number | null;
  readonly type: ColumnType;
  /** Written OPTIONAL; a declared non-nullable column becomes nullable when it needs a shadow. */
  readonly nullable: boolean;
  /** For a shadow column: the field id of the column whose off-type values it holds. */
  readonly shadowOf?: number;
}

export interface EncodedBatch {
  readonly table: Table;
  /** The file's physical columns: the schema's columns in order, then any shadow columns. */
  readonly columns: readonly FileColumn[];
  /** Per field id of a `double` column: how many values are NaN (Iceberg `nan_value_counts`). */
  readonly nanCounts: ReadonlyMap<number, number>;
}

/**
 * Builds an Arrow table from rows given in schema order. Each value must be null or of its
 * column's storage class; any other value (SQLite lets a column hold several classes,
 * datatype3.html §3) is written NULL in the typed column and tagged in the shadow column
 * `_dosql_mixed_<fieldId>`, so a round trip returns exactly the same values.
 *
 * Throws `INVALID_ARGUMENT` for a row of the wrong width or a NULL in a non-nullable column,
 * `RANGE` for a bigint outside the signed 64-bit range.
 */
export function encodeRows(rows: readonly (readonly ColumnValue[])[], schema: ColumnarSchema): EncodedBatch {
  const n = rows.length;
  const width = schema.columns.length;
  for (let r = 0; r < n; r++) {
    if (rows[r]!.length !== width) {
      throw new DoSQLError('INVALID_ARGUMENT', `columnar: row ${r} has ${rows[r]!.length} values, the schema has ${width} columns`);
    }
  }
  const fields: Field[] = [];
  const children: Data<DataType>[] = [];
  const columns: FileColumn[] = [];
  const shadows: { field: Field; data: Data<DataType>; column: FileColumn }[] = [];
  const nanCounts = new Map<number, number>();
  const names = parquetColumnNames(schema.columns);
  schema.columns.forEach((def, c) => {
    const values = rows.map((row) => row[c]!);
    let offType = 0;
    for (let r = 0; r < n; r++) {
      const v = values[r]!;
      if (v === null && !def.nullable) {
        throw new DoSQLError('INVALID_ARGUMENT', `columnar: NULL in non-nullable column "${def.name}" at row ${r}`);
      }
      if (!fitsType(v, def.type)) offType++;
    }
    const nullable = def.nullable || offType > 0;
    const typed = offType > 0 ? values.map((v) => (fitsType(v, def.type) ? v : null)) : values;
    fields.push(arrowField(names[c]!, def.type, nullable, def.fieldId));
    children.push(columnData(def, typed));
    columns.push({ name: names[c]!, fieldId: def.fieldId, type: def.type, nullable });
    if (def.type === 'double') nanCounts.set(def.fieldId, countNaN(typed));
    if (offType > 0) {
      const name = shadowColumnName(def.fieldId);
      const tagged = values.map((v) => (v === null || fitsType(v, def.type) ? null : encodeShadow(v)));
      shadows.push({
        field: arrowField(name, 'binary', true, null),
        data: bytesData(new Binary(), tagged),
        column: { name, fieldId: null, type: 'binary', nullable: true, shadowOf: def.fieldId },
      });
    }
  });
  for (const s of shadows) {
    fields.push(s.field);
    children.push(s.data);
    columns.push(s.column);
  }
  const arrowSchema = new Schema(fields);
  const struct = makeData({ type: new Struct(arrowSchema.fields), length: n, nullCount: 0, children });
  return { table: new Table(arrowSchema, [new RecordBatch(arrowSchema, struct)]), columns, nanCounts };
}

function arrowField(name: string, type: ColumnType, nullable: boolean, fieldId: number | null): Field {
  const metadata = new Map<string, string>();
  if (fieldId !== null) metadata.set(ARROW_FIELD_ID_KEY, String(fieldId));
  return new Field(name, arrowType(type), nullable, metadata);
}

function arrowType(type: ColumnType): DataType {
  switch (type) {
    case 'long':
      return new Int64();
    case 'double':
      return new Float64();
    case 'string':
      return new Utf8();
    case 'binary':
      return new Binary();
    case 'timestamptz':
      return new TimestampMicrosecond('UTC');
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function columnData(def: ColumnDef, values: readonly ColumnValue[]): Data<DataType> {
  switch (def.type) {
    case 'long':
    case 'timestamptz': {
      const data = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'bigint') continue;
        if (v < INT64_MIN || v > INT64_MAX) {
          throw new DoSQLError('RANGE', `columnar: integer ${v} in column "${def.name}" is outside the signed 64-bit range`);
        }
        data[i] = v;
      }
      return withValidity(values, (nullBitmap, nullCount) =>
        def.type === 'long'
          ? makeData({ type: new Int64(), length: values.length, nullCount, nullBitmap, data })
          : makeData({ type: new TimestampMicrosecond('UTC'), length: values.length, nullCount, nullBitmap, data }),
      );
    }
    case 'double': {
      const data = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v === 'number') data[i] = v;
      }
      return withValidity(values, (nullBitmap, nullCount) =>
        makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap, data }),
      );
    }
    case 'string':
      return stringData(values);
    case 'binary':
      return bytesData(new Binary(), values as readonly (Uint8Array | null)[]);
  }
}

/** Binary column: int32 offsets into one byte buffer, plus the validity bitmap. */
function bytesData(type: Binary, values: readonly (Uint8Array | null)[]): Data<DataType> {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i]?.length ?? 0;
    if (total > 0x7fffffff) {
      throw new DoSQLError('RANGE', 'columnar: a batch holds more than 2 GiB of variable-width data; write smaller batches');
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v) bytes.set(v, offsets[i]!);
  }
  return withValidity(values, (nullBitmap, nullCount) =>
    makeData({ type, length: values.length, nullCount, nullBitmap, valueOffsets: offsets, data: bytes }),
  );
}

/** Utf8 column: strings encoded straight into one buffer (ASCII by a plain loop, the rest by encodeInto). */
function stringData(values: readonly ColumnValue[]): Data<DataType> {
  const offsets = new Int32Array(values.length + 1);
  let cap = 0;
  for (const v of values) if (typeof v === 'string') cap += v.length * 3; // UTF-8 needs at most 3 bytes per UTF-16 unit
  if (cap > 0x7fffffff) throw new DoSQLError('RANGE', 'columnar: a batch holds too much string data (over 2 GiB possible); write smaller batches');
  let bytes = new Uint8Array(cap);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string') {
      let ascii = true;
      for (let k = 0; k < v.length; k++) {
        const u = v.charCodeAt(k);
        if (u > 0x7f) {
          ascii = false;
          break;
        }
        bytes[pos + k] = u;
      }
      pos += ascii ? v.length : utf8Encoder.encodeInto(v, bytes.subarray(pos)).written;
    }
    offsets[i + 1] = pos;
  }
  bytes = bytes.slice(0, pos);
  return withValidity(values, (nullBitmap, nullCount) =>
    makeData({ type: new Utf8(), length: values.length, nullCount, nullBitmap, valueOffsets: offsets, data: bytes }),
  );
}

/** Arrow validity bitmap: bit i (LSB first) is 1 when value i is not null; omitted when none is null. */
function withValidity<T>(values: readonly unknown[], make: (bitmap: Uint8Array | undefined, nullCount: number) => T): T {
  let nulls = 0;
  for (const v of values) if (v === null) nulls++;
  if (nulls === 0) return make(undefined, 0);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bitmap[i >> 3]! |= 1 << (i & 7);
  return make(bitmap, nulls);
}

function countNaN(values: readonly ColumnValue[]): number {
  let k = 0;
  for (const v of values) if (typeof v === 'number' && Number.isNaN(v)) k++;
  return k;
}
