// Random data loading and data-changing statements (lang_insert.html, lang_update.html,
// lang_delete.html, lang_upsert.html, lang_conflict.html).
//
// Outcomes must not depend on the order rows are visited. SQLite checks constraints row by
// row, so `UPDATE t SET k = k + 1` on a unique k can fail or succeed depending on that order;
// key columns are therefore only ever set to constants (which conflict, or not, in any order).
// Multi-row sources are VALUES lists, whose order is fixed. Values keep to their column kind.
import { genBool } from './expr-gen.js';
import { AliasCounter, tableScope, type ExprEnv } from './scope.js';
import { uniqueKeys, type ColumnModel, type SchemaModel, type TableModel } from './model.js';
import type { Rng } from './random.js';
import { literalFor } from './values.js';

/** Single-row INSERT OR IGNORE statements filling every table with up to 14 rows. */
export function generateData(rng: Rng, schema: SchemaModel): string[] {
  const out: string[] = [];
  for (const t of schema.tables) {
    const rows = rng.chance(0.06) ? 0 : rng.int(2, 14);
    for (let i = 0; i < rows; i++) out.push(insertSql(rng, t, 'OR IGNORE ', 1));
  }
  return out;
}

function keyColumns(t: TableModel): Set<string> {
  return new Set(uniqueKeys(t).flat());
}

function valuesRow(rng: Rng, t: TableModel, cols: readonly ColumnModel[]): string {
  const keys = keyColumns(t);
  return `(${cols.map((c) => literalFor(rng, c, keys.has(c.name) ? 'key' : 'plain')).join(', ')})`;
}

function insertSql(rng: Rng, t: TableModel, conflict: string, rows: number): string {
  // Sometimes leave columns out so DEFAULTs, NULLs and automatic rowids come into play.
  const cols = rng.chance(0.25) ? t.columns.filter(() => rng.chance(0.6)) : [...t.columns];
  if (cols.length === 0) return `INSERT ${conflict}INTO ${t.name} DEFAULT VALUES`;
  const values = Array.from({ length: rows }, () => valuesRow(rng, t, cols)).join(', ');
  return `INSERT ${conflict}INTO ${t.name}(${cols.map((c) => c.name).join(', ')}) VALUES ${values}`;
}

/** One INSERT / UPSERT / UPDATE / DELETE on a random table; returns the statement and the table it changes. */
export function generateDml(rng: Rng, schema: SchemaModel): { sql: string; table: string } {
  const t = rng.pick(schema.tables);
  const kind = rng.weighted([
    [3, 'insert'],
    [1.5, 'upsert'],
    [3, 'update'],
    [2, 'delete'],
  ]);
  const sql = kind === 'insert' ? insertSql(rng, t, rng.pick(['', '', 'OR IGNORE ', 'OR REPLACE ']), rng.int(1, 3)) : kind === 'upsert' ? upsertSql(rng, t) : kind === 'update' ? updateSql(rng, schema, t) : deleteSql(rng, schema, t);
  return { sql, table: t.name };
}

function whereFor(rng: Rng, schema: SchemaModel, t: TableModel): string {
  const env: ExprEnv = { rng, schema, scope: tableScope(t, t.name), outer: [], subqueryDepth: 1, aliases: new AliasCounter() };
  return rng.chance(0.85) ? ` WHERE ${genBool(env, rng.int(0, 2)).sql}` : '';
}

/** A new value for a column: constants for key columns, else also expressions of the same kind. */
function setValue(rng: Rng, c: ColumnModel, keys: ReadonlySet<string>, self: string): string {
  if (keys.has(c.name) || rng.chance(0.5)) return literalFor(rng, c, keys.has(c.name) ? 'key' : 'plain');
  switch (c.kind) {
    case 'int':
      return c.wide ? literalFor(rng, c, 'plain') : `${self}.${c.name} + ${rng.int(-3, 3)}`;
    case 'real':
      return `${self}.${c.name} * ${rng.pick(['2.0', '0.5', '-1.0'])}`;
    case 'text':
      return rng.chance(0.5) ? `${self}.${c.name} || ${rng.pick(["'x'", "'é'", "''"])}` : `upper(${self}.${c.name})`;
    default:
      // Untyped columns may hold text, which arithmetic could turn into an integral real.
      return literalFor(rng, c, 'plain');
  }
}

function updateSql(rng: Rng, schema: SchemaModel, t: TableModel): string {
  const keys = keyColumns(t);
  const targets = rng.sample(t.columns, rng.int(1, Math.min(2, t.columns.length)));
  const sets = targets.map((c) => `${c.name} = ${setValue(rng, c, keys, t.name)}`);
  return `UPDATE ${t.name} SET ${sets.join(', ')}${whereFor(rng, schema, t)}`;
}

function deleteSql(rng: Rng, schema: SchemaModel, t: TableModel): string {
  return `DELETE FROM ${t.name}${whereFor(rng, schema, t)}`;
}

/** INSERT ... ON CONFLICT(key) DO NOTHING / DO UPDATE SET ... [WHERE ...] on a unique key. */
function upsertSql(rng: Rng, t: TableModel): string {
  const candidates = uniqueKeys(t);
  if (candidates.length === 0) return insertSql(rng, t, 'OR IGNORE ', rng.int(1, 2));
  const target = rng.pick(candidates);
  const keys = keyColumns(t);
  const rows = Array.from({ length: rng.int(1, 3) }, () => valuesRow(rng, t, t.columns)).join(', ');
  const head = `INSERT INTO ${t.name}(${t.columns.map((c) => c.name).join(', ')}) VALUES ${rows} ON CONFLICT(${target.join(', ')})`;
  const updatable = t.columns.filter((c) => !target.includes(c.name));
  if (updatable.length === 0 || rng.chance(0.3)) return `${head} DO NOTHING`;
  const sets = rng.sample(updatable, rng.int(1, Math.min(2, updatable.length))).map((c) => {
    const v = keys.has(c.name) || rng.chance(0.5) ? `excluded.${c.name}` : setValue(rng, c, keys, t.name);
    return `${c.name} = ${v}`;
  });
  const where = rng.chance(0.3) ? ` WHERE ${t.name}.${rng.pick(t.columns).name} IS NOT NULL` : '';
  return `${head} DO UPDATE SET ${sets.join(', ')}${where}`;
}
