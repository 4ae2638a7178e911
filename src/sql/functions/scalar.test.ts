// Differential test of every built-in scalar function against SQLite: one-argument forms on
// every sample value, two- and three-argument forms on pairs/triples of a subset, arity
// errors, collation-aware min/max/nullif and the injected randomness.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Collation } from '../types/compare.js';
import { SAMPLE_VALUES, sameValue, showValue } from '../types/value-samples.js';
import type { SqlValue } from '../types/value.js';
import { checkArity, type FunctionContext } from './function-types.js';
import { getScalarFunction, scalarFunctionNames } from './scalar.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);

const ctx: FunctionContext = { nowMs: () => 0, random: () => 0n };

type Outcome = SqlValue | Error;

function sqlite(sql: string, params: readonly SqlValue[]): Outcome {
  try {
    const v = db.prepare(sql).pluck().get(...params) as SqlValue;
    return v instanceof Uint8Array ? new Uint8Array(v) : v;
  } catch (e) {
    return e as Error;
  }
}

function ours(name: string, args: readonly SqlValue[], collation?: Collation): Outcome {
  try {
    const fn = getScalarFunction(name);
    if (fn === undefined) return new Error(`no such function: ${name}`);
    checkArity(fn, args.length);
    return fn.call(args, ctx, collation);
  } catch (e) {
    return e as Error;
  }
}

/** Functions computed with libm in SQLite and V8's own routines here: allow a few ulps. */
const APPROXIMATE = new Set(['exp', 'ln', 'log', 'log10', 'log2', 'pow', 'power', 'acos', 'asin', 'atan', 'atan2', 'cos', 'sin', 'tan', 'cosh', 'sinh', 'tanh', 'acosh', 'asinh', 'atanh']);

function same(name: string, got: Outcome, want: Outcome): boolean {
  if (got instanceof Error || want instanceof Error) {
    return got instanceof Error && want instanceof Error && got.message === `sql: ${want.message}`;
  }
  if (APPROXIMATE.has(name) && typeof got === 'number' && typeof want === 'number' && Number.isFinite(want)) {
    return Math.abs(got - want) <= 4 * Number.EPSILON * Math.max(Math.abs(want), Number.MIN_VALUE);
  }
  return sameValue(got, want);
}

const show = (v: Outcome): string => (v instanceof Error ? `error(${v.message})` : showValue(v));

/** One-argument calls (and the one-argument forms of functions taking more). */
const UNARY = [
  'typeof', 'length', 'octet_length', 'upper', 'lower', 'ltrim', 'rtrim', 'trim', 'unicode', 'soundex', 'hex', 'unhex',
  'quote', 'unistr_quote', 'unistr', 'abs', 'round', 'sign', 'ceil', 'ceiling', 'floor', 'trunc', 'ln', 'log', 'log10',
  'log2', 'exp', 'sqrt', 'acos', 'asin', 'atan', 'cos', 'sin', 'tan', 'cosh', 'sinh', 'tanh', 'acosh', 'asinh',
  'atanh', 'radians', 'degrees', 'likely', 'unlikely', 'char', 'concat', 'zeroblob', 'printf', 'format',
];

const BINARY = [
  'ltrim', 'rtrim', 'trim', 'instr', 'substr', 'substring', 'round', 'nullif', 'ifnull', 'coalesce', 'min', 'max',
  'like', 'glob', 'iif', 'if', 'log', 'pow', 'mod', 'atan2', 'concat', 'concat_ws', 'unhex', 'char', 'printf',
];

const TERNARY = ['substr', 'replace', 'like', 'iif', 'concat_ws', 'coalesce', 'min', 'max'];

/** A smaller set for the pair and triple products. */
const SUBSET: SqlValue[] = [
  null, 0n, 1n, -1n, 2n, 3n, -7n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 0, -0, 1.5, -2.5, 0.1, 1e20, 5e-324,
  Infinity, '', ' ', 'abc', 'ABC', 'a b ', 'aba', 'b', '12', ' 12 ', '1e3', '12abc', '-5', '%b%', 'a_c', '[ab]*',
  'é', '日本語', '😀x', "it's", '%d|%s', '41 42', '4142', new Uint8Array([]), new Uint8Array([0x61, 0x62]), new Uint8Array([0xff, 0]),
];

