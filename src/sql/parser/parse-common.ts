// Small productions shared by several statements: expression lists, sort lists
// (ORDER BY terms and indexed columns), conflict resolution, type names.
// Grammar: https://sqlite.org/syntax/ordering-term.html, https://sqlite.org/syntax/indexed-column.html,
// https://sqlite.org/syntax/type-name.html, https://sqlite.org/lang_conflict.html.
import type { ConflictAction, Expr, IndexedColumn, OrderingTerm, TypeName } from './ast.js';
import { parseExpr } from './parse-expr.js';
import type { Token } from './lexer.js';
import type { Parser } from './parser-base.js';

/** `expr, expr, ...` (at least one). */
export function parseExprList(p: Parser): Expr[] {
  const list = [parseExpr(p)];
  while (p.eatOp(',')) list.push(parseExpr(p));
  return list;
}

/** Splits a top-level COLLATE off an expression: `a COLLATE nocase` is (a, "NOCASE"). */
export function splitCollate(e: Expr): { expr: Expr; collation?: string } {
  return e.kind === 'collate' ? { expr: e.operand, collation: e.collation } : { expr: e };
}

/**
 * ORDER BY terms after `ORDER BY`: `expr [COLLATE c] [ASC|DESC] [NULLS FIRST|LAST], ...`.
 * A top-level COLLATE moves from the expression into `collation`.
 */
export function parseOrderingTerms(p: Parser): OrderingTerm[] {
  const terms: OrderingTerm[] = [];
  do {
    const { expr, collation } = splitCollate(parseExpr(p));
    const direction = parseDirection(p);
    let nulls: 'FIRST' | 'LAST' | undefined;
    if (p.isKw('NULLS')) {
      p.next();
      if (p.eatKw('FIRST')) nulls = 'FIRST';
      else if (p.eatKw('LAST')) nulls = 'LAST';
      else p.fail();
    }
    terms.push(withOptional({ expr }, { collation, direction, nulls }));
  } while (p.eatOp(','));
  return terms;
}

/** A parenthesised sort list as used by indexes, PRIMARY KEY/UNIQUE and upsert targets: `(expr [COLLATE c] [ASC|DESC], ...)`. */
export function parseIndexedColumns(p: Parser, allowAutoincrement = false): { columns: IndexedColumn[]; autoincrement: boolean } {
  p.expectOp('(');
  const columns: IndexedColumn[] = [];
  let nulls: Token | undefined;
  do {
    const { expr, collation } = splitCollate(parseExpr(p));
    const direction = parseDirection(p);
    // SQLite's sort list admits NULLS FIRST/LAST here only to reject it after the list.
    if (p.isKw('NULLS')) {
      const t = p.next();
      if (!p.eatKw('FIRST')) p.expectKw('LAST');
      nulls ??= t;
    }
    columns.push(withOptional({ expr }, { collation, direction }));
  } while (p.eatOp(','));
  // SQLite accepts AUTOINCREMENT inside a table-level PRIMARY KEY(...) list.
  const autoincrement = allowAutoincrement && p.eatKw('AUTOINCREMENT');
  p.expectOp(')');
  if (nulls) p.fail(nulls, 'unsupported use of NULLS');
  return { columns, autoincrement };
}

export function parseDirection(p: Parser): 'ASC' | 'DESC' | undefined {
  if (p.eatKw('ASC')) return 'ASC';
  if (p.eatKw('DESC')) return 'DESC';
  return undefined;
}

const CONFLICT_ACTIONS: ReadonlySet<string> = new Set(['ROLLBACK', 'ABORT', 'FAIL', 'IGNORE', 'REPLACE']);

/** `ROLLBACK | ABORT | FAIL | IGNORE | REPLACE` (after OR or ON CONFLICT). */
export function parseConflictAction(p: Parser): ConflictAction {
  const t = p.tok;
  if (t.type !== 'word' || !CONFLICT_ACTIONS.has(t.value)) p.fail();
  p.next();
  return t.value as ConflictAction;
}

/** Optional `ON CONFLICT action` of a column or table constraint. */
export function parseOnConflict(p: Parser): ConflictAction | undefined {
  if (!p.eatKw('ON')) return undefined;
  p.expectKw('CONFLICT');
  return parseConflictAction(p);
}

/**
 * A type name: one or more `ids` words, then optionally `(n)` or `(n, m)` with signed numbers.
 * Words are joined by one space. Returns undefined when no word is present.
 *
 * In a column definition (`columnDef`) GENERATED and ALWAYS are ordinary type words to SQLite's
 * parser (they fall back to identifiers there), and SQLite then strips a trailing
 * "GENERATED ALWAYS" from the declared type (build.c, sqlite3AddColumn); so does this function.
 */
export function parseTypeName(p: Parser, columnDef: boolean): TypeName | undefined {
  const words: string[] = [];
  const ends: number[] = [];
  const start = p.tok.start;
  while (p.isIds()) {
    const t = p.next();
    words.push(t.type === 'word' ? t.text : t.value);
    ends.push(t.end);
  }
  if (words.length === 0) return undefined;
  const args: number[] = [];
  if (p.eatOp('(')) {
    args.push(parseSignedNumber(p));
    if (p.eatOp(',')) args.push(parseSignedNumber(p));
    p.expectOp(')');
  }
  const n = words.length;
  if (columnDef && args.length === 0 && n >= 2 && words[n - 1]!.toUpperCase() === 'ALWAYS' && words[n - 2]!.toUpperCase() === 'GENERATED') {
    if (n === 2) return undefined;
    words.length = n - 2;
    ends.length = n - 2;
  }
  const name = words.join(' ');
  // A column's type as written is what PRAGMA table_info shows.
  return columnDef ? { name, args, text: p.sql.slice(start, args.length ? p.prevEnd : ends[ends.length - 1]) } : { name, args };
}

/** `[+|-] number` as a JS number (type arguments). */
export function parseSignedNumber(p: Parser): number {
  let sign = 1;
  if (p.eatOp('-')) sign = -1;
  else p.eatOp('+');
  const t = p.tok;
  if (t.type !== 'integer' && t.type !== 'float') p.fail();
  p.next();
  return sign * Number(t.value);
}

/** Copies `base` and adds the entries of `extra` that are not undefined (keeps ASTs free of `key: undefined`). */
export function withOptional<T extends object, U extends object>(base: T, extra: U): T & { [K in keyof U]?: Exclude<U[K], undefined> } {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const k in extra) if (extra[k] !== undefined) out[k] = extra[k];
  return out as T & { [K in keyof U]?: Exclude<U[K], undefined> };
}
