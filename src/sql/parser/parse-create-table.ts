// CREATE TABLE bodies: column definitions, column and table constraints, foreign keys,
// table options. Grammar: https://sqlite.org/lang_createtable.html,
// https://sqlite.org/syntax/column-constraint.html, https://sqlite.org/syntax/table-constraint.html,
// https://sqlite.org/syntax/foreign-key-clause.html, https://sqlite.org/gencol.html.
import type { ColumnConstraint, ColumnDef, CreateTableStmt, Expr, FkAction, ForeignKeyClause, TableConstraint } from './ast.js';
import { parseDirection, parseIndexedColumns, parseOnConflict, parseTypeName, withOptional } from './parse-common.js';
import { negateLiteral, parseExpr } from './parse-expr.js';
import { parsePrimary } from './parse-primary.js';
import { parseColumnNameList, parseSelect } from './parse-select.js';
import { TIME_KEYWORDS } from './keywords.js';
import type { Token } from './lexer.js';
import type { Parser } from './parser-base.js';

type Head = Pick<CreateTableStmt, 'temp' | 'ifNotExists' | 'schema' | 'name'>;

/** After `CREATE [TEMP] TABLE [IF NOT EXISTS] name`: `(columns, constraints) [options]` or `AS select`. */
export function parseCreateTableBody(p: Parser, head: Head): CreateTableStmt {
  const base = { kind: 'createTable' as const, ...head };
  if (p.eatKw('AS')) {
    return { ...base, columns: [], constraints: [], withoutRowid: false, strict: false, asSelect: parseSelect(p) };
  }
  p.expectOp('(');
  const columns: ColumnDef[] = [parseColumnDef(p)];
  const constraints: TableConstraint[] = [];
  while (p.eatOp(',')) {
    if (atTableConstraint(p)) {
      // After the first table constraint only constraints follow; the commas between them are optional.
      do constraints.push(parseTableConstraint(p));
      while (p.eatOp(',') || atTableConstraint(p));
      break;
    }
    columns.push(parseColumnDef(p));
  }
  p.expectOp(')');
  // SQLite's table_option_set: an optional first option, then `, option` repeated (so `(...), STRICT` is valid).
  let withoutRowid = false;
  let strict = false;
  let unknown: Token | undefined;
  const option = (): void => {
    const t = p.tok;
    if (p.eatKw('WITHOUT')) {
      if (p.parseNm().toUpperCase() === 'ROWID') withoutRowid = true;
      else unknown ??= t;
    } else if (p.parseNm().toUpperCase() === 'STRICT') {
      strict = true;
    } else {
      unknown ??= t;
    }
  };
  if (p.isKw('WITHOUT') || p.isNm()) option();
  while (p.eatOp(',')) option();
  if (unknown) {
    // A CREATE TABLE ends here; SQLite reports a syntax error after the options first.
    if (!p.atEof() && !p.isOp(';')) p.fail();
    p.fail(unknown, 'unknown table option');
  }
  return { ...base, columns, constraints, withoutRowid, strict };
}

function atTableConstraint(p: Parser): boolean {
  const t = p.tok;
  return t.type === 'word' && (t.value === 'CONSTRAINT' || t.value === 'PRIMARY' || t.value === 'UNIQUE' || t.value === 'CHECK' || t.value === 'FOREIGN');
}

/** `name [type] [constraint...]` (also used by ALTER TABLE ADD COLUMN). */
export function parseColumnDef(p: Parser): ColumnDef {
  const name = p.parseNm();
  const type = parseTypeName(p, true);
  const constraints: ColumnConstraint[] = [];
  let pendingName: string | undefined;
  while (true) {
    if (p.eatKw('CONSTRAINT')) {
      pendingName = p.parseNm();
      continue;
    }
    const c = parseColumnConstraint(p, constraints);
    if (c === undefined) break;
    if (c !== null) constraints.push(pendingName === undefined ? c : { ...c, name: pendingName });
    pendingName = undefined;
  }
  return type ? { name, type, constraints } : { name, constraints };
}

