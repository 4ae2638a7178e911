// Expressions: a precedence-climbing parser over SQLite's operator table
// (https://sqlite.org/lang_expr.html#operators, and the %left/%right list in SQLite's parse.y).
// Levels, loosest first; binary operators are left-associative:
//
//   1 OR   2 AND   3 NOT (prefix)
//   4 = == != <> IS [NOT] IN LIKE GLOB REGEXP MATCH BETWEEN ISNULL NOTNULL NOT NULL
//   5 < <= > >=   6 ESCAPE (only after LIKE)   7 & | << >>   8 + -   9 * / %
//  10 || -> ->>  11 COLLATE (postfix)  12 unary - + ~
//
// Primary expressions (literals, names, calls, CASE, CAST, subqueries) are in parse-primary.ts.
import type { BinaryOp, Expr, InExpr, LikeExpr, LiteralExpr } from './ast.js';
import { parsePrimary } from './parse-primary.js';
import { parseSelect, atSelectStart } from './parse-select.js';
import type { Parser } from './parser-base.js';
import type { Token } from './lexer.js';
import { INT64_MIN } from '../types/value.js';

const P_OR = 1;
const P_AND = 2;
const P_NOT = 3;
const P_EQ = 4;
export const P_CMP = 5;
const P_BIT = 7;
const P_ADD = 8;
const P_MUL = 9;
const P_CONCAT = 10;
const P_COLLATE = 11;
const P_UNARY = 12;

const OP_LEVEL: ReadonlyMap<string, number> = new Map([
  ['||', P_CONCAT], ['->', P_CONCAT], ['->>', P_CONCAT],
  ['*', P_MUL], ['/', P_MUL], ['%', P_MUL],
  ['+', P_ADD], ['-', P_ADD],
  ['&', P_BIT], ['|', P_BIT], ['<<', P_BIT], ['>>', P_BIT],
  ['<', P_CMP], ['<=', P_CMP], ['>', P_CMP], ['>=', P_CMP],
  ['=', P_EQ], ['==', P_EQ], ['!=', P_EQ], ['<>', P_EQ],
]);

const WORD_LEVEL: ReadonlyMap<string, number> = new Map([
  ['OR', P_OR], ['AND', P_AND],
  ['IS', P_EQ], ['IN', P_EQ], ['LIKE', P_EQ], ['GLOB', P_EQ], ['REGEXP', P_EQ], ['MATCH', P_EQ],
  ['BETWEEN', P_EQ], ['ISNULL', P_EQ], ['NOTNULL', P_EQ],
  // NOT after an expression can only start NOT LIKE / IN / BETWEEN / NULL; like SQLite, take it
  // as that operator and report the token after it if it is none of those (see parseInfix).
  ['NOT', P_EQ],
  ['COLLATE', P_COLLATE],
]);

/** Operators that may follow NOT in infix position: `x NOT LIKE y`, `x NOT NULL`, ... */
const AFTER_NOT: ReadonlySet<string> = new Set(['LIKE', 'GLOB', 'REGEXP', 'MATCH', 'BETWEEN', 'IN', 'NULL']);


/**
 * Parses an expression whose operators all bind at least as tightly as `minLevel`
 * (default: a whole expression). Throws SQL_SYNTAX on malformed input or nesting beyond MAX_DEPTH.
 */
export function parseExpr(p: Parser, minLevel = P_OR): Expr {
  p.enter();
  let left = parsePrefix(p);
  while (true) {
    const level = infixLevel(p.tok);
    if (level === 0 || level < minLevel) break;
    left = parseInfix(p, left, level);
  }
  p.leave();
  return left;
}

/** Binding level of `t` as an infix/postfix operator, 0 if it is none. */
function infixLevel(t: Token): number {
  if (t.type === 'op') return OP_LEVEL.get(t.value) ?? 0;
  if (t.type !== 'word') return 0;
  return WORD_LEVEL.get(t.value) ?? 0;
}

function parseInfix(p: Parser, left: Expr, level: number): Expr {
  const t = p.next();
  if (t.type === 'op') {
    const right = parseExpr(p, level + 1);
    return binary(p, normaliseOp(t.value), left, right);
  }
  let word = t.value;
  let not = false;
  if (word === 'NOT') {
    not = true;
    const n = p.tok;
    if (!(n.type === 'word' && AFTER_NOT.has(n.value))) p.fail(n);
    word = p.next().value;
  }
  switch (word) {
    case 'OR':
    case 'AND':
      return binary(p, word, left, parseExpr(p, level + 1));
    case 'COLLATE': {
      const collation = p.parseIds().toUpperCase();
      return p.built({ kind: 'collate', operand: left, collation }, p.heightOf(left));
    }
    case 'ISNULL':
      return binary(p, 'IS', left, nullLiteral());
    case 'NOTNULL':
      return binary(p, 'IS NOT', left, nullLiteral());
    case 'NULL': // x NOT NULL
      return binary(p, 'IS NOT', left, nullLiteral());
    case 'IS':
      return parseIs(p, left);
    case 'BETWEEN': {
      // The low bound ends at the AND. SQLite's grammar shifts comparisons into it, and an OR,
      // whose right side then swallows the AND (so that input fails, at the same token as SQLite).
      let low = parseExpr(p, P_EQ);
      while (p.eatKw('OR')) low = binary(p, 'OR', low, parseExpr(p, P_AND));
      p.expectKw('AND');
      const high = parseExpr(p, P_CMP);
      return p.built({ kind: 'between', operand: left, low, high, not }, Math.max(p.heightOf(left), p.heightOf(low), p.heightOf(high)));
    }
    case 'IN':
      return parseIn(p, left, not);
    default: // LIKE GLOB REGEXP MATCH
      return parseLike(p, left, word as LikeExpr['op'], not);
  }
}

