// HTTP plumbing of the Worker API: JSON bodies in, results and errors out. Error bodies are
// `{ "error": { "code", "message", "details" } }` with a status that fits the code
// (docs/workers.md, "Errors").
import { DoSQLError, type ErrorCode } from '../errors.js';
import { decodeValue, encodeValue, type WireError, type WireResult, type WireValue } from '../client/wire.js';
import type { BindParams, BindValue } from '../sql/api/values.js';
import type { StatementResult } from './database-host.js';

/** Bodies above this are refused with 413 (the platform's own limit is 100 MB). */
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
  WRITE_CONFLICT: 409,
  MERGE_CONFLICT: 409,
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
};

/** Any thrown value as a DoSQLError (unknown failures become IO_ERROR, TypeError/RangeError INVALID_ARGUMENT). */
export function asDoSQLError(e: unknown): DoSQLError {
  if (e instanceof DoSQLError) return e;
  if (e instanceof TypeError || e instanceof RangeError) return new DoSQLError('INVALID_ARGUMENT', `worker: ${e.message}`, { cause: e });
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

/** The request's JSON object body; INVALID_ARGUMENT (400) when malformed, 413 when too large. */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const len = Number(req.headers.get('content-length') ?? '0');
  if (len > MAX_BODY_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `worker: request body of ${len} bytes is over the ${MAX_BODY_BYTES}-byte limit`, { details: { status: 413 } });
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) throw new DoSQLError('INVALID_ARGUMENT', `worker: request body is over the ${MAX_BODY_BYTES}-byte limit`, { details: { status: 413 } });
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new DoSQLError('INVALID_ARGUMENT', `worker: malformed JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DoSQLError('INVALID_ARGUMENT', 'worker: the JSON body must be an object');
  return body as Record<string, unknown>;
}

/** Parameters from the wire (positional array or named object of wire values). */
export function decodeParams(v: unknown): BindParams | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((x) => decodeValue(x) as BindValue);
  if (typeof v === 'object') {
    const out: Record<string, BindValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = decodeValue(x);
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
  return {
    ...base,
    rows: r.rows.map((row) => {
      const o: Record<string, WireValue> = {};
      for (let j = 0; j < cols.length; j++) o[cols[j]!] = encodeValue(row[j]!, options.bigints);
      return o;
    }),
  };
}

/** Details as plain JSON (bigints as text; anything unserialisable dropped). */
function jsonSafe(d: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
