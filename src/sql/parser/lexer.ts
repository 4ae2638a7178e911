// The SQL tokenizer: one pass over the UTF-16 code units of the input, no regular expressions.
// Token rules follow SQLite's tokenizer (https://sqlite.org/lang_keywords.html,
// https://sqlite.org/lang_expr.html#literal_values_constants_): identifiers may contain any
// code unit >= 0x80; "..", [..] and `..` quote identifiers; '..' is a string with '' for a
// quote; X'..' is a blob; numbers are 123, 1.5, .5, 1., 1e5, 0x1F, with `_` allowed between
// digits (SQLite 3.46+); parameters are ?, ?NNN, :name, @name, $name.
// dosql extension: $$...$$ is a dollar-quoted string (as PostgreSQL's), the body of
// CREATE PROCEDURE ... AS MODULE $$ ... $$; SQLite would read `$$` as a parameter name.
//
// The lexer never throws. Malformed input (unterminated string, blob or block comment, a number
// glued to letters, a stray character) becomes one 'illegal' token, after which lexing stops;
// the parser reports it when it reaches that token, so an earlier syntax error wins, as in SQLite.
import { FALLBACK, JOIN_KEYWORDS, KEYWORDS } from './keywords.js';

export type TokenType =
  | 'word' // unquoted identifier or keyword
  | 'qid' // quoted identifier: "..", [..] or `..`
  | 'string'
  | 'blob'
  | 'integer' // decimal or 0x hex
  | 'float'
  | 'param'
  | 'op' // operator or punctuation
  | 'illegal'
  | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The token exactly as written. */
  readonly text: string;
  /**
   * word: upper-cased text; qid and string: the unquoted value; integer and float: the digits
   * without `_` separators; blob: the hex digits; illegal: why it is illegal; others: the text.
   */
  readonly value: string;
  /** A word in SQLite's keyword list (see keywords.ts), or WINDOW / OVER / FILTER where the context makes them keywords. */
  readonly keyword: boolean;
  /** The opening quote of a qid: `"`, `[` or `` ` ``; empty otherwise. */
  readonly quote: string;
  /** UTF-16 offsets, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column (UTF-16 code units) of `start`. */
  readonly line: number;
  readonly column: number;
}

// Character classes for code units below 0x80; everything at or above 0x80 is an identifier character.
const ID_START = new Uint8Array(128);
const ID_PART = new Uint8Array(128);
const DIGIT = new Uint8Array(128);
const HEX = new Uint8Array(128);
const SPACE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
  const digit = ch >= '0' && ch <= '9';
  DIGIT[c] = digit ? 1 : 0;
  HEX[c] = digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ? 1 : 0;
  ID_START[c] = alpha || ch === '_' ? 1 : 0;
  ID_PART[c] = alpha || digit || ch === '_' || ch === '$' ? 1 : 0;
  SPACE[c] = ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v' ? 1 : 0;
}

/** What SQLite's tokenizer counts as TK_ID when deciding WINDOW/OVER (ID, string, join keyword, fallback keyword, WINDOW, OVER). */
function isIdLike(t: Token): boolean {
  if (t.type === 'qid' || t.type === 'string') return true;
  if (t.type !== 'word' || t.value === 'FILTER') return false;
  return !t.keyword || FALLBACK.has(t.value) || JOIN_KEYWORDS.has(t.value);
}

const isIdStart = (c: number): boolean => (c < 128 ? ID_START[c] === 1 : !Number.isNaN(c));
const isIdPart = (c: number): boolean => (c < 128 ? ID_PART[c] === 1 : !Number.isNaN(c));
const isDigit = (c: number): boolean => c < 128 && DIGIT[c] === 1;
const isHex = (c: number): boolean => c < 128 && HEX[c] === 1;

const CH_NL = 10;
const CH_QUOTE = 39; // '
const CH_DQUOTE = 34; // "
const CH_BACKTICK = 96;
const CH_LBRACKET = 91;
const CH_UNDERSCORE = 95;

/**
 * Splits `sql` into tokens, ending with one 'eof' token (offset `sql.length`). Whitespace and
 * comments are dropped. Never throws: see the file comment for 'illegal' tokens.
 */
