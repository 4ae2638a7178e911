// SQLite's date and time functions (https://sqlite.org/lang_datefunc.html): date, time, datetime,
// julianday, unixepoch, strftime, timediff, current_date, current_time, current_timestamp.
//
// Behaviour follows SQLite 3.53 exactly, including NULL for every invalid input, with two
// deliberate differences, both needed for a deterministic database:
//   - 'now' (and a missing time value) is the statement clock `ctx.nowMs()`, constant for a statement.
//   - The local timezone is UTC: 'localtime' and 'utc' never shift the instant (see datetime-modifiers.ts).
//
// Layout: datetime-state.ts (julian-day arithmetic), datetime-parse.ts (time values),
// datetime-modifiers.ts (modifiers), datetime-format.ts (result text); this file reads the
// arguments and lists the functions for the scalar-function registry.
import type { SqlValue } from '../types/value.js';
import { applyModifier } from './datetime-modifiers.js';
import { julianDayOf, renderDate, renderDateTime, renderStrftime, renderTime, renderTimediff } from './datetime-format.js';
import { parseTimeValue, setRawDateNumber, setToNow, type NowSource } from './datetime-parse.js';
import { DateTime, UNIX_EPOCH_IJD, UNIX_EPOCH_IJD_SECONDS, computeJD, isValidIJD } from './datetime-state.js';

/**
 * What the functions need from the executor: `nowMs()` (ms since 1970-01-01 UTC, constant within
 * a statement) and, inside CHECK constraints, index expressions and generated columns, a
 * `pureContext` naming that place, which turns uses of the current time into errors.
 */
export type DateTimeContext = NowSource;

/** A date/time SQL function: SQL values in, one SQL value out. */
export type DateTimeFn = (args: readonly SqlValue[], ctx: DateTimeContext) => SqlValue;

export interface DateTimeFunction {
  readonly name: string;
  readonly minArgs: number;
  /** -1: any number of arguments. */
  readonly maxArgs: number;
  /**
   * As SQLite classifies them (https://sqlite.org/deterministic.html §3): the functions taking a
   * time value are deterministic unless given 'now' (or no time value), which reads the statement
   * clock; that is stable within a statement, so evaluating them once per statement is safe, but
   * folding them once per prepared statement is not. current_* are never deterministic.
   */
  readonly deterministic: boolean;
  readonly call: DateTimeFn;
}

const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The text SQLite's sqlite3_value_text() gives for a value, cut at the first NUL (where C string
 * scanning stops). INTEGER in decimal; REAL as SQLite renders it; BLOB bytes as UTF-8.
 */
function valueText(v: SqlValue): string | null {
  let text: string;
  if (v === null) return null;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'bigint') return v.toString();
  else if (typeof v === 'number') return realToText(v);
  else text = UTF8.decode(v);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** REAL as text the way SQLite 3.53 casts it: 15 significant digits unless 17 are needed to round-trip. */
function realToText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0.0';
  let sci = x.toExponential(14);
  if (Number(sci) !== x) sci = x.toExponential(16);
  const [mant, expText] = sci.split('e') as [string, string];
  const exp = Number(expText);
  const sign = x < 0 ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  if (exp < -4 || exp >= 17) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}.${digits.slice(1) || '0'}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  return `${sign}${whole}.${digits.slice(exp + 1) || '0'}`;
}

/**
 * Evaluates a time value and its modifiers (SQLite's isDate). No arguments means 'now'. Returns
 * null when the value or any modifier is invalid, or the result is outside 0000..9999 years
 * (strictly: julian day 0 .. 9999-12-31 23:59:59.999).
 */
function evaluate(args: readonly SqlValue[], ctx: DateTimeContext, fn: string): DateTime | null {
  const p = new DateTime();
  if (args.length === 0) return setToNow(p, ctx, fn) ? null : p;
  const first = args[0]!;
  if (typeof first === 'bigint' || typeof first === 'number') {
    setRawDateNumber(p, Number(first));
  } else {
    const z = valueText(first);
    if (z === null || parseTimeValue(z, p, ctx, fn)) return null;
  }
  for (let i = 1; i < args.length; i++) {
    const z = valueText(args[i]!);
    if (z === null || !applyModifier(p, z, i, ctx, fn)) return null;
  }
  computeJD(p);
  if (p.isError || !isValidIJD(p.iJD)) return null;
  // A lone YYYY-MM-DD is shown normalised (2023-02-31 -> 2023-03-03); after modifiers it is not.
  if (args.length === 1 && p.validYMD && p.D > 28) p.validYMD = false;
  return p;
}

