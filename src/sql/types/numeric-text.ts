// Text → number scanners with SQLite's exact rules (sqlite3AtoF and sqlite3Atoi64 in util.c).
// Every TEXT → numeric conversion (affinity, CAST, arithmetic, comparisons, function
// arguments) goes through one of these two, and the quirks matter: leading and trailing
// whitespace is allowed, hex is not ('0x10' reads as 0 followed by junk), only about the
// first 19 significant digits count, and a NUL character ends the text for atof.
// (https://sqlite.org/datatype3.html §3.0, lang_expr.html "CAST expressions")

/** Where {@link atof} and {@link atoi64} leave the value; reuse one slot to avoid allocation. */
export interface NumberSlot {
  real: number;
  int: bigint;
}

/** The whole text (give or take surrounding whitespace) is a number: `rc > 0`. */
export const ATOF_WHOLE = 1;
/** The number has a decimal point or an exponent: `(rc & ATOF_REAL) !== 0`. */
export const ATOF_REAL = 2;

// (2^64 - 1 - 9) / 10: sqlite3AtoF stops accumulating the mantissa once it reaches this.
const MANTISSA_LIMIT = '1844674407370955160';
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses `text` as sqlite3AtoF does and stores the double in `out.real` (0 when nothing
 * parses). Returns SQLite's code: `0` no prefix is a number; `> 0` the whole text is a
 * number; `< 0` only a prefix is. Bit {@link ATOF_REAL} is set (also on negative codes) when
 * a '.' or an exponent took part. Formats: `[+-]digits[.[digits]][(e|E)[+-]digits]` and
 * `[+-].digits[...]`, surrounded by optional ASCII whitespace.
 */
export function atof(text: string, out: NumberSlot): number {
  const n = text.length;
  let i = 0;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  while (isSpace(c)) c = ++i < n ? text.charCodeAt(i) : 0;
  let neg = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    neg = c === 45;
    c = ++i < n ? text.charCodeAt(i) : 0;
  }
  let state = 0; // 1: digits seen, 2: '.' or exponent seen
  const intStart = i;
  while (isDigit(c)) c = ++i < n ? text.charCodeAt(i) : 0;
  const intEnd = i;
  if (intEnd > intStart) state = 1;
  let fracStart = i;
  let fracEnd = i;
  if (c === 46 /* . */) {
    c = ++i < n ? text.charCodeAt(i) : 0;
    fracStart = i;
    while (isDigit(c)) c = ++i < n ? text.charCodeAt(i) : 0;
    fracEnd = i;
    if (fracEnd > fracStart) state |= 1;
    else if (state === 0) return noNumber(out);
    state |= 2;
  } else if (state === 0) {
    return noNumber(out);
  }
  let exp = 0;
  if (c === 101 || c === 69 /* e E */) {
    const ePos = i;
    c = ++i < n ? text.charCodeAt(i) : 0;
    let esign = 1;
    if (c === 45 || c === 43) {
      if (c === 45) esign = -1;
      c = ++i < n ? text.charCodeAt(i) : 0;
    }
    if (isDigit(c)) {
      state |= 2;
      while (isDigit(c)) {
        exp = exp < 10000 ? exp * 10 + (c - 48) : 10000;
        c = ++i < n ? text.charCodeAt(i) : 0;
      }
      exp *= esign;
    } else {
      i = ePos; // leave the 'e' as trailing junk
      c = text.charCodeAt(i);
    }
  }
  let value = digitsToDouble(text, intStart, intEnd, fracStart, fracEnd, exp);
  if (neg) value = -value;
  out.real = value;
  // A NUL ends the text, as it does for SQLite's zero-terminated strings.
  if (i >= n || c === 0) return state;
  if (isSpace(c)) {
    do c = ++i < n ? text.charCodeAt(i) : 0;
    while (isSpace(c));
    if (i >= n || c === 0) return state;
  }
  return 0xfffffff0 | state; // negative as a signed 32-bit int
}

