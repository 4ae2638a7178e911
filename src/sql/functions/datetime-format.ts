// Text rendering for the date and time functions: date(), time(), datetime(), strftime() and
// timediff() results (https://sqlite.org/lang_datefunc.html §1, §4), reproducing the C printf
// conversions SQLite uses ("%02d", "%2d", "%06.3f", "%.16g", ...) character for character.
import {
  DateTime,
  DAY_MS,
  UNIX_EPOCH_IJD,
  UNIX_EPOCH_IJD_SECONDS,
  computeHMS,
  computeJD,
  computeYMD,
  computeYMDHMS,
  daysAfterJan01,
  daysAfterMonday,
  daysAfterSunday,
  idiv,
} from './datetime-state.js';

/** printf "%0<width>d" (zero padded after the sign) or "%<width>d" (space padded). */
export function formatInt(v: number, width: number, pad: '0' | ' '): string {
  const neg = v < 0;
  const digits = String(Math.abs(v));
  if (pad === ' ') return (neg ? '-' + digits : digits).padStart(width, ' ');
  return (neg ? '-' : '') + digits.padStart(width - (neg ? 1 : 0), '0');
}

/**
 * printf "%0<width>.<precision>f" as SQLite's printf does it: rounds half away from zero on the
 * binary value, and prints -0.0 without a sign.
 */
export function formatFixed(v: number, precision: number, width = 0): string {
  const neg = v < 0;
  const body = Math.abs(v).toFixed(precision);
  return (neg ? '-' : '') + body.padStart(width - (neg ? 1 : 0), '0');
}

