// Operations on single SQL values (compare, cast, affinity, arithmetic, LIKE/GLOB, hash keys)
// and the function registry lookups, gathered in one place so the compiled expressions and
// the operators depend on a small surface of src/sql/types and src/sql/functions. Imported
// as `ops` by convention.
import { getAggregateFunction, type Accumulator, type AggregateFunction } from '../functions/aggregate.js';
import { getScalarFunction, type ScalarFunction } from '../functions/scalar.js';
import { DATETIME_FUNCTIONS } from '../functions/datetime.js';
import { dateTruncFunction } from '../functions/date-trunc.js';
import { JSON_ARROW, JSON_ARROW2 } from '../functions/json/json-functions.js';
import { getTableFunction, type TableFunction } from '../functions/table-functions.js';
import { affinityOfDeclaredType, applyAffinity as applyAff, type Affinity } from '../types/affinity.js';
import * as arithm from '../types/arith.js';
import { castTo } from '../types/cast.js';
import { compareValues, getCollation, type Collation } from '../types/compare.js';
import { toBoolean } from '../types/convert.js';
import { groupKeyCollated } from '../types/group-key.js';
import { sqlGlob, sqlLike } from '../types/like.js';
import type { SqlValue } from '../types/value.js';

export type { Accumulator, AggregateFunction, ScalarFunction, TableFunction };

export const compare = compareValues;
export const toBool = toBoolean;
export const negate = arithm.negate;
export const bitNot = arithm.bitNot;
export const concat = arithm.concat;
export const cast = castTo;

export function applyAffinity(v: SqlValue, a: Affinity): SqlValue {
  return applyAff(v, a);
}

export function affinityOf(typeName: string | undefined): Affinity {
  return affinityOfDeclaredType(typeName);
}

export function collation(name: string): Collation {
  return getCollation(name);
}

/** Map key under a collation: equal keys iff the values are equal for GROUP BY / DISTINCT / IN. */
export function hashKey(v: SqlValue, coll: Collation): unknown {
  return groupKeyCollated(v, coll);
}

type Binary = (a: SqlValue, b: SqlValue) => SqlValue;

export function arith(op: '+' | '-' | '*' | '/' | '%'): Binary {
  switch (op) {
    case '+':
      return arithm.add;
    case '-':
      return arithm.subtract;
    case '*':
      return arithm.multiply;
    case '/':
      return arithm.divide;
    case '%':
      return arithm.remainder;
  }
}

export function bitwise(op: '&' | '|' | '<<' | '>>'): Binary {
  switch (op) {
    case '&':
      return arithm.bitAnd;
    case '|':
      return arithm.bitOr;
    case '<<':
      return arithm.shiftLeft;
    case '>>':
      return arithm.shiftRight;
  }
}

/** LIKE (lang_expr.html#like): ASCII case-insensitive, BLOBs never match; null when an operand is NULL. */
export function like(pattern: SqlValue, value: SqlValue, escape: SqlValue | undefined): boolean | null {
  const r = escape === undefined ? sqlLike(pattern, value) : sqlLike(pattern, value, escape);
  return r === null ? null : r === 1n;
}

export function glob(pattern: SqlValue, value: SqlValue): boolean | null {
  const r = sqlGlob(pattern, value);
  return r === null ? null : r === 1n;
}

const DATETIME = new Map<string, ScalarFunction>(DATETIME_FUNCTIONS.map((f) => [f.name, f]));
// A dosql extension (PostgreSQL's and DuckDB's date_trunc), not SQLite's: date-trunc.ts.
DATETIME.set('date_trunc', { name: 'date_trunc', minArgs: 2, maxArgs: 2, deterministic: true, call: dateTruncFunction });

export function scalarFunction(name: string): ScalarFunction | undefined {
  return getScalarFunction(name) ?? DATETIME.get(name);
}

/** The function behind the `->` or `->>` operator. */
export function jsonOperator(op: '->' | '->>'): ScalarFunction {
  return op === '->' ? JSON_ARROW : JSON_ARROW2;
}

/** The table-valued function called `name` (functions/table-functions.ts), or undefined. */
export function tableFunction(name: string): TableFunction | undefined {
  return getTableFunction(name);
}

export function aggregateFunction(name: string): AggregateFunction | undefined {
  return getAggregateFunction(name);
}

/** True for calls that aggregate: count(*) and the aggregate functions; min/max only with one argument. */
export function isAggregate(name: string, nargs: number, star: boolean): boolean {
  if (star) return name === 'count';
  if ((name === 'min' || name === 'max') && nargs !== 1) return false;
  return getAggregateFunction(name) !== undefined;
}
