// What the two-phase-commit coordinator needs from a shard: one connection (one session) that
// runs SQL text, typed structurally so that an in-process `Database` handle, an HTTP client of a
// DoSQL Durable Object or the sharding executor's shard connection plugs in unchanged.
//
// A participant speaks dosql's (PostgreSQL's) two-phase commit statements: BEGIN, the
// transaction's statements, PREPARE TRANSACTION 'gid', then COMMIT PREPARED 'gid' or ROLLBACK
// PREPARED 'gid' (docs/sharding-2pc.md); `PRAGMA prepared_xacts` lists its in-doubt gids.
import type { BindParams } from '../../sql/api/values.js';

/**
 * One shard connection. `exec` runs one statement in the connection's session (BEGIN opens a
 * transaction that later calls on the same object continue) and resolves to its result rows —
 * an array of objects keyed by column name, or an object with such a `rows` array — or
 * rejects with an error whose `code` is a DoSQLError code (`WRITE_CONFLICT`, `NOT_FOUND`,
 * `PREPARED_XACT_RESOLVED` with `details.outcome`, ...). A rejection without a code (a lost
 * connection, a killed process) means the outcome is unknown.
 */
export interface TwoPhaseParticipant {
  readonly id: string;
  exec(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The DoSQLError code of a participant's error, or undefined (transport failure: outcome unknown). */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' && /^[A-Z_]+$/.test(c) ? c : undefined;
}

/** `details` of a participant's error (DoSQLError's, or a wire error's), or {}. */
export function errorDetails(e: unknown): Record<string, unknown> {
  if (typeof e !== 'object' || e === null) return {};
  const d = (e as { details?: unknown }).details;
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : {};
}

/** The rows of a participant's result (an array of row objects, or `{ rows }`); [] otherwise. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  if (typeof result === 'object' && result !== null && Array.isArray((result as { rows?: unknown }).rows)) return (result as { rows: Record<string, unknown>[] }).rows;
  return [];
}

/** `gid` as a SQL string literal. */
export function gidLiteral(gid: string): string {
  return `'${gid.replace(/'/g, "''")}'`;
}

/** What `databaseParticipant` needs of a handle: `Database.query` (src/sql/api/database.ts). */
export interface QueryHandle {
  query(sql: string, params?: BindParams, options?: never): Promise<unknown>;
}

/**
 * A participant over an in-process database handle: each statement runs through `db.query`, in
 * the handle's own session (so one handle is one connection: give each concurrent distributed
 * transaction its own handle, or let the coordinator queue them).
 */
export function databaseParticipant(id: string, db: QueryHandle): TwoPhaseParticipant {
  // The coordinator sends positional parameters only (an array), which BindParams includes.
  return { id, exec: (sql, params) => db.query(sql, params as BindParams | undefined) };
}
