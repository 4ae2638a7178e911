// Filters (seed 002 `CDCFilter`) compiled once per subscription. Every given criterion must
// match a row or schema event. BEGIN and COMMIT are not filtered on their own: they frame the
// events of a commit that pass (BEGIN just before the first, COMMIT after the commit's last
// event, only when a BEGIN was sent), and appear only when transaction control is included
// and `operations` is absent or lists them. Filters hide events; they never renumber them.
import { DoSQLError } from '../errors.js';
import type { DecodedEvent } from './commit-decoder.js';
import type { CDCFilter, WALEntry, WALOp } from './types.js';

const OPS: readonly WALOp[] = ['INSERT', 'UPDATE', 'DELETE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'DDL'];

export interface CompiledFilter {
  /** Whether a row or schema event passes (`entry` builds the raw form for a predicate). */
  passes(e: DecodedEvent, entry: () => WALEntry): boolean;
  /** Whether BEGIN / COMMIT frames are emitted. */
  readonly control: boolean;
  /** True when the filter can be stored in a slot (no predicate). */
  readonly serializable: boolean;
}

/** Checks and compiles `filters` (all must pass). INVALID_ARGUMENT for a malformed one. */
export function compileFilter(filters: readonly (CDCFilter | undefined)[], includeTransactionControl: boolean): CompiledFilter {
  const tests: ((e: DecodedEvent, entry: () => WALEntry) => boolean)[] = [];
  let control = includeTransactionControl;
  let serializable = true;
  for (const f of filters) {
    if (f === undefined) continue;
    if (typeof f !== 'object' || f === null) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: a filter is an object { tables?, operations?, txnIds?, predicate? }');
    if (f.tables !== undefined) {
      const names = new Set(strings(f.tables, 'tables').map((t) => t.toLowerCase()));
      tests.push((e) => names.has(e.table.toLowerCase()) || (e.schema?.oldName !== undefined && names.has(e.schema.oldName.toLowerCase())));
    }
    if (f.operations !== undefined) {
      const ops = new Set(strings(f.operations, 'operations').map((o) => o.toUpperCase()));
      for (const o of ops) if (!OPS.includes(o as WALOp)) throw new DoSQLError('INVALID_ARGUMENT', `cdc: unknown operation ${o} in a filter (one of ${OPS.join(', ')})`);
      if (!ops.has('BEGIN') && !ops.has('COMMIT')) control = false;
      tests.push((e) => ops.has(e.op));
    }
    if (f.txnIds !== undefined) {
      const ids = new Set(strings(f.txnIds, 'txnIds'));
      tests.push((e) => ids.has(String(e.lsn)));
    }
    if (f.predicate !== undefined) {
      if (typeof f.predicate !== 'function') throw new DoSQLError('INVALID_ARGUMENT', 'cdc: filter.predicate must be a function');
      const p = f.predicate;
      serializable = false;
      tests.push((_e, entry) => p(entry()) === true);
    }
  }
  return {
    control,
    serializable,
    passes: (e, entry) => {
      for (const t of tests) if (!t(e, entry)) return false;
      return true;
    },
  };
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new DoSQLError('INVALID_ARGUMENT', `cdc: filter.${what} must be an array of strings`);
  return v as string[];
}

/** The parts of a filter a slot stores (no predicate). */
export function storableFilter(f: CDCFilter | undefined): Record<string, unknown> | undefined {
  if (!f) return undefined;
  if (f.predicate !== undefined) throw new DoSQLError('INVALID_ARGUMENT', 'cdc: a replication slot cannot store a filter with a predicate (functions are not serializable); pass it to subscribe instead');
  const out: Record<string, unknown> = {};
  if (f.tables) out.tables = strings(f.tables, 'tables');
  if (f.operations) out.operations = strings(f.operations, 'operations');
  if (f.txnIds) out.txnIds = strings(f.txnIds, 'txnIds');
  return out;
}