/** One column constraint; null when the clause only amended the previous one (a DEFERRABLE clause); undefined at the end. */
function parseColumnConstraint(p: Parser, previous: ColumnConstraint[]): ColumnConstraint | null | undefined {
  const t = p.tok;
  if (t.type !== 'word') return undefined;
  switch (t.value) {
    case 'PRIMARY': {
      p.next();
      p.expectKw('KEY');
      const direction = parseDirection(p);
      const onConflict = parseOnConflict(p);
      const autoincrement = p.eatKw('AUTOINCREMENT');
      return withOptional({ kind: 'primaryKey' as const, autoincrement }, { direction, onConflict });
    }
    case 'NOT':
      if (p.peekKw(1, 'DEFERRABLE')) return amendDeferrable(p, previous);
      p.next();
      p.expectKw('NULL');
      return withOptional({ kind: 'notNull' as const }, { onConflict: parseOnConflict(p) });
    case 'DEFERRABLE':
      return amendDeferrable(p, previous);
    case 'NULL':
      p.next();
      parseOnConflict(p); // accepted and ignored, as SQLite does
      return { kind: 'null' };
    case 'UNIQUE':
      p.next();
      return withOptional({ kind: 'unique' as const }, { onConflict: parseOnConflict(p) });
    case 'CHECK': {
      p.next();
      p.expectOp('(');
      const expr = parseExpr(p);
      p.expectOp(')');
      return { kind: 'check', expr };
    }
    case 'DEFAULT': {
      p.next();
      const start = p.tok.start;
      const expr = parseDefaultValue(p);
      // The text as SQLite keeps it for PRAGMA table_info: without the parentheses, trimmed.
      let text = p.sql.slice(start, p.prevEnd);
      if (text.startsWith('(')) text = text.slice(1, -1).trim();
      return { kind: 'default', expr, text };
    }
    case 'COLLATE':
      p.next();
      return { kind: 'collate', collation: p.parseIds().toUpperCase() };
    case 'REFERENCES':
      return { kind: 'references', fk: parseForeignKeyClause(p) };
    case 'GENERATED':
      p.next();
      p.expectKw('ALWAYS');
      return parseGenerated(p);
    case 'AS':
      return parseGenerated(p);
    default:
      return undefined;
  }
}

const CONSTRAINT_START: ReadonlySet<string> = new Set(['CONSTRAINT', 'DEFAULT', 'NULL', 'NOT', 'PRIMARY', 'UNIQUE', 'CHECK', 'REFERENCES', 'DEFERRABLE', 'COLLATE', 'GENERATED', 'AS']);

/** `AS ( expr ) [STORED | VIRTUAL]` (VIRTUAL is the default). */
function parseGenerated(p: Parser): ColumnConstraint {
  p.expectKw('AS');
  p.expectOp('(');
  const expr = parseExpr(p);
  p.expectOp(')');
  let stored = false;
  if (p.eatKw('STORED')) stored = true;
  else if (p.isId() && !p.eatKw('VIRTUAL')) {
    // SQLite takes any identifier here and rejects it once the next token proves valid.
    const word = p.next();
    if (!(p.isOp(',') || p.isOp(')') || (p.tok.type === 'word' && CONSTRAINT_START.has(p.tok.value)))) p.fail();
    p.fail(word, 'unknown generated column type');
  }
  return { kind: 'generated', expr, stored };
}

/**
 * DEFAULT value: `( expr )`, a literal, `+literal`, `-literal`, CURRENT_TIME/DATE/TIMESTAMP, or a
 * bare identifier, which SQLite stores as text ('abc'), except TRUE and FALSE (1 and 0).
 */
function parseDefaultValue(p: Parser): Expr {
  if (p.eatOp('(')) {
    const e = parseExpr(p);
    p.expectOp(')');
    return e;
  }
  const sign = p.tok;
  const signed = p.eatOp('+') || p.eatOp('-');
  const t = p.tok;
  const isTerm = t.type === 'integer' || t.type === 'float' || t.type === 'string' || t.type === 'blob' || (t.type === 'word' && (t.value === 'NULL' || TIME_KEYWORDS.has(t.value)));
  if (isTerm) {
    // A term is a single token: 'x'.y is not a column reference here.
    const term: Expr = t.type === 'string' ? (p.next(), { kind: 'literal', value: t.value }) : parsePrimary(p);
    if (!signed || sign.value === '+') return term;
    if (term.kind === 'literal') {
      const folded = negateLiteral(p, term, sign);
      if (folded) return folded;
    }
    return { kind: 'unary', op: '-', operand: term };
  }
  if (signed || !(p.isId() || p.isKw('INDEXED'))) p.fail();
  p.next();
  if (t.type === 'word' && t.value === 'TRUE') return { kind: 'literal', value: 1n };
  if (t.type === 'word' && t.value === 'FALSE') return { kind: 'literal', value: 0n };
  return { kind: 'literal', value: t.type === 'word' ? t.text : t.value };
}

