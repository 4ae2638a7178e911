// Text scalar functions (https://sqlite.org/lang_corefunc.html; func.c). Characters are code
// points; like SQLite's C strings, functions that walk characters stop at U+0000 (length,
// unicode). upper()/lower() fold ASCII only, as SQLite does without ICU. The slicing
// functions (substr, instr, replace, trim) are in scalar-slice.ts.
import { toInt64, toText } from '../types/convert.js';
import { checkLength, checkText, DEFAULT_MAX_LENGTH } from '../types/length-limit.js';
import { sqlGlob, sqlLike } from '../types/like.js';
import { codePointAt, codePointCount, utf8ByteLength, utf8Encode } from '../types/utf8.js';
import { functionError, type ScalarFunction } from './function-types.js';

function scalar(name: string, minArgs: number, maxArgs: number, call: ScalarFunction['call']): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call };
}

const length = scalar('length', 1, 1, (args) => {
  const v = args[0]!;
  switch (typeof v) {
    case 'string': {
      const nul = v.indexOf('\0');
      return BigInt(codePointCount(v, 0, nul < 0 ? v.length : nul));
    }
    case 'bigint':
    case 'number':
      return BigInt(toText(v)!.length);
    default:
      return v === null ? null : BigInt(v.length);
  }
});

const octetLength = scalar('octet_length', 1, 1, (args) => {
  const v = args[0]!;
  switch (typeof v) {
    case 'string':
      return BigInt(utf8ByteLength(v));
    case 'bigint':
    case 'number':
      return BigInt(toText(v)!.length);
    default:
      return v === null ? null : BigInt(v.length);
  }
});

/** Upper- or lower-cases ASCII letters only (SQLite without ICU leaves other letters alone). */
function mapAscii(s: string, from: number, to: number, delta: number): string {
  let i = 0;
  let ascii = true;
  let change = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) ascii = false;
    else if (c >= from && c <= to) change = true;
  }
  if (!change) return s;
  if (ascii) return delta < 0 ? s.toUpperCase() : s.toLowerCase();
  // Runs of ASCII letters only (a `+=` per character would build a rope node per character).
  return s.replace(delta < 0 ? /[a-z]+/g : /[A-Z]+/g, (run) => (delta < 0 ? run.toUpperCase() : run.toLowerCase()));
}

const upper = scalar('upper', 1, 1, (args) => {
  const s = toText(args[0]!);
  return s === null ? null : mapAscii(s, 97, 122, -32);
});

const lower = scalar('lower', 1, 1, (args) => {
  const s = toText(args[0]!);
  return s === null ? null : mapAscii(s, 65, 90, 32);
});

const char = scalar('char', 0, -1, (args, ctx) => {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const x = toInt64(args[i]!);
    out += String.fromCodePoint(x < 0n || x > 0x10ffffn ? 0xfffd : Number(x));
  }
  return checkText(out, ctx.maxLength ?? DEFAULT_MAX_LENGTH, 'char');
});

const unicode = scalar('unicode', 1, 1, (args) => {
  const s = toText(args[0]!);
  if (s === null || s.length === 0 || s.charCodeAt(0) === 0) return null;
  return BigInt(codePointAt(s, 0));
});

/** Soundex digit of each ASCII letter (upper and lower case); 0 for everything else. */
const SOUNDEX = new Uint8Array(128);
for (const [letters, code] of [
  ['BFPV', 1],
  ['CGJKQSXZ', 2],
  ['DT', 3],
  ['L', 4],
  ['MN', 5],
  ['R', 6],
] as const) {
  for (const l of letters) {
    SOUNDEX[l.charCodeAt(0)] = code;
    SOUNDEX[l.charCodeAt(0) + 32] = code;
  }
}

function isAsciiAlpha(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
}

