// Programmatic row triggers (the `dosql/triggers` registry, src/sql/triggers/): what a
// statement asks of them. BEFORE handlers run inside the statement, for each row, after the
// SQL BEFORE triggers: they may return a replacement row or throw to reject it. AFTER events
// are recorded on the transaction and handed to the handlers once it commits (never for a
// statement or transaction that is undone).
import { DoSQLError } from '../../errors.js';
import type { TableSchema } from '../catalog/schema.js';
import type { AfterEvent, RowEvent, RowObject } from '../txn/after-events.js';
import type { SqlValue } from '../types/value.js';
import type { Row } from './env.js';
import * as ops from './value-ops.js';

export type { AfterEvent, RowEvent, RowObject } from '../txn/after-events.js';

export interface RowTriggerHooks {
  /** Whether any handler listens for `timing` `event` on `table` (lower-case names compared). */
  fires(table: string, timing: 'before' | 'after', event: RowEvent): boolean;
  /** Runs the BEFORE handlers in priority order; the row to write (a replacement or `row` itself). Throws to reject. */
  before(table: string, event: RowEvent, old: RowObject | undefined, row: RowObject | undefined, branch: number): Promise<RowObject | undefined>;
  /** Runs the AFTER handlers of committed events, in commit order. */
  after(events: readonly AfterEvent[]): Promise<void>;
}

/** The row object of a table-reader row (columns, then the rowid). */
export function rowObject(t: TableSchema, row: Row): RowObject {
  const o: RowObject = {};
  t.columns.forEach((c, i) => {
    o[c.name] = row[i] ?? null;
  });
  return o;
}

/**
 * Copies a handler's replacement row into `values`: the columns it names, with their
 * affinity; generated columns are computed later anyway. An unknown column is an error.
 */
export function applyRowObject(t: TableSchema, values: Row, o: RowObject, trigger: string): void {
  for (const [k, v] of Object.entries(o)) {
    const i = t.columns.findIndex((c) => c.name.toLowerCase() === k.toLowerCase());
    if (i < 0) throw new DoSQLError('SQL_ERROR', `triggers: ${trigger} returned a row with column "${k}", which ${t.name} does not have`, { details: { table: t.name, column: k } });
    if (t.columns[i]!.generated) continue;
    values[i] = ops.applyAffinity(toSql(v, t.name, k), t.columns[i]!.affinity);
  }
}

function toSql(v: unknown, table: string, column: string): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new DoSQLError('MISMATCH', `triggers: a BEFORE handler set ${table}.${column} to a ${typeof v}, which is no SQL value`);
}
