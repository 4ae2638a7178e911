// Values on the DoSQL Worker's JSON wire (docs/workers.md, "Values on the wire"; the client's
// codec is src/client/wire.ts, which this layer may not import): INTEGER beyond ±2^53 (or
// every INTEGER when the request sets safeIntegers) as {"$bigint": "..."}, BLOB as
// {"$blob": "<base64>"}, non-finite REAL as {"$real": "Infinity" | "-Infinity" | "NaN"}.
import { DoSQLError } from '../errors.js';
import type { SqlValue } from '../sql/types/value.js';

export type WireValue = null | number | string | { $bigint: string } | { $blob: string } | { $real: string };

export function encodeWire(v: unknown): WireValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $real: String(v) };
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
    return { $blob: btoa(s) };
  }
  throw new DoSQLError('INVALID_ARGUMENT', `shard: cannot send a value of type ${Object.prototype.toString.call(v)}`);
}

/**
 * A value from the wire. The request sets safeIntegers, so every INTEGER arrives as $bigint and
 * a plain JSON number is a REAL.
 */
export function decodeWire(v: unknown): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (typeof o.$blob === 'string') return Uint8Array.from(atob(o.$blob), (c) => c.charCodeAt(0));
    if (typeof o.$real === 'string') return Number(o.$real);
  }
  throw new DoSQLError('IO_ERROR', `shard: not a value on the wire: ${JSON.stringify(v)?.slice(0, 80)}`);
}
