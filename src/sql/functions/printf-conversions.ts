// The conversions of SQLite's printf (printf.c), one function per family: integers
// (%d %i %u %x %X %o %p %r), floating point (%f %e %E %g %G, digits from fpDecode), strings
// (%s %z %c) and SQL quoting (%q %Q %w). Each returns the padded field.
import { tooBig } from '../types/length-limit.js';
import { fpDecode } from '../types/real-format.js';
import { advanceCodePoints, codePointAt, codePointCount, isAscii, utf8ByteLength, utf8Decode, utf8Encode } from '../types/utf8.js';

const FP_PRECISION_LIMIT = 100_000_000;
const U64 = (1n << 64n) - 1n;

/** Flags and sizes of one conversion specification. */
export interface Spec {
  leftJustify: boolean;
  prefix: string; // '+', ' ' or ''
  alternate: boolean; // '#'
  alt2: boolean; // '!'
  zeroPad: boolean;
  thousands: boolean;
  width: number;
  precision: number; // -1 when absent
  /** The length limit (bytes): widths and precisions above it are "string or blob too big". */
  max: number;
}

/** Pads `body` (of display length `length`) to the field width with spaces. */
export function pad(spec: Spec, body: string, length: number): string {
  const fill = spec.width - length;
  if (fill <= 0) return body;
  return spec.leftJustify ? body + ' '.repeat(fill) : ' '.repeat(fill) + body;
}

const ORDINAL = ['th', 'st', 'nd', 'rd'];

/** How one integer conversion renders (printf.c's fmtinfo[] entry). */
export interface IntegerStyle {
  readonly signed: boolean;
  readonly base: number;
  readonly upper: boolean;
  /** Printed before the number with the '#' flag. */
  readonly altPrefix: string;
  readonly ordinal: boolean;
  /** Whether ',' groups thousands (only %d %i %u). */
  readonly thousands: boolean;
}

export const INT_DECIMAL: IntegerStyle = { signed: true, base: 10, upper: false, altPrefix: '', ordinal: false, thousands: true };
export const INT_UNSIGNED: IntegerStyle = { ...INT_DECIMAL, signed: false };
export const INT_ORDINAL: IntegerStyle = { ...INT_DECIMAL, ordinal: true, thousands: false };
export const INT_HEX_LOWER: IntegerStyle = { signed: false, base: 16, upper: false, altPrefix: '0x', ordinal: false, thousands: false };
export const INT_HEX_UPPER: IntegerStyle = { ...INT_HEX_LOWER, upper: true, altPrefix: '0X' };
export const INT_POINTER: IntegerStyle = { ...INT_HEX_LOWER, upper: true };
export const INT_OCTAL: IntegerStyle = { ...INT_HEX_LOWER, base: 8, altPrefix: '0' };

/** %d %i %u %x %X %o %p %r: precision zero-pads; the '0' flag pads to the width after the sign. */
export function formatInteger(spec: Spec, raw: bigint, style: IntegerStyle): string {
  if (spec.precision > spec.max) throw tooBig(spec.precision, spec.max, 'printf precision');
  let value: bigint;
  let sign = '';
  if (style.signed) {
    if (raw < 0n) {
      value = -raw;
      sign = '-';
    } else {
      value = raw;
      sign = spec.prefix;
    }
  } else {
    value = raw & U64;
  }
  const alternate = spec.alternate && value !== 0n;
  let precision = spec.precision;
  if (spec.zeroPad && precision < spec.width - (sign !== '' ? 1 : 0)) precision = spec.width - (sign !== '' ? 1 : 0);
  let body = value.toString(style.base);
  if (style.upper) body = body.toUpperCase();
  if (style.ordinal) {
    let x = Number(value % 10n);
    if (x >= 4 || (value / 10n) % 10n === 1n) x = 0;
    body += ORDINAL[x];
  }
  if (precision > body.length) body = '0'.repeat(precision - body.length) + body;
  if (spec.thousands && style.thousands) body = groupThousands(body);
  body = sign + body;
  if (alternate) body = style.altPrefix + body;
  return pad(spec, body, body.length);
}

