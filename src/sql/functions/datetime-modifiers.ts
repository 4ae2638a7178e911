// Modifiers of the date and time functions (https://sqlite.org/lang_datefunc.html §3): 'NNN days'
// and the other units, '±HH:MM[:SS[.SSS]]', '±YYYY-MM-DD[ HH:MM[:SS[.SSS]]]', 'ceiling', 'floor',
// 'start of month|year|day', 'weekday N', 'unixepoch', 'julianday', 'auto', 'localtime', 'utc',
// 'subsec', 'subsecond'.
//
// Local time: dosql must be deterministic, so the local timezone is always UTC. 'localtime' and
// 'utc' therefore never move the instant; they still normalise the broken-down fields and the
// UTC/local bookkeeping exactly as SQLite does under TZ=UTC, so results match SQLite run there.
import {
  HH_MM,
  charAt,
  equalsIgnoreCase,
  getDigits,
  isDigit,
  isSpace,
  lowerAscii,
  parseHhMmSs,
  parseReal,
  requireImpure,
  startsWithIgnoreCase,
  type DigitField,
  type NowSource,
} from './datetime-parse.js';
import {
  DateTime,
  DAY_MS,
  HALF_DAY_MS,
  UNIX_EPOCH_IJD,
  UNIX_EPOCH_IJD_SECONDS,
  clearYMDHMSTZ,
  computeFloor,
  computeJD,
  computeYMD,
  computeYMDHMS,
  idiv,
  truncToI64,
  wrapI64,
} from './datetime-state.js';

const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;

/**
 * 'NNN unit' steps: the unit, the largest |NNN| accepted (stored as a C float in SQLite, hence
 * Math.fround) and the unit's length in seconds. Months and years step the calendar for their
 * integer part; only a fraction uses the 30-day month / 365-day year.
 */
const UNITS: readonly { readonly name: string; readonly limit: number; readonly seconds: number }[] = [
  { name: 'second', limit: Math.fround(4.6427e14), seconds: 1 },
  { name: 'minute', limit: Math.fround(7.7379e12), seconds: 60 },
  { name: 'hour', limit: Math.fround(1.2897e11), seconds: 3600 },
  { name: 'day', limit: Math.fround(5373485.0), seconds: 86400 },
  { name: 'month', limit: Math.fround(176546.0), seconds: 2592000 },
  { name: 'year', limit: Math.fround(14713.0), seconds: 31536000 },
];

const YEAR_MAX = 14712;
const YEAR4: readonly DigitField[] = [[4, 0, YEAR_MAX, 0]];
const YEAR5: readonly DigitField[] = [[5, 0, YEAR_MAX, 0]];
const YMD_STEP4: readonly DigitField[] = [
  [4, 0, YEAR_MAX, MINUS],
  [2, 0, 12, MINUS],
  [2, 0, 31, 0],
];
const YMD_STEP5: readonly DigitField[] = [
  [5, 0, YEAR_MAX, MINUS],
  [2, 0, 12, MINUS],
  [2, 0, 31, 0],
];

/**
 * Applies modifier text `z` (cut at its first NUL) to `p`. `idx` is the argument position of the
 * modifier (1 = right after the time value): 'unixepoch', 'julianday' and 'auto' are accepted only
 * there. Returns false when the modifier is not valid, which makes the function return NULL.
 */
export function applyModifier(p: DateTime, z: string, idx: number, now: NowSource, fn: string): boolean {
  switch (lowerAscii(charAt(z, 0))) {
    case 0x61 /* a */:
      if (!equalsIgnoreCase(z, 'auto')) return false;
      if (idx > 1) return false;
      autoAdjust(p);
      return true;
    case 0x63 /* c */:
      if (!equalsIgnoreCase(z, 'ceiling')) return false;
      computeJD(p);
      clearYMDHMSTZ(p);
      p.nFloor = 0;
      return true;
    case 0x66 /* f */:
      if (!equalsIgnoreCase(z, 'floor')) return false;
      computeJD(p);
      p.iJD -= BigInt(p.nFloor) * DAY_MS;
      clearYMDHMSTZ(p);
      return true;
    case 0x6a /* j */:
      if (!equalsIgnoreCase(z, 'julianday')) return false;
      if (idx > 1) return false;
      if (!(p.validJD && p.rawS)) return false;
      p.rawS = false;
      return true;
    case 0x6c /* l */:
      if (!equalsIgnoreCase(z, 'localtime')) return false;
      requireImpure(now, fn);
      if (!p.isLocal) toLocaltime(p);
      p.isUtc = false;
      p.isLocal = true;
      return true;
    case 0x75 /* u */:
      if (equalsIgnoreCase(z, 'unixepoch') && p.rawS) {
        if (idx > 1) return false;
        const r = p.s * 1000 + 210866760000000;
        if (!(r >= 0 && r < 464269060800000)) return false;
        clearYMDHMSTZ(p);
        p.iJD = truncToI64(r + 0.5);
        p.validJD = true;
        p.rawS = false;
        return true;
      }
      if (!equalsIgnoreCase(z, 'utc')) return false;
      requireImpure(now, fn);
      if (!p.isUtc) toUtc(p);
      return true;
    case 0x77 /* w */:
      return weekday(p, z);
    case 0x73 /* s */:
      return startOfOrSubsec(p, z);
    default: {
      const c = charAt(z, 0);
      return c === PLUS || c === MINUS || isDigit(c) ? numericModifier(p, z) : false;
    }
  }
}

