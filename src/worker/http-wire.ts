// HTTP plumbing of the Worker API: JSON bodies in, results and errors out. Error bodies are
// `{ "error": { "code", "message", "details" } }` with a status that fits the code
// (docs/workers.md, "Errors").
import { DoSQLError, type ErrorCode } from '../errors.js';
import { decodeValue, encodeValue, type WireError, type WireResult, type WireValue } from '../client/wire.js';
import type { BindParams, BindValue } from '../sql/api/values.js';
import type { StatementResult } from './database-host.js';
import { assignableKeys, recordOf, setOwn } from '../util/record.js';

/**
 * Request bodies (and WebSocket messages) above this many bytes are refused with 413. Counted
 * on the bytes as they arrive, so an oversized body is never buffered whole (workerd's own
 * WebSocket message limit is the same 32 MiB; the platform's request limit is 100 MB).
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

const STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  SQL_SYNTAX: 400,
  SQL_ERROR: 400,
  MISMATCH: 400,
  RANGE: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONSTRAINT_PRIMARYKEY: 409,
  CONSTRAINT_UNIQUE: 409,
  CONSTRAINT_NOTNULL: 409,
  CONSTRAINT_CHECK: 409,
  CONSTRAINT_FOREIGNKEY: 409,
  CONSTRAINT_TRIGGER: 409,
  WRITE_CONFLICT: 409,
  MERGE_CONFLICT: 409,
  MIGRATION_DRIFT: 409,
  // A stored procedure's own code threw (docs/procedures.md).
  PROCEDURE_ERROR: 422,
  BEFORE_RETENTION_HORIZON: 410,
  PRECONDITION_FAILED: 412,
  CORRUPTION: 500,
  // Not 503: the request must not be retried blindly (it may have committed).
  COMMIT_UNKNOWN: 500,
  UNSUPPORTED_FORMAT_VERSION: 500,
  NOT_SUPPORTED: 501,
  IO_ERROR: 503,
  BUSY: 503,
  CLOSED: 503,
  FENCED: 503,
  // A write on a read-only handle: not allowed on this resource (SQLite's SQLITE_READONLY).
  READ_ONLY: 405,
  // A statement stopped by its timeout or an abort: the request took too long.
  INTERRUPTED: 408,
  LIMIT_EXCEEDED: 400,
  // Change data capture (docs/cdc.md).
  CDC_LSN_NOT_FOUND: 410,
  CDC_SLOT_NOT_FOUND: 404,
  CDC_SLOT_EXISTS: 409,
  CDC_BUFFER_OVERFLOW: 429,
  CDC_DECODE_ERROR: 500,
  CDC_SUBSCRIPTION_FAILED: 503,
  LAKE_BUFFER_FULL: 429,
  LAKE_OUT_OF_ORDER: 409,
  LAKE_POSITION_GAP: 409,
  LAKE_SCHEMA_CONFLICT: 422,
  // Two-phase commit (docs/sharding-2pc.md).
  PREPARED_XACT_EXISTS: 409,
  PREPARED_XACT_RESOLVED: 409,
  LAKE_TRANSACTION_TOO_LARGE: 413,
};

/**
 * Any thrown value as a DoSQLError. Unknown failures become IO_ERROR (503, retryable); the
 * built-in errors that only malformed input raises here (TypeError, RangeError, and URIError
 * from decoding a percent-encoded path) become INVALID_ARGUMENT (400), so bad input is
 * never reported as retryable.
 */
