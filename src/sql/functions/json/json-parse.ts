// JSON text → JsonNode, accepting what SQLite's json1 accepts (json.c jsonTranslateTextToBlob):
// RFC 8259 plus the JSON5 extensions (https://sqlite.org/json1.html#json5): comments, trailing
// commas, unquoted keys, single-quoted strings, hex integers, '.5' and '5.', Infinity and NaN,
// extra whitespace and escapes. Each element gets the JSONB kind SQLite gives it, so renderings
// and jsonb blobs match. The text ends at its first NUL character, as it does for SQLite's C
// string. Nesting deeper than JSON_MAX_DEPTH is an error.
import {
  container,
  JSON_MAX_DEPTH,
  JSONB_ARRAY,
  JSONB_FLOAT,
  JSONB_INT,
  JSONB_OBJECT,
  JSONB_TEXT,
  JSONB_TEXT5,
  JSONB_TEXTJ,
  FALSE_NODE,
  isStringType,
  NULL_NODE,
  scalar,
  TRUE_NODE,
  type JsonNode,
} from './json-node.js';
import { C_CR, C_LF, C_SPACE, C_TAB, isAlnum, isDigit, isHex, isId1, isId2, isSpace, json5Whitespace, NAN_INF } from './json-chars.js';

export interface JsonParsed {
  readonly node: JsonNode;
  /** The text used JSON5 extensions (json_valid(x, 1) is then false). */
  readonly nonstandard: boolean;
}

export interface JsonSyntaxError {
  readonly node?: undefined;
  /** UTF-16 index where the parser noticed the error (json_error_position counts characters up to it). */
  readonly errorAt: number;
}

// parse() results besides "index after the element".
const END = 0;
const ERR = -1;
const CLOSE_BRACE = -2;
const CLOSE_BRACKET = -3;
const COMMA = -4;
const COLON = -5;

class TextParser {
  readonly z: string;
  readonly n: number;
  iErr = 0;
  nonstd = false;
  /** Set by separator(): the container closed (else a ',' follows). */
  private closed = false;
  depth = 0;
  node: JsonNode = NULL_NODE;

  constructor(text: string) {
    const nul = text.indexOf('\0');
    this.z = nul >= 0 ? text.slice(0, nul) : text;
    this.n = this.z.length;
  }

  code(i: number): number {
    return i < this.n ? this.z.charCodeAt(i) : 0;
  }

  private matchesNoCase(i: number, word: string): boolean {
    if (i + word.length > this.n) return false;
    return this.z.slice(i, i + word.length).toLowerCase() === word;
  }

  private is4HexAt(i: number): boolean {
    return isHex(this.code(i)) && isHex(this.code(i + 1)) && isHex(this.code(i + 2)) && isHex(this.code(i + 3));
  }

  /** Parses the element at `i`; the index after it, or END / ERR / a punctuation code (iErr at the character). */
  parse(i: number): number {
    for (;;) {
      const c = this.code(i);
      switch (c) {
        case 0x7b:
          return this.parseObject(i);
        case 0x5b:
          return this.parseArray(i);
        case 0x27: // '
          this.nonstd = true;
          return this.parseString(i);
        case 0x22: // "
          return this.parseString(i);
        case 0x74: // t
          if (this.z.startsWith('true', i) && !isAlnum(this.code(i + 4))) {
            this.node = TRUE_NODE;
            return i + 4;
          }
          this.iErr = i;
          return ERR;
        case 0x66: // f
          if (this.z.startsWith('false', i) && !isAlnum(this.code(i + 5))) {
            this.node = FALSE_NODE;
            return i + 5;
          }
          this.iErr = i;
          return ERR;
        case 0x2b: // +
          this.nonstd = true;
          return this.parseNumber(i, 0);
        case 0x2e: // .
          if (isDigit(this.code(i + 1))) {
            this.nonstd = true;
            return this.parseDigits(i, 0x03, false);
          }
          this.iErr = i;
          return ERR;
        case 0x2d: // -
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
        case 0x37:
        case 0x38:
        case 0x39:
          return this.parseNumber(i, 0);
        case 0x7d:
          this.iErr = i;
          return CLOSE_BRACE;
        case 0x5d:
          this.iErr = i;
          return CLOSE_BRACKET;
        case 0x2c:
          this.iErr = i;
          return COMMA;
        case 0x3a:
          this.iErr = i;
          return COLON;
        case 0:
          return END;
        case C_TAB:
        case C_LF:
        case C_CR:
        case C_SPACE:
          i++;
          while (isSpace(this.code(i))) i++;
          continue;
        case 0x6e: // n
          if (this.z.startsWith('null', i) && !isAlnum(this.code(i + 4))) {
            this.node = NULL_NODE;
            return i + 4;
          }
          return this.parseNanInf(i);
        default: {
          const w = json5Whitespace(this.z, i);
          if (w > 0) {
            i += w;
            this.nonstd = true;
            continue;
          }
          return this.parseNanInf(i);
        }
      }
    }
  }

