// format(FORMAT, ...) / printf(): SQLite's own printf (sqlite3_str_vappendf in printf.c,
// https://sqlite.org/printf.html), not C's. Conversions: %d %i %u %x %X %o %p %r %f %e %E %g
// %G %s %z %c %q %Q %w %n %%; flags - + space # ! 0 and ',' (thousands); width and precision,
// both possibly '*'. Widths and precisions count UTF-8 bytes unless the '!' flag asks for
// characters. Missing arguments read as 0, 0.0 or ''. An unknown conversion ends the output
// where it stands. The result is NULL when nothing at all was produced (format('') is NULL).
import { toInt64, toReal, toText } from '../types/convert.js';
import { checkText, DEFAULT_MAX_LENGTH, tooBig } from '../types/length-limit.js';
import type { SqlValue } from '../types/value.js';
import {
  formatChar,
  formatEscaped,
  formatFloat,
  formatInteger,
  formatString,
  INT_DECIMAL,
  INT_HEX_LOWER,
  INT_HEX_UPPER,
  INT_OCTAL,
  INT_ORDINAL,
  INT_POINTER,
  INT_UNSIGNED,
  pad,
  type Spec,
} from './printf-conversions.js';

class Args {
  private used = 0;
  constructor(
    private readonly values: readonly SqlValue[],
    private readonly start: number,
  ) {}

  int(): bigint {
    const i = this.start + this.used;
    if (i >= this.values.length) return 0n;
    this.used++;
    return toInt64(this.values[i]!);
  }

  real(): number {
    const i = this.start + this.used;
    if (i >= this.values.length) return 0;
    this.used++;
    return toReal(this.values[i]!);
  }

  text(): string | null {
    const i = this.start + this.used;
    if (i >= this.values.length) return null;
    this.used++;
    return toText(this.values[i]!);
  }
}

/** Truncates a C `int` conversion of an int64 to 32 bits, as the '*' width/precision does. */
function asInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/**
 * Formats `values[argStart..]` by `format`. Returns null when no output was produced at all.
 * Throws LIMIT_EXCEEDED "string or blob too big" when a width, a precision or the output
 * would pass `maxLength` bytes (checked before the padding is built).
 */
export function sqlPrintf(format: string, values: readonly SqlValue[], argStart: number, maxLength = DEFAULT_MAX_LENGTH): string | null {
  let out: string | null;
  try {
    out = printfUnchecked(format, values, argStart, maxLength);
  } catch (e) {
    if (e instanceof RangeError) throw tooBig(2 ** 29, maxLength, 'printf'); // longer than a JS string can be
    throw e;
  }
  return out === null ? null : checkText(out, maxLength, 'printf');
}

function printfUnchecked(format: string, values: readonly SqlValue[], argStart: number, max: number): string | null {
  const args = new Args(values, argStart);
  let out = '';
  let touched = false;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct !== i) {
      const end = pct < 0 ? n : pct;
      out += format.slice(i, end);
      touched = true;
      if (pct < 0) break;
      i = pct;
    }
    // format[i] === '%'
    i++;
    if (i >= n) {
      out += '%';
      touched = true;
      break;
    }
    const spec: Spec = {
      leftJustify: false,
      prefix: '',
      alternate: false,
      alt2: false,
      zeroPad: false,
      thousands: false,
      width: 0,
      precision: -1,
      max,
    };
    let c = format.charCodeAt(i);
    let done = false;
    do {
      switch (c) {
        case 45 /* - */:
          spec.leftJustify = true;
          break;
        case 43 /* + */:
          spec.prefix = '+';
          break;
        case 32 /* space */:
          spec.prefix = ' ';
          break;
        case 35 /* # */:
          spec.alternate = true;
          break;
        case 33 /* ! */:
          spec.alt2 = true;
          break;
        case 48 /* 0 */:
          spec.zeroPad = true;
          break;
        case 44 /* , */:
          spec.thousands = true;
          break;
        case 108 /* l */:
          c = charAt(format, ++i);
          if (c === 108) c = charAt(format, ++i);
          done = true;
          break;
        case 42 /* * */: {
          let w = asInt32(args.int());
          if (w < 0) {
            spec.leftJustify = true;
            w = w >= -2147483647 ? -w : 0;
          }
          spec.width = w;
          const next = charAt(format, i + 1);
          if (next !== 46 && next !== 108) {
            c = charAt(format, ++i);
            done = true;
          }
          break;
        }
        case 46 /* . */: {
          c = charAt(format, ++i);
          if (c === 42) {
            let p = asInt32(args.int());
            if (p < 0) p = p >= -2147483647 ? -p : -1;
            spec.precision = p;
            c = charAt(format, ++i);
          } else {
            let p = 0;
            while (c >= 48 && c <= 57) {
              p = (p * 10 + (c - 48)) % 0x80000000;
              c = charAt(format, ++i);
            }
            spec.precision = p;
          }
          if (c === 108) i--;
          else done = true;
          break;
        }
        default:
          if (c >= 49 && c <= 57) {
            let w = c - 48;
            while ((c = charAt(format, ++i)) >= 48 && c <= 57) w = (w * 10 + (c - 48)) % 0x80000000;
            spec.width = w;
            if (c !== 46 && c !== 108) done = true;
            else i--;
          } else {
            done = true;
          }
      }
    } while (!done && (c = charAt(format, ++i)) !== 0);
    if (spec.width > max) throw tooBig(spec.width, max, 'printf width');
    const piece = convert(String.fromCharCode(c), spec, args);
    if (piece === undefined) break; // unknown conversion: stop here
    out += piece;
    touched = true;
    if (out.length > max) throw tooBig(out.length, max, 'printf');
    i++;
  }
  return touched ? out : null;
}

function charAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** Renders one conversion, or undefined for an unknown conversion character. */
function convert(conv: string, spec: Spec, args: Args): string | undefined {
  switch (conv) {
    case 'd':
    case 'i':
      return formatInteger(spec, args.int(), INT_DECIMAL);
    case 'u':
      return formatInteger(spec, args.int(), INT_UNSIGNED);
    case 'r':
      return formatInteger(spec, args.int(), INT_ORDINAL);
    case 'x':
      return formatInteger(spec, args.int(), INT_HEX_LOWER);
    case 'X':
      return formatInteger(spec, args.int(), INT_HEX_UPPER);
    case 'p':
      return formatInteger(spec, args.int(), INT_POINTER);
    case 'o':
      return formatInteger(spec, args.int(), INT_OCTAL);
    case 'f':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      return formatFloat(conv, spec, args.real());
    case 's':
    case 'z':
      return formatString(spec, args.text());
    case 'c':
      return formatChar(spec, args.text());
    case 'q':
    case 'Q':
    case 'w':
      return formatEscaped(conv, spec, args.text());
    case '%':
      return pad(spec, '%', 1);
    case 'n':
      return '';
    default:
      return undefined;
  }
}