function groupThousands(digits: string): string {
  const len = digits.length;
  if (len <= 3) return digits;
  let out = '';
  let ix = ((len - 1) % 3) + 1;
  out = digits.slice(0, ix);
  for (; ix < len; ix += 3) out += ',' + digits.slice(ix, ix + 3);
  return out;
}

/** %f %e %E %g %G on SQLite's digits (16 significant at most, 20 with '!'); Inf / -Inf as text. */
export function formatFloat(conv: string, spec: Spec, value: number): string {
  let precision = spec.precision < 0 ? 6 : Math.min(spec.precision, FP_PRECISION_LIMIT);
  let kind = conv === 'f' ? 'f' : conv === 'e' || conv === 'E' ? 'e' : 'g';
  const expChar = conv === 'E' || conv === 'G' ? 'E' : 'e';
  let iRound: number;
  if (kind === 'f') {
    iRound = -precision;
  } else if (kind === 'g') {
    if (precision === 0) precision = 1;
    iRound = precision;
  } else {
    iRound = precision + 1;
  }
  const d = fpDecode(value, iRound, spec.alt2 ? 20 : 16);
  let digits = d.digits;
  let iDP = d.iDP;
  if (d.special !== 0) {
    if (d.special === 2) {
      const s = spec.zeroPad ? 'null' : 'NaN';
      return pad(spec, s, s.length);
    }
    if (spec.zeroPad) {
      digits = '9';
      iDP = 1000;
    } else {
      const s = d.negative ? '-Inf' : spec.prefix !== '' ? `${spec.prefix}Inf` : 'Inf';
      return pad(spec, s, s.length);
    }
  }
  let prefix: string;
  if (d.negative) {
    prefix = spec.alternate && spec.prefix === '' && kind === 'f' && iDP <= iRound ? '' : '-';
  } else {
    prefix = spec.prefix;
  }
  let exp = iDP - 1;
  let removeTrailingZeros: boolean;
  if (kind === 'g') {
    precision--;
    removeTrailingZeros = !spec.alternate;
    if (exp < -4 || exp > precision) {
      kind = 'e';
    } else {
      precision -= exp;
      kind = 'f';
    }
  } else {
    removeTrailingZeros = spec.alt2;
  }
  let e2 = kind === 'e' ? 0 : iDP - 1;
  const showPoint = precision > 0 || spec.alternate || spec.alt2;
  let body = prefix;
  const nDigits = digits.length;
  let j = 0;
  if (e2 < 0) {
    body += '0';
  } else if (spec.thousands) {
    for (; e2 >= 0; e2--) {
      body += j < nDigits ? digits[j++] : '0';
      if (e2 % 3 === 0 && e2 > 1) body += ',';
    }
  } else {
    j = Math.min(e2 + 1, nDigits);
    body += digits.slice(0, j);
    e2 -= j;
    if (e2 >= 0) {
      body += '0'.repeat(e2 + 1);
      e2 = -1;
    }
  }
  if (showPoint) body += '.';
  if (e2 < -1 && precision > 0) {
    const zeros = Math.min(-1 - e2, precision);
    body += '0'.repeat(zeros);
    precision -= zeros;
  }
  if (precision > 0) {
    const rest = nDigits - j;
    if (rest > 0) {
      body += digits.slice(j, j + Math.min(rest, precision));
      precision -= Math.min(rest, precision);
    }
    if (precision > 0 && !removeTrailingZeros) body += '0'.repeat(precision);
  }
  if (removeTrailingZeros && showPoint) {
    let end = body.length;
    while (body.charCodeAt(end - 1) === 48) end--;
    body = body.slice(0, end);
    if (body.endsWith('.')) body = spec.alt2 ? body + '0' : body.slice(0, -1);
  }
  if (kind === 'e') {
    exp = iDP - 1;
    const mag = exp < 0 ? -exp : exp;
    body += `${expChar}${exp < 0 ? '-' : '+'}${mag < 10 ? '0' : ''}${mag}`;
  }
  const fill = spec.width - body.length;
  if (fill <= 0) return body;
  if (spec.leftJustify) return body + ' '.repeat(fill);
  if (!spec.zeroPad) return ' '.repeat(fill) + body;
  return prefix + '0'.repeat(fill) + body.slice(prefix.length);
}