  private parseNanInf(i: number): number {
    for (const { word, inf } of NAN_INF) {
      if (!this.matchesNoCase(i, word) || isAlnum(this.code(i + word.length))) continue;
      this.node = inf ? scalar(JSONB_FLOAT, '9e999') : NULL_NODE;
      this.nonstd = true;
      return i + word.length;
    }
    this.iErr = i;
    return ERR;
  }

  private parseObject(i: number): number {
    if (++this.depth > JSON_MAX_DEPTH) {
      this.iErr = i;
      return ERR;
    }
    const items: JsonNode[] = [];
    let j: number;
    for (j = i + 1; ; j++) {
      let x = this.parse(j);
      let label: JsonNode;
      if (x <= 0) {
        if (x === CLOSE_BRACE) {
          j = this.iErr;
          if (items.length > 0) this.nonstd = true;
          break;
        }
        j += json5Whitespace(this.z, j);
        let op = JSONB_TEXT;
        const c0 = this.code(j);
        if (isId1(c0) || (c0 === 0x5c && this.code(j + 1) === 0x75 && this.is4HexAt(j + 2))) {
          if (c0 === 0x5c) op = JSONB_TEXTJ;
          let k = j + 1;
          for (;;) {
            const ck = this.code(k);
            if (isId2(ck) && json5Whitespace(this.z, k) === 0) k++;
            else if (ck === 0x5c && this.code(k + 1) === 0x75 && this.is4HexAt(k + 2)) {
              op = JSONB_TEXTJ;
              k++;
            } else break;
          }
          label = scalar(op, this.z.slice(j, k));
          this.nonstd = true;
          x = k;
        } else {
          if (x !== ERR) this.iErr = j;
          return ERR;
        }
      } else label = this.node;
      if (!isStringType(label.t)) {
        this.iErr = j;
        return ERR;
      }
      items.push(label);
      j = x;
      let colon = false;
      if (this.code(j) === 0x3a) {
        j++;
        colon = true;
      } else if (isSpace(this.code(j))) {
        do j++;
        while (isSpace(this.code(j)));
        if (this.code(j) === 0x3a) {
          j++;
          colon = true;
        }
      }
      if (!colon) {
        x = this.parse(j);
        if (x !== COLON) {
          if (x !== ERR) this.iErr = j;
          return ERR;
        }
        j = this.iErr + 1;
      }
      x = this.parse(j);
      if (x <= 0) {
        if (x !== ERR) this.iErr = j;
        return ERR;
      }
      items.push(this.node);
      j = x;
      j = this.separator(j, 0x7d, CLOSE_BRACE);
      if (j === ERR) return ERR;
      if (this.closed) break;
    }
    this.depth--;
    this.node = container(JSONB_OBJECT, items);
    return j + 1;
  }

  /**
   * After an object member or array element ending at `j`: the position of the ',' that
   * follows or of the container's close (`this.closed` says which), skipping whitespace and
   * JSON5 comments as SQLite's json.c does; ERR (with iErr set) when neither follows.
   */
  private separator(j: number, close: number, closeToken: number): number {
    let c = this.code(j);
    if (isSpace(c)) {
      j++;
      while (isSpace(this.code(j))) j++;
      c = this.code(j);
    }
    if (c === 0x2c || c === close) {
      this.closed = c === close;
      return j;
    }
    const x = this.parse(j);
    if (x === COMMA || x === closeToken) {
      this.closed = x === closeToken;
      return this.iErr;
    }
    this.iErr = j;
    return ERR;
  }

  private parseArray(i: number): number {
    if (++this.depth > JSON_MAX_DEPTH) {
      this.iErr = i;
      return ERR;
    }
    const items: JsonNode[] = [];
    let j: number;
    for (j = i + 1; ; j++) {
      let x = this.parse(j);
      if (x <= 0) {
        if (x === CLOSE_BRACKET) {
          j = this.iErr;
          if (items.length > 0) this.nonstd = true;
          break;
        }
        if (x !== ERR) this.iErr = j;
        return ERR;
      }
      items.push(this.node);
      j = x;
      j = this.separator(j, 0x5d, CLOSE_BRACKET);
      if (j === ERR) return ERR;
      if (this.closed) break;
    }
    this.depth--;
    this.node = container(JSONB_ARRAY, items);
    return j + 1;
  }

