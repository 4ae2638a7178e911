// CREATE (TABLE, INDEX, VIEW, TRIGGER), DROP and ALTER TABLE.
// Grammar: https://sqlite.org/lang_createindex.html, https://sqlite.org/lang_createview.html,
// https://sqlite.org/lang_createtrigger.html, https://sqlite.org/lang_droptable.html,
// https://sqlite.org/lang_altertable.html. CREATE TABLE bodies are in parse-create-table.ts.
// dosql extension: `CREATE INDEX i ON t USING VECTOR (col) WITH (metric = 'cosine', dims = 384)`.
import { DoSQLError } from '../../errors.js';
import type { AlterAction, AlterTableStmt, CreateIndexStmt, CreateVirtualTableStmt, CreateTriggerStmt, CreateViewStmt, DropStmt, Expr, Statement } from './ast.js';
import { parseIndexedColumns } from './parse-common.js';
import { parseColumnDef, parseCreateTableBody } from './parse-create-table.js';
import { parseDelete, parseInsert, parseUpdate } from './parse-dml.js';
import { parseExpr } from './parse-expr.js';
import { parseCreateProcedure } from './parse-procedure.js';
import { atSelectStart, parseColumnNameList, parseSelect } from './parse-select.js';
import type { Parser } from './parser-base.js';

/** At CREATE. */
export function parseCreate(p: Parser): Statement {
  p.expectKw('CREATE');
  if (p.isKw('OR') && p.peekKw(1, 'REPLACE')) {
    p.next();
    p.next();
    p.expectKw('PROCEDURE');
    return parseCreateProcedure(p, true);
  }
  if (p.eatKw('PROCEDURE')) return parseCreateProcedure(p, false);
  const temp = p.eatKw('TEMP') || p.eatKw('TEMPORARY');
  if (!temp && p.eatKw('UNIQUE')) {
    p.expectKw('INDEX');
    return parseCreateIndex(p, true);
  }
  if (p.eatKw('TABLE')) {
    const ifNotExists = parseIfNotExists(p);
    const { schema, name } = p.parseQualifiedName();
    return parseCreateTableBody(p, schema === undefined ? { temp, ifNotExists, name } : { temp, ifNotExists, schema, name });
  }
  if (!temp && p.eatKw('VIRTUAL')) return parseCreateVirtualTable(p);
  if (p.eatKw('VIEW')) return parseCreateView(p, temp);
  if (p.eatKw('TRIGGER')) return parseCreateTrigger(p, temp);
  if (!temp && p.eatKw('INDEX')) return parseCreateIndex(p, false);
  return p.fail();
}

function parseIfNotExists(p: Parser): boolean {
  if (!p.eatKw('IF')) return false;
  p.expectKw('NOT');
  p.expectKw('EXISTS');
  return true;
}

function parseIfExists(p: Parser): boolean {
  if (!p.eatKw('IF')) return false;
  p.expectKw('EXISTS');
  return true;
}

/** After `CREATE VIRTUAL`: the module arguments as written (SQLite's vtabarg: any tokens, balanced parentheses). */
function parseCreateVirtualTable(p: Parser): CreateVirtualTableStmt {
  p.expectKw('TABLE');
  const ifNotExists = parseIfNotExists(p);
  const { name } = p.parseQualifiedName();
  p.expectKw('USING');
  const module = p.parseNm();
  const args: string[] = [];
  if (p.eatOp('(')) {
    let depth = 0;
    let start = p.tok.start;
    for (;;) {
      if (p.atEof()) p.fail();
      if (depth === 0 && (p.isOp(',') || p.isOp(')'))) {
        const text = p.sql.slice(start, p.prevEnd).trim();
        if (text !== '' || p.isOp(',')) args.push(text);
        if (p.eatOp(')')) break;
        p.next();
        start = p.tok.start;
        continue;
      }
      if (p.isOp('(')) depth++;
      else if (p.isOp(')')) depth--;
      p.next();
    }
  }
  return { kind: 'createVirtualTable', ifNotExists, name, module, args };
}

/** After `CREATE [UNIQUE] INDEX`. */
function parseCreateIndex(p: Parser, unique: boolean): CreateIndexStmt {
  const ifNotExists = parseIfNotExists(p);
  const { schema, name } = p.parseQualifiedName();
  p.expectKw('ON');
  const table = p.parseNm();
  const stmt: { -readonly [K in keyof CreateIndexStmt]: CreateIndexStmt[K] } = { kind: 'createIndex', unique, ifNotExists, name, table, columns: [] };
  if (schema !== undefined) stmt.schema = schema;
  if (p.eatKw('USING')) stmt.using = p.parseNm().toUpperCase();
  stmt.columns = parseIndexedColumns(p).columns;
  if (p.isKw('WITH')) {
    p.next();
    p.expectOp('(');
    const options: { key: string; value: Expr }[] = [];
    do {
      const key = p.parseNm();
      p.expectOp('=');
      options.push({ key, value: parseExpr(p) });
    } while (p.eatOp(','));
    p.expectOp(')');
    stmt.options = options;
  }
  if (p.eatKw('WHERE')) stmt.where = parseExpr(p);
  return stmt;
}

