// SELECT statements: WITH clauses, compound selects, select cores, VALUES, result columns,
// ORDER BY and LIMIT. Grammar: https://sqlite.org/lang_select.html, https://sqlite.org/lang_with.html.
// FROM clauses are in parse-from.ts.
import type { CommonTableExpr, Expr, OrderingTerm, ResultColumn, SelectBody, SelectCore, SelectStmt, ValuesClause, WithClause } from './ast.js';
import { parseExprList, parseOrderingTerms, withOptional } from './parse-common.js';
import { parseExpr } from './parse-expr.js';
import { parseFrom } from './parse-from.js';
import { parseWindowDefinitions } from './parse-window.js';
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
  let terms = 1;
  while (true) {
    const op = compoundOp(p);
    if (!op) break;
    if (++terms > MAX_COMPOUND_TERMS) p.fail(p.tok, 'too many terms in compound SELECT');
    body = { kind: 'compound', op, left: body, right: parseCoreOrValues(p) };
  }
  let stmt: SelectStmt = withClause ? { kind: 'select', with: withClause, body } : { kind: 'select', body };
  // ORDER BY and LIMIT belong to SQLite's SELECT production, so they cannot follow a VALUES term.
  const last = body.kind === 'compound' ? body.right : body;
  if (last.kind === 'values') return stmt;
  const orderBy = parseOrderByClause(p);
  if (orderBy) stmt = { ...stmt, orderBy };
  const limit = parseLimitClause(p);
  if (limit) stmt = { ...stmt, ...limit };
  return stmt;
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
    const columns = p.isOp('(') ? p.parseNameList() : undefined;
    p.expectKw('AS');
    let materialized: boolean | undefined;
    if (p.eatKw('MATERIALIZED')) materialized = true;
    else if (p.isKw('NOT') && p.peekKw(1, 'MATERIALIZED')) {
      p.next();
      p.next();
      materialized = false;
    }
    p.expectOp('(');
    const select = parseSelect(p);
    p.expectOp(')');
    ctes.push({ ...withOptional({ name }, { columns, materialized }), select });
  } while (p.eatOp(','));
  return { recursive, ctes };
}

function parseCoreOrValues(p: Parser): SelectCore | ValuesClause {
  if (p.isKw('VALUES')) return parseValues(p);
  return parseCore(p);
}

/** `VALUES (row), (row), ...`; every row must have the same number of terms (as SQLite checks while parsing). */
export function parseValues(p: Parser): ValuesClause {
  p.expectKw('VALUES');
  const rows: Expr[][] = [];
  do {
    const open = p.expectOp('(');
    const row = parseExprList(p);
    p.expectOp(')');
    if (rows.length > 0 && row.length !== rows[0]!.length) p.fail(open, 'all VALUES must have the same number of terms');
    rows.push(row);
  } while (p.eatOp(','));
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

/** WINDOW is a keyword only when followed by a name and AS (SQLite's tokenizer rule). */
export function atWindowClause(p: Parser): boolean {
  return p.isKw('WINDOW') && p.isNm(p.peek(1)) && p.peekKw(2, 'AS');
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
 * A bare WINDOW that starts a WINDOW clause, and FOR SYSTEM_TIME, are not aliases.
 */
export function parseAlias(p: Parser): string | undefined {
  if (p.eatKw('AS')) return p.parseNm();
  if (!p.isIds() || atWindowClause(p) || atTemporalClause(p)) return undefined;
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
