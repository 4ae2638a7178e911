// Parsing of time values for the date and time functions (https://sqlite.org/lang_datefunc.html §2):
// ISO-8601 text (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.SSS]], 'T' separator, HH:MM[:SS[.SSS]] alone,
// with an optional [+-]HH:MM or Z suffix), 'now', numbers written as text, and 'subsec'.
//
// Text is scanned by UTF-16 code unit; only ASCII ever matches, so this accepts exactly the strings
// SQLite's byte scanner accepts. Callers cut text at its first NUL, where SQLite's C strings end.
import { DoSQLError } from '../../errors.js';
import { DateTime, UNIX_EPOCH_IJD, clearYMDHMSTZ, computeFloor, computeJD, truncToI64 } from './datetime-state.js';

/** What parsing needs from the caller: the statement clock, and whether 'now' is allowed here. */
export interface NowSource {
  /** Milliseconds since 1970-01-01 UTC, constant within one statement. */
  nowMs(): number;
  /**
   * Set while evaluating a CHECK constraint, index expression or generated column
   * ("a CHECK constraint", "an index", "a generated column"): the current time and
   * 'localtime'/'utc' are then errors (https://sqlite.org/deterministic.html §3).
   */
  readonly pureContext?: string;
}

const NUL = 0;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;

/** Code unit at `i`, or 0 past the end (the C string terminator). */
export function charAt(z: string, i: number): number {
  return i < z.length ? z.charCodeAt(i) : NUL;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** sqlite3Isspace: ASCII space, \t, \n, \v, \f, \r. */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** ASCII-only lower case of one code unit (sqlite3UpperToLower). */
export function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** ASCII case-insensitive equality of `z` and the lower-case literal `lit` (sqlite3_stricmp). */
export function equalsIgnoreCase(z: string, lit: string): boolean {
  return z.length === lit.length && startsWithIgnoreCase(z, 0, lit);
}

/** Whether `z` at `at` begins with the lower-case literal `lit`, ASCII case-insensitively. */
export function startsWithIgnoreCase(z: string, at: number, lit: string): boolean {
  if (z.length - at < lit.length) return false;
  for (let i = 0; i < lit.length; i++) {
    if (lowerAscii(z.charCodeAt(at + i)) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/** One fixed-width number: digit count, inclusive range, and the separator that must follow (0: none). */
export type DigitField = readonly [width: number, min: number, max: number, sep: number];

/** Largest value of a 4- or 5-digit year field (SQLite's getDigits 'f'). */
const YEAR_MAX = 14712;

export const HH_MM: readonly DigitField[] = [
  [2, 0, 24, COLON],
  [2, 0, 59, NUL],
];
const SS: readonly DigitField[] = [[2, 0, 59, NUL]];
const TZ_HH_MM: readonly DigitField[] = [
  [2, 0, 14, COLON],
  [2, 0, 59, NUL],
];
const DATE: readonly DigitField[] = [
  [4, 0, YEAR_MAX, MINUS],
  [2, 1, 12, MINUS],
  [2, 1, 31, NUL],
];

/**
 * Reads consecutive fixed-width numbers from `z` at `at` (SQLite's getDigits). Stops at the first
 * field with a non-digit, a value out of range, or a missing separator; returns the values read.
 */
export function getDigits(z: string, at: number, fields: readonly DigitField[]): number[] {
  const out: number[] = [];
  let i = at;
  for (const [width, min, max, sep] of fields) {
    let val = 0;
    for (let k = 0; k < width; k++, i++) {
      const c = charAt(z, i);
      if (!isDigit(c)) return out;
      val = val * 10 + (c - 0x30);
    }
    if (val < min || val > max || (sep !== NUL && sep !== charAt(z, i))) return out;
    out.push(val);
    i++;
  }
  return out;
}

/**
 * Number syntax of sqlite3AtoF over z[start, end): optional spaces, sign, digits, optional
 * fraction, optional exponent, optional spaces, nothing else. Returns null when the text is
 * not entirely such a number.
 */
export function parseReal(z: string, start = 0, end = z.length): number | null {
  let i = start;
  while (i < end && isSpace(z.charCodeAt(i))) i++;
  const numStart = i;
  if (i < end && (z.charCodeAt(i) === PLUS || z.charCodeAt(i) === MINUS)) i++;
  let digits = 0;
  while (i < end && isDigit(z.charCodeAt(i))) i++, digits++;
  if (i < end && z.charCodeAt(i) === DOT) {
    i++;
    while (i < end && isDigit(z.charCodeAt(i))) i++, digits++;
  }
  if (i < end && (z.charCodeAt(i) === 0x65 || z.charCodeAt(i) === 0x45)) {
    i++;
    if (i < end && (z.charCodeAt(i) === PLUS || z.charCodeAt(i) === MINUS)) i++;
    let expDigits = 0;
    while (i < end && isDigit(z.charCodeAt(i))) i++, expDigits++;
    if (expDigits === 0) return null;
  }
  const numEnd = i;
  while (i < end && isSpace(z.charCodeAt(i))) i++;
  if (i !== end || digits === 0) return null;
  // The grammar above is a subset of what Number() accepts, so this is the correctly rounded value.
  return Number(z.slice(numStart, numEnd));
}

/** Throws SQLite's error for the current time (or local time) used where only pure functions may run. */
export function requireImpure(now: NowSource, fn: string): void {
  if (now.pureContext !== undefined) {
    throw new DoSQLError('SQL_ERROR', `sql: non-deterministic use of ${fn}() in ${now.pureContext}`);
  }
}

/** Sets `p` to the statement's current time. Returns true on failure (a clock before julian day 0). */
export function setToNow(p: DateTime, now: NowSource, fn: string): boolean {
  requireImpure(now, fn);
  p.iJD = BigInt(Math.floor(now.nowMs())) + UNIX_EPOCH_IJD;
  if (p.iJD <= 0n) return true;
  p.validJD = true;
  p.isUtc = true;
  p.isLocal = false;
  clearYMDHMSTZ(p);
  return false;
}

/**
 * A bare number: a julian day when in 0 <= r < 5373484.5, otherwise left raw for a later
 * 'unixepoch' or 'auto' modifier to interpret (and an error if none does).
 */
export function setRawDateNumber(p: DateTime, r: number): void {
  p.s = r;
  p.rawS = true;
  if (r >= 0 && r < 5373484.5) {
    p.iJD = truncToI64(r * 86400000 + 0.5);
    p.validJD = true;
  }
}

/** Optional [+-]HH:MM or Z (either case) after a time, then only spaces. Returns true on error. */
function parseTimezone(z: string, at: number, p: DateTime): boolean {
  let i = at;
  while (isSpace(charAt(z, i))) i++;
  p.tz = 0;
  const c = charAt(z, i);
  if (c === MINUS || c === PLUS) {
    const v = getDigits(z, i + 1, TZ_HH_MM);
    if (v.length !== 2) return true;
    i += 6;
    p.tz = (c === MINUS ? -1 : 1) * (v[1]! + v[0]! * 60);
    if (p.tz === 0) {
      p.isLocal = false;
      p.isUtc = true;
    }
  } else if (c === 0x5a || c === 0x7a) {
    i++;
    p.isLocal = false;
    p.isUtc = true;
  } else {
    return c !== NUL;
  }
  while (isSpace(charAt(z, i))) i++;
  return charAt(z, i) !== NUL;
}

/**
 * HH:MM, HH:MM:SS or HH:MM:SS.F... (any number of fraction digits, truncated below 1 s to .999)
 * at `at`, then an optional timezone. Returns true on error.
 */
export function parseHhMmSs(z: string, at: number, p: DateTime): boolean {
  const hm = getDigits(z, at, HH_MM);
  if (hm.length !== 2) return true;
  let i = at + 5;
  let s = 0;
  let ms = 0;
  if (charAt(z, i) === COLON) {
    i++;
    const sv = getDigits(z, i, SS);
    if (sv.length !== 1) return true;
    s = sv[0]!;
    i += 2;
    if (charAt(z, i) === DOT && isDigit(charAt(z, i + 1))) {
      let scale = 1;
      i++;
      while (isDigit(charAt(z, i))) {
        ms = ms * 10 + charAt(z, i) - 0x30;
        scale *= 10;
        i++;
      }
      ms /= scale;
      // SQLite truncates here so that .9999 cannot round up into the next second.
      if (ms > 0.999) ms = 0.999;
    }
  }
  p.validJD = false;
  p.rawS = false;
  p.validHMS = true;
  p.h = hm[0]!;
  p.m = hm[1]!;
  p.s = s + ms;
  return parseTimezone(z, i, p);
}

/** [-]YYYY-MM-DD, then optional spaces or 'T's and an optional time. Returns true on error. */
function parseYyyyMmDd(z: string, p: DateTime): boolean {
  const neg = charAt(z, 0) === MINUS;
  const at = neg ? 1 : 0;
  const ymd = getDigits(z, at, DATE);
  if (ymd.length !== 3) return true;
  let i = at + 10;
  while (isSpace(charAt(z, i)) || charAt(z, i) === 0x54) i++;
  if (!parseHhMmSs(z, i, p)) {
    // date and time
  } else if (charAt(z, i) === NUL) {
    p.validHMS = false;
  } else {
    return true;
  }
  p.validJD = false;
  p.validYMD = true;
  p.Y = neg ? -ymd[0]! : ymd[0]!;
  p.M = ymd[1]!;
  p.D = ymd[2]!;
  computeFloor(p);
  if (p.tz !== 0) computeJD(p);
  return false;
}

/**
 * Parses a text time value into `p` (fresh). Tries, in SQLite's order: a date with optional time,
 * a time alone, 'now', a number, 'subsec'/'subsecond' (the current time shown with milliseconds).
 * Returns true when the text is none of these. `fn` names the calling function for errors.
 */
export function parseTimeValue(z: string, p: DateTime, now: NowSource, fn: string): boolean {
  if (!parseYyyyMmDd(z, p)) return false;
  if (!parseHhMmSs(z, 0, p)) return false;
  if (equalsIgnoreCase(z, 'now')) return setToNow(p, now, fn);
  const r = parseReal(z);
  if (r !== null) {
    setRawDateNumber(p, r);
    return false;
  }
  if (equalsIgnoreCase(z, 'subsec') || equalsIgnoreCase(z, 'subsecond')) {
    p.useSubsec = true;
    return setToNow(p, now, fn);
  }
  return true;
}
