// The wire encoding (values, parameters, errors) and the client's public export list.
import { describe, expect, it } from 'vitest';
import { DoSQLError } from '../errors.js';
import { Prng } from '../util/prng.js';
import * as client from './index.js';
import { decodeValue, encodeParams, encodeValue, errorFromWire, fromBase64, toBase64 } from './wire.js';
import { rowObjects, toClientValue } from './rows.js';

describe('wire values', () => {
  it('base64 agrees with Buffer for every length and content', () => {
    const r = new Prng(3);
    for (let n = 0; n < 70; n++) {
      const b = r.bytes(n);
      const s = toBase64(b);
      expect(s).toBe(Buffer.from(b).toString('base64'));
      expect(Array.from(fromBase64(s))).toEqual(Array.from(b));
    }
    expect(() => fromBase64('a$==')).toThrow(DoSQLError);
  });

  it('round-trips every storage class, with bigints tagged when unsafe or asked for', () => {
    const values = [null, 0, -1.5, 'text', '', 2n ** 63n - 1n, -(2n ** 63n), 42n, new Uint8Array([0, 255]), Infinity, -Infinity];
    for (const v of values) {
      const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v, true))));
      expect(back).toEqual(v);
    }
    expect(encodeValue(42n)).toBe(42);
    expect(encodeValue(42n, true)).toEqual({ $bigint: '42' });
    expect(encodeValue(2n ** 60n)).toEqual({ $bigint: String(2n ** 60n) });
    expect(encodeValue(true)).toBe(1);
    expect(Number.isNaN(decodeValue({ $real: 'NaN' }))).toBe(true);
    for (const bad of [{}, { $bigint: '1.5' }, { $blob: 1 }, [1], { $bigint: '1', extra: 1 }]) expect(() => decodeValue(bad)).toThrow(DoSQLError);
  });

  it('encodes positional and named parameters', () => {
    expect(encodeParams([1, 2n, 'x', null, new Uint8Array([1])])).toEqual([1, { $bigint: '2' }, 'x', null, { $blob: 'AQ==' }]);
    expect(encodeParams({ a: 1, $b: 'y' })).toEqual({ a: 1, $b: 'y' });
    expect(encodeParams(undefined)).toBeUndefined();
  });

  it('decodes rows as DB() returns them: numbers unless safeIntegers, RANGE for unsafe integers', () => {
    expect(rowObjects(['a', 'b'], [[1, { $bigint: '7' }]], false)).toEqual([{ a: 1, b: 7 }]);
    expect(rowObjects(['a'], [[{ $bigint: '7' }]], true)).toEqual([{ a: 7n }]);
    expect(() => toClientValue({ $bigint: String(2n ** 60n) }, false)).toThrow(expect.objectContaining({ code: 'RANGE' }));
  });

  it('rebuilds server errors with their code', () => {
    const e = errorFromWire({ code: 'WRITE_CONFLICT', message: 'sql: write conflict', details: { readLsn: 3 } }, 409);
    expect(e).toBeInstanceOf(DoSQLError);
    expect(e.code).toBe('WRITE_CONFLICT');
    expect(e.retryable).toBe(true);
    expect(e.details).toEqual({ readLsn: 3, status: 409 });
    expect(errorFromWire(undefined, 502).code).toBe('IO_ERROR');
  });
});

describe('dosql/client public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(client).sort()).toEqual(['DoSQLError', 'createHttpClient', 'createWebSocketClient', 'subscribeCDC']);
  });
});