/** Cuts `s` at its first U+0000, where SQLite's C strings end. */
function cString(s: string | null): string {
  if (s === null) return '';
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** The first `precision` bytes (or characters with '!') of `s`, with its display length. */
function truncate(s: string, precision: number, inChars: boolean): { text: string; length: number } {
  if (isAscii(s)) {
    const text = precision >= 0 && precision < s.length ? s.slice(0, precision) : s;
    return { text, length: text.length };
  }
  if (inChars) {
    const text = precision >= 0 ? s.slice(0, advanceCodePoints(s, 0, precision)) : s;
    return { text, length: codePointCount(text) };
  }
  if (precision >= 0 && precision < utf8ByteLength(s)) {
    // A cut inside a character leaves partial bytes, which read back as U+FFFD.
    return { text: utf8Decode(utf8Encode(s).subarray(0, precision)), length: precision };
  }
  return { text: s, length: utf8ByteLength(s) };
}

/** %s / %z: the text (NULL as ''), cut at the precision. */
export function formatString(spec: Spec, arg: string | null): string {
  const { text, length } = truncate(cString(arg), spec.precision, spec.alt2);
  return pad(spec, text, length);
}

/** %c: the first character, repeated `precision` times; widths count characters. */
export function formatChar(spec: Spec, arg: string | null): string {
  if (spec.precision > spec.max) throw tooBig(spec.precision, spec.max, 'printf precision');
  const s = cString(arg);
  const ch = s.length === 0 ? '\0' : String.fromCodePoint(codePointAt(s, 0));
  let width = spec.width;
  let out = '';
  const copies = spec.precision > 1 ? spec.precision : 1;
  if (copies > 1) {
    width -= copies - 1;
    if (width > 1 && !spec.leftJustify) {
      out += ' '.repeat(width - 1);
      width = 0;
    }
    out += ch.repeat(copies - 1);
  }
  const fill = width - 1;
  if (fill <= 0) return out + ch;
  return spec.leftJustify ? out + ch + ' '.repeat(fill) : out + ' '.repeat(fill) + ch;
}

/** %q (double '), %Q (also quote, NULL → NULL), %w (double "); '#' adds unistr() escapes. */
export function formatEscaped(conv: string, spec: Spec, arg: string | null): string {
  const quote = conv === 'w' ? '"' : "'";
  const alternate = conv === 'w' ? false : spec.alternate;
  let s: string;
  let needQuote = 0;
  if (arg === null) {
    s = conv === 'Q' ? 'NULL' : '(NULL)';
  } else {
    s = cString(arg);
    if (conv === 'Q') needQuote = 1;
  }
  if (spec.precision >= 0) s = truncate(s, spec.precision, spec.alt2).text;
  let unistr = false;
  if (alternate) {
    let ctrl = false;
    for (let k = 0; k < s.length; k++) {
      if (s.charCodeAt(k) <= 0x1f) {
        ctrl = true;
        break;
      }
    }
    unistr = ctrl || conv === 'q';
    if (unistr && conv === 'Q') needQuote = 2;
  }
  let body = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    const code = s.charCodeAt(k);
    if (ch === quote) {
      body += ch + ch;
    } else if (unistr && ch === '\\') {
      body += '\\\\';
    } else if (unistr && code <= 0x1f) {
      body += `\\u00${code >= 0x10 ? '1' : '0'}${'0123456789abcdef'[code & 0xf]}`;
    } else {
      body += ch;
    }
  }
  if (needQuote === 1) body = `'${body}'`;
  else if (needQuote === 2) body = `unistr('${body}')`;
  return pad(spec, body, spec.alt2 ? codePointCount(body) : utf8ByteLength(body));
}
