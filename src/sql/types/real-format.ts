// REAL → decimal digits exactly as SQLite computes them (sqlite3FpDecode in util.c), and
// REAL → TEXT as SQLite renders it ("%!.17g" in vdbeMemRenderNum, vdbemem.c).
//
// SQLite does not use a shortest-round-trip algorithm: it multiplies the 64-bit mantissa by a
// 64-bit approximation of a power of ten, keeps 18 digits, rounds half-up to 17, and then
// tries a couple of shorter candidates (trailing 9s rounded up, trailing 0s dropped) that
// convert back to the same double. So 0.1 renders "0.1", 1e20 "1.0e+20" and 5e-324
// "4.9406564584124654e-324". We follow the same arithmetic with BigInt so every digit
// matches. Powers of ten are built here from first principles (top 64 bits of 10^p:
// exact for 0 <= p <= 26, otherwise a 96-bit rounded value of 10^(27k) times an exact
// 10^n, as SQLite's powerOfTen() does).

/** Decoded digits of a finite double. `digits` has no trailing zeros; value = 0.digits × 10^iDP. */
export interface FpDecoded {
  negative: boolean;
  /** 0 finite, 1 infinity, 2 NaN. */
  special: 0 | 1 | 2;
  /** Significant digits, ASCII, no trailing zeros ("0" for zero; "" when special). */
  digits: string;
  /** Position of the decimal point relative to the first digit. */
  iDP: number;
}

const MASK64 = (1n << 64n) - 1n;
const MASK32 = 0xffffffffn;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/** 10^k, k in 0..26, normalised so bit 63 is set (exact). */
const BASE: readonly bigint[] = Array.from({ length: 27 }, (_, k) => {
  const v = 10n ** BigInt(k);
  return v << BigInt(64 - bitLength(v));
});

/** 10^(27(g-13)) normalised to 96 bits, rounded half-up; [hi64, lo32]. Index 13 is SQLite's 0.1 special case. */
const SCALE: readonly (readonly [bigint, bigint])[] = Array.from({ length: 26 }, (_, g) => {
  if (g === 13) return [0xccccccccccccccccn, 0xccccccccn] as const;
  const k = 27 * (g - 13);
  let v: bigint;
  if (k >= 0) {
    const n = 10n ** BigInt(k);
    const shift = bitLength(n) - 96;
    if (shift <= 0) {
      v = n << BigInt(-shift);
    } else {
      v = n >> BigInt(shift);
      if ((n >> BigInt(shift - 1)) & 1n) v += 1n;
    }
  } else {
    const d = 10n ** BigInt(-k);
    // 2^s / d in [2^95, 2^96)
    const s = 95 + bitLength(d);
    let q = (1n << BigInt(s)) / d;
    let r = (1n << BigInt(s)) % d;
    if (q >= 1n << 96n) {
      q = (1n << BigInt(s - 1)) / d;
      r = (1n << BigInt(s - 1)) % d;
    }
    v = r * 2n >= d ? q + 1n : q;
  }
  return [v >> 32n, v & MASK32] as const;
});

/** powerOfTen() results by p + 348, filled on first use. */
const powerCache: (bigint | undefined)[] = new Array(348 + 348);

/** BigInt shift amounts, so the hot path does not convert numbers. */
const SHIFT: readonly bigint[] = Array.from({ length: 256 }, (_, i) => BigInt(i));

/** Most significant 64 bits of 10^p (p in -348..347) as SQLite's powerOfTen() computes them. */
function powerOfTen(p: number): bigint {
  if (p >= 0 && p < 27) return BASE[p]!;
  const cached = powerCache[p + 348];
  if (cached !== undefined) return cached;
  let g: number;
  let n: number;
  if (p === -1) {
    g = 0;
    n = 0;
  } else {
    g = Math.trunc(p / 27);
    n = p % 27;
    if (p < 0 && n !== 0) {
      g--;
      n += 27;
    }
  }
  const [s, sLo] = SCALE[g + 13]!;
  let x: bigint;
  if (n === 0) {
    x = s;
  } else {
    const b = BASE[n]!;
    const r = s * b + ((sLo * b) >> 32n);
    let lo = (r >> 32n) & MASK32;
    x = r >> 64n;
    if ((x >> 63n) === 0n) {
      x = ((x << 1n) | ((lo >> 31n) & 1n)) & MASK64;
      lo = ((lo << 1n) | 1n) & MASK32;
    }
  }
  powerCache[p + 348] = x;
  return x;
}

function pwr10to2(p: number): number {
  return (p * 108853) >> 15;
}

