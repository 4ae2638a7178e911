/**
 * The one error type dosql throws. Callers branch on `code`, which is stable across
 * releases; the message is for people and starts with the subsystem that failed
 * ("wal:", "sstable:", "manifest:", ...) and names the object (file, offset, table, SQL position).
 *
 * Follows SlateDB RFC 0007 / LevelDB `Status`: a handful of public kinds, each saying
 * what the caller should do, with the underlying failure kept in `cause`.
 */
export class DoSQLError extends Error {
  override readonly name = 'DoSQLError';
  /** Stable machine-readable kind; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Extra structured facts (file, offset, lsn, ...) for logs and tests. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** True when repeating the same operation may succeed (conflicts, transient I/O). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/**
 * Stable error codes. Persisted in client code and HTTP bodies: never rename.
 *
 * - `IO_ERROR`: the object store failed a call. Retry may help; no acknowledged data is lost.
 * - `CORRUPTION`: a checksum, magic number or structure check failed; `details.file` and
 *   `details.offset` say where. Do not retry; restore or repair.
 * - `NOT_FOUND`: a named object (file, snapshot, branch, table) does not exist.
 * - `PRECONDITION_FAILED`: a conditional put lost (create-if-absent found the key, if-match found another etag).
 * - `FENCED`: another writer opened the database with a newer epoch (docs/format/wal.md,
 *   "Fencing and the outcome of a write"). This handle can no longer write, and once it knows,
 *   no longer read (its view may be stale): close it and reopen. A write that fails with
 *   `FENCED` was never committed — it was refused before its WAL append, or the new writer's
 *   first manifest sealed the log before it — so it is safe to retry after reopening.
 * - `COMMIT_UNKNOWN`: the write reached the WAL, but the writer was fenced before it could
 *   tell whether the new writer kept it (an ambiguous commit, like a network database's
 *   connection lost during COMMIT). It may or may not be committed; it is all-or-nothing
 *   either way. Not retryable blindly: reopen, check (read the rows back), then decide.
 * - `BUSY`: a racing operation holds what this one needs (another open of the same database
 *   was updating its manifest, a lock is held). Retry.
 * - `CLOSED`: the engine or database handle was closed.
 * - `READ_ONLY`: a write on a handle opened read-only (`DB(name, { readonly: true })`, SQLite's
 *   SQLITE_READONLY "attempt to write a readonly database"). Do not retry on that handle; write
 *   through the database's writer.
 * - `INVALID_ARGUMENT`: the caller passed something malformed (bad key type, bad option).
 * - `NOT_SUPPORTED`: valid request this version cannot execute (yet).
 * - `BEFORE_RETENTION_HORIZON`: a read asked for history older than the retention horizon.
 * - `WRITE_CONFLICT`: first-committer-wins lost; retry the transaction.
 * - `UNSUPPORTED_FORMAT_VERSION`: a file was written by a newer format version.
 * - `UNAUTHORIZED`: a request to the Worker API lacked the right bearer token. Fix the token.
 * - `INTERRUPTED`: a statement was stopped by its timeout or its AbortSignal (SQLite's
 *   SQLITE_INTERRUPT); `details.reason` is `'timeout'` or `'abort'`. Its writes were undone.
 *   Retrying the same statement will likely be stopped again; raise the timeout or narrow the query.
 * - `LIMIT_EXCEEDED`: a statement went over a resource limit (docs/limits.md): a TEXT or BLOB
 *   over the length limit (SQLite's SQLITE_TOOBIG, "string or blob too big"), too many columns,
 *   queries nested too deeply, more memory buffered than the statement's budget, or a result
 *   over the Worker's cap. `details.limit` names the limit and `details.max` its value. Do not
 *   retry unchanged; change the statement or raise the limit.
 * - `MIGRATION_DRIFT`: the migrations given do not match those the database recorded as
 *   applied (an applied file edited, renamed or removed, or a new one numbered below an applied
 *   one; src/sql/api/migrations.ts). `details.migration` names it. Nothing was applied;
 *   restore the file and put changes in a new migration.
 * - Change data capture (src/cdc, docs/cdc.md; thrown as `CDCError`, a DoSQLError):
 *   `CDC_LSN_NOT_FOUND`: a position older than the retained log (`details.oldestLSN`) or past
 *   the head — resubscribe from a kept position (a slot); resetting to the oldest loses events.
 *   `CDC_SLOT_NOT_FOUND` / `CDC_SLOT_EXISTS`: no slot with that name / the name is taken.
 *   `CDC_BUFFER_OVERFLOW`: a paused push stream configured with `onBufferFull: 'error'` filled
 *   its buffer; nothing was dropped, resume from `details.position`. `CDC_DECODE_ERROR`: a
 *   change could not be decoded (a decoder threw, or a row has no before image and its history
 *   is gone). `CDC_SUBSCRIPTION_FAILED`: the subscription stopped (I/O, the engine closed, a
 *   lost connection); retryable when the cause is.
 * - The lake (src/lake, docs/lake.md): `LAKE_BUFFER_FULL`: the lake's buffer is full; send
 *   again after `details.retryAfterMs` (retryable). `LAKE_OUT_OF_ORDER`: a batch does not follow
 *   the last position the lake holds for its source (`details.expected`); resend from there.
 *   `LAKE_POSITION_GAP`: the source can no longer supply the events after the lake's position
 *   (its slot or log moved past it); the lake would miss changes, so it refuses. Rebuild the
 *   source's rows (a snapshot) or reset the lake's table. `LAKE_SCHEMA_CONFLICT`: a source's
 *   schema cannot be mapped onto the lake table (a column named like a system column); the
 *   table's events stay buffered. `LAKE_TRANSACTION_TOO_LARGE`: one source transaction exceeds
 *   the lake's transaction limit; raise `maxTransactionBytes`.
 * - `PROCEDURE_ERROR`: the code of a SQL-stored procedure (CREATE PROCEDURE ... AS MODULE)
 *   threw; the message is the procedure's and `details.procedure` names it (docs/procedures.md).
 *   Its writes were undone with the CALL. A procedure stopped by its time limit is
 *   `INTERRUPTED`, by its memory limit `LIMIT_EXCEEDED`.
 * - Two-phase commit (PREPARE TRANSACTION, docs/sharding-2pc.md): `PREPARED_XACT_EXISTS`: the
 *   gid is prepared or was resolved recently; pick another. `PREPARED_XACT_RESOLVED`: COMMIT /
 *   ROLLBACK PREPARED of a gid already resolved; `details.outcome` ('committed' or 'rolled
 *   back') says how — a coordinator's retry treats a matching outcome as done. An unknown gid
 *   is `NOT_FOUND` with `details.gid`; an intent conflict is `WRITE_CONFLICT` with `details.gid`.
 * - `CONSTRAINT_*`: a row broke a constraint (SQLite's SQLITE_CONSTRAINT_*): the message is
 *   SQLite's and names the constraint; `CONSTRAINT_TRIGGER` is a trigger's RAISE(ABORT | FAIL |
 *   ROLLBACK, message), its message the one given. `details.conflictAction` says how much was
 *   undone (the statement, or the whole transaction for ROLLBACK). Do not retry unchanged.
 */
export type ErrorCode =
  | 'IO_ERROR'
  | 'CORRUPTION'
  | 'NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'FENCED'
  | 'COMMIT_UNKNOWN'
  | 'CLOSED'
  | 'READ_ONLY'
  | 'INVALID_ARGUMENT'
  | 'NOT_SUPPORTED'
  | 'BEFORE_RETENTION_HORIZON'
  | 'WRITE_CONFLICT'
  | 'UNSUPPORTED_FORMAT_VERSION'
  | 'BUSY'
  | 'SQL_SYNTAX'
  | 'SQL_ERROR'
  | 'CONSTRAINT_PRIMARYKEY'
  | 'CONSTRAINT_UNIQUE'
  | 'CONSTRAINT_NOTNULL'
  | 'CONSTRAINT_CHECK'
  | 'CONSTRAINT_FOREIGNKEY'
  | 'CONSTRAINT_TRIGGER'
  | 'MISMATCH'
  | 'RANGE'
  | 'MERGE_CONFLICT'
  | 'UNAUTHORIZED'
  | 'INTERRUPTED'
  | 'LIMIT_EXCEEDED'
  | 'MIGRATION_DRIFT'
  | 'PROCEDURE_ERROR'
  | 'CDC_LSN_NOT_FOUND'
  | 'CDC_SLOT_NOT_FOUND'
  | 'CDC_SLOT_EXISTS'
  | 'CDC_BUFFER_OVERFLOW'
  | 'CDC_DECODE_ERROR'
  | 'CDC_SUBSCRIPTION_FAILED'
  | 'LAKE_BUFFER_FULL'
  | 'LAKE_OUT_OF_ORDER'
  | 'LAKE_POSITION_GAP'
  | 'LAKE_SCHEMA_CONFLICT'
  | 'LAKE_TRANSACTION_TOO_LARGE'
  | 'PREPARED_XACT_EXISTS'
  | 'PREPARED_XACT_RESOLVED';

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['IO_ERROR', 'WRITE_CONFLICT', 'BUSY', 'LAKE_BUFFER_FULL']);

/** Builds a `CORRUPTION` error naming the file and byte offset, as every reader must. */
export function corruption(subsystem: string, file: string, offset: number, what: string): DoSQLError {
  return new DoSQLError('CORRUPTION', `${subsystem}: corruption in ${file} at offset ${offset}: ${what}`, {
    details: { file, offset },
  });
}

/** Wraps an unknown failure from an object store into an `IO_ERROR` unless it already is a DoSQLError. */
export function asIoError(subsystem: string, op: string, key: string, cause: unknown): DoSQLError {
  if (cause instanceof DoSQLError) return cause;
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new DoSQLError('IO_ERROR', `${subsystem}: ${op} ${key} failed: ${msg}`, { cause, details: { key, op } });
}

export function isDoSQLError(e: unknown, code?: ErrorCode): e is DoSQLError {
  return e instanceof DoSQLError && (code === undefined || e.code === code);
}
