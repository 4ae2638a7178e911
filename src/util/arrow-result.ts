// Query results as Apache Arrow: the one encoder behind `stmt.arrow()` / `db.queryArrow()`,
// the CLI's `--format arrow` / `.mode arrow` and the Worker's `Accept:
// application/vnd.apache.arrow.stream` responses (docs/arrow.md). Built with makeData from
// typed arrays: Arrow's Builders compile code with `new Function`, which workerd forbids.
//
// Each column's Arrow type comes from the SQLite storage classes of its non-NULL values
// (datatype3.html; a column may hold several):
//   only INTEGER -> Int64    only REAL -> Float64    only TEXT -> Utf8    only BLOB -> Binary
//   only NULL (or no rows) -> Null
//   several classes -> DenseUnion of the classes present, in the order integer, real, text,
//   blob (child fields named so); a NULL is a null slot of the first child. Every value
//   round-trips exactly (pyarrow, DuckDB and polars read unions).
import { Binary, DenseUnion, Field, Float64, Int64, makeData, Null, RecordBatch, Schema, Struct, Table, tableToIPC, Utf8, type Data, type DataType } from 'apache-arrow';

/** A value as the engine keeps it: INTEGER is bigint, REAL number (SqlValue's shape). */
export type ArrowCellValue = null | bigint | number | string | Uint8Array;

/** The media type of an Arrow IPC stream (what the Worker answers `Accept` with). */
export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

type Kind = 'integer' | 'real' | 'text' | 'blob';
const KINDS: readonly Kind[] = ['integer', 'real', 'text', 'blob'];

function kindOf(v: Exclude<ArrowCellValue, null>): Kind {
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'real';
  if (typeof v === 'string') return 'text';
  return 'blob';
}

const encoder = new TextEncoder();

function validity(values: readonly ArrowCellValue[]): { nullCount: number; nullBitmap?: Uint8Array } {
  let nulls = 0;
  const bits = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bits[i >> 3]! |= 1 << (i & 7);
  });
  return nulls === 0 ? { nullCount: 0 } : { nullCount: nulls, nullBitmap: bits };
}

/** One plain (single-class) column of `values`, each null or of `kind`. */
function plain(kind: Kind, values: readonly ArrowCellValue[]): Data<DataType> {
  const n = values.length;
  const v = validity(values);
  if (kind === 'integer') {
    const data = new BigInt64Array(n);
    values.forEach((x, i) => (data[i] = x === null ? 0n : BigInt.asIntN(64, x as bigint)));
    return makeData({ type: new Int64(), length: n, ...v, data });
  }
  if (kind === 'real') {
    const data = new Float64Array(n);
    values.forEach((x, i) => (data[i] = x === null ? 0 : (x as number)));
    return makeData({ type: new Float64(), length: n, ...v, data });
  }
  const parts = values.map((x) => (x === null ? new Uint8Array(0) : typeof x === 'string' ? encoder.encode(x) : (x as Uint8Array)));
  const offsets = new Int32Array(n + 1);
  let total = 0;
  parts.forEach((p, i) => {
    total += p.length;
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, offsets[i]!));
  return kind === 'text' ? makeData({ type: new Utf8(), length: n, ...v, valueOffsets: offsets, data: bytes }) : makeData({ type: new Binary(), length: n, ...v, valueOffsets: offsets, data: bytes });
}

/** A column of several storage classes as a dense union (docs/arrow.md). */
function union(kinds: readonly Kind[], values: readonly ArrowCellValue[]): Data<DataType> {
  const n = values.length;
  const typeIds = new Int8Array(n);
  const offsets = new Int32Array(n);
  const per: ArrowCellValue[][] = kinds.map(() => []);
  values.forEach((v, i) => {
    const id = v === null ? 0 : kinds.indexOf(kindOf(v));
    typeIds[i] = id;
    offsets[i] = per[id]!.length;
    per[id]!.push(v);
  });
  const children = kinds.map((k, i) => plain(k, per[i]!));
  const type = new DenseUnion(
    kinds.map((_, i) => i),
    kinds.map((k, i) => new Field(k, children[i]!.type, true)),
  );
  return makeData({ type, length: n, typeIds, valueOffsets: offsets, children });
}

function column(values: readonly ArrowCellValue[]): Data<DataType> {
  const present = new Set<Kind>();
  for (const v of values) if (v !== null) present.add(kindOf(v));
  const kinds = KINDS.filter((k) => present.has(k));
  if (kinds.length === 0) return makeData({ type: new Null(), length: values.length, nullCount: values.length });
  if (kinds.length === 1) return plain(kinds[0]!, values);
  return union(kinds, values);
}

/** Field names: the result's column names, a repeat made unique with `:2`, `:3` (Arrow looks fields up by name). */
function fieldNames(columns: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((name) => {
    const k = (seen.get(name) ?? 0) + 1;
    seen.set(name, k);
    return k === 1 ? name : `${name}:${k}`;
  });
}

/**
 * A result (column names, rows of engine values in column order) as one Arrow Table with one
 * record batch. Types as the file comment says; every field is nullable.
 */
export function resultToArrowTable(columns: readonly string[], rows: readonly (readonly ArrowCellValue[])[]): Table {
  const names = fieldNames(columns);
  const children = names.map((_, c) => column(rows.map((r) => r[c] ?? null)));
  const fields = names.map((name, c) => new Field(name, children[c]!.type, true));
  const schema = new Schema(fields);
  const data = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  return new Table([new RecordBatch(schema, data)]);
}

/** The same as IPC stream bytes (`application/vnd.apache.arrow.stream`). */
export function resultToArrowStream(columns: readonly string[], rows: readonly (readonly ArrowCellValue[])[]): Uint8Array {
  return tableToIPC(resultToArrowTable(columns, rows), 'stream');
}
