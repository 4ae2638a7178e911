// Core scalar functions that are not about text or arithmetic: conditionals, type
// inspection, comparison helpers, blobs and randomness (https://sqlite.org/lang_corefunc.html;
// func.c).
import { compareValues } from '../types/compare.js';
import { toBlob, toBoolean, toInt64, toText } from '../types/convert.js';
import { checkLength, DEFAULT_MAX_LENGTH, tooBig } from '../types/length-limit.js';
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

/** ASCII codes of the two hex digits of each byte value, as one 16-bit unit (little-endian pairs). */
const HEX_PAIRS = (() => {
  const digits = '0123456789ABCDEF';
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) t[b] = digits.charCodeAt(b >> 4) | (digits.charCodeAt(b & 15) << 8);
  return t;
})();
const ascii = new TextDecoder();

/**
 * Upper-case hex of `bytes`, `max` bytes at most: the output is sized and checked first, then
 * filled as bytes and decoded once (a string built by `+=` per byte is a rope of one node per
 * byte, which a large blob turns into gigabytes).
 */
function hexOf(bytes: Uint8Array, max: number): string {
  checkLength(bytes.length * 2, max, 'hex');
  if (bytes.length < 64) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
      const p = HEX_PAIRS[bytes[i]!]!;
      s += String.fromCharCode(p & 0xff, p >> 8);
    }
    return s;
  }
  const out = new Uint8Array(bytes.length * 2);
  const pairs = new Uint16Array(out.buffer);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (let i = 0; i < bytes.length; i++) {
    const p = HEX_PAIRS[bytes[i]!]!;
    pairs[i] = littleEndian ? p : (p >> 8) | ((p & 0xff) << 8);
  }
  return ascii.decode(out);
}

/** hex(X): upper-case hex of the BLOB view (TEXT as UTF-8, numbers via their text); NULL → ''. */
const hex = scalar('hex', 1, 1, (args, ctx) => {
  const b = toBlob(args[0]!);
  return b === null ? '' : hexOf(b, ctx.maxLength ?? DEFAULT_MAX_LENGTH);
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
function quoteValue(v: SqlValue, escapeControls: boolean, max: number): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? realToText(v) : v > 0 ? '9.0e+999' : '-9.0e+999';
    case 'string':
      return sqlPrintf(escapeControls ? '%#Q' : '%Q', [v], 0, max)!;
    default:
      if (v === null) return 'NULL';
      checkLength(v.length * 2 + 3, max, 'quote');
      return `X'${hexOf(v, max)}'`;
  }
}

const quote = scalar('quote', 1, 1, (args, ctx) => quoteValue(args[0]!, false, ctx.maxLength ?? DEFAULT_MAX_LENGTH));
/** unistr_quote(X): like quote() but control characters become unistr('\u00XX') escapes. */
const unistrQuote = scalar('unistr_quote', 1, 1, (args, ctx) => quoteValue(args[0]!, true, ctx.maxLength ?? DEFAULT_MAX_LENGTH));

const printf = (name: string): ScalarFunction =>
  scalar(name, 0, -1, (args, ctx) => {
    if (args.length === 0) return null;
    const fmt = toText(args[0]!);
    if (fmt === null) return null;
    const nul = fmt.indexOf('\0'); // the format is a C string
    return sqlPrintf(nul < 0 ? fmt : fmt.slice(0, nul), args, 1, ctx.maxLength ?? DEFAULT_MAX_LENGTH);
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

/** The byte count argument of zeroblob / randomblob, checked against the length limit before allocating. */
function blobLength(v: SqlValue, max: number, fn: string): number {
  const n = toInt64(v);
  if (n > BigInt(max)) throw tooBig(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n), max, fn);
  return Number(n);
}

/** randomblob(N): N random bytes (at least 1). */
const randomblob: ScalarFunction = {
  name: 'randomblob',
  minArgs: 1,
  maxArgs: 1,
  deterministic: false,
  call: (args, ctx) => {
    const n = Math.max(1, blobLength(args[0]!, ctx.maxLength ?? DEFAULT_MAX_LENGTH, 'randomblob'));
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
const zeroblob = scalar('zeroblob', 1, 1, (args, ctx) => new Uint8Array(Math.max(0, blobLength(args[0]!, ctx.maxLength ?? DEFAULT_MAX_LENGTH, 'zeroblob'))));

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