/** date(time-value, modifier, ...) → TEXT 'YYYY-MM-DD' or NULL. */
export function dateFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const p = evaluate(args, ctx, 'date');
  return p && renderDate(p);
}

/** time(time-value, modifier, ...) → TEXT 'HH:MM:SS' ('HH:MM:SS.SSS' with 'subsec') or NULL. */
export function timeFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const p = evaluate(args, ctx, 'time');
  return p && renderTime(p);
}

/** datetime(time-value, modifier, ...) → TEXT 'YYYY-MM-DD HH:MM:SS[.SSS]' or NULL. */
export function datetimeFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const p = evaluate(args, ctx, 'datetime');
  return p && renderDateTime(p);
}

/** julianday(time-value, modifier, ...) → REAL days since noon UTC -4713-11-24, or NULL. */
export function juliandayFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const p = evaluate(args, ctx, 'julianday');
  return p && julianDayOf(p);
}

/** unixepoch(time-value, modifier, ...) → INTEGER seconds since 1970 (REAL with 'subsec'), or NULL. */
export function unixepochFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const p = evaluate(args, ctx, 'unixepoch');
  if (!p) return null;
  return p.useSubsec ? Number(p.iJD - UNIX_EPOCH_IJD) / 1000 : p.iJD / 1000n - UNIX_EPOCH_IJD_SECONDS;
}

/** strftime(format, time-value, modifier, ...) → TEXT, or NULL (also for an unknown %-code). */
export function strftimeFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  if (args.length === 0) return null;
  const fmt = valueText(args[0]!);
  if (fmt === null) return null;
  const p = evaluate(args.slice(1), ctx, 'strftime');
  return p && renderStrftime(fmt, p);
}

/** timediff(A, B) → TEXT '±YYYY-MM-DD HH:MM:SS.SSS' to add to B to reach A, or NULL. */
export function timediffFunction(args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  const d1 = evaluate([args[0] ?? null], ctx, 'timediff');
  if (!d1) return null;
  const d2 = evaluate([args[1] ?? null], ctx, 'timediff');
  return d2 && renderTimediff(d1, d2);
}

/** current_date → date('now'). */
export function currentDateFunction(_args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  return dateFunction([], ctx);
}

/** current_time → time('now'). */
export function currentTimeFunction(_args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  return timeFunction([], ctx);
}

/** current_timestamp → datetime('now'). */
export function currentTimestampFunction(_args: readonly SqlValue[], ctx: DateTimeContext): SqlValue {
  return datetimeFunction([], ctx);
}

/** The date and time functions, for the scalar-function registry to merge in. */
export const DATETIME_FUNCTIONS: readonly DateTimeFunction[] = [
  { name: 'date', minArgs: 0, maxArgs: -1, deterministic: true, call: dateFunction },
  { name: 'time', minArgs: 0, maxArgs: -1, deterministic: true, call: timeFunction },
  { name: 'datetime', minArgs: 0, maxArgs: -1, deterministic: true, call: datetimeFunction },
  { name: 'julianday', minArgs: 0, maxArgs: -1, deterministic: true, call: juliandayFunction },
  { name: 'unixepoch', minArgs: 0, maxArgs: -1, deterministic: true, call: unixepochFunction },
  { name: 'strftime', minArgs: 0, maxArgs: -1, deterministic: true, call: strftimeFunction },
  { name: 'timediff', minArgs: 2, maxArgs: 2, deterministic: true, call: timediffFunction },
  { name: 'current_date', minArgs: 0, maxArgs: 0, deterministic: false, call: currentDateFunction },
  { name: 'current_time', minArgs: 0, maxArgs: 0, deterministic: false, call: currentTimeFunction },
  { name: 'current_timestamp', minArgs: 0, maxArgs: 0, deterministic: false, call: currentTimestampFunction },
];
