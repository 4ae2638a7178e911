// One SQL statement, dispatched on its first keyword (https://sqlite.org/lang.html), plus
// EXPLAIN [QUERY PLAN] (https://sqlite.org/lang_explain.html), EXPLAIN ANALYZE <query> (DuckDB's)
// and WITH-prefixed DML.
import type { Statement } from './ast.js';
import { parseAlter, parseCreate, parseDrop } from './parse-ddl.js';
import { parseDelete, parseInsert, parseUpdate } from './parse-dml.js';
import { parseMisc } from './parse-misc.js';
import { parseCall } from './parse-procedure.js';
import { parseSelect, parseSelectAfterWith, parseWith } from './parse-select.js';
import type { Parser } from './parser-base.js';

const MISC: ReadonlySet<string> = new Set(['BEGIN', 'COMMIT', 'END', 'PREPARE', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'PRAGMA', 'REINDEX', 'ANALYZE', 'VACUUM']);

/** Parses one statement starting at the current token; stops before its `;` (if any). */
export function parseStatement(p: Parser): Statement {
  if (p.eatKw('EXPLAIN')) {
    let queryPlan = false;
    if (p.eatKw('QUERY')) {
      p.expectKw('PLAN');
      queryPlan = true;
    } else if (p.isKw('ANALYZE') && ['SELECT', 'WITH', 'VALUES', 'INSERT', 'UPDATE', 'DELETE', 'REPLACE'].some((k) => p.peekKw(1, k))) {
      // DuckDB's and Postgres' EXPLAIN ANALYZE <query>: run it, report per-operator counts.
      // `EXPLAIN ANALYZE [name]` (SQLite: EXPLAIN of the ANALYZE statement) stays as it was.
      p.eatKw('ANALYZE');
      return { kind: 'explain', queryPlan: false, analyze: true, statement: parseCommand(p) };
    }
    return { kind: 'explain', queryPlan, statement: parseCommand(p) };
  }
  return parseCommand(p);
}

function parseCommand(p: Parser): Statement {
  const t = p.tok;
  if (t.type !== 'word') return p.fail();
  switch (t.value) {
    case 'SELECT':
    case 'VALUES':
      return parseSelect(p);
    case 'WITH': {
      p.enter();
      const withClause = parseWith(p);
      let stmt: Statement;
      if (p.isKw('SELECT') || p.isKw('VALUES')) stmt = parseSelectAfterWith(p, withClause);
      else if (p.isKw('INSERT') || p.isKw('REPLACE')) stmt = parseInsert(p, withClause, false);
      else if (p.isKw('UPDATE')) stmt = parseUpdate(p, withClause, false);
      else if (p.isKw('DELETE')) stmt = parseDelete(p, withClause, false);
      else return p.fail();
      p.leave();
      return stmt;
    }
    case 'INSERT':
    case 'REPLACE':
      return parseInsert(p, undefined, false);
    case 'UPDATE':
      return parseUpdate(p, undefined, false);
    case 'DELETE':
      return parseDelete(p, undefined, false);
    case 'CREATE':
      return parseCreate(p);
    case 'DROP':
      return parseDrop(p);
    case 'ALTER':
      return parseAlter(p);
    case 'CALL':
      return parseCall(p);
    default:
      if (MISC.has(t.value)) return parseMisc(p);
      return p.fail();
  }
}
