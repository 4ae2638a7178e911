// The calendar state behind SQLite's date and time functions (https://sqlite.org/lang_datefunc.html).
//
// An instant lives in `iJD`: the julian day number times 86 400 000, i.e. integer milliseconds
// since noon UTC on -4713-11-24 (proleptic Gregorian). The broken-down Y-M-D and h:m:s fields are
// caches that are meaningful only while their `valid*` flag is set; each modifier moves between the
// two forms exactly where SQLite's date.c does. Keeping the same moves (and the same integer and
// double arithmetic) is what makes rounding, day-of-month overflow ('2023-02-31' is 2023-03-03)
// and the out-of-range behaviour match SQLite bit for bit.
//
// Invariants:
//   - `iJD` is an exact signed 64-bit integer (bigint, wrapped to 64 bits where SQLite would wrap).
//   - A function result is produced only when `isError` is clear and 0 <= iJD <= MAX_IJD.
//   - After `setError` every field is zero/false except `isError`; later steps keep running on
//     that zeroed state (as SQLite does) and the final check turns the result into NULL.

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000n;
/** Twelve hours: julian days start at noon. */
export const HALF_DAY_MS = 43_200_000n;
/** iJD of 1970-01-01 00:00:00 UTC. */
export const UNIX_EPOCH_IJD = 210_866_760_000_000n;
/** iJD of 1970-01-01 00:00:00 UTC in whole seconds. */
export const UNIX_EPOCH_IJD_SECONDS = 210_866_760_000n;
/** iJD of 9999-12-31 23:59:59.999, the last instant the functions accept. */
export const MAX_IJD = 464_269_060_799_999n;

/** One date-time value being evaluated; mutable, owned by a single function call. */
export class DateTime {
  iJD = 0n;
  Y = 0;
  M = 0;
  D = 0;
  h = 0;
  m = 0;
  /** Timezone offset in minutes, still to be subtracted by `computeJD`. */
  tz = 0;
  /** Seconds with fraction; while `rawS` is set it holds the raw numeric time value instead. */
  s = 0;
  validJD = false;
  validYMD = false;
  validHMS = false;
  /** Days to subtract for the 'floor' modifier after a month/year step overflowed the month. */
  nFloor = 0;
  /** `s` holds a bare number whose meaning (julian day or unix time) is not settled yet. */
  rawS = false;
  isError = false;
  useSubsec = false;
  isUtc = false;
  isLocal = false;

  copy(): DateTime {
    const c = new DateTime();
    c.iJD = this.iJD;
    c.Y = this.Y;
    c.M = this.M;
    c.D = this.D;
    c.h = this.h;
    c.m = this.m;
    c.tz = this.tz;
    c.s = this.s;
    c.validJD = this.validJD;
    c.validYMD = this.validYMD;
    c.validHMS = this.validHMS;
    c.nFloor = this.nFloor;
    c.rawS = this.rawS;
    c.isError = this.isError;
    c.useSubsec = this.useSubsec;
    c.isUtc = this.isUtc;
    c.isLocal = this.isLocal;
    return c;
  }

  /** Back to the all-zero state of a fresh value. */
  reset(): void {
    this.iJD = 0n;
    this.Y = this.M = this.D = this.h = this.m = this.tz = this.s = this.nFloor = 0;
    this.validJD = this.validYMD = this.validHMS = false;
    this.rawS = this.isError = this.useSubsec = this.isUtc = this.isLocal = false;
  }
}

/** C integer division: truncates toward zero. Operands are small integers. */
export function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** C's `(sqlite3_int64)x` for a finite double in int64 range: truncation toward zero. */
export function truncToI64(x: number): bigint {
  return BigInt(Math.trunc(x));
}

/** Signed 64-bit wrap-around, as SQLite's int64 additions behave on overflow. */
export function wrapI64(x: bigint): bigint {
  return BigInt.asIntN(64, x);
}

export function isValidIJD(iJD: bigint): boolean {
  return iJD >= 0n && iJD <= MAX_IJD;
}

/** Puts `p` in the error state: everything zeroed, `isError` set. */
export function setError(p: DateTime): void {
  p.reset();
  p.isError = true;
}

export function clearYMDHMSTZ(p: DateTime): void {
  p.validYMD = false;
  p.validHMS = false;
  p.tz = 0;
}

/**
 * Y-M-D h:m:s (+ pending timezone) to iJD; Meeus, "Astronomical Algorithms", p. 61.
 * Without a valid date it assumes 2000-01-01, as SQLite does for time-only values.
 * Years outside -4713..9999, or a still-undecided raw number, put `p` in the error state.
 */
