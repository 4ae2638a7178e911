// What writing rows of one table needs at execution, planned once per statement for the
// statement's target and for every table its foreign-key actions reach (planner/
// plan-table-dml.ts builds them): the constraints a TableWriter checks, the column defaults,
// and the table's foreign keys in both directions.
import type { IndexSchema, TableSchema } from '../catalog/schema.js';
import type { Compiled } from './compiled.js';
import type { ForeignKey } from './foreign-key-lookup.js';
import { TableWriter, type CheckConstraint } from './table-writer.js';
import type { TableReader } from './table-reader.js';
import type { RowPrograms } from './row-programs.js';
import type { TriggerEvent, TriggerProgram } from './triggers.js';

export interface TableDml {
  readonly table: TableSchema;
  readonly indexes: readonly IndexSchema[];
  readonly checks: readonly CheckConstraint[];
  /** Generated columns, index expressions and partial-index WHEREs (compiled on first use). */
  readonly programs: RowPrograms;
  /** Column defaults (evaluated on an empty row), by column position. */
  readonly defaults: readonly (Compiled | undefined)[];
  /** This table's FOREIGN KEY constraints (it is the child). */
  readonly outgoing: readonly ForeignKey[];
  /** Constraints of other tables (or this one) that reference this table (it is the parent). */
  readonly incoming: readonly ForeignKey[];
  /** The DML parts of another table (`name` any case): the child of a foreign-key action. */
  target(name: string): TableDml;
  /** A reader of whole rows of this table: its columns, then the rowid. */
  reader(): TableReader;
  /** The triggers on this table for `event`, newest first (compiled on first use). */
  triggers(event: TriggerEvent): readonly TriggerProgram[];
}

/** A writer for `dml`'s table with a fresh whole-row reader. */
export function writerFor(dml: TableDml): TableWriter {
  return new TableWriter(dml.table, dml.indexes, dml.reader(), dml.checks, dml.programs);
}