/** A fresh NULL literal (AST nodes are never shared, so identity-keyed maps stay sound). */
function nullLiteral(): Expr {
  return { kind: 'literal', value: null };
}

function normaliseOp(op: string): BinaryOp {
  if (op === '==') return '=';
  if (op === '<>') return '!=';
  return op as BinaryOp;
}

function binary(p: Parser, op: BinaryOp, left: Expr, right: Expr): Expr {
  return p.built({ kind: 'binary', op, left, right }, Math.max(p.heightOf(left), p.heightOf(right)));
}

/** After IS: `[NOT] [DISTINCT FROM] expr`. IS DISTINCT FROM is IS NOT; IS NOT DISTINCT FROM is IS. */
function parseIs(p: Parser, left: Expr): Expr {
  let negated = p.eatKw('NOT');
  if (p.eatKw('DISTINCT')) {
    p.expectKw('FROM');
    negated = !negated;
  }
  return binary(p, negated ? 'IS NOT' : 'IS', left, parseExpr(p, P_CMP));
}

/** After [NOT] IN: `(exprs)`, `(select)`, `table`, or `tablefunction(args)`. */
function parseIn(p: Parser, operand: Expr, not: boolean): Expr {
  let node: InExpr;
  if (p.eatOp('(')) {
    if (atSelectStart(p)) {
      node = { kind: 'in', operand, not, select: parseSelect(p) };
    } else if (p.isOp(')')) {
      node = { kind: 'in', operand, not, list: [] };
    } else {
      const list = [parseExpr(p)];
      while (p.eatOp(',')) list.push(parseExpr(p));
      // SQLite treats `x IN ((SELECT ...))` like `x IN (SELECT ...)`.
      const only = list[0]!;
      node = list.length === 1 && only.kind === 'subquery' ? { kind: 'in', operand, not, select: only.select } : { kind: 'in', operand, not, list };
    }
    p.expectOp(')');
  } else {
    const table = p.parseQualifiedName();
    if (p.eatOp('(')) {
      // `x IN f(args)`: SQLite reads it as `x IN (SELECT * FROM f(args))`.
      const args = p.isOp(')') ? [] : parseArgs(p);
      p.expectOp(')');
      const select = {
        kind: 'select' as const,
        body: { kind: 'selectCore' as const, distinct: false, columns: [{ kind: 'star' as const }], from: { kind: 'tableFunction' as const, name: table.name, args } },
      };
      node = { kind: 'in', operand, not, select };
    } else {
      node = { kind: 'in', operand, not, table };
    }
  }
  return p.built(node, Math.max(p.heightOf(operand), node.list ? p.maxHeight(node.list) : 0));
}

function parseArgs(p: Parser): Expr[] {
  const list = [parseExpr(p)];
  while (p.eatOp(',')) list.push(parseExpr(p));
  return list;
}

function parseLike(p: Parser, operand: Expr, op: LikeExpr['op'], not: boolean): Expr {
  const pattern = parseExpr(p, P_CMP);
  let h = Math.max(p.heightOf(operand), p.heightOf(pattern));
  if (p.eatKw('ESCAPE')) {
    const escape = parseExpr(p, P_CMP);
    h = Math.max(h, p.heightOf(escape));
    return p.built({ kind: 'like', op, operand, pattern, escape, not }, h);
  }
  return p.built({ kind: 'like', op, operand, pattern, not }, h);
}

/** Prefix operators (NOT, -, +, ~) and primaries. */
function parsePrefix(p: Parser): Expr {
  const t = p.tok;
  if (t.type === 'op') {
    if (t.value === '-') {
      p.next();
      let operand = parseExpr(p, P_UNARY);
      // SQLite drops a unary + under a unary - (parse.y: `PLUS|MINUS expr`).
      if (operand.kind === 'unary' && operand.op === '+') operand = operand.operand;
      if (operand.kind === 'literal') {
        const folded = negateLiteral(p, operand, t);
        if (folded) return folded;
      }
      return p.built({ kind: 'unary', op: '-', operand }, p.heightOf(operand));
    }
    if (t.value === '+' || t.value === '~') {
      p.next();
      const operand = parseExpr(p, P_UNARY);
      return p.built({ kind: 'unary', op: t.value, operand }, p.heightOf(operand));
    }
  } else if (t.type === 'word' && t.value === 'NOT') {
    p.next();
    const operand = parseExpr(p, P_NOT);
    if (operand.kind === 'exists' && !operand.not) return { kind: 'exists', select: operand.select, not: true };
    return p.built({ kind: 'unary', op: 'NOT', operand }, p.heightOf(operand));
  }
  return parsePrimary(p);
}

/**
 * Folds `-literal` into a literal, as SQLite's code generator does: the decimal 9223372036854775808
 * (a REAL on its own) negates to the INTEGER -2^63; negating the INTEGER -2^63 overflows to a REAL;
 * negating the hex literal 0x8000000000000000 is SQLite's "hex literal too big" error.
 * Returns undefined for non-numeric literals.
 */
export function negateLiteral(p: Parser, lit: LiteralExpr, minus: Token): Expr | undefined {
  const v = lit.value;
  if (typeof v === 'bigint') {
    if (v !== INT64_MIN) return { kind: 'literal', value: -v };
    if (p.literalOrigin.get(lit) === 'hexMin') p.fail(minus, 'hex literal too big');
    return { kind: 'literal', value: -Number(v) };
  }
  if (typeof v === 'number') {
    if (p.literalOrigin.get(lit) === 'twoTo63') return { kind: 'literal', value: INT64_MIN };
    return { kind: 'literal', value: -v };
  }
  return undefined;
}
