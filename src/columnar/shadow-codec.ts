// Shadow-column values (docs/format/columnar.md, "Mixed-type columns"):
//   shadow := tag:u8 payload
//   tag 1 INTEGER payload = int64 little-endian; tag 2 REAL payload = binary64 little-endian;
//   tag 3 TEXT payload = UTF-8; tag 4 BLOB payload = the bytes.
import { DoSQLError } from '../errors.js';
import { utf8Decoder, utf8Encoder } from '../util/bytes.js';
import { TAG_BLOB, TAG_INTEGER, TAG_REAL, TAG_TEXT } from './format.js';
import type { ColumnType, ColumnValue } from './schema.js';

/** True when `v` has the storage class that `type` stores natively (NULL fits every type). */
export function fitsType(v: ColumnValue, type: ColumnType): boolean {
  if (v === null) return true;
  switch (type) {
    case 'long':
    case 'timestamptz':
      return typeof v === 'bigint';
    case 'double':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'binary':
      return v instanceof Uint8Array;
  }
}

/** Encodes a non-null value as tag + payload. */
export function encodeShadow(v: Exclude<ColumnValue, null>): Uint8Array {
  if (typeof v === 'bigint') {
    const out = new Uint8Array(9);
    out[0] = TAG_INTEGER;
    new DataView(out.buffer).setBigInt64(1, v, true);
    return out;
  }
  if (typeof v === 'number') {
    const out = new Uint8Array(9);
    out[0] = TAG_REAL;
    new DataView(out.buffer).setFloat64(1, v, true);
    return out;
  }
  const payload = typeof v === 'string' ? utf8Encoder.encode(v) : v;
  const out = new Uint8Array(payload.length + 1);
  out[0] = typeof v === 'string' ? TAG_TEXT : TAG_BLOB;
  out.set(payload, 1);
  return out;
}

/** Decodes {@link encodeShadow}'s bytes; throws `CORRUPTION` on an unknown tag or length. */
export function decodeShadow(b: Uint8Array, file: string): Exclude<ColumnValue, null> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = b[0];
  if ((tag === TAG_INTEGER || tag === TAG_REAL) && b.length !== 9) {
    throw new DoSQLError('CORRUPTION', `columnar: shadow value of ${b.length} bytes with tag ${tag} in ${file}`, {
      details: { file },
    });
  }
  switch (tag) {
    case TAG_INTEGER:
      return view.getBigInt64(1, true);
    case TAG_REAL:
      return view.getFloat64(1, true);
    case TAG_TEXT:
      return utf8Decoder.decode(b.subarray(1));
    case TAG_BLOB:
      return b.slice(1);
    default:
      throw new DoSQLError('CORRUPTION', `columnar: unknown shadow tag ${String(tag)} in ${file}`, { details: { file } });
  }
}
