// Row changes recorded for programmatic AFTER triggers (execution/row-triggers.ts): carried
// by the transaction, handed to the handlers once it commits.
import type { SqlValue } from '../types/value.js';

export type RowEvent = 'insert' | 'update' | 'delete';

/** A row as handlers see it: column name to value (the table's declared names). */
export type RowObject = Record<string, SqlValue>;

/** One committed row change for the AFTER handlers. */
export interface AfterEvent {
  readonly table: string;
  readonly event: RowEvent;
  readonly old?: RowObject;
  readonly new?: RowObject;
  /** The branch the change was made on. */
  readonly branch: number;
}
