// Differential test of text → number parsing (sqlite3AtoF / sqlite3Atoi64 rules) on
// generated numeric-looking strings: CAST AS REAL reads the atof value, CAST AS INTEGER the
// atoi64 value, `+ 0` the arithmetic view, and a NUMERIC column the affinity conversion.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyAffinity } from './affinity.js';
import { add } from './arith.js';
import { toInt64, toReal } from './convert.js';
import { ATOF_REAL, atof, atoi64, type NumberSlot } from './numeric-text.js';
import { SAMPLE_TEXTS, sameValue, showValue } from './value-samples.js';
import type { SqlValue } from './value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

/** Deterministic PRNG so failures reproduce. */
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

function numericLookingTexts(count: number): string[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = pick(['', '', ' ', '  ', '\t', '\n']);
    s += pick(['', '', '-', '+']);
    s += pick(['', '0', '00']) + digits(pick([0, 1, 2, 5, 15, 16, 17, 18, 19, 20, 21, 25]));
    if (r() < 0.5) s += '.' + digits(pick([0, 1, 3, 10, 20]));
    if (r() < 0.3) s += pick(['e', 'E']) + pick(['', '-', '+']) + digits(pick([0, 1, 2, 3, 5]));
    s += pick(['', '', '', ' ', 'x', '.5', 'e', ' 1']);
    out.push(s);
  }
  return out;
}

const TEXTS = [
  ...SAMPLE_TEXTS,
  ...numericLookingTexts(4000),
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '18446744073709551616',
  '1844674407370955161',
  '18446744073709551599',
  '18446744073709551600',
  '3500000000000000.2500001',
  '4.9e-324',
  '2.4703282292062327e-324',
  '1.7976931348623157e308',
  '1.7976931348623159e308',
  '0.000000000000000000000000000001',
  '1e-400',
  '-.5',
  '- 5',
  '.',
  '-.',
  'e5',
  '1e+',
  '1e-',
  '12\u00003',
];

describe('text to number', () => {
  it('CAST AS REAL / INTEGER, arithmetic and NUMERIC affinity agree with SQLite', () => {
    db.exec('CREATE TABLE n(v NUMERIC)');
    const cast = db.prepare('SELECT CAST(? AS REAL), CAST(? AS INTEGER), ? + 0').raw();
    const insert = db.prepare('INSERT INTO n(v) VALUES (?)');
    const read = db.prepare('SELECT v FROM n WHERE rowid = ?').pluck();
    const bad: string[] = [];
    for (const text of TEXTS) {
      const [real, int, sum] = cast.get(text, text, text) as [SqlValue, SqlValue, SqlValue];
      const { lastInsertRowid } = insert.run(text);
      const stored = read.get(lastInsertRowid) as SqlValue;
      const got: [string, SqlValue, SqlValue][] = [
        ['real', toReal(text), real],
        ['int', toInt64(text), int],
        ['+0', add(text, 0n), sum],
        ['numeric column', applyAffinity(text, 'NUMERIC'), stored],
      ];
      for (const [what, g, w] of got) {
        if (!sameValue(g, w)) bad.push(`${JSON.stringify(text)} ${what}: got ${showValue(g)}, sqlite ${showValue(w)}`);
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('reports whole / prefix / no number and the real flag', () => {
    const slot: NumberSlot = { real: 0, int: 0n };
    expect(atof(' 12 ', slot)).toBeGreaterThan(0);
    expect(slot.real).toBe(12);
    expect(atof('12abc', slot)).toBeLessThan(0);
    expect(slot.real).toBe(12);
    expect(atof('abc', slot)).toBe(0);
    expect(atof('1.5', slot) & ATOF_REAL).toBe(ATOF_REAL);
    expect(atof('1e5x', slot) & ATOF_REAL).toBe(ATOF_REAL);
    expect(atof('15', slot) & ATOF_REAL).toBe(0);
    expect(atoi64('9223372036854775808', slot)).toBe(3);
    expect(atoi64('-9223372036854775808', slot)).toBe(0);
    expect(slot.int).toBe(-(2n ** 63n));
    expect(atoi64('99999999999999999999', slot)).toBe(2);
    expect(atoi64('12 ', slot)).toBe(0);
    expect(atoi64('12x', slot)).toBe(1);
    expect(atoi64('x', slot)).toBe(-1);
  });
});