export function tokenize(sql: string): Token[] {
  return new Lexer(sql).run();
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  /** Set by digits() when it skipped a `_` separator. */
  private sawUnderscore = false;
  private readonly out: Token[] = [];

  constructor(private readonly src: string) {}

  run(): Token[] {
    const src = this.src;
    const n = src.length;
    while (true) {
      this.skipSpaceAndComments();
      if (this.pos >= n) break;
      if (!this.next()) return this.out;
    }
    this.push('eof', n, '', false);
    this.markContextKeywords();
    return this.out;
  }

  /**
   * SQLite's tokenizer (tokenize.c) makes WINDOW, OVER and FILTER keywords only in context:
   * WINDOW when a name and AS follow; OVER after `)` when `(` or a name follows; FILTER after
   * `)` when `(` follows. Elsewhere they are plain identifiers.
   */
  private markContextKeywords(): void {
    const out = this.out;
    for (let i = 0; i < out.length; i++) {
      const t = out[i]!;
      if (t.type !== 'word' || t.keyword) continue;
      const v = t.value;
      if (v !== 'WINDOW' && v !== 'OVER' && v !== 'FILTER') continue;
      const prev = out[i - 1];
      const next = out[i + 1];
      const afterRp = prev !== undefined && prev.type === 'op' && prev.value === ')';
      const lp = next !== undefined && next.type === 'op' && next.value === '(';
      let keyword: boolean;
      if (v === 'WINDOW') {
        const after = out[i + 2];
        keyword = next !== undefined && isIdLike(next) && after !== undefined && after.type === 'word' && after.value === 'AS';
      } else if (v === 'OVER') {
        keyword = afterRp && (lp || (next !== undefined && isIdLike(next)));
      } else {
        keyword = afterRp && lp;
      }
      if (keyword) out[i] = { ...t, keyword: true };
    }
  }

  /** Consumes whitespace and comments; an unterminated block comment becomes an illegal token. */
  private skipSpaceAndComments(): void {
    const src = this.src;
    const n = src.length;
    while (this.pos < n) {
      const c = src.charCodeAt(this.pos);
      if (c < 128 && SPACE[c] === 1) {
        if (c === CH_NL) this.newline(this.pos);
        this.pos++;
      } else if (c === 45 /* - */ && src.charCodeAt(this.pos + 1) === 45) {
        const nl = src.indexOf('\n', this.pos + 2);
        this.pos = nl < 0 ? n : nl;
      } else if (c === 47 /* / */ && src.charCodeAt(this.pos + 1) === 42 /* * */) {
        const close = src.indexOf('*/', this.pos + 2);
        if (close < 0) return; // next() turns the unterminated comment into an illegal token
        this.countNewlines(this.pos, close + 2);
        this.pos = close + 2;
      } else {
        return;
      }
    }
  }

  /** Lexes one token at `pos`. Returns false after an illegal token (lexing stops there). */
  private next(): boolean {
    const src = this.src;
    const start = this.pos;
    const c = src.charCodeAt(start);
    const c1 = src.charCodeAt(start + 1);
    switch (c) {
      case CH_QUOTE:
        return this.quoted(start, CH_QUOTE, 'string', 'unterminated string');
      case CH_DQUOTE:
        return this.quoted(start, CH_DQUOTE, 'qid', 'unterminated quoted identifier');
      case CH_BACKTICK:
        return this.quoted(start, CH_BACKTICK, 'qid', 'unterminated quoted identifier');
      case CH_LBRACKET: {
        const close = src.indexOf(']', start + 1);
        if (close < 0) return this.illegal(start, src.length, 'unterminated quoted identifier');
        return this.pushToken('qid', start, close + 1, src.slice(start + 1, close), '[');
      }
      case 47: // /
        if (c1 === 42) return this.illegal(start, src.length, 'unterminated comment');
        return this.op(start, 1);
      case 45: // -
        if (c1 === 62) return this.op(start, src.charCodeAt(start + 2) === 62 ? 3 : 2); // -> ->>
        return this.op(start, 1);
      case 61: // =
        return this.op(start, c1 === 61 ? 2 : 1);
      case 60: // <
        return this.op(start, c1 === 61 || c1 === 62 || c1 === 60 ? 2 : 1);
      case 62: // >
        return this.op(start, c1 === 61 || c1 === 62 ? 2 : 1);
      case 33: // !
        if (c1 === 61) return this.op(start, 2);
        return this.illegal(start, start + 1, 'unrecognized token');
      case 124: // |
        return this.op(start, c1 === 124 ? 2 : 1);
      case 40: case 41: case 59: case 43: case 42: case 37: case 44: case 38: case 126: // ( ) ; + * % , & ~
        return this.op(start, 1);
      case 46: // .
        if (isDigit(c1)) return this.number(start);
        return this.op(start, 1);
      case 63: // ?
        return this.param(start, true);
      case 36: // $
        if (c1 === 36) return this.dollarQuoted(start);
        return this.param(start, false);
      case 58: case 64: // : @
        return this.param(start, false);
      default:
        break;
    }
    if (isDigit(c)) return this.number(start);
    if ((c === 120 || c === 88) && c1 === CH_QUOTE) return this.blob(start); // x' X'
    if (isIdStart(c)) {
      let i = start + 1;
      while (i < src.length && isIdPart(src.charCodeAt(i))) i++;
      const text = src.slice(start, i);
      const upper = text.toUpperCase();
      this.pos = i;
      this.push('word', start, upper, KEYWORDS.has(upper));
      return true;
    }
    return this.illegal(start, start + 1, 'unrecognized token');
  }

  /** A string or "/` quoted identifier where a doubled quote stands for one quote. */
  private quoted(start: number, quote: number, type: 'string' | 'qid', unterminated: string): boolean {
    const src = this.src;
    const q = String.fromCharCode(quote);
    let i = start + 1;
    let value = '';
    let chunk = i;
    while (true) {
      const close = src.indexOf(q, i);
      if (close < 0) return this.illegal(start, src.length, unterminated);
      if (src.charCodeAt(close + 1) === quote) {
        value += src.slice(chunk, close + 1);
        i = close + 2;
        chunk = i;
        continue;
      }
      value += src.slice(chunk, close);
      return this.pushToken(type, start, close + 1, value, type === 'qid' ? q : '');
    }
  }

  /** `$$body$$`: the body as written, with no escapes (it ends at the next `$$`). */
  private dollarQuoted(start: number): boolean {
    const close = this.src.indexOf('$$', start + 2);
    if (close < 0) return this.illegal(start, this.src.length, 'unterminated $$ string');
    return this.pushToken('string', start, close + 2, this.src.slice(start + 2, close), '');
  }

  private blob(start: number): boolean {
    const src = this.src;
    let i = start + 2;
    while (isHex(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) !== CH_QUOTE || (i - start) % 2 !== 0) {
      const close = src.indexOf("'", i);
      return this.illegal(start, close < 0 ? src.length : close + 1, close < 0 ? 'unterminated blob' : 'malformed blob literal');
    }
    return this.pushToken('blob', start, i + 1, src.slice(start + 2, i), '');
  }

  private number(start: number): boolean {
    const src = this.src;
    let i = start;
    let float = false;
    let underscores = false;
    this.sawUnderscore = false;
    if (src.charCodeAt(i) === 48 && (src.charCodeAt(i + 1) | 0x20) === 120 && isHex(src.charCodeAt(i + 2))) {
      i += 2;
      while (true) {
        const c = src.charCodeAt(i);
        if (isHex(c)) i++;
        else if (c === CH_UNDERSCORE && isHex(src.charCodeAt(i - 1)) && isHex(src.charCodeAt(i + 1))) {
          underscores = true;
          i++;
        } else break;
      }
    } else {
      i = this.digits(i);
      if (src.charCodeAt(i) === 46 /* . */) {
        float = true;
        i = this.digits(i + 1);
      }
      const e = src.charCodeAt(i);
      if (e === 101 || e === 69) {
        const s = src.charCodeAt(i + 1);
        if (isDigit(s) || ((s === 43 || s === 45) && isDigit(src.charCodeAt(i + 2)))) {
          float = true;
          i = this.digits(i + 2);
        }
      }
      underscores = this.sawUnderscore;
    }
    if (i < src.length && isIdPart(src.charCodeAt(i))) {
      let j = i + 1;
      while (j < src.length && isIdPart(src.charCodeAt(j))) j++;
      return this.illegal(start, j, 'unrecognized token');
    }
    const text = src.slice(start, i);
    return this.pushToken(float ? 'float' : 'integer', start, i, underscores ? text.replaceAll('_', '') : text, '');
  }

  /** Decimal digits from `i`, with single `_` separators between digits. */
  private digits(i: number): number {
    const src = this.src;
    while (true) {
      const c = src.charCodeAt(i);
      if (isDigit(c)) i++;
      else if (c === CH_UNDERSCORE && isDigit(src.charCodeAt(i - 1)) && isDigit(src.charCodeAt(i + 1))) {
        this.sawUnderscore = true;
        i++;
      } else return i;
    }
  }

  private param(start: number, question: boolean): boolean {
    const src = this.src;
    let i = start + 1;
    if (question) {
      while (isDigit(src.charCodeAt(i))) i++;
    } else {
      while (i < src.length && isIdPart(src.charCodeAt(i))) i++;
      if (i === start + 1) return this.illegal(start, i, 'unrecognized token');
    }
    return this.pushToken('param', start, i, src.slice(start, i), '');
  }

  private op(start: number, len: number): boolean {
    this.pos = start + len;
    this.push('op', start, this.src.slice(start, start + len), false);
    return true;
  }

  private illegal(start: number, end: number, reason: string): boolean {
    this.pushToken('illegal', start, end, reason, '');
    return false;
  }

  private pushToken(type: TokenType, start: number, end: number, value: string, quote: string): boolean {
    const line = this.line;
    const column = start - this.lineStart + 1;
    this.out.push({ type, text: this.src.slice(start, end), value, keyword: false, quote, start, end, line, column });
    // Only quoted tokens (and illegal ones, which may be an unterminated quote) can span lines.
    if (type !== 'integer' && type !== 'float' && type !== 'param') this.countNewlines(start, end);
    this.pos = end;
    return true;
  }

  /** Pushes a token ending at `this.pos` (set by the caller) that contains no newline. */
  private push(type: TokenType, start: number, value: string, keyword: boolean): void {
    const text = type === 'eof' ? '' : this.src.slice(start, this.pos);
    this.out.push({ type, text, value, keyword, quote: '', start, end: type === 'eof' ? start : this.pos, line: this.line, column: start - this.lineStart + 1 });
  }

  /** Accounts for newlines inside [from, to); scans only that range, so lexing stays linear. */
  private countNewlines(from: number, to: number): void {
    const src = this.src;
    for (let i = from; i < to; i++) if (src.charCodeAt(i) === CH_NL) this.newline(i);
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }
}