export function asDoSQLError(e: unknown): DoSQLError {
  if (e instanceof DoSQLError) return e;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof URIError) return new DoSQLError('INVALID_ARGUMENT', `worker: ${e.message}`, { cause: e });
  return new DoSQLError('IO_ERROR', `worker: internal error: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

export function wireError(e: unknown): WireError {
  const err = asDoSQLError(e);
  const details = jsonSafe(err.details);
  return { code: err.code, message: err.message, ...(details && Object.keys(details).length ? { details } : {}) };
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

export function errorResponse(e: unknown, extraHeaders: Record<string, string> = {}): Response {
  const w = wireError(e);
  // A few refusals carry a more precise status than their code's (413 for an oversized body).
  const s = w.details?.status;
  return json({ error: w }, typeof s === 'number' && s >= 400 && s < 600 ? s : statusOf(w.code), extraHeaders);
}

export function json(body: unknown, status = 200, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...extraHeaders } });
}

/**
 * A refused request's unread body is read and dropped up to this many bytes before the answer
 * goes out (a lingering close, as HTTP servers do): answering with bytes still unread lost the
 * connection now and then, and the client got no answer (under `wrangler dev`, a 503 "worker
 * restarted mid-request"). Above the platform's 100 MB request limit; past it the stream is
 * cancelled.
 */
const DRAIN_BYTES = 128 * 1024 * 1024;

/** The 413 refusal of a body or message over `limit` bytes. */
export function tooLarge(what: string, limit: number): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `worker: ${what} is over the ${limit}-byte limit`, { details: { status: 413, limit } });
}

/**
 * The request body's bytes, counted as they stream in: 413 as soon as more than `limit` bytes
 * have arrived (nothing past the limit is kept; the rest is drained), or before reading when
 * `content-length` already says so. An absent body is empty.
 */
export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  if (Number(req.headers.get('content-length') ?? '0') > limit) {
    await discardBody(req);
    throw tooLarge('request body', limit);
  }
  if (req.body === null) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await drain(reader, total);
      throw tooLarge('request body', limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Reads and drops the body of a request answered without reading it (see DRAIN_BYTES). */
export async function discardBody(req: Request): Promise<void> {
  // A body already read, or handed on to another Request, is not this handler's to drop.
  if (req.body === null || req.bodyUsed || req.body.locked) return;
  await drain(req.body.getReader(), 0);
}

/** Reads `reader` to its end, dropping the bytes; cancels it past DRAIN_BYTES in all (`read`: bytes already read). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, read: number): Promise<void> {
  try {
    while (read <= DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away; there is no one to answer.
  }
}

/** UTF-8 text of a body or message; INVALID_ARGUMENT when the bytes are not valid UTF-8 (JSON must be, RFC 8259). */
export function utf8Text(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: ${what} is not valid UTF-8`);
  }
}

/** Parses JSON text that must be an object; INVALID_ARGUMENT (400) naming `what` otherwise. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: malformed JSON ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DoSQLError('INVALID_ARGUMENT', `worker: a JSON ${what} must be an object`);
  return body as Record<string, unknown>;
}

/** The request's JSON object body (an empty body is `{}`); INVALID_ARGUMENT (400) when malformed, 413 when over MAX_BODY_BYTES. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const text = utf8Text(await readBody(req), 'request body');
  if (text.trim() === '') return {};
  return parseJsonObject(text, 'body');
}

/**
 * One percent-encoded path segment (a database, branch or snapshot name), decoded;
 * INVALID_ARGUMENT (400) for malformed encoding (`%ff`, a cut-off `%E0%A4%A`) instead of
 * decodeURIComponent's URIError.
 */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: malformed percent-encoding in the ${what} ${JSON.stringify(segment)}`, { details: { segment } });
  }
}

/** Parameters from the wire (positional array or named object of wire values). */
export function decodeParams(v: unknown): BindParams | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => decodeValue(x) as BindValue);
  if (typeof v === 'object') {
    const out: Record<string, BindValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) setOwn(out, k, decodeValue(x));
    return out;
  }
  throw new DoSQLError('INVALID_ARGUMENT', 'worker: params must be an array or an object');
}

export function optString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DoSQLError('INVALID_ARGUMENT', `worker: ${key} must be a string`);
  return v;
}

export function reqString(body: Record<string, unknown>, key: string): string {
  const v = optString(body, key);
  if (v === undefined) throw new DoSQLError('INVALID_ARGUMENT', `worker: ${key} is required`);
  return v;
}

export function optBool(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new DoSQLError('INVALID_ARGUMENT', `worker: ${key} must be a boolean`);
  return v;
}

export function optNumber(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DoSQLError('INVALID_ARGUMENT', `worker: ${key} must be a number`);
  return v;
}

/** A result for the wire: rows as arrays, or as objects keyed by column (like DB().query). */
export function encodeResult(r: StatementResult, options: { bigints: boolean; objects: boolean }): WireResult | (Omit<WireResult, 'rows'> & { rows: Record<string, WireValue>[] }) {
  const base = {
    columns: [...r.columns],
    changes: r.changes,
    lastInsertRowId: encodeValue(r.lastInsertRowId, false) as number | string,
    ...(r.lsn !== undefined ? { lsn: r.lsn } : {}),
  };
  if (typeof base.lastInsertRowId === 'object') base.lastInsertRowId = r.lastInsertRowId.toString();
  if (!options.objects) return { ...base, rows: r.rows.map((row) => row.map((v) => encodeValue(v, options.bigints))) };
  const cols = r.columns;
  const assignable = assignableKeys(cols);
  return { ...base, rows: r.rows.map((row) => recordOf(cols, (j) => encodeValue(row[j]!, options.bigints), assignable)) };
}

/** Details as plain JSON (bigints as text; anything unserialisable dropped). */
function jsonSafe(d: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