/** soundex(X): works on the UTF-8 bytes, as SQLite's does (non-ASCII bytes are masked to 7 bits). */
const soundex = scalar('soundex', 1, 1, (args) => {
  const b = utf8Encode(toText(args[0]!) ?? '');
  const n = b.length;
  let i = 0;
  while (i < n && b[i] !== 0 && !isAsciiAlpha(b[i]!)) i++;
  if (i >= n || b[i] === 0) return '?000';
  let prev = SOUNDEX[b[i]! & 0x7f]!;
  let out = String.fromCharCode(b[i]! & ~32);
  for (; out.length < 4 && i < n && b[i] !== 0; i++) {
    const code = SOUNDEX[b[i]! & 0x7f]!;
    if (code > 0) {
      if (code !== prev) {
        prev = code;
        out += String.fromCharCode(48 + code);
      }
    } else {
      prev = 0;
    }
  }
  return out.padEnd(4, '0');
});

/** `parts` joined by `sep`; the UTF-8 length is checked against the limit before the join. */
function joinChecked(parts: readonly string[], sep: string, max: number, fn: string): string {
  const gaps = Math.max(0, parts.length - 1);
  let units = sep.length * gaps;
  for (const p of parts) units += p.length;
  // UTF-16 units bound UTF-8 bytes from below and a third of them from above.
  if (units * 3 > max) {
    let bytes = utf8ByteLength(sep) * gaps;
    for (const p of parts) bytes += utf8ByteLength(p);
    checkLength(bytes, max, fn);
  }
  return parts.join(sep);
}

const concat = scalar('concat', 1, -1, (args, ctx) => {
  const parts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!;
    if (v !== null) parts.push(toText(v)!);
  }
  return joinChecked(parts, '', ctx.maxLength ?? DEFAULT_MAX_LENGTH, 'concat');
});

const concatWs = scalar('concat_ws', 2, -1, (args, ctx) => {
  const sep = toText(args[0]!);
  if (sep === null) return null;
  const parts: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const v = args[i]!;
    if (v !== null) parts.push(toText(v)!);
  }
  return joinChecked(parts, sep, ctx.maxLength ?? DEFAULT_MAX_LENGTH, 'concat_ws');
});

/** like(PATTERN, X [, ESCAPE]) — the function form of `X LIKE PATTERN [ESCAPE E]`; see sqlLike. */
const like = scalar('like', 2, 3, (args) => sqlLike(args[0]!, args[1]!, args.length === 3 ? args[2]! : undefined));

/** glob(PATTERN, X) — the function form of `X GLOB PATTERN`. */
const glob = scalar('glob', 2, 2, (args) => sqlGlob(args[0]!, args[1]!));

function hexValue(s: string, at: number, count: number): number {
  if (at + count > s.length) return -1;
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** unistr(X): decodes \\, \XXXX, \uXXXX, \+XXXXXX and \UXXXXXXXX escapes. */
const unistr = scalar('unistr', 1, 1, (args) => {
  const s = toText(args[0]!);
  if (s === null) return null;
  let out = '';
  let i = 0;
  for (;;) {
    const slash = s.indexOf('\\', i);
    if (slash < 0) return out + s.slice(i);
    out += s.slice(i, slash);
    i = slash;
    const next = s.charCodeAt(i + 1);
    let cp: number;
    if (next === 92) {
      out += '\\';
      i += 2;
      continue;
    } else if (hexValue(s, i + 1, 1) >= 0) {
      cp = hexValue(s, i + 1, 4);
      i += 5;
    } else if (next === 43 /* + */) {
      cp = hexValue(s, i + 2, 6);
      i += 8;
    } else if (next === 117 /* u */) {
      cp = hexValue(s, i + 2, 4);
      i += 6;
    } else if (next === 85 /* U */) {
      cp = hexValue(s, i + 2, 8);
      i += 10;
    } else {
      cp = -1;
    }
    if (cp < 0) throw functionError('invalid Unicode escape', 'unistr');
    out += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
  }
});

/** The text functions, for the registry. */
export const TEXT_FUNCTIONS: readonly ScalarFunction[] = [
  length,
  octetLength,
  upper,
  lower,
  char,
  unicode,
  soundex,
  concat,
  concatWs,
  like,
  glob,
  unistr,
];
