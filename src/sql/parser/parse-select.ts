// SELECT statements: WITH clauses, compound selects, select cores, VALUES, result columns,
// ORDER BY and LIMIT. Grammar: https://sqlite.org/lang_select.html, https://sqlite.org/lang_with.html.
// FROM clauses are in parse-from.ts.
import type { CommonTableExpr, Expr, OrderingTerm, ResultColumn, SelectBody, SelectCore, SelectStmt, ValuesClause, WithClause } from './ast.js';
import { parseExprList, parseOrderingTerms, withOptional } from './parse-common.js';
import { parseExpr } from './parse-expr.js';
import { parseFrom } from './parse-from.js';
import { parseWindowDefinitions } from './parse-window.js';
import type { Token } from './lexer.js';
import type { Parser } from './parser-base.js';

/** SQLite's SQLITE_MAX_COMPOUND_SELECT. */
const MAX_COMPOUND_TERMS = 500;

/** True when the current token starts a select: SELECT, VALUES or WITH. */
export function atSelectStart(p: Parser): boolean {
  const t = p.tok;
  return t.type === 'word' && (t.value === 'SELECT' || t.value === 'VALUES' || t.value === 'WITH');
}

/** A full select: `[WITH ...] core [compound-op core]... [ORDER BY ...] [LIMIT ...]`. */
export function parseSelect(p: Parser): SelectStmt {
  p.enter();
  const withClause = p.isKw('WITH') ? parseWith(p) : undefined;
  const stmt = parseSelectAfterWith(p, withClause);
  p.leave();
  return stmt;
}

/** The select that follows an already parsed WITH clause (or none). */
export function parseSelectAfterWith(p: Parser, withClause: WithClause | undefined): SelectStmt {
  let body: SelectBody = parseCoreOrValues(p);
  let tail = parseSelectTail(p, body);
  let misplaced: { clause: string; op: Token; opName: string } | undefined;
  let terms = 1;
  while (true) {
    const opToken = p.tok;
    const op = compoundOp(p);
    if (!op) break;
    // SQLite parses ORDER BY / LIMIT on every term and rejects misplaced ones after the whole select.
    if (tail && !misplaced) misplaced = { clause: tail.orderBy ? 'ORDER BY' : 'LIMIT', op: opToken, opName: op };
    if (++terms > MAX_COMPOUND_TERMS) p.fail(opToken, 'too many terms in compound SELECT');
    const right = parseCoreOrValues(p);
    body = { kind: 'compound', op, left: body, right };
    tail = parseSelectTail(p, right);
  }
  if (misplaced) p.fail(misplaced.op, `${misplaced.clause} clause should come after ${misplaced.opName} not before`);
  const stmt: SelectStmt = withClause ? { kind: 'select', with: withClause, body } : { kind: 'select', body };
  return tail ? { ...stmt, ...tail } : stmt;
}

/** ORDER BY and LIMIT after a select core; they belong to SQLite's SELECT production, so never after VALUES. */
function parseSelectTail(p: Parser, term: SelectCore | ValuesClause | SelectBody): { orderBy?: OrderingTerm[]; limit?: Expr; offset?: Expr } | undefined {
  if (term.kind !== 'selectCore') return undefined;
  const orderBy = parseOrderByClause(p);
  const limit = parseLimitClause(p);
  if (!orderBy && !limit) return undefined;
  return orderBy ? { orderBy, ...limit } : limit;
}

function compoundOp(p: Parser): 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT' | undefined {
  if (p.eatKw('UNION')) return p.eatKw('ALL') ? 'UNION ALL' : 'UNION';
  if (p.eatKw('INTERSECT')) return 'INTERSECT';
  if (p.eatKw('EXCEPT')) return 'EXCEPT';
  return undefined;
}

/** `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (select), ...` */
export function parseWith(p: Parser): WithClause {
  p.expectKw('WITH');
  const recursive = p.eatKw('RECURSIVE');
  const ctes: CommonTableExpr[] = [];
  do {
    const name = p.parseNm();
    const columns = p.isOp('(') ? parseColumnNameList(p) : undefined;
    p.expectKw('AS');
    let materialized: boolean | undefined;
    if (p.eatKw('MATERIALIZED')) materialized = true;
    else if (p.eatKw('NOT')) {
      p.expectKw('MATERIALIZED');
      materialized = false;
    }
    p.expectOp('(');
    const select = parseSelect(p);
    p.expectOp(')');
    ctes.push({ ...withOptional({ name }, { columns, materialized }), select });
  } while (p.eatOp(','));
  return { recursive, ctes };
}

/**
 * A column name list of a CTE, view or foreign key (SQLite's `eidlist`): `(name, ...)`. SQLite's
 * grammar admits `COLLATE x` and ASC/DESC after each name only to reject them afterwards.
 */
