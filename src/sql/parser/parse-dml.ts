// INSERT, UPDATE and DELETE, with UPSERT and RETURNING.
// Grammar: https://sqlite.org/lang_insert.html, https://sqlite.org/lang_upsert.html,
// https://sqlite.org/lang_update.html, https://sqlite.org/lang_delete.html,
// https://sqlite.org/lang_returning.html. Inside a trigger body (`inTrigger`) SQLite's grammar
// drops WITH prefixes, DEFAULT VALUES, INDEXED BY, RETURNING, and ORDER BY / LIMIT.
import type { ConflictAction, DeleteStmt, Expr, InsertStmt, ResultColumn, SetClause, UpdateStmt, UpsertClause, WithClause } from './ast.js';
import { parseConflictAction, parseIndexedColumns } from './parse-common.js';
import { parseExpr } from './parse-expr.js';
import { parseFrom, parseIndexedBy } from './parse-from.js';
import { refuseExternalTarget } from './parse-external.js';
import { parseLimitClause, parseOrderByClause, parseResultColumns, parseSelect } from './parse-select.js';
import type { Parser } from './parser-base.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** At INSERT or REPLACE. */
export function parseInsert(p: Parser, withClause: WithClause | undefined, inTrigger: boolean): InsertStmt {
  let orAction: ConflictAction | undefined;
  if (p.eatKw('REPLACE')) {
    orAction = 'REPLACE';
  } else {
    p.expectKw('INSERT');
    if (p.eatKw('OR')) orAction = parseConflictAction(p);
  }
  p.expectKw('INTO');
  refuseExternalTarget(p, 'INSERT');
  const table = p.parseQualifiedName();
  const head: Partial<Mutable<InsertStmt>> = {};
  if (withClause) head.with = withClause;
  if (orAction) head.orAction = orAction;
  if (p.eatKw('AS')) head.alias = p.parseNm();
  if (p.isOp('(')) head.columns = p.parseNameList();
  if (!inTrigger && p.isKw('DEFAULT')) {
    p.next();
    p.expectKw('VALUES');
    const stmt: InsertStmt = { kind: 'insert', ...head, table, source: { kind: 'defaultValues' } };
    const returning = parseReturning(p, inTrigger);
    return returning ? { ...stmt, returning } : stmt;
  }
  const select = parseSelect(p);
  const plainValues = select.body.kind === 'values' && !select.with && !select.orderBy && !select.limit;
  const source: InsertStmt['source'] = plainValues && select.body.kind === 'values' ? { kind: 'values', rows: select.body.rows } : { kind: 'select', select };
  let stmt: InsertStmt = { kind: 'insert', ...head, table, source };
  const upsert = parseUpserts(p);
  if (upsert.length > 0) stmt = { ...stmt, upsert };
  const returning = parseReturning(p, inTrigger);
  return returning ? { ...stmt, returning } : stmt;
}

/** `ON CONFLICT [(target) [WHERE e]] DO NOTHING | DO UPDATE SET ... [WHERE e]`, repeated; a clause without a target must be last. */
function parseUpserts(p: Parser): UpsertClause[] {
  const clauses: UpsertClause[] = [];
  while (p.eatKw('ON')) {
    p.expectKw('CONFLICT');
    let target: UpsertClause['target'];
    if (p.isOp('(')) {
      const { columns } = parseIndexedColumns(p);
      target = p.eatKw('WHERE') ? { columns, where: parseExpr(p) } : { columns };
    }
    p.expectKw('DO');
    let action: UpsertClause['action'];
    if (p.eatKw('NOTHING')) {
      action = { kind: 'nothing' };
    } else {
      p.expectKw('UPDATE');
      p.expectKw('SET');
      const sets = parseSetClauses(p);
      action = p.eatKw('WHERE') ? { kind: 'update', sets, where: parseExpr(p) } : { kind: 'update', sets };
    }
    clauses.push(target ? { target, action } : { action });
    if (!target) break;
  }
  return clauses;
}

/** `col = expr` or `(col, ...) = expr`, comma-separated. */
function parseSetClauses(p: Parser): SetClause[] {
  const sets: SetClause[] = [];
  do {
    const columns = p.isOp('(') ? p.parseNameList() : [p.parseNm()];
    p.expectOp('=');
    sets.push({ columns, value: parseExpr(p) });
  } while (p.eatOp(','));
  return sets;
}

function parseReturning(p: Parser, inTrigger: boolean): ResultColumn[] | undefined {
  if (inTrigger || !p.eatKw('RETURNING')) return undefined;
  return parseResultColumns(p);
}

/** At UPDATE. */
export function parseUpdate(p: Parser, withClause: WithClause | undefined, inTrigger: boolean): UpdateStmt {
  p.expectKw('UPDATE');
  const head: Partial<Mutable<UpdateStmt>> = {};
  if (withClause) head.with = withClause;
  if (p.eatKw('OR')) head.orAction = parseConflictAction(p);
  refuseExternalTarget(p, 'UPDATE');
  const table = p.parseQualifiedName();
  if (p.eatKw('AS')) head.alias = p.parseNm();
  if (!inTrigger) {
    const indexedBy = parseIndexedBy(p);
    if (indexedBy !== undefined) head.indexedBy = indexedBy;
  }
  p.expectKw('SET');
  const stmt: Mutable<UpdateStmt> = { kind: 'update', ...head, table, sets: parseSetClauses(p) };
  if (p.eatKw('FROM')) stmt.from = parseFrom(p);
  if (p.eatKw('WHERE')) stmt.where = parseExpr(p);
  if (!inTrigger) parseTail(p, stmt);
  return stmt;
}

/** At DELETE. */
export function parseDelete(p: Parser, withClause: WithClause | undefined, inTrigger: boolean): DeleteStmt {
  p.expectKw('DELETE');
  p.expectKw('FROM');
  refuseExternalTarget(p, 'DELETE');
  const table = p.parseQualifiedName();
  const stmt: Mutable<DeleteStmt> = { kind: 'delete', table };
  if (withClause) stmt.with = withClause;
  if (p.eatKw('AS')) stmt.alias = p.parseNm();
  if (!inTrigger) {
    const indexedBy = parseIndexedBy(p);
    if (indexedBy !== undefined) stmt.indexedBy = indexedBy;
  }
  if (p.eatKw('WHERE')) stmt.where = parseExpr(p);
  if (!inTrigger) parseTail(p, stmt);
  return stmt;
}

/** `[RETURNING ...] [ORDER BY ...] [LIMIT ...]` of UPDATE and DELETE, in SQLite's order. */
function parseTail(p: Parser, stmt: { returning?: readonly ResultColumn[]; orderBy?: UpdateStmt['orderBy']; limit?: Expr; offset?: Expr }): void {
  const returning = parseReturning(p, false);
  if (returning) stmt.returning = returning;
  const orderBy = parseOrderByClause(p);
  if (orderBy) stmt.orderBy = orderBy;
  const limit = parseLimitClause(p);
  if (limit) {
    stmt.limit = limit.limit;
    if (limit.offset) stmt.offset = limit.offset;
  }
}
