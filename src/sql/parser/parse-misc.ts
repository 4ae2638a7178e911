// Transactions, savepoints and utility statements, plus PostgreSQL's two-phase commit statements
// (https://www.postgresql.org/docs/current/sql-prepare-transaction.html).
// Grammar: https://sqlite.org/lang_transaction.html, https://sqlite.org/lang_savepoint.html,
// https://sqlite.org/pragma.html#syntax, https://sqlite.org/lang_reindex.html,
// https://sqlite.org/lang_analyze.html, https://sqlite.org/lang_vacuum.html.
import type { AnalyzeStmt, BeginStmt, Expr, PragmaStmt, ReindexStmt, Statement } from './ast.js';
import { negateLiteral, parseExpr } from './parse-expr.js';
import { parsePrimary } from './parse-primary.js';
import type { Parser } from './parser-base.js';

/** At BEGIN, COMMIT [PREPARED], END, ROLLBACK [PREPARED], PREPARE TRANSACTION, SAVEPOINT, RELEASE, PRAGMA, REINDEX, ANALYZE or VACUUM. */
export function parseMisc(p: Parser): Statement {
  const t = p.next();
  switch (t.value) {
    case 'BEGIN': {
      let mode: BeginStmt['mode'];
      if (p.eatKw('DEFERRED')) mode = 'DEFERRED';
      else if (p.eatKw('IMMEDIATE')) mode = 'IMMEDIATE';
      else if (p.eatKw('EXCLUSIVE')) mode = 'EXCLUSIVE';
      parseTransactionName(p);
      return mode ? { kind: 'begin', mode } : { kind: 'begin' };
    }
    case 'PREPARE':
      p.expectKw('TRANSACTION');
      return { kind: 'twoPhase', action: 'prepare', gid: parseGid(p) };
    case 'COMMIT':
    case 'END':
      if (t.value === 'COMMIT' && p.eatKw('PREPARED')) return { kind: 'twoPhase', action: 'commit', gid: parseGid(p) };
      parseTransactionName(p);
      return { kind: 'commit' };
    case 'ROLLBACK':
      if (p.eatKw('PREPARED')) return { kind: 'twoPhase', action: 'rollback', gid: parseGid(p) };
      parseTransactionName(p);
      if (!p.eatKw('TO')) return { kind: 'rollback' };
      p.eatKw('SAVEPOINT');
      return { kind: 'rollback', savepoint: p.parseNm() };
    case 'SAVEPOINT':
      return { kind: 'savepoint', name: p.parseNm() };
    case 'RELEASE':
      p.eatKw('SAVEPOINT');
      return { kind: 'release', name: p.parseNm() };
    case 'PRAGMA':
      return parsePragma(p);
    case 'REINDEX':
    case 'ANALYZE': {
      const kind = t.value === 'REINDEX' ? 'reindex' : 'analyze';
      if (!p.isNm()) return { kind };
      const { name } = p.parseQualifiedName();
      return { kind, name } satisfies ReindexStmt | AnalyzeStmt;
    }
    case 'VACUUM':
      if (p.isNm()) p.next();
      if (p.isKw('INTO')) {
        // Valid SQLite that the AST cannot express: parse it (syntax errors first), then refuse.
        const into = p.next();
        parseExpr(p);
        p.fail(into, 'VACUUM INTO is not supported');
      }
      return { kind: 'vacuum' };
    default:
      return p.fail(t);
  }
}

/** The transaction identifier of PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED: a string literal, as in PostgreSQL. */
function parseGid(p: Parser): string {
  if (p.tok.type !== 'string') p.fail();
  return p.next().value;
}

/** Optional `TRANSACTION [name]` after BEGIN/COMMIT/END/ROLLBACK (the name is ignored, as in SQLite). */
function parseTransactionName(p: Parser): void {
  if (p.eatKw('TRANSACTION') && p.isNm()) p.next();
}

/**
 * `PRAGMA [schema.]name [= value | (value)]`. Numbers (optionally signed) become numeric
 * literals; names, strings and the keywords ON / DELETE / DEFAULT become text literals.
 */
function parsePragma(p: Parser): PragmaStmt {
  const { schema, name } = p.parseQualifiedName();
  const stmt: PragmaStmt = schema === undefined ? { kind: 'pragma', name } : { kind: 'pragma', schema, name };
  let close = false;
  if (p.eatOp('(')) close = true;
  else if (!p.eatOp('=')) return stmt;
  const value = parsePragmaValue(p);
  if (close) p.expectOp(')');
  return { ...stmt, value };
}

function parsePragmaValue(p: Parser): Expr {
  const sign = p.tok;
  const signed = p.eatOp('+') || p.eatOp('-');
  const t = p.tok;
  if (t.type === 'integer' || t.type === 'float') {
    const lit = parsePrimary(p);
    if (sign.value === '-' && signed && lit.kind === 'literal') return negateLiteral(p, lit, sign) ?? lit;
    return lit;
  }
  if (signed) p.fail();
  if (p.isNm() || p.isKw('ON') || p.isKw('DELETE') || p.isKw('DEFAULT')) {
    p.next();
    return { kind: 'literal', value: t.type === 'word' ? t.text : t.value };
  }
  return p.fail();
}