export function computeJD(p: DateTime): void {
  if (p.validJD) return;
  let Y = 2000;
  let M = 1;
  let D = 1;
  if (p.validYMD) {
    Y = p.Y;
    M = p.M;
    D = p.D;
  }
  if (Y < -4713 || Y > 9999 || p.rawS) {
    setError(p);
    return;
  }
  if (M <= 2) {
    Y--;
    M += 12;
  }
  const A = idiv(Y + 4800, 100);
  const B = 38 - A + idiv(A, 4);
  const X1 = idiv(36525 * (Y + 4716), 100);
  const X2 = idiv(306001 * (M + 1), 10000);
  p.iJD = truncToI64((X1 + X2 + D + B - 1524.5) * 86400000);
  p.validJD = true;
  if (p.validHMS) {
    p.iJD += BigInt(p.h * 3600000 + p.m * 60000) + truncToI64(p.s * 1000 + 0.5);
    if (p.tz !== 0) {
      p.iJD -= BigInt(p.tz * 60000);
      p.validYMD = false;
      p.validHMS = false;
      p.tz = 0;
      p.isUtc = true;
      p.isLocal = false;
    }
  }
}

/** iJD to Y-M-D (Meeus p. 63). An out-of-range iJD puts `p` in the error state. */
export function computeYMD(p: DateTime): void {
  if (p.validYMD) return;
  if (!p.validJD) {
    p.Y = 2000;
    p.M = 1;
    p.D = 1;
  } else if (!isValidIJD(p.iJD)) {
    setError(p);
    return;
  } else {
    const Z = Number((p.iJD + HALF_DAY_MS) / DAY_MS);
    const alpha = Math.trunc((Z + 32044.75) / 36524.25) - 52;
    const A = Z + 1 + alpha - idiv(alpha + 100, 4) + 25;
    const B = A + 1524;
    const C = Math.trunc((B - 122.1) / 365.25);
    const D = idiv(36525 * (C & 32767), 100);
    const E = Math.trunc((B - D) / 30.6001);
    const X1 = Math.trunc(30.6001 * E);
    p.D = B - D - X1;
    p.M = E < 14 ? E - 1 : E - 13;
    p.Y = p.M > 2 ? C - 4716 : C - 4715;
  }
  p.validYMD = true;
}

/** iJD to h:m:s (seconds keep milliseconds as a fraction). */
export function computeHMS(p: DateTime): void {
  if (p.validHMS) return;
  computeJD(p);
  // bigint % truncates like C, so a negative iJD gives the same negative fields as SQLite.
  const dayMs = Number((p.iJD + HALF_DAY_MS) % DAY_MS);
  p.s = (dayMs % 60000) / 1000;
  const dayMin = idiv(dayMs, 60000);
  p.m = dayMin % 60;
  p.h = idiv(dayMin, 60);
  p.rawS = false;
  p.validHMS = true;
}

export function computeYMDHMS(p: DateTime): void {
  computeYMD(p);
  computeHMS(p);
}

/** Bit i set when month i has 31 days. */
const LONG_MONTHS = 0x15aa;

/**
 * Records how far the current Y-M-D overflows its month (2023-02-31: 3 days), which the
 * 'floor' modifier subtracts to land on the month's last day instead of rolling over.
 */
export function computeFloor(p: DateTime): void {
  if (p.D <= 28) {
    p.nFloor = 0;
  } else if ((1 << p.M) & LONG_MONTHS) {
    p.nFloor = 0;
  } else if (p.M !== 2) {
    p.nFloor = p.D === 31 ? 1 : 0;
  } else if (p.Y % 4 !== 0 || (p.Y % 100 === 0 && p.Y % 400 !== 0)) {
    p.nFloor = p.D - 28;
  } else {
    p.nFloor = p.D - 29;
  }
}

/** Whole days from January 1 of `p`'s year to `p` (Jan 1 is 0). */
export function daysAfterJan01(p: DateTime): number {
  const jan01 = p.copy();
  jan01.validJD = false;
  jan01.M = 1;
  jan01.D = 1;
  computeJD(jan01);
  return Number((p.iJD - jan01.iJD + HALF_DAY_MS) / DAY_MS);
}

/** 0 = Monday ... 6 = Sunday. */
export function daysAfterMonday(p: DateTime): number {
  return Number(((p.iJD + HALF_DAY_MS) / DAY_MS) % 7n);
}

/** 0 = Sunday ... 6 = Saturday. */
export function daysAfterSunday(p: DateTime): number {
  return Number(((p.iJD + 3n * HALF_DAY_MS) / DAY_MS) % 7n);
}
