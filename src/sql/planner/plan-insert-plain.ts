// The rows of a plain INSERT ... VALUES (plan-dml-insert.ts decides which: no trigger, UPSERT,
// RETURNING, REPLACE resolution, AUTOINCREMENT or subquery), in the same order of steps as the
// general loop there (rowid, NOT NULL and CHECK, PRIMARY KEY / UNIQUE, foreign keys, the write)
// but without an async function per statement: each step that completes synchronously (rows in
// the memtable, no CHECK, no unique index to probe) continues at once, and only a step that
// returns a promise waits, the rest of the statement then continuing after it. A prepared
// INSERT run once per row (the common bulk load) so allocates no async frames.
import type { TableSchema } from '../catalog/schema.js';
import type { ExecEnv, Row } from '../execution/env.js';
import type { ForeignKeyEnforcer } from '../execution/foreign-keys.js';
import type { TableDml } from '../execution/table-dml.js';
import type { TableWriter, UniqueConflict } from '../execution/table-writer.js';
import * as ops from '../execution/value-ops.js';
import type { ConflictAction } from '../parser/ast.js';
import { rowKey } from '../rows/row-keys.js';
import type { SqlValue } from '../types/value.js';
import type { DmlResult } from './plan-dml-common.js';

/** What the rows of one execution share. */
export interface PlainInsert {
  readonly env: ExecEnv;
  readonly t: TableSchema;
  readonly dml: TableDml;
  readonly writer: TableWriter;
  readonly fk: ForeignKeyEnforcer;
  /** Target column per given value (the table's column count for an explicit rowid). */
  readonly targets: readonly number[];
  /** The table's column defaults, affinity applied (NULL where none). */
  readonly defaults: readonly SqlValue[];
  /** OR IGNORE / ABORT / FAIL / ROLLBACK or none: never REPLACE here. */
  readonly orAction: ConflictAction | undefined;
  /** The statement's foreign-key check may take the single-row shortcut (ForeignKeyEnforcer.beforeInsert). */
  readonly singleRow: boolean;
  readonly out: DmlResult;
}

/**
 * Inserts `inputs[from..]` (each the given values in `targets` order): `out` when every step
 * completed synchronously, else a promise of it. Throws (or rejects) with the first failing
 * constraint, as the general loop does.
 */
export function insertPlainRows(p: PlainInsert, inputs: readonly Row[], from: number): DmlResult | Promise<DmlResult> {
  for (let i = from; i < inputs.length; i++) {
    const pending = insertRow(p, inputs[i]!);
    if (pending !== undefined) {
      const next = i + 1;
      return pending.then(() => insertPlainRows(p, inputs, next));
    }
  }
  return p.out;
}

function insertRow(p: PlainInsert, input: Row): Promise<void> | undefined {
  const { t, targets } = p;
  const ncols = t.columns.length;
  // The columns then the rowid slot, allocated at its final length (a slice and a push grew it).
  const defaults = p.defaults;
  const values: Row = new Array(ncols + 1);
  for (let i = 0; i < ncols; i++) values[i] = defaults[i]!;
  values[ncols] = null;
  let explicitRowid: SqlValue | undefined;
  for (let k = 0; k < targets.length; k++) {
    const ci = targets[k]!;
    if (ci === ncols) explicitRowid = input[k]!;
    else values[ci] = ops.applyAffinity(input[k]!, t.columns[ci]!.affinity);
  }
  const rid = p.writer.resolveRowid(p.env, values, explicitRowid);
  return rid instanceof Promise ? rid.then((r) => afterRowid(p, values, r)) : afterRowid(p, values, rid);
}

function afterRowid(p: PlainInsert, values: Row, rowid: bigint | null): Promise<void> | undefined {
  values[p.t.columns.length] = rowid;
  const ok = p.writer.checkRow(p.env, values, rowid, p.orAction, p.defaults);
  if (ok instanceof Promise) return ok.then((o) => (o ? probe(p, values, rowid) : undefined));
  return ok ? probe(p, values, rowid) : undefined;
}

function probe(p: PlainInsert, values: Row, rowid: bigint | null): Promise<void> | undefined {
  const key = rowKey(p.env.txn.branch, p.t, values, rowid);
  const found = p.writer.findConflict(p.env, values, rowid, undefined, undefined, key);
  return found instanceof Promise ? found.then((f) => write(p, values, rowid, key, f)) : write(p, values, rowid, key, found);
}

function write(p: PlainInsert, values: Row, rowid: bigint | null, key: Uint8Array, conflict: UniqueConflict | undefined): Promise<void> | undefined {
  if (conflict) {
    const action: ConflictAction = p.orAction ?? (conflict.index ? conflict.index.onConflict : p.t.pkConflict) ?? 'ABORT';
    if (action === 'IGNORE') return undefined;
    throw p.writer.conflictError(conflict, action);
  }
  const fkDone = p.fk.beforeInsert(p.dml, values, p.singleRow);
  if (fkDone) return fkDone.then(() => put(p, values, rowid, key));
  put(p, values, rowid, key);
  return undefined;
}

function put(p: PlainInsert, values: Row, rowid: bigint | null, key: Uint8Array): void {
  // The probe found the key free and the foreign-key check only reads parents: no before image.
  p.writer.putRow(p.env, values, rowid, null, key);
  p.out.changes++;
  if (rowid !== null) p.out.lastInsertRowId = rowid;
}
