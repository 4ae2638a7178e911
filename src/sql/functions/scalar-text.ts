// Text scalar functions (https://sqlite.org/lang_corefunc.html; func.c). Characters are code
// points; like SQLite's C strings, functions that walk characters stop at U+0000 (length,
// substr, trim's character set, unicode). upper()/lower() fold ASCII only, as SQLite does
// without ICU.
import { toInt64, toText } from '../types/convert.js';
import { globMatch, likeMatch } from '../types/like.js';
import { advanceCodePoints, codePointAt, codePointCount, utf8ByteLength, utf8Encode } from '../types/utf8.js';
import { functionError, type ScalarFunction } from './function-types.js';

/** SQLITE_LIMIT_LIKE_PATTERN_LENGTH's default. */
const LIKE_PATTERN_LIMIT = 50000;
/** substr(X, Y) with no length takes up to SQLITE_LIMIT_LENGTH characters. */
const DEFAULT_SUBSTR_LENGTH = 1_000_000_000;

function scalar(name: string, minArgs: number, maxArgs: number, call: ScalarFunction['call']): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call };
}

/** `s` up to its first U+0000. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
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

function mapAscii(s: string, from: number, to: number, delta: number): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= from && c <= to) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= from && c <= to ? String.fromCharCode(c + delta) : s[i];
  }
  return out;
}

const upper = scalar('upper', 1, 1, (args) => {
  const s = toText(args[0]!);
  return s === null ? null : mapAscii(s, 97, 122, -32);
});

const lower = scalar('lower', 1, 1, (args) => {
  const s = toText(args[0]!);
  return s === null ? null : mapAscii(s, 65, 90, 32);
});

const TRIM_LEFT = 1;
const TRIM_RIGHT = 2;

function trimmer(name: string, sides: number): ScalarFunction {
  return scalar(name, 1, 2, (args) => {
    const s = toText(args[0]!);
    if (s === null) return null;
    if (args.length === 1) return trimSpaces(s, sides);
    const set = toText(args[1]!);
    if (set === null) return null;
    const chars = cString(set);
    if (chars.length === 0) return s;
    return trimChars(s, chars, sides);
  });
}

function trimSpaces(s: string, sides: number): string {
  let start = 0;
  let end = s.length;
  if (sides & TRIM_LEFT) while (start < end && s.charCodeAt(start) === 32) start++;
  if (sides & TRIM_RIGHT) while (end > start && s.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Strips characters (code points) of `chars` from the chosen ends of `s`. */
function trimChars(s: string, chars: string, sides: number): string {
  let start = 0;
  let end = s.length;
  if (sides & TRIM_LEFT) {
    while (start < end) {
      const cp = codePointAt(s, start);
      const w = cp > 0xffff ? 2 : 1;
      if (!chars.includes(s.slice(start, start + w))) break;
      start += w;
    }
  }
  if (sides & TRIM_RIGHT) {
    while (end > start) {
      const c = s.charCodeAt(end - 1);
      const w = c >= 0xdc00 && c <= 0xdfff && end - 2 >= start && isHighSurrogate(s.charCodeAt(end - 2)) ? 2 : 1;
      if (!chars.includes(s.slice(end - w, end))) break;
      end -= w;
    }
  }
  return s.slice(start, end);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

const replace = scalar('replace', 3, 3, (args) => {
  const s = toText(args[0]!);
  if (s === null) return null;
  const pattern = toText(args[1]!);
  if (pattern === null) return null;
  if (pattern.length === 0 || pattern.charCodeAt(0) === 0) return s;
  const rep = toText(args[2]!);
  if (rep === null) return null;
  let at = s.indexOf(pattern);
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += s.slice(from, at) + rep;
    from = at + pattern.length;
    at = s.indexOf(pattern, from);
  }
  return out + s.slice(from);
});

/** |x| below 2^51: sums of two such values stay exact as doubles. */
const SAFE = 2 ** 51;

function clampToSafe(v: bigint): number {
  return v > BigInt(SAFE) ? SAFE * 2 : v < -BigInt(SAFE) ? -SAFE * 2 : Number(v);
}

const substr = (name: string): ScalarFunction =>
  scalar(name, 2, 3, (args) => {
    const x = args[0]!;
    if (x === null) return null;
    const startArg = args[1]!;
    let text: string | undefined;
    let len = 0;
    if (x instanceof Uint8Array) {
      if (x.length === 0) return null; // sqlite3_value_blob() of an empty blob is NULL
      len = x.length;
    } else {
      text = cString(toText(x)!);
    }
    const p1Big = toInt64(startArg);
    let p2Big: bigint;
    if (args.length === 3) {
      const lengthArg = args[2]!;
      if (lengthArg === null) return null;
      p2Big = toInt64(lengthArg);
    } else {
      p2Big = BigInt(DEFAULT_SUBSTR_LENGTH);
    }
    if (p1Big === 0n && startArg === null) return null;
    if (text !== undefined && p1Big < 0n) len = codePointCount(text);
    const [start, count] = substrRange(p1Big, p2Big, len);
    if (text !== undefined) {
      const from = advanceCodePoints(text, 0, start);
      return text.slice(from, advanceCodePoints(text, from, count));
    }
    const bytes = x as Uint8Array;
    if (start >= len) return new Uint8Array(0);
    return bytes.slice(start, start + Math.min(count, len - start));
  });

