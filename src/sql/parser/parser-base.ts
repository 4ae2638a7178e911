// The token cursor shared by the recursive-descent parse-*.ts modules: lookahead, keyword and
// name tests, error construction, parameter numbering, and the nesting limits.
//
// Invariants: `tokens` ends with an 'eof' token, or with an 'illegal' one after malformed input;
// `pos` never passes the last token; the current token is never 'illegal' (moving onto one
// throws, which is when SQLite's tokenizer reports it).
import { DoSQLError } from '../../errors.js';
import type { Expr, ParamExpr } from './ast.js';
import { FALLBACK, JOIN_KEYWORDS } from './keywords.js';
import { tokenize, type Token } from './lexer.js';

/** Limit on parser recursion and on expression tree height (SQLite's SQLITE_MAX_EXPR_DEPTH is 1000). */
export const MAX_DEPTH = 1000;
/** SQLite's SQLITE_MAX_VARIABLE_NUMBER: highest parameter index. */
export const MAX_PARAM = 32766;

export class Parser {
  readonly tokens: Token[];
  pos = 0;
  /** Current recursion depth of parseExpr / parseSelect / parenthesised FROM items. */
  private depth = 0;
  /** Heights of composite expression nodes (leaves are height 1 and not stored). */
  private readonly heights = new Map<Expr, number>();
  /**
   * Integer literals whose negation is special (see negateLiteral in parse-expr.ts): the decimal
   * 9223372036854775808 and the hex 0x8000000000000000.
   */
  readonly literalOrigin = new Map<Expr, 'twoTo63' | 'hexMin'>();
  /** Parameter numbering of the current statement (reset by `startStatement`). */
  private paramMax = 0;
  private paramNames = new Map<string, number>();

  constructor(readonly sql: string) {
    this.tokens = tokenize(sql);
    this.checkLegal(this.tokens[0]!);
  }

  // ------------------------------------------------------------ cursor

  get tok(): Token {
    return this.tokens[this.pos]!;
  }

  /** The token `k` places ahead (k = 0 is the current one, -1 the last consumed); clamped to the token list. */
  peek(k: number): Token {
    const i = Math.max(0, Math.min(this.pos + k, this.tokens.length - 1));
    return this.tokens[i]!;
  }

  /** End offset of the last consumed token. */
  get prevEnd(): number {
    return this.pos === 0 ? 0 : this.tokens[this.pos - 1]!.end;
  }

  atEof(): boolean {
    return this.tok.type === 'eof';
  }

