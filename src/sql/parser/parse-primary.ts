// Primary expressions: literals, parameters, column references, function calls (with
// DISTINCT, *, ORDER BY, FILTER, OVER), CASE, CAST, EXISTS, RAISE, parenthesised expressions,
// row values and scalar subqueries. Grammar: https://sqlite.org/syntax/expr.html.
import type { CaseExpr, Expr, FunctionExpr, RaiseExpr } from './ast.js';
import { TIME_KEYWORDS } from './keywords.js';
import type { Token } from './lexer.js';
import { blobValue, decimalIntegerValue, hexIntegerValue } from './literals.js';
import { parseExprList, parseOrderingTerms, parseTypeName } from './parse-common.js';
import { parseExpr } from './parse-expr.js';
import { atSelectStart, parseSelect } from './parse-select.js';
import { parseOver } from './parse-window.js';
import { nameOf, type Parser } from './parser-base.js';
import { INT64_MIN } from '../types/value.js';

const TWO_TO_63 = 2n ** 63n;

export function parsePrimary(p: Parser): Expr {
  const t = p.tok;
  switch (t.type) {
    case 'integer':
      p.next();
      return integerLiteral(p, t);
    case 'float':
      p.next();
      return { kind: 'literal', value: Number(t.value) };
    case 'string':
      // SQLite's `nm DOT nm` lets a string name a table: 't'.c is a column reference.
      if (p.peekOp(1, '.')) return parseNamed(p);
      p.next();
      return { kind: 'literal', value: t.value };
    case 'blob':
      p.next();
      return { kind: 'literal', value: blobValue(t.value) };
    case 'param':
      p.next();
      return p.param(t);
    case 'op':
      if (t.value === '(') return parseParenthesised(p);
      break;
    case 'qid':
      return parseNamed(p);
    case 'word':
      switch (t.value) {
        case 'NULL':
          p.next();
          return { kind: 'literal', value: null };
        case 'CASE':
          return parseCase(p);
        case 'CAST':
          return parseCast(p);
        case 'EXISTS': {
          p.next();
          p.expectOp('(');
          const select = parseSelect(p);
          p.expectOp(')');
          return { kind: 'exists', select, not: false };
        }
        case 'RAISE':
          return parseRaise(p);
        default:
          if (TIME_KEYWORDS.has(t.value)) {
            p.next();
            return { kind: 'function', name: t.value.toLowerCase(), args: [], star: false, distinct: false };
          }
          if (p.isIdj()) return parseNamed(p);
      }
      break;
    default:
      break;
  }
  return p.fail();
}

function integerLiteral(p: Parser, t: Token): Expr {
  const text = t.value;
  if (text.length > 2 && (text.charCodeAt(1) | 0x20) === 120) {
    const v = hexIntegerValue(text);
    if (v === null) p.fail(t, 'hex literal too big');
    const lit: Expr = { kind: 'literal', value: v };
    if (v === INT64_MIN) p.literalOrigin.set(lit, 'hexMin');
    return lit;
  }
  const v = decimalIntegerValue(text);
  const lit: Expr = { kind: 'literal', value: v };
  if (typeof v === 'number' && BigInt(text) === TWO_TO_63) p.literalOrigin.set(lit, 'twoTo63');
  return lit;
}

/** `( select )`, `( expr )` or a row value `( expr, expr, ... )`. */
function parseParenthesised(p: Parser): Expr {
  p.next();
  if (atSelectStart(p)) {
    const select = parseSelect(p);
    p.expectOp(')');
    return { kind: 'subquery', select };
  }
  const first = parseExpr(p);
  if (p.eatOp(')')) return first;
  const items = [first];
  while (p.eatOp(',')) items.push(parseExpr(p));
  p.expectOp(')');
  return p.built({ kind: 'vector', items }, p.maxHeight(items));
}

