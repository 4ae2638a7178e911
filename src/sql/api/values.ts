// Conversions between JavaScript values and SQL values at the API boundary, following
// better-sqlite3: integral numbers bind as INTEGER, other numbers as REAL, bigint as
// INTEGER, strings as TEXT, Uint8Array as BLOB, null/undefined as NULL, booleans as 1/0.
import { DoSQLError } from '../../errors.js';
import { assignableKeys, setOwn } from '../../util/record.js';
import type { Row } from '../execution/env.js';
import type { SqlValue } from '../types/value.js';
import { INT64_MAX, INT64_MIN } from '../types/value.js';

/** A value accepted as a parameter. */
export type BindValue = null | undefined | number | bigint | string | boolean | Uint8Array;
/** Parameters: positional values, or one object of named values (with or without the `:`/`@`/`$` prefix). */
export type BindParams = readonly BindValue[] | Readonly<Record<string, BindValue>>;

/** A value as returned to JavaScript: INTEGER as number (or bigint with safeIntegers). */
export type JsValue = null | number | bigint | string | Uint8Array;

export function toSqlValue(v: BindValue, where: string): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808 ? BigInt(v) : v;
    case 'bigint':
      if (v < INT64_MIN || v > INT64_MAX) throw new DoSQLError('RANGE', `sql: ${where}: bigint ${v} is outside the signed 64-bit range`);
      return v;
    case 'string':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    default:
      if (v instanceof Uint8Array) return v;
      throw new DoSQLError('INVALID_ARGUMENT', `sql: ${where}: cannot bind a value of type ${Object.prototype.toString.call(v)}; use number, bigint, string, boolean, Uint8Array or null`);
  }
}

/** Converts a result value for JavaScript. Integers outside ±2^53 need safeIntegers: no silent precision loss. */
export function toJsValue(v: SqlValue, safeIntegers: boolean): JsValue {
  if (typeof v !== 'bigint' || safeIntegers) return v;
  if (v > 9007199254740991n || v < -9007199254740991n) {
    throw new DoSQLError('RANGE', `sql: integer ${v} cannot be represented exactly as a number; use safeIntegers(true) to receive bigint`);
  }
  return Number(v);
}

/** An INTEGER rowid for JavaScript: a number when exact, else a bigint. */
export function jsRowid(r: bigint): number | bigint {
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

let lastColumns: readonly string[] | undefined;
let lastAssignable = true;

/** Result rows as objects keyed by column name; any column name is kept, `__proto__` included (src/util/record.ts). */
export function rowsToObjects(columns: readonly string[], rows: readonly Row[], safe: boolean): Record<string, JsValue>[] {
  const out: Record<string, JsValue>[] = new Array(rows.length);
  // A prepared statement passes the same column array on every run.
  let assignable: boolean;
  if (columns === lastColumns) assignable = lastAssignable;
  else {
    assignable = lastAssignable = assignableKeys(columns);
    lastColumns = columns;
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const o: Record<string, JsValue> = {};
    if (assignable) for (let j = 0; j < columns.length; j++) o[columns[j]!] = toJsValue(r[j]!, safe);
    else for (let j = 0; j < columns.length; j++) setOwn(o, columns[j]!, toJsValue(r[j]!, safe));
    out[i] = o;
  }
  return out;
}

/**
 * A statement's rows and effect as `execute` / `batch` return them (database.ts, ExecuteResult);
 * `lastInsertRowId` is the handle's (or transaction's) last inserted rowid after it ran.
 */
export function executeResult<T>(r: { columns: readonly string[]; rows: readonly Row[]; changes: number; lsn: number }, lastInsertRowId: bigint, safe: boolean): { columns: string[]; rows: T[]; changes: number; lastInsertRowid: number | bigint; lsn: number } {
  return { columns: [...r.columns], rows: rowsToObjects(r.columns, r.rows, safe) as T[], changes: r.changes, lastInsertRowid: jsRowid(lastInsertRowId), lsn: r.lsn };
}
