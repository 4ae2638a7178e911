// The JSON wire format shared by the Worker's HTTP/WebSocket API and the typed client
// (docs/workers.md, "Values on the wire"). JSON has no bigint, blob or non-finite number, so
// those travel as one-key tagged objects:
//
//   INTEGER outside ±2^53 (or every INTEGER when the request asks for safeIntegers)
//                                  {"$bigint": "-9223372036854775808"}
//   BLOB                           {"$blob": "<base64>"}
//   REAL ±Infinity / NaN           {"$real": "Infinity" | "-Infinity" | "NaN"}
//
// every other value is the plain JSON value (null, number, string). Parameters use the
// same encoding in the other direction. Pure functions; no runtime-specific APIs.
import { DoSQLError, type ErrorCode } from '../errors.js';
import { setOwn } from '../util/record.js';

/** A value on the wire. */
export type WireValue = null | number | string | { $bigint: string } | { $blob: string } | { $real: string };

/** A value in JavaScript (the SQL layer's storage classes, plus what parameters accept). */
export type WireJsValue = null | undefined | boolean | number | bigint | string | Uint8Array;

/** Encodes one value; INTEGERs (bigint) become numbers when safe unless `bigints` is set. */
export function encodeValue(v: WireJsValue, bigints = false): WireValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : { $real: String(v) };
    case 'bigint':
      return !bigints && v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : { $bigint: v.toString() };
    case 'boolean':
      return v ? 1 : 0;
    case 'string':
      return v;
    default:
      if (v instanceof Uint8Array) return { $blob: toBase64(v) };
      throw new DoSQLError('INVALID_ARGUMENT', `wire: cannot encode a value of type ${Object.prototype.toString.call(v)}`);
  }
}

/** Decodes one value: numbers stay numbers, tagged values become bigint / Uint8Array / number. */
export function decodeValue(v: unknown): null | number | bigint | string | Uint8Array {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o.$bigint === 'string' && /^-?\d+$/.test(o.$bigint)) return BigInt(o.$bigint);
      if (typeof o.$blob === 'string') return fromBase64(o.$blob);
      if (o.$real === 'Infinity' || o.$real === '-Infinity' || o.$real === 'NaN') return Number(o.$real);
    }
  }
  throw new DoSQLError('INVALID_ARGUMENT', `wire: not a value: ${JSON.stringify(v)?.slice(0, 80)}`);
}

/** Positional or named parameters on the wire. */
export type WireParams = WireValue[] | Record<string, WireValue>;

export function encodeParams(params: readonly WireJsValue[] | Readonly<Record<string, WireJsValue>> | undefined): WireParams | undefined {
  if (params === undefined) return undefined;
  if (Array.isArray(params)) return params.map((p) => encodeValue(p as WireJsValue, true));
  const out: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(params)) setOwn(out, k, encodeValue(v, true));
  return out;
}

/** The body of every error response (HTTP) and error message (WebSocket). */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Rebuilds the server's error as a DoSQLError (same code, message and details). */
export function errorFromWire(e: WireError | undefined, fallbackStatus?: number): DoSQLError {
  if (!e || typeof e.code !== 'string') {
    return new DoSQLError('IO_ERROR', `client: unexpected response${fallbackStatus ? ` (HTTP ${fallbackStatus})` : ''}`, { details: { status: fallbackStatus } });
  }
  return new DoSQLError(e.code, e.message, { details: { ...(e.details ?? {}), ...(fallbackStatus ? { status: fallbackStatus } : {}) } });
}

/**
 * An `asOf` on the wire: an LSN (number), an ISO-8601 / SQLite date-time text, or one of
 * `{ lsn }`, `{ timestamp }`, `{ snapshot }`, `{ branch }`, `{ versionOffset }`.
 */
export type WireAsOf =
  | number
  | string
  | { lsn: number }
  | { timestamp: string | number }
  | { snapshot: string }
  | { branch: string }
  | { versionOffset: number };

/** One statement's result: column names, rows as arrays of wire values, and its effect. */
export interface WireResult {
  columns: string[];
  rows: WireValue[][];
  changes: number;
  lastInsertRowId: number | string;
  /** LSN of the commit, or of the read point for reads (absent inside an open transaction). */
  lsn?: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding. */
export function toBase64(b: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + (i + 1 < b.length ? B64[(n >> 6) & 63]! : '=') + '=';
  }
  return out;
}

export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new DoSQLError('INVALID_ARGUMENT', 'wire: bad base64 length');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const d = c < 128 ? B64_INDEX[c]! : -1;
    if (d < 0) throw new DoSQLError('INVALID_ARGUMENT', `wire: bad base64 character at ${i}`);
    acc = (acc << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
