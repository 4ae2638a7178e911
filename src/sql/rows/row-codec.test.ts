import { describe, expect, it } from 'vitest';
import { Prng } from '../../util/prng.js';
import { decodeRow, decodeRowInto, encodeRow } from './row-codec.js';
import type { SqlValue } from '../types/value.js';

function randomValue(r: Prng): SqlValue {
  switch (r.int(9)) {
    case 0:
      return null;
    case 1:
      return BigInt(r.int(2_000_000)) - 1_000_000n;
    case 2:
      return [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)][r.int(7)]!;
    case 3:
      return [0.5, -0.0, 1e308, -1e-308, Infinity, -Infinity, 1.0, Math.PI][r.int(8)]!;
    case 4:
      return 'x'.repeat(r.int(200));
    case 5:
      return ['', 'é', '日本語', '😀 emoji', 'a\u0000b'][r.int(5)]!.repeat(1 + r.int(70));
    case 6:
      return Uint8Array.from({ length: r.int(300) }, () => r.int(256));
    default:
      return `s${r.int(1000)}`;
  }
}

describe('row codec (docs/format/row.md)', () => {
  it('round-trips every storage class exactly, incl. int64 extremes, -0.0, long and non-ASCII text', () => {
    const r = new Prng(11);
    for (let i = 0; i < 3000; i++) {
      const slots = Array.from({ length: r.int(12) }, () => randomValue(r));
      const back = decodeRow(encodeRow(slots));
      expect(back).toEqual(slots);
      back.forEach((v, k) => expect(typeof v).toBe(typeof slots[k]));
      if (slots.some((v) => Object.is(v, -0))) expect(back.some((v) => Object.is(v, -0))).toBe(true);
    }
  });

  it('writes the bytes docs/format/row.md specifies, pooled or not (int32 bounds, text around the 1- and 2-byte length prefixes)', () => {
    // A reference encoder written from the spec, independent of the codec's fast paths.
    const uvarint = (n: number): number[] => {
      const out: number[] = [];
      while (n >= 0x80) {
        out.push((n % 128) | 0x80);
        n = Math.floor(n / 128);
      }
      out.push(n);
      return out;
    };
    const slot = (v: SqlValue): number[] => {
      if (v === null) return [0x00];
      if (typeof v === 'bigint') {
        if (v === 0n) return [0x06];
        if (v === 1n) return [0x07];
        const dv = new DataView(new ArrayBuffer(8));
        if (v >= -(2n ** 31n) && v < 2n ** 31n) {
          dv.setInt32(0, Number(v), true);
          return [0x01, ...new Uint8Array(dv.buffer, 0, 4)];
        }
        dv.setBigInt64(0, v, true);
        return [0x02, ...new Uint8Array(dv.buffer)];
      }
      if (typeof v === 'number') {
        const dv = new DataView(new ArrayBuffer(8));
        dv.setFloat64(0, v, true);
        return [0x03, ...new Uint8Array(dv.buffer)];
      }
      if (typeof v === 'string') {
        const u = new TextEncoder().encode(v);
        return [0x04, ...uvarint(u.length), ...u];
      }
      return [0x05, ...uvarint(v.length), ...v];
    };
    const values: SqlValue[] = [2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, -(2n ** 31n) - 1n, 2n, -1n, 2n ** 53n + 1n, -(2n ** 63n), 0.1, -0.0, NaN];
    for (const unit of ['a', 'é', '日', '😀', 'a\u00e9']) for (const n of [1, 20, 23, 24, 25, 42, 43, 44, 60, 63, 64, 65, 127, 128, 129, 5000, 6000]) values.push(unit.repeat(n).slice(0, n));
    values.push('\ud800 lone surrogate '.repeat(3));
    for (const v of values) {
      const want = [0xd1, 1, 2, ...slot(v), ...slot(7n)];
      expect([...encodeRow([v, 7n])], String(v)).toEqual(want);
      expect([...encodeRow([v, 7n], true)], String(v)).toEqual(want);
    }
  });

  it('rejects a corrupt value with CORRUPTION naming the offset', () => {
    const b = encodeRow([1n, 'abc']);
    b[b.length - 4] = 0x7f; // the TEXT slot's tag
    expect(() => decodeRow(b)).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
    expect(() => decodeRow(new Uint8Array([0x00, 1, 0]))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
  });

  it('with a needed-slot mask decodes exactly the needed slots (every storage class) and leaves the rest NULL', () => {
    const r = new Prng(12);
    for (let i = 0; i < 2000; i++) {
      const slots = Array.from({ length: 1 + r.int(12) }, () => randomValue(r));
      const needed = Uint8Array.from(slots, () => r.int(2));
      const out: SqlValue[] = [];
      expect(decodeRowInto(encodeRow(slots), out, needed)).toBe(slots.length);
      expect(out).toEqual(slots.map((v, k) => (needed[k] ? v : null)));
    }
  });
});
