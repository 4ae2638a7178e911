// External tables in FROM (docs/external-tables.md): a string literal that names a file or a
// URL — `FROM 'data/*.parquet'`, `FROM 'https://host/x.csv' WITH (header = true)` — instead
// of a table. SQLite reads a string in FROM as a quoted table name (`FROM 'users'`); that
// meaning is kept for every string that does not look like a location (isExternalLocation).
import { DoSQLError } from '../../errors.js';
import type { Expr, ExternalSource, TableFunctionRef } from './ast.js';
import { P_CMP, parseExpr } from './parse-expr.js';
import { atTemporalClause, parseAlias } from './parse-select.js';
import type { Parser } from './parser-base.js';

const SCHEME = /^(?:[a-z][a-z0-9+.-]*:\/\/|file:)/i;
const EXTENSION = /\.(?:parquet|parq|csv|tsv|json|ndjson|jsonl)$/i;

/**
 * Whether a string in FROM is an external location rather than SQLite's quoted table name:
 * it has a URL scheme (`https://`, `r2://`, `file:`), a `/`, a glob character (`*`, `?`, `[`),
 * or a data file extension (.parquet, .csv, .tsv, .json, .ndjson, .jsonl).
 */
export function isExternalLocation(s: string): boolean {
  return SCHEME.test(s) || s.includes('/') || /[*?[]/.test(s) || EXTENSION.test(s);
}

/** At a string token in FROM: true when it starts an external table (parseExternalTable follows). */
export function atExternalTable(p: Parser): boolean {
  const t = p.tok;
  return t.type === 'string' && isExternalLocation(t.value);
}

/** `'location' [WITH (opts)] [[AS] alias] [WITH (opts)]`; FOR SYSTEM_TIME on it is NOT_SUPPORTED. */
export function parseExternalTable(p: Parser): TableFunctionRef {
  const location = p.next().value;
  let options = parseOptions(p);
  const alias = parseAlias(p);
  if (!options.length) options = parseOptions(p);
  if (atTemporalClause(p)) {
    throw new DoSQLError('NOT_SUPPORTED', `sql: external table '${location}' has no history: FOR SYSTEM_TIME applies to dosql tables only (docs/external-tables.md)`, { details: { location } });
  }
  const external: ExternalSource = { location, options };
  return alias === undefined ? { kind: 'tableFunction', name: location, args: [], external } : { kind: 'tableFunction', name: location, args: [], alias, external };
}

/** `WITH ( name = value [, ...] )`; values are literals, parameters, or bare words (read as text). */
function parseOptions(p: Parser): { name: string; value: Expr }[] {
  if (!(p.isKw('WITH') && p.peekOp(1, '('))) return [];
  p.next();
  p.next();
  const out: { name: string; value: Expr }[] = [];
  do {
    const name = p.parseNm().toLowerCase();
    if (!p.eatOp('=')) p.expectOp('==');
    out.push({ name, value: parseExpr(p, P_CMP) });
  } while (p.eatOp(','));
  p.expectOp(')');
  return out;
}

/**
 * INSERT INTO / UPDATE / DELETE FROM an external location: READ_ONLY (external tables are
 * read-only; SQLite would say "no such table").
 */
export function refuseExternalTarget(p: Parser, statement: string): void {
  if (!atExternalTable(p)) return;
  const location = p.tok.value;
  throw new DoSQLError('READ_ONLY', `sql: external table '${location}' is read-only: ${statement} is not allowed (docs/external-tables.md)`, { details: { location } });
}
