// Index methods other than the built-in sorted index (`CREATE INDEX ... USING <method>`, and the
// index behind an fts5 virtual table), registered by layers above SQL. The table writer calls
// a method for every row it stores or deletes, in the same transaction, so the index's entries
// commit in the row's LSN (versioned, crash-safe, branching with the data).
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { ExecEnv, Row } from './env.js';

export interface IndexMethod {
  /** Upper-case method name (IndexSchema.using). */
  readonly name: string;
  /** A row (values in table column order) was stored under `rowid`. */
  onPut(env: ExecEnv, table: TableSchema, ix: IndexSchema, row: Row, rowid: bigint | null): void;
  /** The row stored under `rowid` (values as read) was deleted or is being replaced. */
  onDelete(env: ExecEnv, table: TableSchema, ix: IndexSchema, row: Row, rowid: bigint | null): void;
}

const methods = new Map<string, IndexMethod>();

export function registerIndexMethod(m: IndexMethod): void {
  methods.set(m.name.toUpperCase(), m);
}

/** The method maintaining `ix`, or undefined (no method registered: the index is not maintained on writes). */
export function indexMethodOf(ix: IndexSchema): IndexMethod | undefined {
  return ix.using === undefined ? undefined : methods.get(ix.using);
}
