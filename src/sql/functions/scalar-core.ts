// Core scalar functions that are not about text or arithmetic: conditionals, type
// inspection, comparison helpers, blobs and randomness (https://sqlite.org/lang_corefunc.html;
// func.c).
import { compareValues } from '../types/compare.js';
import { MAX_LENGTH, toBlob, toBoolean, toInt64, toText, tooBig } from '../types/convert.js';
import { realToText } from '../types/real-format.js';
import { codePointAt } from '../types/utf8.js';
import { INT64_MAX, storageClass, type SqlValue } from '../types/value.js';
import { functionError, type ScalarFunction } from './function-types.js';
import { sqlPrintf } from './printf.js';

function scalar(name: string, minArgs: number, maxArgs: number, call: ScalarFunction['call']): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call };
}

const typeofFn = scalar('typeof', 1, 1, (args) => storageClass(args[0]!));

function firstNotNull(args: readonly SqlValue[]): SqlValue {
  for (let i = 0; i < args.length; i++) if (args[i] !== null) return args[i]!;
  return null;
}

const coalesce: ScalarFunction = { ...scalar('coalesce', 2, -1, firstNotNull), shortCircuit: true };
const ifnull: ScalarFunction = { ...scalar('ifnull', 2, 2, firstNotNull), shortCircuit: true };

/** iif(C1, V1 [, C2, V2 ...] [, ELSE]): like CASE WHEN; NULL when nothing matches and no ELSE. */
function iifCall(args: readonly SqlValue[]): SqlValue {
  let i = 0;
  for (; i + 1 < args.length; i += 2) if (toBoolean(args[i]!) === true) return args[i + 1]!;
  return i < args.length ? args[i]! : null;
}

const iif: ScalarFunction = { ...scalar('iif', 2, -1, iifCall), shortCircuit: true };
const ifFn: ScalarFunction = { ...scalar('if', 2, -1, iifCall), shortCircuit: true };

const nullif: ScalarFunction = {
  ...scalar('nullif', 2, 2, (args, _ctx, collation) => (compareValues(args[0]!, args[1]!, collation) !== 0 ? args[0]! : null)),
  usesCollation: true,
};

/**
 * likelihood(X, P) returns X. SQLite requires P to be a floating-point literal in
 * [0.0, 1.0] (checked when the statement is prepared); here the value must be a REAL in
 * that range.
 */
const likelihood = scalar('likelihood', 2, 2, (args) => {
  const p = args[1]!;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw functionError('second argument to likelihood() must be a constant between 0.0 and 1.0', 'likelihood');
  }
  return args[0]!;
});
const likely = scalar('likely', 1, 1, (args) => args[0]!);
const unlikely = scalar('unlikely', 1, 1, (args) => args[0]!);

/**
 * Scalar min(X, Y, ...) / max(X, Y, ...): NULL if any argument is NULL; ties keep the last
 * argument for min and the first for max (so min(1, 1.0) is 1.0 and max(1, 1.0) is 1). With
 * one argument min/max are the aggregates, which the binder must pick first.
 */
function minMax(name: string, isMax: boolean): ScalarFunction {
  return {
    ...scalar(name, 2, -1, (args, _ctx, collation) => {
      let best = args[0]!;
      if (best === null) return null;
      for (let i = 1; i < args.length; i++) {
        const v = args[i]!;
        if (v === null) return null;
        const c = compareValues(best, v, collation);
        if (isMax ? c < 0 : c >= 0) best = v;
      }
      return best;
    }),
    usesCollation: true,
  };
}

const HEX_DIGITS = '0123456789ABCDEF';

function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  }
  return s;
}

/** hex(X): upper-case hex of the BLOB view (TEXT as UTF-8, numbers via their text); NULL → ''. */
const hex = scalar('hex', 1, 1, (args) => {
  const b = toBlob(args[0]!);
  return b === null ? '' : hexOf(b);
});

function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
}

/**
 * unhex(X [, Y]): BLOB from hex digit pairs; characters of Y may appear between pairs
 * (not inside one). Anything else, or an odd digit count, gives NULL.
 */