/** printf "%.<precision>g": shortest of fixed or exponent form, trailing zeros removed. */
export function formatGeneral(v: number, precision: number): string {
  if (v === 0) return '0';
  const [mant, expText] = v.toExponential(precision - 1).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const m = stripZeros(mant);
    const e = Math.abs(exp);
    return `${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return stripZeros(v.toFixed(precision - 1 - exp));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * One decimal digit the way date.c writes fixed-width fields: '0' + (v % 10). Values are normally
 * 0..9; SQLite does not guard against the negative fields a few odd inputs produce, nor do we.
 */
function digit(v: number): string {
  return String.fromCharCode(0x30 + (v % 10));
}

function fourDigitYear(Y: number): string {
  const a = Math.abs(Y);
  return (Y < 0 ? '-' : '') + digit(idiv(a, 1000)) + digit(idiv(a, 100)) + digit(idiv(a, 10)) + digit(a);
}

function twoDigits(v: number): string {
  return digit(idiv(v, 10)) + digit(v);
}

/** Seconds as "SS" or, with the 'subsec' modifier, "SS.SSS". */
function seconds(p: DateTime): string {
  if (p.useSubsec) {
    const ms = Math.trunc(1000 * p.s + 0.5);
    return digit(idiv(ms, 10000)) + digit(idiv(ms, 1000)) + '.' + digit(idiv(ms, 100)) + digit(idiv(ms, 10)) + digit(ms);
  }
  return twoDigits(Math.trunc(p.s));
}

/** date(): YYYY-MM-DD (a leading '-' for years before 0). */
export function renderDate(p: DateTime): string {
  computeYMD(p);
  return `${fourDigitYear(p.Y)}-${twoDigits(p.M)}-${twoDigits(p.D)}`;
}

/** time(): HH:MM:SS or HH:MM:SS.SSS. */
export function renderTime(p: DateTime): string {
  computeHMS(p);
  return `${twoDigits(p.h)}:${twoDigits(p.m)}:${seconds(p)}`;
}

/** datetime(): YYYY-MM-DD HH:MM:SS or YYYY-MM-DD HH:MM:SS.SSS. */
export function renderDateTime(p: DateTime): string {
  computeYMDHMS(p);
  return `${fourDigitYear(p.Y)}-${twoDigits(p.M)}-${twoDigits(p.D)} ${twoDigits(p.h)}:${twoDigits(p.m)}:${seconds(p)}`;
}

/** The Thursday of `p`'s ISO week, whose year is the ISO year. */
function isoThursday(p: DateTime): DateTime {
  const y = p.copy();
  y.iJD += BigInt((3 - daysAfterMonday(p)) * 86400000);
  y.validYMD = false;
  computeYMD(y);
  return y;
}

function hour12(h: number): number {
  if (h > 12) return h - 12;
  return h === 0 ? 12 : h;
}

/**
 * strftime(): expands the %-codes of `fmt` for `p`. Returns null for an unknown code or a
 * trailing lone '%', as SQLite does.
 */
export function renderStrftime(fmt: string, p: DateTime): string | null {
  computeJD(p);
  computeYMDHMS(p);
  let out = '';
  let from = 0;
  for (let i = 0; i < fmt.length; i++) {
    if (fmt.charCodeAt(i) !== 0x25 /* % */) continue;
    out += fmt.slice(from, i);
    i++;
    from = i + 1;
    const piece = conversion(fmt[i], p);
    if (piece === null) return null;
    out += piece;
  }
  return out + fmt.slice(from);
}

function conversion(code: string | undefined, p: DateTime): string | null {
  switch (code) {
    case 'd':
      return formatInt(p.D, 2, '0');
    case 'e':
      return formatInt(p.D, 2, ' ');
    case 'f':
      return formatFixed(p.s > 59.999 ? 59.999 : p.s, 3, 6);
    case 'F':
      return `${formatInt(p.Y, 4, '0')}-${formatInt(p.M, 2, '0')}-${formatInt(p.D, 2, '0')}`;
    case 'G':
      return formatInt(isoThursday(p).Y, 4, '0');
    case 'g':
      return formatInt(isoThursday(p).Y % 100, 2, '0');
    case 'H':
      return formatInt(p.h, 2, '0');
    case 'k':
      return formatInt(p.h, 2, ' ');
    case 'I':
      return formatInt(hour12(p.h), 2, '0');
    case 'l':
      return formatInt(hour12(p.h), 2, ' ');
    case 'j':
      return formatInt(daysAfterJan01(p) + 1, 3, '0');
    case 'J':
      return formatGeneral(Number(p.iJD) / 86400000, 16);
    case 'm':
      return formatInt(p.M, 2, '0');
    case 'M':
      return formatInt(p.m, 2, '0');
    case 'p':
      return p.h >= 12 ? 'PM' : 'AM';
    case 'P':
      return p.h >= 12 ? 'pm' : 'am';
    case 'R':
      return `${formatInt(p.h, 2, '0')}:${formatInt(p.m, 2, '0')}`;
    case 's':
      return p.useSubsec ? formatFixed(Number(p.iJD - UNIX_EPOCH_IJD) / 1000, 3) : String(p.iJD / 1000n - UNIX_EPOCH_IJD_SECONDS);
    case 'S':
      return formatInt(Math.trunc(p.s), 2, '0');
    case 'T':
      return `${formatInt(p.h, 2, '0')}:${formatInt(p.m, 2, '0')}:${formatInt(Math.trunc(p.s), 2, '0')}`;
    case 'u': {
      const d = daysAfterSunday(p);
      return String(d === 0 ? 7 : d);
    }
    case 'w':
      return String(daysAfterSunday(p));
    case 'U':
      return formatInt(idiv(daysAfterJan01(p) - daysAfterSunday(p) + 7, 7), 2, '0');
    case 'V':
      return formatInt(idiv(daysAfterJan01(isoThursday(p)), 7) + 1, 2, '0');
    case 'W':
      return formatInt(idiv(daysAfterJan01(p) - daysAfterMonday(p) + 7, 7), 2, '0');
    case 'Y':
      return formatInt(p.Y, 4, '0');
    case '%':
      return '%';
    default:
      return null;
  }
}

/**
 * timediff(A, B): "±YYYY-MM-DD HH:MM:SS.SSS", the years, months, days and time to add to B to
 * reach A. Whole months are stepped on the calendar from B, the remainder is exact time.
 */
export function renderTimediff(d1: DateTime, d2: DateTime): string {
  computeYMDHMS(d1);
  computeYMDHMS(d2);
  let sign: string;
  let Y: number;
  let M: number;
  const setYM = (y: number, m: number): void => {
    d2.Y = y;
    d2.M = m;
    d2.validJD = false;
    computeJD(d2);
  };
  if (d1.iJD >= d2.iJD) {
    sign = '+';
    Y = d1.Y - d2.Y;
    if (Y !== 0) setYM(d1.Y, d2.M);
    M = d1.M - d2.M;
    if (M < 0) {
      Y--;
      M += 12;
    }
    if (M !== 0) setYM(d2.Y, d1.M);
    while (d1.iJD < d2.iJD) {
      M--;
      if (M < 0) {
        M = 11;
        Y--;
      }
      if (d2.M - 1 < 1) setYM(d2.Y - 1, 12);
      else setYM(d2.Y, d2.M - 1);
    }
    d1.iJD -= d2.iJD;
  } else {
    sign = '-';
    Y = d2.Y - d1.Y;
    if (Y !== 0) setYM(d1.Y, d2.M);
    M = d2.M - d1.M;
    if (M < 0) {
      Y--;
      M += 12;
    }
    if (M !== 0) setYM(d2.Y, d1.M);
    while (d1.iJD > d2.iJD) {
      M--;
      if (M < 0) {
        M = 11;
        Y--;
      }
      if (d2.M + 1 > 12) setYM(d2.Y + 1, 1);
      else setYM(d2.Y, d2.M + 1);
    }
    d1.iJD = d2.iJD - d1.iJD;
  }
  // Shift the difference onto 0000-01-01 00:00 so its day/time fields read as a duration.
  d1.iJD += 148_699_540_800_000n;
  d1.validYMD = false;
  d1.validHMS = false;
  d1.tz = 0;
  computeYMDHMS(d1);
  const time = `${formatInt(d1.h, 2, '0')}:${formatInt(d1.m, 2, '0')}:${formatFixed(d1.s, 3, 6)}`;
  return `${sign}${formatInt(Y, 4, '0')}-${formatInt(M, 2, '0')}-${formatInt(d1.D - 1, 2, '0')} ${time}`;
}

/** julianday(): the iJD as a REAL day count. */
export function julianDayOf(p: DateTime): number {
  return Number(p.iJD) / Number(DAY_MS);
}