/** After `CREATE [TEMP] VIEW`. */
function parseCreateView(p: Parser, temp: boolean): CreateViewStmt {
  const ifNotExists = parseIfNotExists(p);
  const { schema, name } = p.parseQualifiedName();
  const columns = p.isOp('(') ? parseColumnNameList(p) : undefined;
  p.expectKw('AS');
  const select = parseSelect(p);
  const stmt: CreateViewStmt = { kind: 'createView', temp, ifNotExists, name, select };
  return { ...stmt, ...(schema === undefined ? {} : { schema }), ...(columns ? { columns } : {}) };
}

/** After `CREATE [TEMP] TRIGGER`. */
function parseCreateTrigger(p: Parser, temp: boolean): CreateTriggerStmt {
  const ifNotExists = parseIfNotExists(p);
  const { schema, name } = p.parseQualifiedName();
  let timing: CreateTriggerStmt['timing'] = 'BEFORE'; // SQLite's default
  if (p.eatKw('AFTER')) timing = 'AFTER';
  else if (p.eatKw('INSTEAD')) {
    p.expectKw('OF');
    timing = 'INSTEAD OF';
  } else p.eatKw('BEFORE');
  let event: CreateTriggerStmt['event'];
  if (p.eatKw('DELETE')) event = { kind: 'DELETE' };
  else if (p.eatKw('INSERT')) event = { kind: 'INSERT' };
  else {
    p.expectKw('UPDATE');
    if (p.eatKw('OF')) {
      const columns = [p.parseNm()];
      while (p.eatOp(',')) columns.push(p.parseNm());
      event = { kind: 'UPDATE', columns };
    } else event = { kind: 'UPDATE' };
  }
  p.expectKw('ON');
  const table = p.parseQualifiedName().name;
  let forEachRow = false;
  if (p.eatKw('FOR')) {
    p.expectKw('EACH');
    p.expectKw('ROW');
    forEachRow = true;
  }
  const when = p.eatKw('WHEN') ? parseExpr(p) : undefined;
  p.expectKw('BEGIN');
  const body: CreateTriggerStmt['body'][number][] = [];
  do {
    body.push(parseTriggerCommand(p));
    p.expectOp(';');
  } while (!p.isKw('END'));
  p.next();
  // A trigger is stored and run later, with nothing to bind: SQLite refuses parameters in it.
  if (p.paramInfo().paramCount > 0) throw new DoSQLError('SQL_ERROR', 'sql: trigger cannot use variables');
  const stmt: CreateTriggerStmt = { kind: 'createTrigger', temp, ifNotExists, name, timing, event, table, forEachRow, body };
  return { ...stmt, ...(schema === undefined ? {} : { schema }), ...(when ? { when } : {}) };
}

function parseTriggerCommand(p: Parser): CreateTriggerStmt['body'][number] {
  if (p.isKw('UPDATE')) return parseUpdate(p, undefined, true);
  if (p.isKw('INSERT') || p.isKw('REPLACE')) return parseInsert(p, undefined, true);
  if (p.isKw('DELETE')) return parseDelete(p, undefined, true);
  if (atSelectStart(p)) return parseSelect(p);
  return p.fail();
}

/** At DROP: `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name`. */
export function parseDrop(p: Parser): DropStmt {
  p.expectKw('DROP');
  const t = p.tok;
  if (!(t.type === 'word' && (t.value === 'TABLE' || t.value === 'INDEX' || t.value === 'VIEW' || t.value === 'TRIGGER' || t.value === 'PROCEDURE'))) p.fail();
  p.next();
  const ifExists = parseIfExists(p);
  const { schema, name } = p.parseQualifiedName();
  const objectType = t.value as DropStmt['objectType'];
  return schema === undefined ? { kind: 'drop', objectType, ifExists, name } : { kind: 'drop', objectType, ifExists, schema, name };
}

/** At ALTER: `ALTER TABLE name RENAME TO n | RENAME [COLUMN] a TO b | ADD [COLUMN] def | DROP [COLUMN] c`. */
export function parseAlter(p: Parser): AlterTableStmt {
  p.expectKw('ALTER');
  p.expectKw('TABLE');
  const { schema, name } = p.parseQualifiedName();
  let action: AlterAction;
  if (p.eatKw('RENAME')) {
    if (p.eatKw('TO')) {
      action = { kind: 'renameTable', newName: p.parseNm() };
    } else {
      p.eatKw('COLUMN');
      const from = p.parseNm();
      p.expectKw('TO');
      action = { kind: 'renameColumn', from, to: p.parseNm() };
    }
  } else if (p.eatKw('ADD')) {
    p.eatKw('COLUMN');
    action = { kind: 'addColumn', column: parseColumnDef(p) };
  } else {
    p.expectKw('DROP');
    p.eatKw('COLUMN');
    action = { kind: 'dropColumn', column: p.parseNm() };
  }
  return schema === undefined ? { kind: 'alterTable', table: name, action } : { kind: 'alterTable', schema, table: name, action };
}
