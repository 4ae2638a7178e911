// The small engine interface the test tools (sqllogictest runner, differential fuzzer) drive.
// Two implementations: `sqlite` (better-sqlite3, the oracle) and `dosql` (the engine under test,
// loaded lazily so these tools run before dosql's SQL API exists).
//
// Async safety: an adapter runs one call at a time; callers await each call before the next.
import type { SqlValue } from '../../src/sql/types/value.js';

export type { SqlValue };

/** Rows of a query: one array per row, values in SQLite's five storage classes. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: SqlValue[][];
}

/** Outcome of a data-changing statement: rows inserted, updated or deleted (sqlite3_changes). */
export interface RunResult {
  readonly changes: number;
}

export interface SqlEngineAdapter {
  /** `sqlite` or `dosql`. */
  readonly name: EngineName;
  /** Runs one or more statements, discarding results. Throws on the first failing statement. */
  exec(sql: string): Promise<void>;
  /** Runs one statement and returns its rows (empty for statements that return none). */
  query(sql: string): Promise<QueryResult>;
  /** Runs one statement and returns its change count. */
  run(sql: string): Promise<RunResult>;
  close(): Promise<void>;
}

export type EngineName = 'sqlite' | 'dosql';

export const ENGINE_NAMES: readonly EngineName[] = ['sqlite', 'dosql'];

/** Opens a fresh, empty in-memory database on the named engine. */
export async function openEngine(name: EngineName): Promise<SqlEngineAdapter> {
  if (name === 'sqlite') {
    const { openSqlite } = await import('./sqlite-adapter.js');
    return openSqlite();
  }
  const { openDosql } = await import('./dosql-adapter.js');
  return openDosql();
}

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}

/**
 * An engine error reduced to what both engines can agree on: `constraint` for
 * UNIQUE / PRIMARY KEY / NOT NULL / CHECK / FOREIGN KEY violations, `error` for anything else.
 * `code` keeps the engine's own code (`SQLITE_CONSTRAINT_UNIQUE`, `CONSTRAINT_UNIQUE`, ...).
 */
export interface ErrorInfo {
  readonly kind: 'constraint' | 'error';
  readonly code: string;
  readonly message: string;
}

export function describeError(e: unknown): ErrorInfo {
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : 'UNKNOWN';
  const message = e instanceof Error ? e.message : String(e);
  const constraint = code.startsWith('SQLITE_CONSTRAINT') || code.startsWith('CONSTRAINT_');
  return { kind: constraint ? 'constraint' : 'error', code, message };
}
