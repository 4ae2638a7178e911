// Character classes of SQLite's JSON code (json.c): ASCII digits and hex digits, JSON5
// whitespace (which includes comments), and escape decoding shared by the parser, the
// renderers and label comparison.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/**
 * Length of the JSON5 whitespace at `z[i]` (json5Whitespace): ASCII space characters, the
 * Unicode spaces JSON5 lists (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000, U+FEFF), `/* ... *\/` and `// ...` comments. An unterminated block
 * comment is not whitespace.
 */
export function json5Whitespace(z: string, i: number): number {
  const n = z.length;
  let k = i;
  for (;;) {
    const c = k < n ? z.charCodeAt(k) : 0;
    switch (c) {
      case 0x09:
      case 0x0a:
      case 0x0b:
      case 0x0c:
      case 0x0d:
      case 0x20:
      case 0xa0:
      case 0x1680:
      case 0x2028:
      case 0x2029:
      case 0x202f:
      case 0x205f:
      case 0x3000:
      case 0xfeff:
        k++;
        continue;
      case 0x2f: {
        const c1 = k + 1 < n ? z.charCodeAt(k + 1) : 0;
        if (c1 === 0x2a && k + 2 < n) {
          let j = k + 3;
          while (j < n && !(z.charCodeAt(j) === 0x2f && z.charCodeAt(j - 1) === 0x2a)) j++;
          if (j >= n) return k - i;
          k = j + 1;
          continue;
        }
        if (c1 === 0x2f) {
          let j = k + 2;
          while (j < n) {
            const cj = z.charCodeAt(j);
            if (cj === 0x0a || cj === 0x0d || cj === 0x2028 || cj === 0x2029) break;
            j++;
          }
          k = j < n ? j + 1 : j;
          continue;
        }
        return k - i;
      }
      default:
        if (c >= 0x2000 && c <= 0x200a) {
          k++;
          continue;
        }
        return k - i;
    }
  }
}

/** What jsonUnescapeOneChar yields for a malformed escape. */
export const INVALID_CHAR = 0x99999;

/**
 * Decodes the escape at `z[i]` (a backslash) within `z[i, end)` as jsonUnescapeOneChar does:
 * RFC 8259 and JSON5 escapes, surrogate pairs, escaped line breaks (skipped). Returns the
 * code point (INVALID_CHAR when malformed, 0 for a trailing escaped newline) and the length.
 */
export function unescapeOne(z: string, i: number, end: number): { cp: number; len: number } {
  const n = end - i;
  if (n < 2) return { cp: INVALID_CHAR, len: n };
  const c = z.charCodeAt(i + 1);
  switch (c) {
    case 0x75: {
      if (n < 6) return { cp: INVALID_CHAR, len: n };
      const v = hex4(z, i + 2);
      if ((v & 0xfc00) === 0xd800 && n >= 12 && z.charCodeAt(i + 6) === 0x5c && z.charCodeAt(i + 7) === 0x75) {
        const lo = hex4(z, i + 8);
        if ((lo & 0xfc00) === 0xdc00) return { cp: ((v & 0x3ff) << 10) + (lo & 0x3ff) + 0x10000, len: 12 };
      }
      return { cp: v, len: 6 };
    }
    case 0x62:
      return { cp: 8, len: 2 };
    case 0x66:
      return { cp: 12, len: 2 };
    case 0x6e:
      return { cp: 10, len: 2 };
    case 0x72:
      return { cp: 13, len: 2 };
    case 0x74:
      return { cp: 9, len: 2 };
    case 0x76:
      return { cp: 11, len: 2 };
    case 0x30:
      return { cp: n > 2 && isDigit(z.charCodeAt(i + 2)) ? INVALID_CHAR : 0, len: 2 };
    case 0x27:
    case 0x22:
    case 0x2f:
    case 0x5c:
      return { cp: c, len: 2 };
    case 0x78:
      if (n < 4) return { cp: INVALID_CHAR, len: n };
      return { cp: (hexValue(z.charCodeAt(i + 2)) << 4) | hexValue(z.charCodeAt(i + 3)), len: 4 };
    case 0x0a:
    case 0x0d:
    case 0x2028:
    case 0x2029: {
      const skip = escapedNewlines(z, i, end);
      if (skip === 0) return { cp: INVALID_CHAR, len: n };
      if (skip === n) return { cp: 0, len: n };
      if (z.charCodeAt(i + skip) === 0x5c) {
        const r = unescapeOne(z, i + skip, end);
        return { cp: r.cp, len: skip + r.len };
      }
      const cp = z.codePointAt(i + skip)!;
      return { cp, len: skip + (cp > 0xffff ? 2 : 1) };
    }
    default:
      return { cp: INVALID_CHAR, len: 2 };
  }
}

function hex4(z: string, i: number): number {
  return (hexValue(z.charCodeAt(i)) << 12) | (hexValue(z.charCodeAt(i + 1)) << 8) | (hexValue(z.charCodeAt(i + 2)) << 4) | hexValue(z.charCodeAt(i + 3));
}

/** Length of the escaped line breaks (backslash + LF, CR, CRLF, U+2028 or U+2029) at `z[i]` (jsonBytesToBypass). */
function escapedNewlines(z: string, i: number, end: number): number {
  let k = i;
  while (k + 1 < end) {
    if (z.charCodeAt(k) !== 0x5c) break;
    const c = z.charCodeAt(k + 1);
    if (c === 0x0a || c === 0x2028 || c === 0x2029) {
      k += 2;
    } else if (c === 0x0d) {
      k += k + 2 < end && z.charCodeAt(k + 2) === 0x0a ? 3 : 2;
    } else break;
  }
  return k - i;
}

/** The text of a JSON string payload with its escapes decoded (jsonReturnFromBlob); malformed escapes vanish. */
export function unescapeString(s: string): string {
  const first = s.indexOf('\\');
  if (first < 0) return s;
  let out = s.slice(0, first);
  let i = first;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      const next = s.indexOf('\\', i);
      const stop = next < 0 ? n : next;
      out += s.slice(i, stop);
      i = stop;
      continue;
    }
    const { cp, len } = unescapeOne(s, i, n);
    if (cp !== INVALID_CHAR) out += cpToString(cp);
    i += len;
  }
  return out;
}

/** A code point as a JS string; lone surrogates (from \ud800 escapes) stay lone. */
export function cpToString(cp: number): string {
  return cp <= 0xffff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
}

export const C_TAB = 9;
export const C_LF = 10;
export const C_CR = 13;
export const C_SPACE = 32;

export function isSpace(c: number): boolean {
  return c === C_SPACE || c === C_LF || c === C_CR || c === C_TAB;
}

export function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** sqlite3JsonId1: may start an unquoted JSON5 key (letters, '_', '$', any non-ASCII character). */
export function isId1(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 0x80;
}

export function isId2(c: number): boolean {
  return isId1(c) || (c >= 48 && c <= 57);
}

// Case-insensitive spellings of Infinity and NaN that SQLite reads as numbers (aNanInfName).
export const NAN_INF: readonly { word: string; inf: boolean }[] = [
  { word: 'inf', inf: true },
  { word: 'infinity', inf: true },
  { word: 'nan', inf: false },
  { word: 'qnan', inf: false },
  { word: 'snan', inf: false },
];