  /** Consumes and returns the current token. */
  next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.type !== 'eof') {
      this.pos++;
      this.checkLegal(this.tokens[this.pos]!);
    }
    return t;
  }

  isOp(op: string): boolean {
    const t = this.tok;
    return t.type === 'op' && t.value === op;
  }

  eatOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }

  expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail();
    return this.next();
  }

  /** The current token is the unquoted word `kw` (upper case); also used for contextual words like SYSTEM_TIME. */
  isKw(kw: string): boolean {
    const t = this.tok;
    return t.type === 'word' && t.value === kw;
  }

  /** The token `k` places ahead is the unquoted word `kw`. */
  peekKw(k: number, kw: string): boolean {
    const t = this.peek(k);
    return t.type === 'word' && t.value === kw;
  }

  /** The token `k` places ahead is the operator `op`. */
  peekOp(k: number, op: string): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === op;
  }

  eatKw(kw: string): boolean {
    if (!this.isKw(kw)) return false;
    this.next();
    return true;
  }

  expectKw(kw: string): Token {
    if (!this.isKw(kw)) this.fail();
    return this.next();
  }

  // ------------------------------------------------------------ names (SQLite's token classes)

  /** ID: an unquoted non-keyword, a fallback keyword, or a quoted identifier. */
  isId(t: Token = this.tok): boolean {
    if (t.type === 'word') return !t.keyword || FALLBACK.has(t.value);
    return t.type === 'qid';
  }

  /** idj: ID, INDEXED or a join keyword; what may name a column or function in an expression. */
  isIdj(t: Token = this.tok): boolean {
    return this.isId(t) || (t.type === 'word' && (t.value === 'INDEXED' || JOIN_KEYWORDS.has(t.value)));
  }

  /** nm: idj or a string literal; what may name a table, column, index, ... */
  isNm(t: Token = this.tok): boolean {
    return this.isIdj(t) || t.type === 'string';
  }

  /** ids: ID or a string literal; what may be an implicit alias, a type word or a collation. */
  isIds(t: Token = this.tok): boolean {
    return this.isId(t) || t.type === 'string';
  }

  /** Consumes an `nm` and returns the name as written (quotes removed). */
  parseNm(): string {
    if (!this.isNm()) this.fail();
    return nameOf(this.next());
  }

  /** Consumes an `ids` and returns it (quotes removed). */
  parseIds(): string {
    if (!this.isIds()) this.fail();
    return nameOf(this.next());
  }

  /** `nm [. nm]`: a name with an optional schema prefix. */
  parseQualifiedName(): { schema?: string; name: string } {
    const first = this.parseNm();
    if (this.eatOp('.')) return { schema: first, name: this.parseNm() };
    return { name: first };
  }

  /** `( nm, nm, ... )` */
  parseNameList(): string[] {
    this.expectOp('(');
    const names = [this.parseNm()];
    while (this.eatOp(',')) names.push(this.parseNm());
    this.expectOp(')');
    return names;
  }

  // ------------------------------------------------------------ errors

  /** Throws the standard syntax error at `t` (default: the current token). */
  fail(t: Token = this.tok, reason = 'syntax error'): never {
    throw syntaxError(t, reason);
  }

  private checkLegal(t: Token): void {
    if (t.type === 'illegal') this.fail(t, t.value);
  }

  // ------------------------------------------------------------ nesting limits

  /** Call on entry to a recursive production; pair with `leave()` (in a finally or on the normal path). */
  enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(this.tok, 'too deeply nested');
  }

  leave(): void {
    this.depth--;
  }

  heightOf(e: Expr): number {
    return this.heights.get(e) ?? 1;
  }

  /** Records that `node` sits one level above a child of height `childHeight`; enforces MAX_DEPTH. */
  built<T extends Expr>(node: T, childHeight: number): T {
    if (childHeight >= 1) {
      if (childHeight + 1 > MAX_DEPTH) this.fail(this.peek(-1), 'expression tree too deeply nested');
      this.heights.set(node, childHeight + 1);
    }
    return node;
  }

  /** Height of the tallest expression in `list` (0 when empty). */
  maxHeight(list: readonly Expr[]): number {
    let h = 0;
    for (const e of list) {
      const x = this.heightOf(e);
      if (x > h) h = x;
    }
    return h;
  }

  // ------------------------------------------------------------ parameters

  /** Starts parameter numbering afresh (parameters are numbered per statement). */
  startStatement(): void {
    this.paramMax = 0;
    this.paramNames = new Map();
  }

  /**
   * Numbers a parameter token by SQLite's rules (https://sqlite.org/lang_expr.html#varparam):
   * `?` takes the largest index so far + 1; `?NNN` is NNN (1..32766); a name takes the next
   * index at its first occurrence and the same index afterwards.
   */
  param(t: Token): ParamExpr {
    const text = t.text;
    if (text === '?') return { kind: 'param', index: this.bump(t, this.paramMax + 1) };
    if (text.charCodeAt(0) === 63 /* ? */) {
      const n = text.length > 16 ? Infinity : Number(text.slice(1));
      if (!(n >= 1 && n <= MAX_PARAM)) this.fail(t, `variable number must be between ?1 and ?${MAX_PARAM}`);
      return { kind: 'param', index: this.bump(t, n) };
    }
    let index = this.paramNames.get(text);
    if (index === undefined) {
      index = this.bump(t, this.paramMax + 1);
      this.paramNames.set(text, index);
    }
    return { kind: 'param', index, name: text };
  }

  private bump(t: Token, index: number): number {
    if (index > MAX_PARAM) this.fail(t, 'too many SQL variables');
    if (index > this.paramMax) this.paramMax = index;
    return index;
  }

  paramInfo(): { paramCount: number; paramNames: [string, number][] } {
    return { paramCount: this.paramMax, paramNames: [...this.paramNames] };
  }
}

/** The name a token spells: unquoted identifiers as written, quoted ones and strings unquoted. */
export function nameOf(t: Token): string {
  return t.type === 'word' ? t.text : t.value;
}

/**
 * Builds the SQL_SYNTAX error for token `t`: message `sql: near "<text>": <reason> at line L, column C`
 * (`near end of input` at the end), details `{ line, column, offset, near }` (near '' at the end).
 */
export function syntaxError(t: Token, reason: string): DoSQLError {
  const near = t.type === 'eof' ? '' : t.text;
  const shown = near.length > 60 ? `${near.slice(0, 60)}...` : near;
  const where = t.type === 'eof' ? 'near end of input' : `near "${shown}"`;
  return new DoSQLError('SQL_SYNTAX', `sql: ${where}: ${reason} at line ${t.line}, column ${t.column}`, {
    details: { line: t.line, column: t.column, offset: t.start, near },
  });
}