/** 'auto': a raw number is a julian day if it is in range for one, else unix seconds. */
function autoAdjust(p: DateTime): void {
  if (!p.rawS || p.validJD) {
    p.rawS = false;
  } else if (p.s >= -210866760000 && p.s <= 253402300799) {
    const r = p.s * 1000 + 210866760000000;
    clearYMDHMSTZ(p);
    p.iJD = truncToI64(r + 0.5);
    p.validJD = true;
    p.rawS = false;
  }
}

/** 'weekday N': forward 0-6 days to the next day whose weekday is N (0 = Sunday). */
function weekday(p: DateTime, z: string): boolean {
  if (!startsWithIgnoreCase(z, 0, 'weekday ')) return false;
  const r = parseReal(z, 8);
  if (r === null || !(r >= 0 && r < 7) || Math.trunc(r) !== r) return false;
  const n = BigInt(r);
  computeYMDHMS(p);
  p.tz = 0;
  p.validJD = false;
  computeJD(p);
  let day = ((p.iJD + 3n * HALF_DAY_MS) / DAY_MS) % 7n;
  if (day > n) day -= 7n;
  p.iJD += (n - day) * DAY_MS;
  clearYMDHMSTZ(p);
  return true;
}

/** 'start of month|year|day', or 'subsec'/'subsecond' (show milliseconds). */
function startOfOrSubsec(p: DateTime, z: string): boolean {
  if (!startsWithIgnoreCase(z, 0, 'start of ')) {
    if (!equalsIgnoreCase(z, 'subsec') && !equalsIgnoreCase(z, 'subsecond')) return false;
    p.useSubsec = true;
    return true;
  }
  if (!p.validJD && !p.validYMD && !p.validHMS) return false;
  const unit = z.slice(9);
  computeYMD(p);
  p.validHMS = true;
  p.h = p.m = 0;
  p.s = 0;
  p.rawS = false;
  p.tz = 0;
  p.validJD = false;
  if (equalsIgnoreCase(unit, 'month')) {
    p.D = 1;
    return true;
  }
  if (equalsIgnoreCase(unit, 'year')) {
    p.M = 1;
    p.D = 1;
    return true;
  }
  return equalsIgnoreCase(unit, 'day');
}

/** Carries an out-of-range month (any integer) into the year, leaving 1..12. */
function normaliseMonth(p: DateTime): void {
  const x = p.M > 0 ? idiv(p.M - 1, 12) : idiv(p.M - 12, 12);
  p.Y += x;
  p.M -= x * 12;
}

/** Modifiers starting with a sign or digit: ±YYYY-MM-DD[ time], ±HH:MM[:SS[.SSS]], NNN unit. */
function numericModifier(p: DateTime, z: string): boolean {
  const z0 = charAt(z, 0);
  // The number ends at ':', a space, or the '-' after a 4- or 5-digit signed year.
  let n = 1;
  for (; n < z.length; n++) {
    const c = z.charCodeAt(n);
    if (c === COLON || isSpace(c)) break;
    if (c === MINUS) {
      if (n === 5 && getDigits(z, 1, YEAR4).length === 1) break;
      if (n === 6 && getDigits(z, 1, YEAR5).length === 1) break;
    }
  }
  const r = parseReal(z, 0, n);
  if (r === null) return false;
  let timeAt = 0;
  if (charAt(z, n) === MINUS) {
    if (z0 !== PLUS && z0 !== MINUS) return false;
    const base = n === 5 ? 0 : 1;
    const ymd = getDigits(z, 1, n === 5 ? YMD_STEP4 : YMD_STEP5);
    if (ymd.length !== 3) return false;
    const [Y, M] = ymd as [number, number, number];
    let D = ymd[2]!;
    if (M >= 12 || D >= 31) return false;
    computeYMDHMS(p);
    p.validJD = false;
    if (z0 === MINUS) {
      p.Y -= Y;
      p.M -= M;
      D = -D;
    } else {
      p.Y += Y;
      p.M += M;
    }
    normaliseMonth(p);
    computeFloor(p);
    computeJD(p);
    p.validHMS = false;
    p.validYMD = false;
    p.iJD += BigInt(D) * DAY_MS;
    const after = charAt(z, base + 11);
    if (after === 0) return true;
    if (!isSpace(after) || getDigits(z, base + 12, HH_MM).length !== 2) return false;
    timeAt = base + 12;
    n = 2;
  }
  if (charAt(z, timeAt + n) === COLON) return addTimeOfDay(p, z, timeAt, z0 === MINUS);
  return addUnits(p, z, n, r);
}

