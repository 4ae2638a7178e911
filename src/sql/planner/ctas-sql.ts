// The CREATE TABLE text SQLite stores for CREATE TABLE ... AS SELECT (sqlite3's
// createTableStmt): each column's name, quoted when it must be, and the type its affinity
// stands for, one per line.
import { KEYWORDS } from '../parser/keywords.js';

/** `name` as SQLite's identQuote writes it: bare when a plain identifier, else in double quotes. */
export function quoteIdent(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite's identLength: the name's length with each '"' doubled, plus the two quotes. */
function identLength(name: string): number {
  return name.length + (name.match(/"/g)?.length ?? 0) + 2;
}

/** "CREATE TABLE t(a INT,b)", one column a line when the names are long (as createTableStmt decides), for columns [name, type or '']. */
export function createTableAsSql(table: string, columns: readonly (readonly [string, string])[]): string {
  let n = identLength(table);
  for (const [c] of columns) n += identLength(c) + 5;
  const [sep, sep2, end] = n < 50 ? ['', ',', ')'] : ['\n  ', ',\n  ', '\n)'];
  return `CREATE TABLE ${quoteIdent(table)}(${sep}${columns.map(([c, t]) => (t ? `${quoteIdent(c)} ${t}` : quoteIdent(c))).join(sep2)}${end}`;
}
