// Results from the wire as DB() returns them: objects keyed by column name, INTEGERs as number
// unless safeIntegers (a value outside ±2^53 then fails with RANGE, exactly as DB() does).
import { DoSQLError } from '../errors.js';
import { assignableKeys, recordOf } from '../util/record.js';
import { decodeValue, type WireResult } from './wire.js';
import type { ClientValue } from './types.js';

export function toClientValue(v: unknown, safeIntegers: boolean): ClientValue {
  const d = decodeValue(v);
  if (typeof d !== 'bigint' || safeIntegers) return d;
  if (d > 9007199254740991n || d < -9007199254740991n) {
    throw new DoSQLError('RANGE', `sql: integer ${d} cannot be represented exactly as a number; use safeIntegers to receive bigint`);
  }
  return Number(d);
}

export function rowObjects(columns: readonly string[], rows: readonly (readonly unknown[])[], safeIntegers: boolean): Record<string, ClientValue>[] {
  const assignable = assignableKeys(columns);
  return rows.map((r) => recordOf(columns, (j) => toClientValue(r[j], safeIntegers), assignable));
}

export function lastRowId(v: WireResult['lastInsertRowId']): number | bigint {
  if (typeof v === 'number') return v;
  const b = BigInt(v);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}