/**
 * substrFunc's start/length arithmetic: 1-based start, 0 acts as "one before the first",
 * negative counts from the end, negative length takes characters before the start.
 * Returns a 0-based start and a non-negative count (either may exceed the length).
 */
function substrRange(p1Big: bigint, p2Big: bigint, len: number): [number, number] {
  if (p1Big > BigInt(SAFE) || p1Big < -BigInt(SAFE) || p2Big > BigInt(SAFE) || p2Big < -BigInt(SAFE)) {
    let p1 = p1Big;
    let p2 = p2Big;
    const n = BigInt(len);
    if (p1 < 0n) {
      p1 += n;
      if (p1 < 0n) {
        p2 = p2 < 0n ? 0n : p2 + p1;
        p1 = 0n;
      }
    } else if (p1 > 0n) {
      p1--;
    } else if (p2 > 0n) {
      p2--;
    }
    if (p2 < 0n) {
      p2 = p2 < -p1 ? p1 : -p2;
      p1 -= p2;
    }
    return [clampToSafe(p1), clampToSafe(p2)];
  }
  let p1 = Number(p1Big);
  let p2 = Number(p2Big);
  if (p1 < 0) {
    p1 += len;
    if (p1 < 0) {
      p2 = p2 < 0 ? 0 : p2 + p1;
      p1 = 0;
    }
  } else if (p1 > 0) {
    p1--;
  } else if (p2 > 0) {
    p2--;
  }
  if (p2 < 0) {
    p2 = p2 < -p1 ? p1 : -p2;
    p1 -= p2;
  }
  return [p1, p2];
}

const instr = scalar('instr', 2, 2, (args) => {
  const hay = args[0]!;
  const needle = args[1]!;
  if (hay === null || needle === null) return null;
  if (hay instanceof Uint8Array && needle instanceof Uint8Array) return BigInt(indexOfBytes(hay, needle) + 1);
  const h = toText(hay)!;
  const n = toText(needle)!;
  if (n.length === 0) return 1n;
  const at = h.indexOf(n);
  return at < 0 ? 0n : BigInt(codePointCount(h, 0, at) + 1);
});

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const last = hay.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const char = scalar('char', 0, -1, (args) => {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const x = toInt64(args[i]!);
    out += String.fromCodePoint(x < 0n || x > 0x10ffffn ? 0xfffd : Number(x));
  }
  return out;
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

const concat = scalar('concat', 1, -1, (args) => {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!;
    if (v !== null) out += toText(v)!;
  }
  return out;
});

const concatWs = scalar('concat_ws', 2, -1, (args) => {
  const sep = toText(args[0]!);
  if (sep === null) return null;
  let out = '';
  let first = true;
  for (let i = 1; i < args.length; i++) {
    const v = args[i]!;
    if (v === null) continue;
    if (!first) out += sep;
    out += toText(v)!;
    first = false;
  }
  return out;
});

function patternTooComplex(pattern: string): boolean {
  return pattern.length > LIKE_PATTERN_LIMIT / 4 && utf8ByteLength(pattern) > LIKE_PATTERN_LIMIT;
}

/**
 * like(PATTERN, X [, ESCAPE]) — the function form of `X LIKE PATTERN`. A BLOB operand never
 * matches (SQLITE_LIKE_DOESNT_MATCH_BLOBS, a recommended build option our reference
 * SQLite uses), even against NULL.
 */
const like = scalar('like', 2, 3, (args) => {
  const p = args[0]!;
  const x = args[1]!;
  if (p instanceof Uint8Array || x instanceof Uint8Array) return 0n;
  const pattern = toText(p);
  if (pattern !== null && patternTooComplex(pattern)) throw functionError('LIKE or GLOB pattern too complex', 'like');
  let escape: string | undefined;
  if (args.length === 3) {
    const e = toText(args[2]!);
    if (e === null) return null;
    const esc = cString(e);
    if (esc.length === 0 || codePointCount(esc) !== 1) {
      throw functionError('ESCAPE expression must be a single character', 'like');
    }
    escape = esc;
  }
  const text = toText(x);
  if (pattern === null || text === null) return null;
  return likeMatch(pattern, text, escape) ? 1n : 0n;
});

/** glob(PATTERN, X) — the function form of `X GLOB PATTERN`; BLOBs never match. */
const glob = scalar('glob', 2, 2, (args) => {
  const p = args[0]!;
  const x = args[1]!;
  if (p instanceof Uint8Array || x instanceof Uint8Array) return 0n;
  const pattern = toText(p);
  if (pattern !== null && patternTooComplex(pattern)) throw functionError('LIKE or GLOB pattern too complex', 'glob');
  const text = toText(x);
  if (pattern === null || text === null) return null;
  return globMatch(pattern, text) ? 1n : 0n;
});

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
  trimmer('ltrim', TRIM_LEFT),
  trimmer('rtrim', TRIM_RIGHT),
  trimmer('trim', TRIM_LEFT | TRIM_RIGHT),
  replace,
  substr('substr'),
  substr('substring'),
  instr,
  char,
  unicode,
  soundex,
  concat,
  concatWs,
  like,
  glob,
  unistr,
];