function noNumber(out: NumberSlot): number {
  out.real = 0;
  return 0;
}

/**
 * The double nearest to the decimal digits text[intStart,intEnd) ++ text[fracStart,fracEnd)
 * scaled by 10^(exp - fraction length), keeping only the significant digits sqlite3AtoF
 * keeps (19, or 20 when the first 19 are below 2^64/10). SQLite then rounds correctly,
 * which is what Number() does.
 */
function digitsToDouble(
  text: string,
  intStart: number,
  intEnd: number,
  fracStart: number,
  fracEnd: number,
  exp: number,
): number {
  // Skip leading zeros (they do not count as significant digits).
  let first = intStart;
  let inFrac = false;
  while (first < intEnd && text.charCodeAt(first) === 48) first++;
  if (first === intEnd) {
    inFrac = true;
    first = fracStart;
    while (first < fracEnd && text.charCodeAt(first) === 48) first++;
    if (first === fracEnd) return 0;
  }
  const sigCount = inFrac ? fracEnd - first : intEnd - first + (fracEnd - fracStart);
  // Decimal exponent of the last significant digit.
  let scale = exp - (fracEnd - fracStart);
  if (sigCount <= 15) {
    let m = 0;
    for (let k = first; k < intEnd; k++) m = m * 10 + (text.charCodeAt(k) - 48);
    for (let k = inFrac ? first : fracStart; k < fracEnd; k++) m = m * 10 + (text.charCodeAt(k) - 48);
    if (scale >= 0 && scale <= 22) return m * POW10[scale]!;
    if (scale < 0 && scale >= -22) return m / POW10[-scale]!;
    return Number(`${m}e${scale}`);
  }
  let digits = inFrac ? text.slice(first, fracEnd) : text.slice(first, intEnd) + text.slice(fracStart, fracEnd);
  if (digits.length > 19) {
    const keep = digits.slice(0, 19) >= MANTISSA_LIMIT ? 19 : 20;
    if (digits.length > keep) {
      scale += digits.length - keep;
      digits = digits.slice(0, keep);
    }
  }
  return Number(`${digits}e${scale}`);
}

/**
 * Parses a decimal integer as sqlite3Atoi64 does (no hex) and stores it in `out.int`,
 * clamped to int64 when too large. Returns `-1` no digits at all; `0` fits and nothing but
 * whitespace follows; `1` fits but other text follows; `2` too large (or more than 19
 * digits); `3` exactly 9223372036854775808 without a minus sign.
 */
export function atoi64(text: string, out: NumberSlot): number {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let neg = false;
  if (i < n) {
    const c = text.charCodeAt(i);
    if (c === 45 || c === 43) {
      neg = c === 45;
      i++;
    }
  }
  const signEnd = i;
  while (i < n && text.charCodeAt(i) === 48) i++;
  const digitsStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const digitCount = i - digitsStart;
  let rc = 0;
  if (digitCount === 0 && digitsStart === signEnd) {
    rc = -1;
  } else {
    for (let k = i; k < n; k++) {
      if (!isSpace(text.charCodeAt(k))) {
        rc = 1;
        break;
      }
    }
  }
  if (digitCount <= 15) {
    let v = 0;
    for (let k = digitsStart; k < i; k++) v = v * 10 + (text.charCodeAt(k) - 48);
    out.int = BigInt(neg ? -v : v);
    return rc;
  }
  if (digitCount > 19) {
    out.int = neg ? INT64_MIN : INT64_MAX;
    return 2;
  }
  const digits = text.slice(digitsStart, i);
  if (digitCount < 19 || digits < '9223372036854775808') {
    out.int = neg ? -BigInt(digits) : BigInt(digits);
    return rc;
  }
  out.int = neg ? INT64_MIN : INT64_MAX;
  if (digits > '9223372036854775808') return 2;
  return neg ? rc : 3;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
