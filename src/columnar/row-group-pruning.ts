// Row-group pruning: decides from footer statistics alone which row groups cannot hold a
// row satisfying a conjunction of comparisons (hyparquet plan.js separates planning from reading likewise).
import { DoSQLError } from '../errors.js';
import type { ColumnChunkStats, FileStats, ParquetColumnInfo } from './parquet-stats.js';
import type { ColumnValue } from './schema.js';
import { compareValues } from './value-order.js';

export type PredicateOp = '=' | '<' | '<=' | '>' | '>=';

/**
 * `column op value` with SQL semantics over stored values and no affinity conversion
 * (the SQL layer converts the literal first, datatype3.html §4.2): NULL never compares true.
 */
export interface StatsPredicate {
  readonly column: string;
  readonly op: PredicateOp;
  readonly value: ColumnValue;
}

/**
 * Indexes of the row groups that may hold a row satisfying every predicate. Conservative:
 * a group is skipped only when its statistics prove no row matches. A predicate cannot
 * prune when the chunk lacks statistics, when the literal's storage class differs from
 * the column's (numbers of either class compare exactly with each other), or when the
 * column has off-type values in a shadow column in that group.
 * Throws `INVALID_ARGUMENT` for an unknown column or operator.
 */
export function selectRowGroups(stats: FileStats, predicates: readonly StatsPredicate[]): number[] {
  const byName = new Map(stats.columns.map((c, i) => [c.column.name, i] as const));
  const resolved = predicates.map((p) => {
    const index = byName.get(p.column);
    if (index === undefined) throw new DoSQLError('INVALID_ARGUMENT', `columnar: predicate on unknown column "${p.column}"`);
    if (!['=', '<', '<=', '>', '>='].includes(p.op)) {
      throw new DoSQLError('INVALID_ARGUMENT', `columnar: unknown predicate operator ${String(p.op)}`);
    }
    const column = stats.columns[index]!.column;
    const shadow = column.fieldId === null ? undefined : stats.columns.findIndex((c) => c.column.shadowOf === column.fieldId);
    return { p, index, column, shadow: shadow === undefined || shadow < 0 ? undefined : shadow };
  });
  const out: number[] = [];
  for (const g of stats.rowGroups) {
    const mayMatch = resolved.every(({ p, index, column, shadow }) => {
      if (shadow !== undefined && !allNull(g.columns[shadow]!)) return true;
      return chunkMayMatch(g.columns[index]!, column, p.op, p.value);
    });
    if (mayMatch) out.push(g.index);
  }
  return out;
}

function allNull(s: ColumnChunkStats): boolean {
  return s.nullCount !== null && s.nullCount === s.valueCount;
}

function sameClass(column: ParquetColumnInfo, v: ColumnValue): boolean {
  switch (column.type) {
    case 'long':
    case 'double':
      return typeof v === 'bigint' || (typeof v === 'number' && !Number.isNaN(v));
    case 'string':
      return typeof v === 'string';
    case 'binary':
      return v instanceof Uint8Array;
    case 'timestamptz':
      return typeof v === 'bigint';
  }
}

function chunkMayMatch(s: ColumnChunkStats, column: ParquetColumnInfo, op: PredicateOp, v: ColumnValue): boolean {
  if (v === null) return false; // a comparison with NULL is never true
  if (allNull(s)) return false;
  if (!sameClass(column, v) || s.min === undefined || s.max === undefined) return true;
  switch (op) {
    case '=':
      return compareValues(s.min, v) <= 0 && compareValues(v, s.max) <= 0;
    case '<':
      return compareValues(s.min, v) < 0;
    case '<=':
      return compareValues(s.min, v) <= 0;
    case '>':
      return compareValues(s.max, v) > 0;
    case '>=':
      return compareValues(s.max, v) >= 0;
  }
}
