// Differential test of REAL → TEXT ("%!.17g" with SQLite's own digit generation) on random
// doubles of every magnitude, including subnormals and values near powers of ten.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fpDecode, realToText } from './real-format.js';

const db = new Database(':memory:');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleDoubles(count: number): number[] {
  const r = rng(7);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const out = [0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e20, 1.5e-7, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308,
    123456789012345678, 0.30000000000000004, 1e15, 1e16, 1e17, 1e-5, 1e-4, 9.9, 99.99, 49.47, 1e21, 1e22, 1e23, 2 ** 63];
  for (let i = 0; out.length < count; i++) {
    switch (i % 5) {
      case 0: // any bit pattern
        u[0] = (r() * 2 ** 32) >>> 0;
        u[1] = (r() * 2 ** 32) >>> 0;
        if (Number.isFinite(f[0]!)) out.push(f[0]!);
        break;
      case 1: // short decimals, the common case
        out.push(Math.round(r() * 1e6) / 1000);
        break;
      case 2: // k significant digits at assorted scales
        out.push(Number((r() * 1000).toPrecision(1 + (i % 17))) * 10 ** ((i % 40) - 20));
        break;
      case 3:
        out.push((r() - 0.5) * 10 ** ((i % 600) - 300));
        break;
      default: // neighbours of round numbers
        out.push(10 ** ((i % 44) - 22) * (1 + (r() < 0.5 ? 1 : -1) * Number.EPSILON * Math.floor(r() * 4)));
    }
  }
  return out;
}

describe('realToText', () => {
  it('matches CAST(real AS TEXT) for 60k doubles', () => {
    const stmt = db.prepare('SELECT CAST(? AS TEXT)').pluck();
    const bad: string[] = [];
    for (const v of sampleDoubles(60000)) {
      const want = stmt.get(v) as string;
      const got = realToText(v);
      if (got !== want) bad.push(`${v}: got ${got}, sqlite ${want}`);
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('renders the documented shapes', () => {
    expect(realToText(1)).toBe('1.0');
    expect(realToText(0.1)).toBe('0.1');
    expect(realToText(1e20)).toBe('1.0e+20');
    expect(realToText(1.5e-7)).toBe('1.5e-07');
    expect(realToText(-0)).toBe('0.0');
    expect(realToText(Infinity)).toBe('Inf');
    expect(realToText(-Infinity)).toBe('-Inf');
    expect(realToText(5e-324)).toBe('4.9406564584124654e-324');
    expect(realToText(1e16)).toBe('10000000000000000.0');
    expect(realToText(1e17)).toBe('1.0e+17');
  });

  it('fpDecode rounds to a number of decimals like printf %f', () => {
    const d = fpDecode(2.675, -2, 16);
    expect([d.digits, d.iDP]).toEqual(['267', 1]);
    const e = fpDecode(0.5, 0, 16);
    expect([e.digits, e.iDP]).toEqual(['1', 1]);
  });
});
