import { describe, expect, it } from 'vitest';
import { decodeBound, encodeBound } from './bounds.js';

describe('single-value bounds (spec Appendix D)', () => {
  it('encodes little-endian fixed widths and UTF-8', () => {
    expect([...encodeBound('long', 1n)]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeBound('long', -2)]).toEqual([0xfe, 255, 255, 255, 255, 255, 255, 255]);
    expect([...encodeBound('int', 258)]).toEqual([2, 1, 0, 0]);
    expect([...encodeBound('double', 1)]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect([...encodeBound('float', 1)]).toEqual([0, 0, 0x80, 0x3f]);
    expect([...encodeBound('string', 'é')]).toEqual([0xc3, 0xa9]);
    expect([...encodeBound('binary', new Uint8Array([1, 2]))]).toEqual([1, 2]);
    expect([...encodeBound('boolean', true)]).toEqual([1]);
  });

  it('decodes what it encodes', () => {
    const cases = [['long', -(1n << 63n)], ['long', (1n << 63n) - 1n], ['int', -5], ['double', -0.5], ['string', 'ab✓'], ['boolean', false]] as const;
    for (const [t, v] of cases) expect(decodeBound(t, encodeBound(t, v))).toEqual(v);
    expect(decodeBound('binary', encodeBound('binary', new Uint8Array([9])))).toEqual(new Uint8Array([9]));
  });

  it('rejects values that do not fit the type', () => {
    for (const [t, v] of [['long', 1.5], ['long', 1n << 63n], ['int', 2 ** 31], ['string', 3], ['binary', 'x'], ['double', 1n]] as const) {
      expect(() => encodeBound(t, v), `${t} ${String(v)}`).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => encodeBound('uuid', 'x')).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    expect(() => decodeBound('long', new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
  });
});
