// What the generators know about a schema and about the expressions they build.
//
// The fuzzer may only ask questions whose answer SQLite fixes. The subtle source of
// non-determinism is a set operation (DISTINCT, GROUP BY, UNION, min/max, ORDER BY ties)
// over values that compare equal but differ in storage class: 1 and 1.0 are equal, so which
// one a DISTINCT keeps depends on scan order. So every expression carries a `ValueClasses`
// mask of what it may produce, and set operations take only masks that cannot hold both an
// INTEGER and an integral REAL (`setSafe`). The data generator keeps stored values inside
// their column's mask: INTEGER columns hold integers, REAL columns reals, TEXT columns text,
// and untyped/BLOB/NUMERIC columns anything except integral reals.

/** Bit set of value classes an expression may produce (NULL is always possible and not tracked). */
export type ValueClasses = number;

export const INT = 1;
/** A REAL with no fractional part (2.0): equal to an INTEGER. */
export const REAL_INTEGRAL = 2;
/** A REAL with a fractional part (2.5). */
export const REAL_FRACTION = 4;
export const TEXT = 8;
export const BLOB = 16;

export const REAL = REAL_INTEGRAL | REAL_FRACTION;
export const NUMBER = INT | REAL;
/** What an untyped, BLOB or NUMERIC column holds in generated data. */
export const MIXED = INT | REAL_FRACTION | TEXT | BLOB;

/** Whether a set operation over values of these classes has one answer whatever the scan order. */
export function setSafe(c: ValueClasses): boolean {
  return !((c & INT) !== 0 && (c & REAL_INTEGRAL) !== 0);
}

/** Classes after SQLite's numeric conversion for arithmetic (text and blobs may read as either). */
export function numericOf(c: ValueClasses): ValueClasses {
  return (c & NUMBER) | ((c & (TEXT | BLOB)) !== 0 ? NUMBER : 0);
}

/** Result classes of + - * / % (lang_expr.html#operators): integer only when both sides are. */
export function arithmeticOf(a: ValueClasses, b: ValueClasses): ValueClasses {
  const na = numericOf(a);
  const nb = numericOf(b);
  if (na === INT && nb === INT) return INT;
  if ((na & INT) === 0 || (nb & INT) === 0) return REAL;
  return NUMBER;
}

/** Column kinds: which classes the data generator stores in the column. */
export type ColumnKind = 'int' | 'real' | 'text' | 'mixed';

export const KIND_CLASSES: Record<ColumnKind, ValueClasses> = { int: INT, real: REAL, text: TEXT, mixed: MIXED };

export interface ColumnModel {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Declared type as written in CREATE TABLE ('' for none): several spellings per affinity. */
  readonly declType: string;
  readonly notNull: boolean;
  /** May hold integers near the 64-bit limits: kept out of sum/total/avg and abs. */
  readonly wide: boolean;
  /** DEFAULT literal, if any. */
  readonly defaultSql?: string;
}

export interface IndexModel {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface TableModel {
  readonly name: string;
  readonly columns: readonly ColumnModel[];
  /** PRIMARY KEY columns ([] when none). */
  readonly primaryKey: readonly string[];
  /** The INTEGER PRIMARY KEY column (a rowid alias), if any. */
  readonly rowidAlias?: string;
  readonly withoutRowid: boolean;
  readonly indexes: readonly IndexModel[];
}

export interface SchemaModel {
  readonly tables: readonly TableModel[];
  /** CREATE TABLE / CREATE INDEX statements, in order. */
  readonly ddl: readonly string[];
}

/** Column sets whose values must be unique: the primary key and each UNIQUE index. */
export function uniqueKeys(t: TableModel): string[][] {
  const keys = t.primaryKey.length > 0 ? [[...t.primaryKey]] : [];
  for (const ix of t.indexes) if (ix.unique) keys.push([...ix.columns]);
  return keys;
}
