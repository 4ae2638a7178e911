// The value a vindex routes by. SQL compares values through affinities: an INTEGER column
// holds 42 for an inserted '42' or 42.0, and a TEXT column equals the number 42 when it holds
// '42'. The router does not know column types, so every value is first put in a canonical
// form in which values that some affinity could make equal coincide: numeric text becomes its
// number (SQLite's NUMERIC affinity, sqlite.org/datatype3.html §3), and an integral REAL inside
// the int64 range becomes INTEGER. Merging more values than needed into one class is safe (it
// only routes them together); splitting values SQL finds equal would lose rows.
//
// Persisted semantics: the byte encoding below decides keyspace ids; never change it.
//
//   canonical bytes := tag: u8, payload
//   tag 0x00 NULL     (no payload)
//   tag 0x01 INTEGER  decimal ASCII of the integer
//   tag 0x02 REAL     the shortest round-trip decimal ASCII of the double (JavaScript String(x))
//   tag 0x03 TEXT     UTF-8 of the text
//   tag 0x04 BLOB     the bytes
// Limitation: a vindex column must compare with the BINARY collation (NOCASE would make
// 'A' = 'a' while their bytes differ).
import { applyAffinity } from '../sql/types/affinity.js';
import { compareValues } from '../sql/types/compare.js';
import type { SqlValue } from '../sql/types/value.js';
import { utf8Encoder } from '../util/bytes.js';

/** `v` in canonical form (see the header). Booleans are integers 1/0. */
export function canonicalValue(v: SqlValue | boolean | undefined): SqlValue {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && !Number.isFinite(v)) return v;
  const n = typeof v === 'string' || typeof v === 'number' ? applyAffinity(v, 'NUMERIC') : v;
  if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n);
  return n;
}

/** The canonical bytes of `v` (after canonicalValue), as the header lays them out. */
export function canonicalBytes(v: SqlValue | boolean | undefined): Uint8Array {
  const c = canonicalValue(v);
  let tag: number;
  let payload: Uint8Array;
  if (c === null) return new Uint8Array([0]);
  if (typeof c === 'bigint') [tag, payload] = [1, utf8Encoder.encode(c.toString())];
  else if (typeof c === 'number') [tag, payload] = [2, utf8Encoder.encode(String(c))];
  else if (typeof c === 'string') [tag, payload] = [3, utf8Encoder.encode(c)];
  else [tag, payload] = [4, c];
  const out = new Uint8Array(payload.length + 1);
  out[0] = tag;
  out.set(payload, 1);
  return out;
}

/** SQLite's ordering of canonical values (NULL < numbers < text < blob). */
export function compareCanonical(a: SqlValue, b: SqlValue): number {
  return compareValues(canonicalValue(a), canonicalValue(b));
}
