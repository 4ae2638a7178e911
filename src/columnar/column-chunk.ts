// Typed in-memory form of one row group's column: numbers as Float64Array (integers only
// while exact, |v| <= 2^53), text dictionary-encoded (codes + distinct values). About 8 or 4
// bytes a value instead of a JS value each: what caches of decoded columns hold.
import type { ColumnValue } from './schema.js';

/** One row group's values of one column. `nulls[r] === 1` marks a NULL (absent when there are none). */
export type ColumnChunk =
  | { readonly kind: 'num'; readonly values: Float64Array; readonly nulls: Uint8Array | null; readonly int: boolean; readonly bytes: number }
  | { readonly kind: 'dict'; readonly codes: Int32Array; readonly dict: readonly string[]; readonly nulls: Uint8Array | null; readonly bytes: number };

const SAFE = 2 ** 53;

/**
 * Typed form of decoded values, or null when they do not all fit one kind (mixed storage
 * classes, blobs, integers beyond ±2^53): the caller then takes the row path.
 */
export function toChunk(values: readonly unknown[]): ColumnChunk | null {
  const n = values.length;
  let nulls: Uint8Array | null = null;
  let kind: 'int' | 'real' | 'text' | null = null;
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v === null) continue;
    const k = typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'real' : typeof v === 'string' ? 'text' : null;
    if (k === null || (kind !== null && k !== kind)) return null;
    kind = k;
    if (kind !== null) break;
  }
  if (kind === 'text') {
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const ids = new Map<string, number>();
    let bytes = n * 4;
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (v === null) {
        (nulls ??= new Uint8Array(n))[r] = 1;
        continue;
      }
      if (typeof v !== 'string') return null;
      let id = ids.get(v);
      if (id === undefined) {
        id = dict.length;
        ids.set(v, id);
        dict.push(v);
        bytes += v.length * 2 + 16;
      }
      codes[r] = id;
    }
    return { kind: 'dict', codes, dict, nulls, bytes: bytes + (nulls ? n : 0) };
  }
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v === null) {
      (nulls ??= new Uint8Array(n))[r] = 1;
      continue;
    }
    if (kind === 'int') {
      if (typeof v !== 'bigint' || v > SAFE || v < -SAFE) return null;
      out[r] = Number(v);
    } else {
      if (typeof v !== 'number') return null;
      out[r] = v;
    }
  }
  return { kind: 'num', values: out, nulls, int: kind !== 'real', bytes: n * 8 + (nulls ? n : 0) };
}

/** The value at row `r` in its storage class (bigint for integer chunks). */
export function chunkValue(c: ColumnChunk, r: number): ColumnValue {
  if (c.nulls && c.nulls[r]) return null;
  if (c.kind === 'dict') return c.dict[c.codes[r]!]!;
  const v = c.values[r]!;
  return c.int ? BigInt(v) : v;
}
