// Iceberg single-value binary serialization, used for manifest lower/upper bounds.
// Source: Apache Iceberg table spec, "Appendix D: Single-value serialization", "Binary single-value
// serialization": boolean 1 byte, int/date 4 bytes LE, long/time/timestamp 8 bytes LE,
// float/double IEEE 754 LE, string UTF-8 without length, binary as is, uuid 16 bytes big-endian.
import { DoSQLError } from '../errors.js';
import type { IcebergPrimitiveType } from './types.js';

export type BoundValue = boolean | number | bigint | string | Uint8Array;

const utf8 = new TextEncoder();

function badBound(type: IcebergPrimitiveType, value: BoundValue): DoSQLError {
  const shown = value instanceof Uint8Array ? `Uint8Array(${value.length})` : typeof value === 'bigint' ? `${value}n` : JSON.stringify(value);
  return new DoSQLError('INVALID_ARGUMENT', `iceberg: cannot encode ${shown} as a ${type} bound`);
}

function fixedLE(n: 4 | 8, write: (dv: DataView) => void): Uint8Array {
  const out = new Uint8Array(n);
  write(new DataView(out.buffer));
  return out;
}

/**
 * The bound bytes of `value` for a column of Iceberg type `type`. Integers may be given as
 * number or bigint (range-checked); REAL columns as number. Throws INVALID_ARGUMENT when the
 * value does not fit the type, NOT_SUPPORTED for uuid/fixed/decimal (dosql does not write them).
 */
export function encodeBound(type: IcebergPrimitiveType, value: BoundValue): Uint8Array {
  switch (type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw badBound(type, value);
      return new Uint8Array([value ? 1 : 0]);
    case 'int':
    case 'date': {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw badBound(type, value);
      return fixedLE(4, (dv) => dv.setInt32(0, n, true));
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      if (typeof value === 'number' ? !Number.isSafeInteger(value) : typeof value !== 'bigint') throw badBound(type, value);
      const n = BigInt(value as number | bigint);
      if (n !== BigInt.asIntN(64, n)) throw badBound(type, value);
      return fixedLE(8, (dv) => dv.setBigInt64(0, n, true));
    }
    case 'float':
      if (typeof value !== 'number') throw badBound(type, value);
      return fixedLE(4, (dv) => dv.setFloat32(0, value, true));
    case 'double':
      if (typeof value !== 'number') throw badBound(type, value);
      return fixedLE(8, (dv) => dv.setFloat64(0, value, true));
    case 'string':
      if (typeof value !== 'string') throw badBound(type, value);
      return utf8.encode(value);
    case 'binary':
      if (!(value instanceof Uint8Array)) throw badBound(type, value);
      return value.slice();
    default:
      throw new DoSQLError('NOT_SUPPORTED', `iceberg: bounds of type ${type} are not supported`);
  }
}

/** The inverse of {@link encodeBound}: long-like types come back as bigint, string as string. */
export function decodeBound(type: IcebergPrimitiveType, bytes: Uint8Array): BoundValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number): void => {
    if (bytes.length !== n) throw new DoSQLError('CORRUPTION', `iceberg: a ${type} bound must be ${n} bytes, got ${bytes.length}`);
  };
  switch (type) {
    case 'boolean':
      need(1);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      need(4);
      return dv.getInt32(0, true);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      need(8);
      return dv.getBigInt64(0, true);
    case 'float':
      need(4);
      return dv.getFloat32(0, true);
    case 'double':
      need(8);
      return dv.getFloat64(0, true);
    case 'string':
      return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    case 'binary':
      return bytes.slice();
    default:
      throw new DoSQLError('NOT_SUPPORTED', `iceberg: bounds of type ${type} are not supported`);
  }
}