function pwr2to10(p: number): number {
  return (p * 78913) >> 18;
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Correctly rounded v × 10^p (SQLite's sqlite3Fp10Convert2 for v < 10^15). */
function decimalToDouble(v: number, p: number): number {
  if (p >= 0 && p <= 22) return v * POW10[p]!;
  if (p < 0 && p >= -22) return v / POW10[-p]!;
  return Number(`${v}e${p}`);
}

const result: FpDecoded = { negative: false, special: 0, digits: '0', iDP: 1 };

/**
 * Decimal digits of `r` as sqlite3FpDecode(r, iRound, mxRound) produces them. `iRound > 0`:
 * round to min(iRound, mxRound) significant digits; `iRound <= 0`: round to -iRound digits
 * after the decimal point (at most mxRound significant digits). The returned object is
 * reused by the next call.
 */
export function fpDecode(r: number, iRound: number, mxRound: number): FpDecoded {
  const out = result;
  out.special = 0;
  if (r < 0) {
    out.negative = true;
    r = -r;
  } else {
    out.negative = false;
    if (r === 0) {
      out.digits = '0';
      out.iDP = 1;
      return out;
    }
  }
  if (!(r < Infinity)) {
    out.special = r === Infinity ? 1 : 2;
    out.digits = '';
    out.iDP = 0;
    return out;
  }
  f64[0] = r;
  const hi = u32[HI]!;
  const lo = u32[LO]!;
  const biased = (hi >>> 20) & 0x7ff;
  // SQLite works on v = the mantissa shifted so bit 63 is set, value v × 2^e; we keep the
  // unshifted mantissa m (v = m << vShift) and fold vShift into the final right shift.
  let m: number;
  let vShift: number;
  let e: number;
  if (biased === 0) {
    m = (hi & 0xfffff) * 4294967296 + lo;
    const bits = (hi & 0xfffff) !== 0 ? 64 - Math.clz32(hi & 0xfffff) : 32 - Math.clz32(lo);
    vShift = 64 - bits;
    e = -1074 - vShift;
  } else {
    m = (hi & 0xfffff) * 4294967296 + lo + 4503599627370496;
    vShift = 11;
    e = biased - 1086;
  }
  // sqlite3Fp2Convert10: at least `want` significant digits of v × 2^e.
  const want = iRound <= 0 || iRound >= 18 ? 18 : iRound + 1;
  const p = want - 1 - pwr2to10(e + 63);
  const product = BigInt(m) * powerOfTen(p);
  let d: bigint;
  if (want === 18) {
    // h = (v·P >> 64) >> s, then round half up on the last bit.
    const h = product >> SHIFT[64 - vShift - (e + pwr10to2(p) + 2)]!;
    d = (h + 1n) >> 1n;
  } else {
    d = product >> SHIFT[64 - vShift - (e + pwr10to2(p) + 1)]!;
  }
  const exp = -p;
  let text = d.toString();
  let n = text.length;
  let iDP = n + exp;
  if (iRound <= 0) {
    iRound = iDP - iRound;
    if (iRound === 0 && text.charCodeAt(0) >= 53) {
      iRound = 1;
      text = '0' + text;
      n++;
      iDP++;
    }
  }
  let digits = text;
  if (iRound > 0 && (iRound < n || n > mxRound)) {
    if (iRound > mxRound) iRound = mxRound;
    if (iRound === 17) iRound = shorterRoundTrip(r, text, n, exp, iDP, iRound);
    if (text.charCodeAt(iRound) >= 53 /* '5' */) {
      // Round half up: trailing 9s become 0s (dropped below), the digit before them grows.
      let j = iRound - 1;
      while (j >= 0 && text.charCodeAt(j) === 57) j--;
      if (j < 0) {
        digits = '1';
        iDP++;
      } else {
        digits = text.slice(0, j) + String.fromCharCode(text.charCodeAt(j) + 1);
      }
    } else {
      digits = text.slice(0, iRound);
    }
  }
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  out.digits = end === digits.length ? digits : digits.slice(0, end);
  out.iDP = iDP;
  return out;
}

/** Digit k of a digit string. */
function digitAt(text: string, k: number): number {
  return text.charCodeAt(k) - 48;
}

/**
 * With 17 digits requested ("%!.17g"), SQLite tries two shorter renderings and keeps the
 * first that converts back to `r`: rounding up a run of 9s that reaches digit 16, or
 * dropping a run of 0s at digits 14..16 (or, for integers, from digit 13 down).
 */
function shorterRoundTrip(r: number, text: string, n: number, exp: number, iDP: number, iRound: number): number {
  if (digitAt(text, 15) === 9 && digitAt(text, 14) === 9) {
    let jj = 14;
    while (jj > 0 && digitAt(text, jj - 1) === 9) jj--;
    let v2 = 1;
    if (jj > 0) {
      v2 = digitAt(text, 0);
      for (let k = 1; k < jj; k++) v2 = v2 * 10 + digitAt(text, k);
      v2++;
    }
    if (r === decimalToDouble(v2, exp + n - jj)) return jj + 1;
  } else if (iDP >= n || (digitAt(text, 15) === 0 && digitAt(text, 14) === 0 && digitAt(text, 13) === 0)) {
    let jj = 13;
    while (digitAt(text, jj - 1) === 0) jj--;
    let v2 = digitAt(text, 0);
    for (let k = 1; k < jj; k++) v2 = v2 * 10 + digitAt(text, k);
    if (r === decimalToDouble(v2, exp + n - jj)) return jj + 1;
  }
  return iRound;
}

/**
 * SQLite's text for a REAL ("%!.17g"): always a decimal point or exponent ("1.0",
 * "1.0e+20", "1.5e-07"), "Inf" / "-Inf" for infinities, "0.0" for both zeros.
 */
export function realToText(r: number): string {
  if (Number.isInteger(r) && r < 9007199254740992 && r > -9007199254740992) {
    // Exactly representable integers always come out as their exact digits.
    return r === 0 ? '0.0' : `${r}.0`;
  }
  const d = fpDecode(r, 17, 20);
  if (d.special !== 0) return d.special === 2 ? 'NaN' : d.negative ? '-Inf' : 'Inf';
  const sign = d.negative ? '-' : '';
  const digits = d.digits;
  const iDP = d.iDP;
  const exp = iDP - 1;
  if (exp < -4 || exp > 16) {
    const mag = exp < 0 ? -exp : exp;
    const rest = digits.length > 1 ? digits.slice(1) : '0';
    return `${sign}${digits[0]}.${rest}e${exp < 0 ? '-' : '+'}${mag < 10 ? '0' : ''}${mag}`;
  }
  if (iDP <= 0) return `${sign}0.${'0'.repeat(-iDP)}${digits}`;
  if (iDP >= digits.length) return `${sign}${digits}${'0'.repeat(iDP - digits.length)}.0`;
  return `${sign}${digits.slice(0, iDP)}.${digits.slice(iDP)}`;
}
