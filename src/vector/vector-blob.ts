// Vectors as SQL values: a Float32 BLOB, little-endian, 4 bytes per dimension, no header —
// the bytes of `new Uint8Array(new Float32Array(v).buffer)` on every platform dosql runs on
// (all little-endian), as the seed documents store embeddings. libSQL's F32_BLOB and
// sqlite-vec's float32 vectors use the same layout. JSON text ('[1, 2.5, -3]') is accepted
// wherever a vector is read, as sqlite-vec does, and `vector(json)` turns it into the BLOB.
import { DoSQLError } from '../errors.js';

/** Most dimensions a vector may have (usearch and pgvector allow 16,000; more is a mistake). */
export const MAX_DIMENSIONS = 65536;

function vectorError(message: string, details: Record<string, unknown>): DoSQLError {
  return new DoSQLError('SQL_ERROR', `vector: ${message}`, { details });
}

/**
 * The Float32 vector a SQL value holds: a BLOB of 4·n bytes (n ≥ 1), or JSON text of an array
 * of n finite numbers. `what` names the argument in errors ("vector_distance() argument 1").
 * Throws SQL_ERROR "vector: ..." for any other value, a BLOB whose length is not a multiple of
 * 4, an empty vector, or a component that is NaN or infinite.
 */
export function toVector(v: unknown, what: string): Float32Array {
  if (v instanceof Uint8Array) {
    if (v.byteLength === 0 || v.byteLength % 4 !== 0) {
      throw vectorError(`${what} is a BLOB of ${v.byteLength} bytes, not a Float32 vector (a non-zero multiple of 4 bytes)`, { argument: what, bytes: v.byteLength });
    }
    if (v.byteLength / 4 > MAX_DIMENSIONS) throw vectorError(`${what} has ${v.byteLength / 4} dimensions (at most ${MAX_DIMENSIONS})`, { argument: what });
    // A view needs 4-byte alignment; blobs sliced out of pages often are not aligned.
    const f = v.byteOffset % 4 === 0 ? new Float32Array(v.buffer, v.byteOffset, v.byteLength / 4) : new Float32Array(v.slice().buffer);
    for (let i = 0; i < f.length; i++) {
      if (!Number.isFinite(f[i]!)) throw vectorError(`${what} has a NaN or infinite component at index ${i}`, { argument: what, index: i });
    }
    return f;
  }
  if (typeof v === 'string') return fromJson(v, what);
  const kind = v === null ? 'NULL' : typeof v === 'bigint' ? 'INTEGER' : typeof v === 'number' ? 'REAL' : typeof v;
  throw vectorError(`${what} is ${kind}, not a vector (a Float32 BLOB or JSON array text)`, { argument: what });
}

/** Parses '[1, 2, 3]' into a Float32Array; errors as toVector. */
export function fromJson(text: string, what: string): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw vectorError(`${what} is text that is not a JSON array of numbers: ${JSON.stringify(text.slice(0, 40))}`, { argument: what });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw vectorError(`${what} must be a non-empty JSON array of numbers`, { argument: what });
  if (parsed.length > MAX_DIMENSIONS) throw vectorError(`${what} has ${parsed.length} dimensions (at most ${MAX_DIMENSIONS})`, { argument: what });
  const out = new Float32Array(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const x = parsed[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || !Number.isFinite(Math.fround(x))) {
      throw vectorError(`${what} element ${i} is not a finite float32 number`, { argument: what, index: i });
    }
    out[i] = x;
  }
  return out;
}

/** The BLOB of a vector (a fresh copy: SQL values are immutable and must not alias). */
export function toBlob(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** JSON text of a vector, each component printed as the shortest decimal that round-trips as float32. */
export function toJson(v: Float32Array): string {
  const parts: string[] = [];
  for (let i = 0; i < v.length; i++) parts.push(shortestFloat32(v[i]!));
  return `[${parts.join(',')}]`;
}

function shortestFloat32(x: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}

/** Throws "vector: dimension mismatch" unless both vectors have the same length. */
export function checkSameDimensions(a: Float32Array, b: Float32Array, fn: string): void {
  if (a.length !== b.length) {
    throw vectorError(`${fn}(): dimension mismatch: ${a.length} vs ${b.length}`, { function: fn, dimensions: [a.length, b.length] });
  }
}