  private parseString(i: number): number {
    const delim = this.code(i);
    let op = JSONB_TEXT;
    let j = i + 1;
    for (;;) {
      let c = this.code(j);
      if (c === delim) break;
      if (c === 0x5c) {
        c = this.code(++j);
        if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74 || (c === 0x75 && this.is4HexAt(j + 1))) {
          if (op === JSONB_TEXT) op = JSONB_TEXTJ;
        } else if (
          c === 0x27 ||
          c === 0x76 ||
          c === C_LF ||
          (c === 0x30 && !isDigit(this.code(j + 1))) ||
          c === 0x2028 ||
          c === 0x2029 ||
          (c === 0x78 && isHex(this.code(j + 1)) && isHex(this.code(j + 2)))
        ) {
          op = JSONB_TEXT5;
          this.nonstd = true;
        } else if (c === C_CR) {
          if (this.code(j + 1) === C_LF) j++;
          op = JSONB_TEXT5;
          this.nonstd = true;
        } else {
          this.iErr = j;
          return ERR;
        }
      } else if (c <= 0x1f) {
        if (j >= this.n) {
          this.iErr = j;
          return ERR;
        }
        op = JSONB_TEXT5;
        this.nonstd = true;
      } else if (c === 0x22) {
        op = JSONB_TEXT5;
      }
      j++;
    }
    this.node = scalar(op, this.z.slice(i + 1, j));
    return j + 1;
  }

  /** A number starting at `i` ('+', '-' or a digit); `t` bit 1: JSON5, bit 2: floating point. */
  private parseNumber(i: number, t: number): number {
    const c = this.code(i);
    if (c === 0x30) {
      const x = this.code(i + 1);
      if ((x === 0x78 || x === 0x58) && isHex(this.code(i + 2))) {
        this.nonstd = true;
        let j = i + 3;
        while (isHex(this.code(j))) j++;
        return this.finishNumber(i, j, 0x01);
      }
      if (isDigit(x)) {
        this.iErr = i + 1;
        return ERR;
      }
    } else if (c === 0x2b || c === 0x2d) {
      const x = this.code(i + 1);
      if (!isDigit(x)) {
        if ((x === 0x49 || x === 0x69) && this.matchesNoCase(i + 1, 'inf')) {
          this.nonstd = true;
          this.node = scalar(JSONB_FLOAT, c === 0x2d ? '-9e999' : '9e999');
          return i + (this.matchesNoCase(i + 4, 'inity') ? 9 : 4);
        }
        if (x === 0x2e) {
          this.nonstd = true;
          return this.parseDigits(i, t | 0x01, false);
        }
        this.iErr = i;
        return ERR;
      }
      if (x === 0x30) {
        const y = this.code(i + 2);
        if (isDigit(y)) {
          this.iErr = i + 1;
          return ERR;
        }
        if ((y === 0x78 || y === 0x58) && isHex(this.code(i + 3))) {
          this.nonstd = true;
          let j = i + 4;
          while (isHex(this.code(j))) j++;
          return this.finishNumber(i, j, t | 0x01);
        }
      }
    }
    return this.parseDigits(i, t, false);
  }

  /** The decimal digits, '.', and exponent of a number whose first character is at `i`. */
  private parseDigits(i: number, t: number, seenExp: boolean): number {
    let j: number;
    for (j = i + 1; ; j++) {
      let c = this.code(j);
      if (isDigit(c)) continue;
      if (c === 0x2e) {
        if (t & 0x02) {
          this.iErr = j;
          return ERR;
        }
        t |= 0x02;
        continue;
      }
      if (c === 0x65 || c === 0x45) {
        if (this.code(j - 1) < 0x30) {
          if (this.code(j - 1) === 0x2e && j - 2 >= i && isDigit(this.code(j - 2))) {
            this.nonstd = true;
            t |= 0x01;
          } else {
            this.iErr = j;
            return ERR;
          }
        }
        if (seenExp) {
          this.iErr = j;
          return ERR;
        }
        t |= 0x02;
        seenExp = true;
        c = this.code(j + 1);
        if (c === 0x2b || c === 0x2d) {
          j++;
          c = this.code(j + 1);
        }
        if (!isDigit(c)) {
          this.iErr = j;
          return ERR;
        }
        continue;
      }
      break;
    }
    if (this.code(j - 1) < 0x30) {
      if (this.code(j - 1) === 0x2e && j - 2 >= i && isDigit(this.code(j - 2))) {
        this.nonstd = true;
        t |= 0x01;
      } else {
        this.iErr = j;
        return ERR;
      }
    }
    return this.finishNumber(i, j, t);
  }

  private finishNumber(i: number, j: number, t: number): number {
    if (this.code(i) === 0x2b) i++;
    this.node = scalar(JSONB_INT + t, this.z.slice(i, j));
    return j;
  }
}

/**
 * Parses JSON text (JSON5 accepted). The error carries where the parser stopped, for
 * json_error_position(); SQLite reports every syntax error as "malformed JSON".
 */
export function parseJsonText(text: string): JsonParsed | JsonSyntaxError {
  const p = new TextParser(text);
  let i = p.parse(0);
  if (i > 0) {
    while (isSpace(p.code(i))) i++;
    if (p.code(i) !== 0) {
      i += json5Whitespace(p.z, i);
      if (p.code(i) !== 0) return { errorAt: p.iErr };
      p.nonstd = true;
    }
  }
  if (i <= 0) return { errorAt: p.iErr };
  return { node: p.node, nonstandard: p.nonstd };
}
