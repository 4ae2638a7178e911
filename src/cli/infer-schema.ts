// Column types for `dosql import` when the user gives no schema: from a sample of the rows
// (CSV, JSON) or from the Parquet schema, mapped onto SQLite's type affinities (INTEGER,
// REAL, TEXT, BLOB, or no declared type for mixed JSON columns). Plus the SQL text of the
// CREATE TABLE and the conversion of JSON and Parquet values to bind values.
import type { SchemaElement } from 'hyparquet';
import type { BindValue } from '../sql/api/values.js';

export type InferredType = 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB' | '';

/** `"name"` with embedded quotes doubled (SQL identifiers). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const INT_RE = /^[+-]?\d+$/;
const REAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isInt64Text(s: string): boolean {
  if (!INT_RE.test(s)) return false;
  const v = BigInt(s);
  return v >= INT64_MIN && v <= INT64_MAX;
}

/**
 * The type of a CSV column from its sampled fields: INTEGER when every non-null field is a
 * signed 64-bit integer, REAL when every one is a decimal number, TEXT otherwise (also when
 * all are null). Leading/trailing spaces make a field text, as in SQLite's affinity rules.
 */
export function inferTextType(values: readonly (string | null)[]): InferredType {
  let int = true;
  let real = true;
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    any = true;
    if (int && !isInt64Text(v)) int = false;
    if (!int && !REAL_RE.test(v)) {
      real = false;
      break;
    }
  }
  if (!any) return 'TEXT';
  return int ? 'INTEGER' : real ? 'REAL' : 'TEXT';
}

/**
 * The type of a JSON column from its sampled values: INTEGER for integral numbers and
 * booleans, REAL when any number is fractional, TEXT for strings and nested values, no
 * declared type (values kept as given) when numbers and strings mix.
 */
export function inferJsonType(values: readonly unknown[]): InferredType {
  let nums = 0;
  let fractional = false;
  let texts = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') {
      nums++;
      if (!Number.isInteger(v)) fractional = true;
    } else if (typeof v === 'boolean') nums++;
    else texts++;
  }
  if (nums > 0 && texts > 0) return '';
  if (nums > 0) return fractional ? 'REAL' : 'INTEGER';
  return 'TEXT';
}

/** A JSON value as a bind value: booleans as 1/0, objects and arrays as their JSON text. */
export function jsonCell(v: unknown): BindValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** How a Parquet column's values are converted (see parquetCell). */
export type ParquetKind = 'plain' | 'date' | 'timestamp' | 'json';

/**
 * SQL type and value kind of a top-level Parquet column (hyparquet's schema element):
 * integers and booleans -> INTEGER, FLOAT/DOUBLE/DECIMAL -> REAL, strings -> TEXT,
 * DATE/TIMESTAMP/INT96 -> TEXT in SQLite's date format, other byte arrays -> BLOB,
 * nested groups (structs, lists, maps) -> TEXT holding JSON.
 */
export function parquetColumnType(e: SchemaElement, nested: boolean): { type: InferredType; kind: ParquetKind } {
  if (nested || (e.num_children ?? 0) > 0) return { type: 'TEXT', kind: 'json' };
  const logical = e.logical_type?.type;
  const conv = e.converted_type;
  if (logical === 'DATE' || conv === 'DATE') return { type: 'TEXT', kind: 'date' };
  if (logical === 'TIMESTAMP' || conv === 'TIMESTAMP_MILLIS' || conv === 'TIMESTAMP_MICROS' || e.type === 'INT96') return { type: 'TEXT', kind: 'timestamp' };
  if (logical === 'DECIMAL' || conv === 'DECIMAL' || logical === 'FLOAT16') return { type: 'REAL', kind: 'plain' };
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'JSON' || logical === 'UUID' || conv === 'UTF8' || conv === 'ENUM' || conv === 'JSON') return { type: 'TEXT', kind: 'plain' };
  switch (e.type) {
    case 'BOOLEAN':
    case 'INT32':
    case 'INT64':
      return { type: 'INTEGER', kind: 'plain' };
    case 'FLOAT':
    case 'DOUBLE':
      return { type: 'REAL', kind: 'plain' };
    default:
      return { type: 'BLOB', kind: 'plain' };
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** SQLite's date text: 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS[.SSS]' (UTC). */
export function sqliteDateText(d: Date, dateOnly: boolean): string {
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (dateOnly) return day;
  const ms = d.getUTCMilliseconds();
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString()) : v instanceof Date ? v.toISOString() : v);

/** A value hyparquet decoded, as a bind value for a column of `kind`. */
export function parquetCell(v: unknown, kind: ParquetKind): BindValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : sqliteDateText(v, kind === 'date');
  if (kind === 'json') return JSON.stringify(v, bigintJson);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return v;
  return JSON.stringify(v, bigintJson);
}

/**
 * `CREATE TABLE "t"("a" INTEGER PRIMARY KEY, "b" TEXT)`: a single INTEGER primary key
 * column becomes the rowid alias; other keys a table constraint.
 */
export function createTableSql(table: string, columns: readonly string[], types: readonly InferredType[], pk: readonly string[]): string {
  const single = pk.length === 1 ? pk[0]!.toLowerCase() : undefined;
  const defs = columns.map((c, i) => {
    const t = types[i] ? ` ${types[i]}` : '';
    return `${quoteIdent(c)}${t}${single === c.toLowerCase() ? ' PRIMARY KEY' : ''}`;
  });
  if (pk.length > 1) defs.push(`PRIMARY KEY(${pk.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE ${quoteIdent(table)}(${defs.join(', ')})`;
}
