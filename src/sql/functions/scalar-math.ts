// Numeric scalar functions: abs, round, sign (https://sqlite.org/lang_corefunc.html) and the
// math functions of SQLITE_ENABLE_MATH_FUNCTIONS (https://sqlite.org/lang_mathfunc.html).
// Math functions take INTEGER, REAL, or TEXT that is a well-formed number; anything else
// (including BLOB) gives NULL, as does a NaN result (sqrt(-1), acos(2)).
import { numericAffinityOfText, toReal, toInt64 } from '../types/convert.js';
import { atof, type NumberSlot } from '../types/numeric-text.js';
import { fpDecode } from '../types/real-format.js';
import { INT64_MIN, type SqlValue } from '../types/value.js';
import { functionError, type ScalarFunction } from './function-types.js';

function scalar(name: string, minArgs: number, maxArgs: number, call: ScalarFunction['call']): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call };
}

/** A REAL result; NaN becomes NULL as in sqlite3_result_double. */
function real(r: number): number | null {
  return r !== r ? null : r;
}

/**
 * sqlite3_value_numeric_type(): INTEGER/REAL as they are, TEXT converted when it is a
 * well-formed number, everything else (NULL, BLOB, other TEXT) undefined.
 */
function numericArg(v: SqlValue): bigint | number | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const n = numericAffinityOfText(v, false);
  return typeof n === 'string' ? undefined : (n as bigint | number);
}

/** abs(X): INTEGER stays INTEGER (abs(-9223372036854775808) is an "integer overflow" error); anything else is REAL. */
const abs = scalar('abs', 1, 1, (args) => {
  const v = args[0]!;
  if (typeof v === 'bigint') {
    if (v >= 0n) return v;
    if (v === INT64_MIN) throw functionError('integer overflow', 'abs');
    return -v;
  }
  if (v === null) return null;
  const r = toReal(v);
  return r < 0 ? -r : r;
});

const slot: NumberSlot = { real: 0, int: 0n };

/**
 * round(X [, N]): always REAL. N is clamped to 0..30. With N = 0 halves round away from zero
 * via int64; otherwise X is printed with N decimals ("%!.*f", SQLite's own digit
 * generation) and read back, which is what makes round(2.675, 2) = 2.67.
 */
const round = scalar('round', 1, 2, (args) => {
  let n = 0;
  if (args.length === 2) {
    const nv = args[1]!;
    if (nv === null) return null;
    const big = toInt64(nv);
    n = big > 30n ? 30 : big < 0n ? 0 : Number(big);
  }
  const x = args[0]!;
  if (x === null) return null;
  const r = toReal(x);
  if (r < -4503599627370496 || r > 4503599627370496) return r;
  if (n === 0) {
    const t = Math.trunc(r + (r < 0 ? -0.5 : 0.5));
    return t === 0 ? 0 : t;
  }
  return roundToDecimals(r, n);
});

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The value of SQLite's "%!.*f" rendering of `r` with `n` decimals, read back as a double
 * (what round(X, N) returns), without building the text: same digits, same rounding.
 */
function roundToDecimals(r: number, n: number): number {
  const d = fpDecode(r, -n, 20);
  // Nothing significant within n decimals: the text is "0.00..." (or "-0.00...").
  if (d.iDP + n <= 0) return d.negative ? -0 : 0;
  const digits = d.digits;
  const scale = d.iDP - digits.length;
  let v: number;
  if (digits.length <= 15 && scale >= -22 && scale <= 22) {
    const m = Number(digits);
    v = scale >= 0 ? m * POW10[scale]! : m / POW10[-scale]!;
  } else {
    atof(`${digits}e${scale}`, slot);
    v = slot.real;
  }
  return d.negative ? -v : v;
}

/** sign(X): -1, 0 or +1 as INTEGER for numeric X; NULL otherwise. */
const sign = scalar('sign', 1, 1, (args) => {
  const v = numericArg(args[0]!);
  if (v === undefined) return null;
  const x = typeof v === 'bigint' ? Number(v) : v;
  return x < 0 ? -1n : x > 0 ? 1n : 0n;
});

/** ceil/floor/trunc: INTEGER unchanged, REAL through `fn`. */
function integral(name: string, fn: (x: number) => number): ScalarFunction {
  return scalar(name, 1, 1, (args) => {
    const v = numericArg(args[0]!);
    if (v === undefined) return null;
    return typeof v === 'bigint' ? v : real(fn(v));
  });
}

function math1(name: string, fn: (x: number) => number): ScalarFunction {
  return scalar(name, 1, 1, (args) => {
    const v = numericArg(args[0]!);
    return v === undefined ? null : real(fn(Number(v)));
  });
}

function math2(name: string, fn: (x: number, y: number) => number): ScalarFunction {
  return scalar(name, 2, 2, (args) => {
    const x = numericArg(args[0]!);
    if (x === undefined) return null;
    const y = numericArg(args[1]!);
    if (y === undefined) return null;
    return real(fn(Number(x), Number(y)));
  });
}

/** C's pow(): unlike Math.pow, 1^y and (-1)^±inf are 1. */
function cPow(x: number, y: number): number {
  if (x === 1 || (x === -1 && !Number.isFinite(y))) return 1;
  return Math.pow(x, y);
}

/** ln / log10 / log2 of one argument; log(B, X) is log base B. Non-positive inputs give NULL. */
function logarithm(name: string, one: (x: number) => number, allowBase: boolean): ScalarFunction {
  return scalar(name, 1, allowBase ? 2 : 1, (args) => {
    const v = numericArg(args[0]!);
    if (v === undefined) return null;
    const x = Number(v);
    if (x <= 0) return null;
    if (args.length === 1) return real(one(x));
    const b = Math.log(x);
    if (b <= 0) return null;
    // SQLite reads the second argument with sqlite3_value_double (prefix rules).
    const y = toReal(args[1]!);
    if (y <= 0) return null;
    return real(Math.log(y) / b);
  });
}

const PI_OVER_180 = Math.PI / 180;
const D180_OVER_PI = 180 / Math.PI;

/** The numeric functions, for the registry. */
export const MATH_FUNCTIONS: readonly ScalarFunction[] = [
  abs,
  round,
  sign,
  integral('ceil', Math.ceil),
  integral('ceiling', Math.ceil),
  integral('floor', Math.floor),
  integral('trunc', Math.trunc),
  logarithm('ln', Math.log, false),
  logarithm('log', Math.log10, true),
  logarithm('log10', Math.log10, false),
  logarithm('log2', Math.log2, false),
  math1('exp', Math.exp),
  math2('pow', cPow),
  math2('power', cPow),
  math2('mod', (x, y) => x % y),
  math1('acos', Math.acos),
  math1('asin', Math.asin),
  math1('atan', Math.atan),
  math2('atan2', Math.atan2),
  math1('cos', Math.cos),
  math1('sin', Math.sin),
  math1('tan', Math.tan),
  math1('cosh', Math.cosh),
  math1('sinh', Math.sinh),
  math1('tanh', Math.tanh),
  math1('acosh', Math.acosh),
  math1('asinh', Math.asinh),
  math1('atanh', Math.atanh),
  math1('sqrt', Math.sqrt),
  math1('radians', (x) => x * PI_OVER_180),
  math1('degrees', (x) => x * D180_OVER_PI),
  { name: 'pi', minArgs: 0, maxArgs: 0, deterministic: true, call: () => Math.PI },
];
