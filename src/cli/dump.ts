// `.dump [TABLE]` (sqlite3's shell.html ".dump"): the database as SQL text that sqlite3 (and
// better-sqlite3) loads back into equal tables: the CREATE TABLE statements as written, one
// INSERT per row with values as SQL literals that keep their storage class, then the indexes,
// views and triggers, all in one transaction.
import type { Database } from '../sql/api/database.js';
import type { JsValue } from '../sql/api/values.js';
import { hex, realText } from './format.js';
import { quoteIdent } from './infer-schema.js';
import { schemaEntries } from './schema-info.js';

/**
 * A value as an SQL literal of the same storage class: INTEGER digits, REAL with a '.0' or
 * exponent (so it stays REAL; infinities as 1e999 / -1e999, as sqlite3 dumps them), TEXT in
 * quotes, BLOB as X'..'.
 */
export function sqlLiteral(v: JsValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NULL';
    if (!Number.isFinite(v)) return v > 0 ? '1e999' : '-1e999';
    const t = realText(v);
    // realText gives integral REALs a '.0'; the rest have a point or an exponent already.
    return /[.eE]/.test(t) ? t : `${t}.0`;
  }
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return `X'${hex(v)}'`;
}

/** Writes the dump of `db` (or of `table` and its indexes and triggers) line by line to `write`. */
export async function dumpDatabase(db: Database, write: (line: string) => void, table?: string): Promise<void> {
  const only = table?.toLowerCase();
  const entries = schemaEntries(db).filter((e) => !e.auto && e.sql && (only === undefined || e.name.toLowerCase() === only || e.table?.toLowerCase() === only));
  write('PRAGMA foreign_keys=OFF;');
  write('BEGIN TRANSACTION;');
  for (const t of entries.filter((e) => e.type === 'table')) {
    write(`${t.sql};`);
    const st = db.prepare(`SELECT * FROM ${quoteIdent(t.name)}`).safeIntegers().raw();
    const into = `INSERT INTO ${quoteIdent(t.name)} VALUES(`;
    for await (const row of st.iterate<JsValue[]>()) write(`${into}${row.map(sqlLiteral).join(',')});`);
  }
  for (const type of ['index', 'view', 'trigger'] as const) for (const e of entries.filter((x) => x.type === type)) write(`${e.sql};`);
  write('COMMIT;');
}
