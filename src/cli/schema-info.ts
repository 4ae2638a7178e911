// What the CLI asks about the schema: a table's columns (through the public API: the
// columns of `SELECT *`), and the list of schema objects with their CREATE statements for
// `.tables`, `.schema` and `stats`.
//
// dosql has no public schema listing yet (no sqlite_schema table): the list comes from the
// SQL layer's host interface (src/sql/api/host.ts, `schemaObjects`).
import { DoSQLError } from '../errors.js';
import type { Database } from '../sql/api/database.js';
import { sqlHost } from '../sql/api/host.js';
import { quoteIdent } from './infer-schema.js';

/** A schema object as the shell shows it. */
export interface SchemaEntry {
  readonly type: 'table' | 'index' | 'view' | 'trigger';
  readonly name: string;
  /** The table an index or trigger belongs to. */
  readonly table?: string;
  /** The CREATE statement as written. */
  readonly sql: string;
  /** Indexes made for UNIQUE / PRIMARY KEY constraints (no SQL of their own). */
  readonly auto?: boolean;
}

/** True for the "no such table" error of the planner. */
export function isNoSuchTable(e: unknown): boolean {
  return e instanceof DoSQLError && e.code === 'SQL_ERROR' && typeof e.details.table === 'string' && /no such table/.test(e.message);
}

/** Column names of table (or view) `name`, or undefined when it does not exist. The database must be open. */
export function tableColumns(db: Database, name: string): string[] | undefined {
  try {
    return db
      .prepare(`SELECT * FROM ${quoteIdent(name)}`)
      .columns()
      .map((c) => c.name);
  } catch (e) {
    if (isNoSuchTable(e)) return undefined;
    throw e;
  }
}

/** Schema objects of the checked-out branch's latest schema, tables first, by name. The database must be open. */
export function schemaEntries(db: Database): SchemaEntry[] {
  const order = { table: 0, view: 1, index: 2, trigger: 3 } as const;
  return sqlHost(db)
    .schemaObjects()
    .map((o) => ({ type: o.type, name: o.name, ...(o.table !== undefined ? { table: o.table } : {}), sql: o.sql ?? '', ...(o.auto ? { auto: true } : {}) }))
    .sort((a, b) => order[a.type] - order[b.type] || a.name.localeCompare(b.name));
}

/** Names of the user tables. */
export function tableNames(db: Database): string[] {
  return schemaEntries(db)
    .filter((e) => e.type === 'table')
    .map((e) => e.name);
}
