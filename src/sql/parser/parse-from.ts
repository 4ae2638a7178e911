// FROM clauses: table references (with the SQL:2011 temporal clause, INDEXED BY), table-valued
// functions, subqueries, parenthesised joins, and the join operators.
// Grammar: https://sqlite.org/syntax/join-clause.html, https://sqlite.org/syntax/table-or-subquery.html;
// join keyword combinations follow SQLite's sqlite3JoinType (any order, at most three words).
import type { Expr, FromItem, JoinClause, SelectStmt, TableRef, TemporalClause, TimePoint } from './ast.js';
import { parseExprList } from './parse-common.js';
import { atExternalTable, parseExternalTable } from './parse-external.js';
import { P_CMP, parseExpr } from './parse-expr.js';
import { atSelectStart, atTemporalClause, parseAlias, parseSelect } from './parse-select.js';
import { JOIN_KEYWORDS, TIME_KEYWORDS } from './keywords.js';
import type { Token } from './lexer.js';
import type { Parser } from './parser-base.js';

/** Joins are left-deep trees; this bounds their height (SQLite itself stops at 64 tables). */
const MAX_JOIN_TERMS = 1000;

/** The join tree after FROM (also used by UPDATE ... FROM). */
export function parseFrom(p: Parser): FromItem {
  let left = parseTableOrSubquery(p);
  if (atJoinOn(p) || p.isKw('USING')) {
    // SQLite parses the constraint and rejects it afterwards; syntax errors inside it come first.
    const at = p.tok;
    parseJoinConstraint(p, { kind: 'join', joinType: 'INNER', natural: false, left, right: left });
    if (!canFollowFromItem(p)) p.fail();
    p.fail(at, 'a JOIN clause is required before ON or USING');
  }
  let terms = 1;
  while (true) {
    const join = parseJoinOperator(p);
    if (!join) break;
    if (++terms > MAX_JOIN_TERMS) p.fail(p.tok, 'too many tables in join');
    const right = parseTableOrSubquery(p);
    left = parseJoinConstraint(p, { kind: 'join', joinType: join.joinType, natural: join.natural, left, right });
  }
  return left;
}

/** Optional `ON expr` or `USING (names)` completing `node`. */
function parseJoinConstraint(p: Parser, node: JoinClause): JoinClause {
  if (atJoinOn(p)) {
    p.next();
    return { ...node, on: parseExpr(p) };
  }
  if (p.eatKw('USING')) return { ...node, using: p.parseNameList() };
  return node;
}