/** `[NOT] DEFERRABLE [INITIALLY DEFERRED | INITIALLY IMMEDIATE]`, applied to the last REFERENCES. */
function amendDeferrable(p: Parser, previous: ColumnConstraint[]): null {
  const deferred = parseDeferrable(p);
  for (let i = previous.length - 1; i >= 0; i--) {
    const c = previous[i]!;
    if (c.kind === 'references') {
      previous[i] = { ...c, fk: { ...c.fk, deferrable: deferred } };
      break;
    }
  }
  return null;
}

/** Returns true only for DEFERRABLE INITIALLY DEFERRED: the one form that defers checking. */
function parseDeferrable(p: Parser): boolean {
  const not = p.eatKw('NOT');
  p.expectKw('DEFERRABLE');
  let deferred = false;
  if (p.eatKw('INITIALLY')) {
    if (p.eatKw('DEFERRED')) deferred = true;
    else p.expectKw('IMMEDIATE');
  }
  return deferred && !not;
}

/** `REFERENCES table [(cols)] [ON DELETE|UPDATE|INSERT action | MATCH name]...` */
function parseForeignKeyClause(p: Parser): ForeignKeyClause {
  p.expectKw('REFERENCES');
  const fk: { -readonly [K in keyof ForeignKeyClause]: ForeignKeyClause[K] } = { table: p.parseNm() };
  if (p.isOp('(')) fk.columns = parseColumnNameList(p);
  while (true) {
    if (p.eatKw('MATCH')) {
      p.parseNm(); // SQLite parses and ignores MATCH
    } else if (p.isKw('ON')) {
      p.next();
      const event = p.tok;
      if (!(event.type === 'word' && (event.value === 'DELETE' || event.value === 'UPDATE' || event.value === 'INSERT'))) p.fail();
      p.next();
      const action = parseFkAction(p);
      if (event.value === 'DELETE') fk.onDelete = action;
      else if (event.value === 'UPDATE') fk.onUpdate = action;
    } else {
      return fk;
    }
  }
}

function parseFkAction(p: Parser): FkAction {
  if (p.eatKw('SET')) {
    if (p.eatKw('NULL')) return 'SET NULL';
    p.expectKw('DEFAULT');
    return 'SET DEFAULT';
  }
  if (p.eatKw('CASCADE')) return 'CASCADE';
  if (p.eatKw('RESTRICT')) return 'RESTRICT';
  p.expectKw('NO');
  p.expectKw('ACTION');
  return 'NO ACTION';
}

function parseTableConstraint(p: Parser): TableConstraint {
  const name = p.eatKw('CONSTRAINT') ? p.parseNm() : undefined;
  const named = <T extends TableConstraint>(c: T): T => (name === undefined ? c : { ...c, name });
  const t = p.tok;
  if (p.eatKw('PRIMARY')) {
    p.expectKw('KEY');
    const { columns, autoincrement } = parseIndexedColumns(p, true);
    return named(withOptional({ kind: 'primaryKey' as const, columns, autoincrement }, { onConflict: parseOnConflict(p) }));
  }
  if (p.eatKw('UNIQUE')) {
    const { columns } = parseIndexedColumns(p);
    return named(withOptional({ kind: 'unique' as const, columns }, { onConflict: parseOnConflict(p) }));
  }
  if (p.eatKw('CHECK')) {
    p.expectOp('(');
    const expr = parseExpr(p);
    p.expectOp(')');
    parseOnConflict(p); // accepted and ignored, as SQLite does
    return named({ kind: 'check', expr });
  }
  if (p.eatKw('FOREIGN')) {
    p.expectKw('KEY');
    const columns = parseColumnNameList(p);
    let fk = parseForeignKeyClause(p);
    if (p.isKw('DEFERRABLE') || p.isKw('NOT')) fk = { ...fk, deferrable: parseDeferrable(p) };
    return named({ kind: 'foreignKey', columns, fk });
  }
  return p.fail(t);
}