describe('scalar functions match SQLite', () => {
  it('one-argument forms on every sample', () => {
    const bad: string[] = [];
    for (const name of UNARY) {
      const stmt = db.prepare(`SELECT ${name}(?)`).pluck();
      for (const v of SAMPLE_VALUES) {
        let want: Outcome;
        try {
          const w = stmt.get(v) as SqlValue;
          want = w instanceof Uint8Array ? new Uint8Array(w) : w;
        } catch (e) {
          want = e as Error;
        }
        const got = ours(name, [v]);
        if (!same(name, got, want)) bad.push(`${name}(${showValue(v)}): got ${show(got)}, sqlite ${show(want)}`);
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });

  it('two-argument forms on pairs', () => {
    const bad: string[] = [];
    for (const name of BINARY) {
      const stmt = db.prepare(`SELECT ${name}(?, ?)`).pluck();
      for (const a of SUBSET) {
        for (const b of SUBSET) {
          let want: Outcome;
          try {
            const w = stmt.get(a, b) as SqlValue;
            want = w instanceof Uint8Array ? new Uint8Array(w) : w;
          } catch (e) {
            want = e as Error;
          }
          const got = ours(name, [a, b]);
          if (!same(name, got, want)) bad.push(`${name}(${showValue(a)}, ${showValue(b)}): got ${show(got)}, sqlite ${show(want)}`);
        }
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });

  it('three-argument forms on triples', () => {
    const small = SUBSET.filter((_, i) => i % 2 === 0);
    const bad: string[] = [];
    for (const name of TERNARY) {
      const stmt = db.prepare(`SELECT ${name}(?, ?, ?)`).pluck();
      for (const a of small) {
        for (const b of small) {
          for (const c of small) {
            let want: Outcome;
            try {
              const w = stmt.get(a, b, c) as SqlValue;
              want = w instanceof Uint8Array ? new Uint8Array(w) : w;
            } catch (e) {
              want = e as Error;
            }
            const got = ours(name, [a, b, c]);
            if (!same(name, got, want)) bad.push(`${name}(${showValue(a)}, ${showValue(b)}, ${showValue(c)}): got ${show(got)}, sqlite ${show(want)}`);
          }
        }
      }
    }
    expect(bad.slice(0, 30)).toEqual([]);
  });

  it('substr, instr, trim and replace on hand-picked strings', () => {
    const strings = ['hello', 'héllo wörld', '😀a😀b', 'a\u0000b', 'xxabcxx', ''];
    const numbers = [-8n, -3n, -1n, 0n, 1n, 2n, 4n, 9n, null];
    const bad: string[] = [];
    const check = (name: string, args: SqlValue[]): void => {
      const want = sqlite(`SELECT ${name}(${args.map(() => '?').join(', ')})`, args);
      const got = ours(name, args);
      if (!same(name, got, want)) bad.push(`${name}(${args.map(showValue).join(', ')}): got ${show(got)}, sqlite ${show(want)}`);
    };
    for (const s of strings) {
      for (const p of numbers) {
        check('substr', [s, p]);
        for (const q of numbers) check('substr', [s, p, q]);
      }
      check('substr', [new TextEncoder().encode(s), 2n, 3n]);
      for (const t of ['l', 'ö', '😀', 'b', 'x', 'xa', '']) {
        check('instr', [s, t]);
        check('trim', [s, t]);
        check('ltrim', [s, t]);
        check('rtrim', [s, t]);
        check('replace', [s, t, '<>']);
        check('replace', [s, t, '$&']);
      }
      check('length', [s]);
      check('unicode', [s]);
      check('upper', [s]);
    }
    check('char', [72n, 0x1f600n, -1n, 0x110000n, 'x', 2.9]);
    check('concat_ws', [',', 1n, null, 2.5, 'x']);
    check('unhex', ['41-42', '-']);
    check('unhex', ['4-142', '-']);
    check('unhex', ['414', '']);
    for (const u of ['\\u0041', '\\+01F600', '\\U0001F600', '\\0041x', '\\\\', '\\x', '\\u00', 'a\\', 'plain']) check('unistr', [u]);
    expect(bad).toEqual([]);
  });

  it('round(x, n) on random reals', () => {
    const stmt = db.prepare('SELECT round(?, ?)').pluck();
    const bad: string[] = [];
    let seed = 17;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 5000; i++) {
      const x = (next() - 0.5) * 10 ** Math.floor(next() * 24 - 12);
      const n = BigInt(Math.floor(next() * 8) - 1);
      const args: SqlValue[] = [i % 7 === 0 ? Math.round(x * 1000) / 1000 : x, n];
      const want = stmt.get(...args) as SqlValue;
      const got = ours('round', args);
      if (!same('round', got, want)) bad.push(`round(${args.map(showValue).join(', ')}): got ${show(got)}, sqlite ${show(want)}`);
    }
    for (const x of [2.675, 1.005, -0.001, -0.005, 0.5, -0.5, 1e-10, -1e-10, 4503599627370495.5, 0.045]) {
      for (const n of [0n, 1n, 2n, 3n, 30n]) {
        const want = stmt.get(x, n) as SqlValue;
        const got = ours('round', [x, n]);
        if (!same('round', got, want)) bad.push(`round(${x}, ${n}): got ${show(got)}, sqlite ${show(want)}`);
      }
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('arity errors use SQLite wording', () => {
    const bad: string[] = [];
    for (const name of scalarFunctionNames()) {
      for (let n = 0; n <= 4; n++) {
        if ((name === 'min' || name === 'max') && n === 1) continue; // the aggregate
        const want = sqlite(`SELECT ${name}(${Array.from({ length: n }, () => '1').join(', ')})`, []);
        const fn = getScalarFunction(name)!;
        let got: Outcome = null;
        try {
          checkArity(fn, n);
        } catch (e) {
          got = e as Error;
        }
        const sqliteArity = want instanceof Error && want.message.startsWith('wrong number of arguments');
        if ((got instanceof Error) !== sqliteArity) bad.push(`${name} with ${n} args: got ${show(got)}, sqlite ${show(want)}`);
        else if (got instanceof Error && want instanceof Error && got.message !== `sql: ${want.message}`) bad.push(`${name}/${n}: ${got.message} vs ${want.message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('min, max and nullif honour the collation', () => {
    const bad: string[] = [];
    const values: SqlValue[] = ['a', 'A', 'b', 'B', 'a ', 'A  ', 1n, null];
    for (const collation of ['BINARY', 'NOCASE', 'RTRIM'] as Collation[]) {
      for (const name of ['min', 'max', 'nullif']) {
        for (const a of values) {
          for (const b of values) {
            const want = sqlite(`SELECT ${name}(? COLLATE ${collation}, ?)`, [a, b]);
            const got = ours(name, [a, b], collation);
            if (!same(name, got, want)) bad.push(`${name}(${showValue(a)}, ${showValue(b)}) ${collation}: got ${show(got)}, sqlite ${show(want)}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('likelihood checks its probability; random and randomblob use the context', () => {
    expect(ours('likelihood', [5n, 0.25])).toBe(5n);
    expect((ours('likelihood', [5n, 2]) as Error).message).toBe('sql: second argument to likelihood() must be a constant between 0.0 and 1.0');
    const seq = [-(2n ** 63n), -5n, 0x0102030405060708n];
    let i = 0;
    const seeded: FunctionContext = { nowMs: () => 0, random: () => seq[i++ % seq.length]! };
    const random = getScalarFunction('random')!;
    expect(random.call([], seeded)).toBe(0n);
    expect(random.call([], seeded)).toBe(-(2n ** 63n - 5n)); // -(r & INT64_MAX), as SQLite does
    i = 2;
    expect(getScalarFunction('randomblob')!.call([3n], seeded)).toEqual(new Uint8Array([8, 7, 6]));
    expect((getScalarFunction('randomblob')!.call([-1n], seeded) as Uint8Array).length).toBe(1);
    expect(random.deterministic).toBe(false);
    expect(getScalarFunction('coalesce')!.shortCircuit).toBe(true);
    expect(getScalarFunction('UPPER')!.name).toBe('upper');
    expect(getScalarFunction('no_such_function')).toBeUndefined();
  });
});