/** A column reference (`c`, `t.c`, `s.t.c`), TRUE/FALSE, or a function call `name(...)`. */
function parseNamed(p: Parser): Expr {
  const t = p.next();
  if (p.isOp('(')) return parseCall(p, t);
  if (p.isOp('.')) {
    p.next();
    const second = p.parseNm();
    if (p.eatOp('.')) return { kind: 'column', schema: nameOf(t), table: second, column: p.parseNm() };
    return { kind: 'column', table: nameOf(t), column: second };
  }
  if (t.type === 'word') {
    // SQLite resolves bare TRUE/FALSE to 1/0 when no column has that name; dosql always does.
    if (t.value === 'TRUE') return { kind: 'literal', value: 1n };
    if (t.value === 'FALSE') return { kind: 'literal', value: 0n };
    return { kind: 'column', column: t.text };
  }
  if (t.quote === '"') return { kind: 'column', column: t.value, dquoted: true };
  return { kind: 'column', column: t.value };
}

/** After the name of a function, at `(`. */
function parseCall(p: Parser, nameTok: Token): Expr {
  p.expectOp('(');
  const name = nameOf(nameTok).toLowerCase();
  let fn: FunctionExpr;
  if (p.eatOp('*')) {
    p.expectOp(')');
    fn = { kind: 'function', name, args: [], star: true, distinct: false };
  } else {
    let distinct = false;
    if (p.eatKw('DISTINCT')) distinct = true;
    else p.eatKw('ALL');
    const args = p.isOp(')') || p.isKw('ORDER') ? [] : parseExprList(p);
    let orderBy;
    if (p.eatKw('ORDER')) {
      p.expectKw('BY');
      orderBy = parseOrderingTerms(p);
    }
    p.expectOp(')');
    fn = orderBy ? { kind: 'function', name, args, star: false, distinct, orderBy } : { kind: 'function', name, args, star: false, distinct };
  }
  // The lexer marks FILTER and OVER as keywords only where SQLite's tokenizer does (after `)`).
  if (p.tok.keyword && p.isKw('FILTER')) {
    p.next();
    p.next();
    p.expectKw('WHERE');
    const filter = parseExpr(p);
    p.expectOp(')');
    fn = { ...fn, filter };
  }
  if (p.tok.keyword && p.isKw('OVER')) {
    p.next();
    fn = { ...fn, over: parseOver(p) };
  }
  return p.built(fn, p.maxHeight(fn.args));
}

function parseCase(p: Parser): Expr {
  p.next();
  const operand = p.isKw('WHEN') ? undefined : parseExpr(p);
  const whens: { when: Expr; then: Expr }[] = [];
  let h = operand ? p.heightOf(operand) : 0;
  p.expectKw('WHEN');
  do {
    const when = parseExpr(p);
    p.expectKw('THEN');
    const then = parseExpr(p);
    h = Math.max(h, p.heightOf(when), p.heightOf(then));
    whens.push({ when, then });
  } while (p.eatKw('WHEN'));
  let node: CaseExpr = operand ? { kind: 'case', operand, whens } : { kind: 'case', whens };
  if (p.eatKw('ELSE')) {
    const otherwise = parseExpr(p);
    h = Math.max(h, p.heightOf(otherwise));
    node = { ...node, else: otherwise };
  }
  p.expectKw('END');
  return p.built(node, h);
}

/** `CAST ( expr AS type )`; the type may be empty, as SQLite allows. */
function parseCast(p: Parser): Expr {
  p.next();
  p.expectOp('(');
  const operand = parseExpr(p);
  p.expectKw('AS');
  const type = parseTypeName(p, false) ?? { name: '', args: [] };
  p.expectOp(')');
  return p.built({ kind: 'cast', operand, type }, p.heightOf(operand));
}

/** `RAISE ( IGNORE )` or `RAISE ( ROLLBACK | ABORT | FAIL , message )`. */
function parseRaise(p: Parser): Expr {
  p.next();
  p.expectOp('(');
  let node: RaiseExpr;
  if (p.eatKw('IGNORE')) {
    node = { kind: 'raise', action: 'IGNORE' };
  } else {
    const t = p.tok;
    if (!(t.type === 'word' && (t.value === 'ROLLBACK' || t.value === 'ABORT' || t.value === 'FAIL'))) p.fail();
    p.next();
    p.expectOp(',');
    node = { kind: 'raise', action: t.value as RaiseExpr['action'], message: parseExpr(p) };
  }
  p.expectOp(')');
  return node;
}