export function parseColumnNameList(p: Parser): string[] {
  p.expectOp('(');
  const names: string[] = [];
  let misplaced: Token | undefined;
  do {
    const t = p.tok;
    names.push(p.parseNm());
    let extra = false;
    if (p.eatKw('COLLATE')) {
      p.parseIds();
      extra = true;
    }
    if (p.eatKw('ASC') || p.eatKw('DESC')) extra = true;
    if (extra && !misplaced) misplaced = t;
  } while (p.eatOp(','));
  p.expectOp(')');
  if (misplaced) p.fail(misplaced, 'syntax error after column name');
  return names;
}

function parseCoreOrValues(p: Parser): SelectCore | ValuesClause {
  if (p.isKw('VALUES')) return parseValues(p);
  return parseCore(p);
}

/** `VALUES (row), (row), ...`; every row must have the same number of terms (as SQLite checks while parsing). */
export function parseValues(p: Parser): ValuesClause {
  p.expectKw('VALUES');
  const rows: Expr[][] = [];
  const opens: Token[] = [];
  do {
    opens.push(p.expectOp('('));
    rows.push(parseExprList(p));
    p.expectOp(')');
  } while (p.eatOp(','));
  // Checked after the whole list, as SQLite does, so a syntax error later in the list wins.
  const width = rows[0]!.length;
  const bad = rows.findIndex((r) => r.length !== width);
  if (bad >= 0) p.fail(opens[bad]!, 'all VALUES must have the same number of terms');
  return { kind: 'values', rows };
}

function parseCore(p: Parser): SelectCore {
  p.expectKw('SELECT');
  let distinct = false;
  if (p.eatKw('DISTINCT')) distinct = true;
  else p.eatKw('ALL');
  const core: { -readonly [K in keyof SelectCore]: SelectCore[K] } = { kind: 'selectCore', distinct, columns: parseResultColumns(p) };
  if (p.eatKw('FROM')) core.from = parseFrom(p);
  if (p.eatKw('WHERE')) core.where = parseExpr(p);
  if (p.isKw('GROUP')) {
    p.next();
    p.expectKw('BY');
    core.groupBy = parseExprList(p);
  }
  if (p.eatKw('HAVING')) core.having = parseExpr(p);
  if (atWindowClause(p)) {
    p.next();
    core.windows = parseWindowDefinitions(p);
  }
  return core;
}

/** WINDOW starts a WINDOW clause where the lexer marked it a keyword (followed by a name and AS). */
function atWindowClause(p: Parser): boolean {
  return p.tok.keyword && p.isKw('WINDOW');
}

/** Result columns of a SELECT or RETURNING: `*`, `t.*`, or `expr [[AS] alias]`, comma-separated. */
export function parseResultColumns(p: Parser): ResultColumn[] {
  const columns: ResultColumn[] = [];
  do {
    if (p.eatOp('*')) {
      columns.push({ kind: 'star' });
      continue;
    }
    const n1 = p.peek(1);
    const n2 = p.peek(2);
    if (p.isNm() && n1.type === 'op' && n1.value === '.' && n2.type === 'op' && n2.value === '*') {
      const table = p.parseNm();
      p.next();
      p.next();
      columns.push({ kind: 'tableStar', table });
      continue;
    }
    const start = p.tok.start;
    const expr = parseExpr(p);
    const text = p.sql.slice(start, p.prevEnd);
    const alias = parseAlias(p);
    columns.push(alias === undefined ? { kind: 'expr', expr, text } : { kind: 'expr', expr, alias, text });
  } while (p.eatOp(','));
  return columns;
}

/**
 * An optional alias: `AS nm`, or a bare identifier or string (SQLite's `as` production).
 * FOR SYSTEM_TIME is not an alias.
 */
export function parseAlias(p: Parser): string | undefined {
  if (p.eatKw('AS')) return p.parseNm();
  if (!p.isIds() || atTemporalClause(p)) return undefined;
  return p.parseIds();
}

/** `FOR SYSTEM_TIME` starts a temporal clause on a table reference. */
export function atTemporalClause(p: Parser): boolean {
  return p.isKw('FOR') && p.peekKw(1, 'SYSTEM_TIME');
}

/** Optional `ORDER BY terms`. */
export function parseOrderByClause(p: Parser): OrderingTerm[] | undefined {
  if (!p.isKw('ORDER')) return undefined;
  p.next();
  p.expectKw('BY');
  return parseOrderingTerms(p);
}

/** Optional `LIMIT a [OFFSET b]` or `LIMIT b, a` (in the comma form the first value is the offset). */
export function parseLimitClause(p: Parser): { limit: Expr; offset?: Expr } | undefined {
  if (!p.eatKw('LIMIT')) return undefined;
  const first = parseExpr(p);
  if (p.eatKw('OFFSET')) return { limit: first, offset: parseExpr(p) };
  if (p.eatOp(',')) return { limit: parseExpr(p), offset: first };
  return { limit: first };
}
