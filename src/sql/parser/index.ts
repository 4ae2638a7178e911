// The SQL parser's entry points. The lexer, grammar modules and AST are described in the files
// they live in; this module splits input into statements, numbers parameters per statement,
// and turns runaway recursion into a SQL_SYNTAX error.
import { DoSQLError } from '../../errors.js';
import type { Expr, ParsedStatement } from './ast.js';
import { parseExpr } from './parse-expr.js';
import { parseStatement } from './parse-statement.js';
import { Parser } from './parser-base.js';

/**
 * Parses every statement in `sql`. Statements are separated by `;`; empty statements are
 * skipped. Each result carries its UTF-16 span (without the `;`) and its parameters
 * (numbered per statement, SQLite's rules). Throws DoSQLError('SQL_SYNTAX') with
 * `details: { line, column, offset, near }` on the first error.
 */
export function parse(sql: string): ParsedStatement[] {
  return guarded(sql, (p) => {
    const out: ParsedStatement[] = [];
    while (true) {
      while (p.eatOp(';'));
      if (p.atEof()) return out;
      out.push(parseOneAt(p));
      if (!p.atEof()) p.expectOp(';');
    }
  });
}

/** Parses exactly one statement (a trailing `;` is allowed); anything else is SQL_SYNTAX. */
export function parseOne(sql: string): ParsedStatement {
  return guarded(sql, (p) => {
    while (p.eatOp(';'));
    if (p.atEof()) p.fail();
    const stmt = parseOneAt(p);
    if (p.atEof()) return stmt;
    p.expectOp(';');
    while (p.eatOp(';'));
    if (!p.atEof()) p.fail(p.tok, 'only one statement is allowed');
    return stmt;
  });
}

/** Parses a single expression (the whole input). Parameters are numbered as in a statement. */
export function parseExpression(sql: string): Expr {
  return guarded(sql, (p) => {
    const e = parseExpr(p);
    if (!p.atEof()) p.fail();
    return e;
  });
}

function parseOneAt(p: Parser): ParsedStatement {
  p.startStatement();
  const start = p.tok.start;
  const statement = parseStatement(p);
  return { statement, start, end: p.prevEnd, ...p.paramInfo() };
}

/** Runs `body` on a fresh parser; a stack overflow that slips past the depth limits becomes SQL_SYNTAX. */
function guarded<T>(sql: string, body: (p: Parser) => T): T {
  let p: Parser | undefined;
  try {
    p = new Parser(sql);
    return body(p);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const t = p?.tok;
    const details = t ? { line: t.line, column: t.column, offset: t.start, near: t.text } : { line: 1, column: 1, offset: 0, near: '' };
    throw new DoSQLError('SQL_SYNTAX', `sql: too deeply nested at line ${details.line}, column ${details.column}`, { cause: e, details });
  }
}
