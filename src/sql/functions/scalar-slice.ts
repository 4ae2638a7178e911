// Functions that cut text apart: substr/substring, instr, replace and the trim family
// (https://sqlite.org/lang_corefunc.html; func.c). Positions and lengths count characters
// (code points) for TEXT and bytes for BLOB; walks over characters stop at U+0000 as SQLite's
// C strings do.
import { toInt64, toText } from '../types/convert.js';
import { checkLength, DEFAULT_MAX_LENGTH } from '../types/length-limit.js';
import { advanceCodePoints, codePointAt, codePointCount, utf8ByteLength } from '../types/utf8.js';
import type { ScalarFunction } from './function-types.js';

/** substr(X, Y) with no length takes up to SQLITE_LIMIT_LENGTH characters. */
const DEFAULT_SUBSTR_LENGTH = 1_000_000_000n;

function scalar(name: string, minArgs: number, maxArgs: number, call: ScalarFunction['call']): ScalarFunction {
  return { name, minArgs, maxArgs, deterministic: true, call };
}

/** `s` up to its first U+0000. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

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

/** replace(X, Y, Z): every Y in X (left to right, not overlapping) becomes Z; the result is sized before it is built. */
const replace = scalar('replace', 3, 3, (args, ctx) => {
  const s = toText(args[0]!);
  if (s === null) return null;
  const pattern = toText(args[1]!);
  if (pattern === null) return null;
  if (pattern.length === 0 || pattern.charCodeAt(0) === 0) return s;
  const rep = toText(args[2]!);
  if (rep === null) return null;
  const parts = s.split(pattern);
  if (parts.length === 1) return s;
  const max = ctx.maxLength ?? DEFAULT_MAX_LENGTH;
  const k = parts.length - 1;
  // UTF-16 units bound UTF-8 bytes from below and a third of them from above.
  const units = s.length + k * (rep.length - pattern.length);
  if (units * 3 > max) checkLength(utf8ByteLength(s) + k * (utf8ByteLength(rep) - utf8ByteLength(pattern)), max, 'replace');
  return parts.join(rep);
});

/** |x| below 2^51: sums of two such values stay exact as doubles. */
const SAFE = 2 ** 51;
const SAFE_BIG = BigInt(SAFE);
const NEG_SAFE_BIG = -SAFE_BIG;

function clampToSafe(v: bigint): number {
  return v > SAFE_BIG ? SAFE * 2 : v < NEG_SAFE_BIG ? -SAFE * 2 : Number(v);
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
      p2Big = DEFAULT_SUBSTR_LENGTH;
    }
    if (p1Big === 0n && startArg === null) return null;
    if (text !== undefined && p1Big < 0n) len = codePointCount(text);
    substrRange(p1Big, p2Big, len);
    const start = range.start;
    const count = range.count;
    if (text !== undefined) {
      const from = advanceCodePoints(text, 0, start);
      return text.slice(from, advanceCodePoints(text, from, count));
    }
    const bytes = x as Uint8Array;
    if (start >= len) return new Uint8Array(0);
    return bytes.slice(start, start + Math.min(count, len - start));
  });

/** Output of substrRange (reused, so the per-row path does not allocate). */
const range = { start: 0, count: 0 };

/**
 * substrFunc's start/length arithmetic: 1-based start, 0 acts as "one before the first",
 * negative counts from the end, negative length takes characters before the start.
 * Sets `range` to a 0-based start and a non-negative count (either may exceed the length).
 */
function substrRange(p1Big: bigint, p2Big: bigint, len: number): void {
  if (p1Big > SAFE_BIG || p1Big < NEG_SAFE_BIG || p2Big > SAFE_BIG || p2Big < NEG_SAFE_BIG) {
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
    range.start = clampToSafe(p1);
    range.count = clampToSafe(p2);
    return;
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
  range.start = p1;
  range.count = p2;
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

/** The slicing functions, for the registry. */
export const SLICE_FUNCTIONS: readonly ScalarFunction[] = [
  trimmer('ltrim', TRIM_LEFT),
  trimmer('rtrim', TRIM_RIGHT),
  trimmer('trim', TRIM_LEFT | TRIM_RIGHT),
  replace,
  substr('substr'),
  substr('substring'),
  instr,
];