/** ±HH:MM[:SS[.SSS]] (a timezone suffix is accepted and folded in, as SQLite does). */
function addTimeOfDay(p: DateTime, z: string, at: number, negative: boolean): boolean {
  const start = isDigit(charAt(z, at)) ? at : at + 1;
  const tx = new DateTime();
  if (parseHhMmSs(z, start, tx)) return false;
  computeJD(tx);
  // Keep only the time of day that the parsed value denotes on 2000-01-01.
  tx.iJD -= HALF_DAY_MS;
  tx.iJD -= (tx.iJD / DAY_MS) * DAY_MS;
  if (negative) tx.iJD = -tx.iJD;
  computeJD(p);
  clearYMDHMSTZ(p);
  p.iJD += tx.iJD;
  return true;
}

/** 'NNN unit[s]' where the number `r` ends at z[n]. */
function addUnits(p: DateTime, z: string, n: number, r: number): boolean {
  let i = n;
  while (isSpace(charAt(z, i))) i++;
  const unit = z.slice(i);
  let len = unit.length;
  if (len < 3 || len > 10) return false;
  if (lowerAscii(unit.charCodeAt(len - 1)) === 0x73 /* s */) len--;
  computeJD(p);
  const rounder = r < 0 ? -0.5 : 0.5;
  p.nFloor = 0;
  let ok = false;
  for (const u of UNITS) {
    if (u.name.length !== len || !startsWithIgnoreCase(unit, 0, u.name) || !(r > -u.limit && r < u.limit)) continue;
    let rest = r;
    if (u.name === 'month') {
      computeYMDHMS(p);
      p.M += Math.trunc(rest);
      normaliseMonth(p);
      computeFloor(p);
      p.validJD = false;
      rest -= Math.trunc(rest);
    } else if (u.name === 'year') {
      computeYMDHMS(p);
      p.Y += Math.trunc(rest);
      computeFloor(p);
      p.validJD = false;
      rest -= Math.trunc(rest);
    }
    computeJD(p);
    p.iJD = wrapI64(p.iJD + truncToI64(rest * 1000 * u.seconds + rounder));
    ok = true;
    break;
  }
  clearYMDHMSTZ(p);
  return ok;
}

/** Broken-down civil time of unix second `t` in UTC (the emulated local timezone). */
function utcFields(t: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const d = new Date(t * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/**
 * Treats `p` as UTC and replaces it with local broken-down time (local = UTC here). Like SQLite,
 * instants outside 1970..2038 are mapped to a year with the same leap-ness first.
 */
function toLocaltime(p: DateTime): void {
  computeJD(p);
  let yearDiff = 0;
  let t: bigint;
  if (p.iJD < UNIX_EPOCH_IJD || p.iJD > 213_014_145_600_000n) {
    const x = p.copy();
    computeYMDHMS(x);
    yearDiff = 2000 + (x.Y % 4) - x.Y;
    x.Y += yearDiff;
    x.validJD = false;
    computeJD(x);
    t = x.iJD / 1000n - UNIX_EPOCH_IJD_SECONDS;
  } else {
    t = p.iJD / 1000n - UNIX_EPOCH_IJD_SECONDS;
  }
  const tm = utcFields(Number(t));
  p.Y = tm.year - yearDiff;
  p.M = tm.month;
  p.D = tm.day;
  p.h = tm.hour;
  p.m = tm.minute;
  p.s = tm.second + Number(p.iJD % 1000n) * 0.001;
  p.validYMD = true;
  p.validHMS = true;
  p.validJD = false;
  p.rawS = false;
  p.tz = 0;
  p.isError = false;
}

/** Treats `p` as local time and converts it to UTC by SQLite's fixed-point search. */
function toUtc(p: DateTime): void {
  computeJD(p);
  const orig = p.iJD;
  let guess = orig;
  let err = 0n;
  let tries = 0;
  do {
    const probe = new DateTime();
    guess -= err;
    probe.iJD = guess;
    probe.validJD = true;
    toLocaltime(probe);
    computeJD(probe);
    err = probe.iJD - orig;
  } while (err !== 0n && tries++ < 3);
  p.reset();
  p.iJD = guess;
  p.validJD = true;
  p.isUtc = true;
  p.isLocal = false;
}
