// Index methods other than the built-in sorted index (`CREATE INDEX ... USING <method>`, and the
// index behind an fts5 virtual table), registered by layers above SQL. The table writer calls
// a method for every row it stores or deletes, in the same transaction, so the index's entries
// commit in the row's LSN (versioned, crash-safe, branching with the data).
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Transaction } from '../txn/transaction.js';
import type { ExecEnv, Row } from './env.js';

export interface IndexMethod {
  /** Upper-case method name (IndexSchema.using). */
  readonly name: string;
  /** A row (values in table column order) was stored under `rowid`. */
  onPut(env: ExecEnv, table: TableSchema, ix: IndexSchema, row: Row, rowid: bigint | null): void;
  /** The row stored under `rowid` (values as read) was deleted or is being replaced. */
  onDelete(env: ExecEnv, table: TableSchema, ix: IndexSchema, row: Row, rowid: bigint | null): void;
  /**
   * Applies the work `onPut`/`onDelete` deferred with `deferIndexWork` (in the order deferred,
   * undone work already dropped): writes that need reads first, such as a read-modify-write of
   * a posting bitmap. Called before the statement ends and before the method's index is read.
   */
  flush?(txn: Transaction, work: readonly unknown[]): Promise<void>;
}

const methods = new Map<string, IndexMethod>();

export function registerIndexMethod(m: IndexMethod): void {
  methods.set(m.name.toUpperCase(), m);
}

/** The method maintaining `ix`, or undefined (no method registered: the index is not maintained on writes). */
export function indexMethodOf(ix: IndexSchema): IndexMethod | undefined {
  return ix.using === undefined ? undefined : methods.get(ix.using);
}

/**
 * Defers `work` to the method's `flush`, which runs before the statement ends (call it right
 * after the row write it belongs to: a rollback past that write drops it).
 */
export function deferIndexWork(txn: Transaction, method: string, work: unknown): void {
  txn.deferredIndexWork.push({ at: txn.mark(), method: method.toUpperCase(), work });
}

/** Runs every deferred index write of `txn` (the statement runner, before a statement ends). */
export async function flushIndexWork(txn: Transaction): Promise<void> {
  while (txn.deferredIndexWork.length) {
    const all = txn.deferredIndexWork;
    txn.deferredIndexWork = [];
    const byMethod = new Map<string, unknown[]>();
    for (const w of all) {
      let l = byMethod.get(w.method);
      if (!l) byMethod.set(w.method, (l = []));
      l.push(w.work);
    }
    for (const [name, work] of byMethod) await methods.get(name)?.flush?.(txn, work);
  }
}