const unhex = scalar('unhex', 1, 2, (args) => {
  const s = toText(args[0]!);
  const pass = args.length === 2 ? toText(args[1]!) : '';
  if (s === null || pass === null) return null;
  const out = new Uint8Array(s.length >> 1);
  let n = 0;
  let i = 0;
  for (;;) {
    if (i >= s.length || s.charCodeAt(i) === 0) break;
    let hi = hexDigit(s.charCodeAt(i));
    while (hi < 0) {
      const cp = codePointAt(s, i);
      if (!pass.includes(String.fromCodePoint(cp))) return null;
      i += cp > 0xffff ? 2 : 1;
      if (i >= s.length || s.charCodeAt(i) === 0) return out.slice(0, n);
      hi = hexDigit(s.charCodeAt(i));
    }
    const lo = i + 1 < s.length ? hexDigit(s.charCodeAt(i + 1)) : -1;
    if (lo < 0) return null;
    out[n++] = (hi << 4) | lo;
    i += 2;
  }
  return out.slice(0, n);
});

/** quote(X): an SQL literal for X ('it''s', X'00FF', 1.0, 9.0e+999 for infinity, NULL). */
function quoteValue(v: SqlValue, escapeControls: boolean): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? realToText(v) : v > 0 ? '9.0e+999' : '-9.0e+999';
    case 'string':
      return sqlPrintf(escapeControls ? '%#Q' : '%Q', [v], 0)!;
    default:
      return v === null ? 'NULL' : `X'${hexOf(v)}'`;
  }
}

const quote = scalar('quote', 1, 1, (args) => quoteValue(args[0]!, false));
/** unistr_quote(X): like quote() but control characters become unistr('\u00XX') escapes. */
const unistrQuote = scalar('unistr_quote', 1, 1, (args) => quoteValue(args[0]!, true));

const printf = (name: string): ScalarFunction =>
  scalar(name, 0, -1, (args) => {
    if (args.length === 0) return null;
    const fmt = toText(args[0]!);
    if (fmt === null) return null;
    const nul = fmt.indexOf('\0'); // the format is a C string
    return sqlPrintf(nul < 0 ? fmt : fmt.slice(0, nul), args, 1);
  });

/** random(): a random INTEGER (never -9223372036854775808). */
const random: ScalarFunction = {
  name: 'random',
  minArgs: 0,
  maxArgs: 0,
  deterministic: false,
  call: (_args, ctx) => {
    const r = ctx.random();
    return r < 0n ? -(r & INT64_MAX) : r;
  },
};

function blobLength(v: SqlValue): number {
  const n = toInt64(v);
  if (n > BigInt(MAX_LENGTH)) throw tooBig();
  return Number(n);
}

/** randomblob(N): N random bytes (at least 1). */
const randomblob: ScalarFunction = {
  name: 'randomblob',
  minArgs: 1,
  maxArgs: 1,
  deterministic: false,
  call: (args, ctx) => {
    const n = Math.max(1, blobLength(args[0]!));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      const r = ctx.random();
      // Little-endian bytes of the 64 random bits, via two 32-bit halves.
      let lo = Number(BigInt.asUintN(32, r));
      const hi = Number(BigInt.asUintN(32, r >> 32n));
      for (let k = i; k < n && k < i + 8; k++) {
        if (k === i + 4) lo = hi;
        out[k] = lo & 0xff;
        lo >>>= 8;
      }
    }
    return out;
  },
};

/** zeroblob(N): N zero bytes (negative N gives an empty blob). */
const zeroblob = scalar('zeroblob', 1, 1, (args) => new Uint8Array(Math.max(0, blobLength(args[0]!))));

/** The core functions, for the registry. */
export const CORE_FUNCTIONS: readonly ScalarFunction[] = [
  typeofFn,
  coalesce,
  ifnull,
  iif,
  ifFn,
  nullif,
  likelihood,
  likely,
  unlikely,
  minMax('min', false),
  minMax('max', true),
  hex,
  unhex,
  quote,
  unistrQuote,
  printf('printf'),
  printf('format'),
  random,
  randomblob,
  zeroblob,
];