const AFTER_FROM_ITEM: ReadonlySet<string> = new Set(['JOIN', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT', 'RETURNING', 'ON', ...JOIN_KEYWORDS]);

/** Whether the current token may follow an item of a FROM clause. */
function canFollowFromItem(p: Parser): boolean {
  const t = p.tok;
  if (t.type === 'eof') return true;
  if (t.type === 'op') return t.value === ',' || t.value === ')' || t.value === ';';
  return t.type === 'word' && AFTER_FROM_ITEM.has(t.value);
}

/** ON starts a join constraint, except `ON CONFLICT (` / `ON CONFLICT DO` (an upsert after INSERT ... SELECT). */
function atJoinOn(p: Parser): boolean {
  if (!p.isKw('ON')) return false;
  return !(p.peekKw(1, 'CONFLICT') && (p.peekOp(2, '(') || p.peekKw(2, 'DO')));
}

const JT_INNER = 1;
const JT_CROSS = 2;
const JT_NATURAL = 4;
const JT_LEFT = 8;
const JT_RIGHT = 16;
const JT_OUTER = 32;
const JT_ERROR = 64;

const JOIN_BITS: ReadonlyMap<string, number> = new Map([
  ['NATURAL', JT_NATURAL],
  ['LEFT', JT_LEFT | JT_OUTER],
  ['OUTER', JT_OUTER],
  ['RIGHT', JT_RIGHT | JT_OUTER],
  ['FULL', JT_LEFT | JT_RIGHT | JT_OUTER],
  ['INNER', JT_INNER],
  ['CROSS', JT_INNER | JT_CROSS],
]);

/** `,` or `[join keywords] JOIN`; undefined when the FROM clause ends here. */
function parseJoinOperator(p: Parser): { joinType: JoinClause['joinType']; natural: boolean } | undefined {
  if (p.eatOp(',') || p.eatKw('JOIN')) return { joinType: 'INNER', natural: false };
  const first = p.tok;
  if (!(first.type === 'word' && JOIN_KEYWORDS.has(first.value))) return undefined;
  const words: Token[] = [p.next()];
  while (!p.isKw('JOIN')) {
    if (words.length === 3 || !p.isNm()) p.fail();
    words.push(p.next());
  }
  p.next();
  let bits = 0;
  for (const w of words) bits |= (w.type === 'word' ? JOIN_BITS.get(w.value) : undefined) ?? JT_ERROR;
  if ((bits & JT_ERROR) !== 0 || (bits & (JT_INNER | JT_OUTER)) === (JT_INNER | JT_OUTER) || (bits & (JT_OUTER | JT_LEFT | JT_RIGHT)) === JT_OUTER) {
    // SQLite reports a token after JOIN that cannot start a table first.
    if (!(p.isNm() || p.isOp('('))) p.fail();
    p.fail(first, 'unknown join type');
  }
  const natural = (bits & JT_NATURAL) !== 0;
  if ((bits & (JT_LEFT | JT_RIGHT)) === (JT_LEFT | JT_RIGHT)) return { joinType: 'FULL', natural };
  if (bits & JT_LEFT) return { joinType: 'LEFT', natural };
  if (bits & JT_RIGHT) return { joinType: 'RIGHT', natural };
  if (bits & JT_CROSS) return { joinType: 'CROSS', natural };
  return { joinType: 'INNER', natural };
}

function parseTableOrSubquery(p: Parser): FromItem {
  if (p.eatOp('(')) {
    if (atSelectStart(p)) {
      const select = parseSelect(p);
      p.expectOp(')');
      const alias = parseAlias(p);
      return alias === undefined ? { kind: 'subquery', select } : { kind: 'subquery', select, alias };
    }
    p.enter();
    const inner = parseFrom(p);
    p.leave();
    p.expectOp(')');
    const alias = parseAlias(p);
    if (alias === undefined) return inner;
    if (inner.kind !== 'join') return { ...inner, alias };
    // SQLite turns an aliased parenthesised join into a subquery over that join.
    const select: SelectStmt = { kind: 'select', body: { kind: 'selectCore', distinct: false, columns: [{ kind: 'star' }], from: inner } };
    return { kind: 'subquery', select, alias };
  }
  if (atExternalTable(p)) return parseExternalTable(p);
  const { schema, name } = p.parseQualifiedName();
  if (p.eatOp('(')) {
    const args: Expr[] = p.isOp(')') ? [] : parseExprList(p);
    p.expectOp(')');
    const alias = parseAlias(p);
    return alias === undefined ? { kind: 'tableFunction', name, args } : { kind: 'tableFunction', name, args, alias };
  }
  const ref: { -readonly [K in keyof TableRef]: TableRef[K] } = { kind: 'table', name };
  if (schema !== undefined) ref.schema = schema;
  if (atTemporalClause(p)) ref.temporal = parseTemporalClause(p);
  const alias = parseAlias(p);
  if (alias !== undefined) ref.alias = alias;
  if (ref.temporal === undefined && atTemporalClause(p)) ref.temporal = parseTemporalClause(p);
  const indexedBy = parseIndexedBy(p);
  if (indexedBy !== undefined) ref.indexedBy = indexedBy;
  return ref;
}

/** Optional `INDEXED BY name` (a string) or `NOT INDEXED` (null). */
export function parseIndexedBy(p: Parser): string | null | undefined {
  if (p.isKw('INDEXED')) {
    p.next();
    p.expectKw('BY');
    return p.parseNm();
  }
  if (p.eatKw('NOT')) {
    p.expectKw('INDEXED');
    return null;
  }
  return undefined;
}

/**
 * `FOR SYSTEM_TIME AS OF point | BETWEEN point AND point | FROM point TO point | ALL`
 * (SQL:2011 system-versioned tables; points are dosql's LSN / TIMESTAMP / SNAPSHOT / BRANCH /
 * VERSION CURRENT - n, or a bare expression).
 */
export function parseTemporalClause(p: Parser): TemporalClause {
  p.expectKw('FOR');
  p.expectKw('SYSTEM_TIME');
  if (p.eatKw('ALL')) return { kind: 'all' };
  if (p.eatKw('AS')) {
    p.expectKw('OF');
    return { kind: 'asOf', point: parseTimePoint(p) };
  }
  if (p.eatKw('BETWEEN')) {
    const from = parseTimePoint(p);
    p.expectKw('AND');
    return { kind: 'between', from, to: parseTimePoint(p) };
  }
  p.expectKw('FROM');
  const from = parseTimePoint(p);
  p.expectKw('TO');
  return { kind: 'fromTo', from, to: parseTimePoint(p) };
}

const POINT_MARKERS: ReadonlySet<string> = new Set(['LSN', 'TIMESTAMP', 'SNAPSHOT', 'BRANCH']);
const EXPR_START_WORDS: ReadonlySet<string> = new Set(['NULL', 'CASE', 'CAST', 'EXISTS', 'NOT', 'RAISE', ...TIME_KEYWORDS]);

/** Point values are parsed above AND/OR and comparisons, so BETWEEN p AND p splits as expected. */
function parseTimePoint(p: Parser): TimePoint {
  const t = p.tok;
  if (t.type === 'word' && POINT_MARKERS.has(t.value) && startsExpr(p, p.peek(1))) {
    p.next();
    const value = parseExpr(p, P_CMP);
    switch (t.value) {
      case 'LSN':
        return { kind: 'lsn', value };
      case 'TIMESTAMP':
        return { kind: 'timestamp', value };
      case 'SNAPSHOT':
        return { kind: 'snapshot', name: value };
      default:
        return { kind: 'branch', name: value };
    }
  }
  if (t.type === 'word' && t.value === 'VERSION' && p.peekKw(1, 'CURRENT')) {
    p.next();
    p.next();
    if (!p.eatOp('-')) return { kind: 'versionOffset', offset: 0 };
    const n = p.tok;
    if (n.type !== 'integer' || n.value.length > 15 || (n.value.charCodeAt(1) | 0x20) === 120) p.fail(n, 'VERSION CURRENT - n needs a small non-negative integer');
    p.next();
    return { kind: 'versionOffset', offset: Number(n.value) };
  }
  return { kind: 'expr', value: parseExpr(p, P_CMP) };
}

/** Whether `t` can begin a point's value, so LSN / TIMESTAMP / SNAPSHOT / BRANCH before it are markers, not column names. */
function startsExpr(p: Parser, t: Token): boolean {
  switch (t.type) {
    case 'integer':
    case 'float':
    case 'string':
    case 'blob':
    case 'param':
    case 'qid':
      return true;
    case 'op':
      return t.value === '(';
    case 'word':
      return EXPR_START_WORDS.has(t.value) || p.isIdj(t);
    default:
      return false;
  }
}
