// UTF-8 views of JS strings. SQLite keeps TEXT as UTF-8: the BINARY collation is memcmp() of
// the UTF-8 bytes, octet_length() counts bytes and length()/substr() count code points, while
// JS strings are UTF-16. These helpers give the UTF-8 answers without encoding in the common
// (ASCII / BMP) cases. (https://sqlite.org/datatype3.html §7, lang_corefunc.html)

const encoder = new TextEncoder();
// ignoreBOM: TEXT that starts with U+FEFF keeps it (SQLite stores and compares it as any character).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 bytes of `s` (lone surrogates become U+FFFD, as every UTF-8 encoder does). */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8 bytes; malformed sequences become U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return bytes.length === 0 ? '' : decoder.decode(bytes);
}

/** Number of bytes `s` occupies in UTF-8, without encoding it. */
export function utf8ByteLength(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 2; // the pair is 2 code units and 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** True when `s` is pure 7-bit ASCII (so code units, code points and bytes coincide). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** True when `s` contains a UTF-16 surrogate, i.e. code units and code points differ. */
export function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Number of code points in `s[from, to)` (what SQLite calls characters). */
export function codePointCount(s: string, from = 0, to = s.length): number {
  let count = to - from;
  for (let i = from; i < to - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      count--;
      i++;
    }
  }
  return count;
}

/** Code-unit index just past `count` code points starting at `from` (clamped to `s.length`). */
export function advanceCodePoints(s: string, from: number, count: number): number {
  let i = from;
  const n = s.length;
  while (count > 0 && i < n) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1)) ? 2 : 1;
    count--;
  }
  return i;
}

/**
 * memcmp() order of the UTF-8 encodings of `a` and `b` (SQLite's BINARY collation), computed
 * on the UTF-16 code units: UTF-8 sorts by code point, and UTF-16 only disagrees when a
 * surrogate (code point >= 0x10000) meets a unit in 0xE000..0xFFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return compareCodeUnits(ca, cb);
  }
  return a.length - b.length;
}

/** Orders two differing UTF-16 code units as their code points' UTF-8 encodings would sort. */
export function compareCodeUnits(ca: number, cb: number): number {
  if (ca >= 0xd800 && cb >= 0xd800) return fixupForCodePointOrder(ca) - fixupForCodePointOrder(cb);
  return ca - cb;
}

function fixupForCodePointOrder(c: number): number {
  if (c >= 0xe000) return c - 0x800; // 0xE000..0xFFFF below the surrogates
  return c + 0x2000; // surrogates (code points >= 0x10000) above everything in the BMP
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** First code point of `s` at `i` (a lone surrogate is returned as is). */
export function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (isLowSurrogate(d)) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}
