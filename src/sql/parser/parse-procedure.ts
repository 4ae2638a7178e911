// dosql extensions for stored procedures (seeds 000 and 001, docs/procedures.md):
//   CREATE [OR REPLACE] PROCEDURE [IF NOT EXISTS] name AS MODULE $$ source $$
//   CALL name(arg, ...), each argument positional or named (`name => expr`, `name = expr`).
// DROP PROCEDURE is parsed with the other DROPs (parse-ddl.ts).
import type { CallArgument, CallStmt, CreateProcedureStmt } from './ast.js';
import { parseExpr } from './parse-expr.js';
import type { Parser } from './parser-base.js';

/** After `CREATE [OR REPLACE] PROCEDURE`. */
export function parseCreateProcedure(p: Parser, orReplace: boolean): CreateProcedureStmt {
  let ifNotExists = false;
  if (p.eatKw('IF')) {
    p.expectKw('NOT');
    p.expectKw('EXISTS');
    ifNotExists = true;
  }
  const name = p.parseNm();
  p.expectKw('AS');
  p.expectKw('MODULE');
  const t = p.tok;
  // The body is a string: '...' or the dollar-quoted $$...$$ of the seeds.
  if (t.type !== 'string') p.fail(t, 'syntax error (CREATE PROCEDURE ... AS MODULE takes the module source as a $$...$$ or quoted string)');
  p.next();
  return { kind: 'createProcedure', orReplace, ifNotExists, name, source: t.value };
}

/** At CALL. */
export function parseCall(p: Parser): CallStmt {
  p.expectKw('CALL');
  const name = p.parseNm();
  const args: CallArgument[] = [];
  p.expectOp('(');
  if (!p.eatOp(')')) {
    for (;;) {
      args.push(parseArgument(p));
      if (p.eatOp(')')) break;
      p.expectOp(',');
    }
  }
  return { kind: 'call', name, args };
}

function parseArgument(p: Parser): CallArgument {
  const t = p.tok;
  if ((t.type === 'word' || t.type === 'qid') && p.peekOp(1, '=')) {
    const eq = p.peek(1);
    // `name => expr` lexes as `=` `>`; only when the two are adjacent.
    const arrow = p.peekOp(2, '>') && p.peek(2).start === eq.end;
    const name = p.parseNm();
    p.next();
    if (arrow) p.next();
    return { name, expr: parseExpr(p) };
  }
  return { expr: parseExpr(p) };
}
