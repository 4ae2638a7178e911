// Virtual table modules (https://sqlite.org/vtab.html) registered by layers above SQL: the
// full-text module fts5 (src/search). A module creates its catalog objects at
// `CREATE VIRTUAL TABLE` and, at planning, turns a name in FROM into a table-valued function
// scanning it (its hidden columns bound from WHERE, `t MATCH q` as `t = q`).
import { DoSQLError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ExecEnv } from '../execution/env.js';
import type { TableFunction } from '../functions/table-functions.js';
import type { CreateVirtualTableStmt, Expr, InsertStmt, SelectStmt } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';

export interface VirtualTableModule {
  /** Lower-case module name (`USING fts5`). */
  readonly name: string;
  /** Creates the table's catalog objects in `env.txn` (CREATE VIRTUAL TABLE; `sql` is the statement's text). */
  create(env: ExecEnv, stmt: CreateVirtualTableStmt, sql: string): Promise<void>;
  /** The scan of virtual table `name` in `catalog`, or undefined when it is not one of this module's. */
  resolve(name: string, catalog: Catalog): TableFunction | undefined;
  /** Drops virtual table `name` (DROP TABLE), returning false when it is not one of this module's. */
  drop?(env: ExecEnv, name: string): Promise<boolean>;
  /**
   * A special INSERT, `INSERT INTO t(t [, rowid, col...]) VALUES(command [, ...])` (fts5's
   * 'rebuild', 'delete'): runs it and returns true, or returns false when `name` is not one of
   * this module's tables. `args` holds the values by lower-case column name (the command
   * under the table's name).
   */
  command?(env: ExecEnv, name: string, args: ReadonlyMap<string, SqlValue>): Promise<boolean>;
  /**
   * True when a plain INSERT into virtual table `name` is already done by the writes of its
   * content table (fts5 with external content, which dosql indexes as the content changes), so
   * the statement — the body of SQLite's documented sync triggers — has nothing left to do.
   */
  writesFollowContent?(name: string, catalog: Catalog): boolean;
}

const modules = new Map<string, VirtualTableModule>();

/**
 * A rewrite of a SELECT before it is planned (a layer's access path the planner does not know:
 * the vector index's nearest-neighbour search). Returns the new statement or undefined.
 */
export type SelectRewriter = (stmt: SelectStmt, catalog: Catalog, isCte: (name: string) => boolean) => SelectStmt | undefined;

const rewriters: SelectRewriter[] = [];

export function registerSelectRewriter(r: SelectRewriter): void {
  if (!rewriters.includes(r)) rewriters.push(r);
}

/** `stmt` after the first registered rewrite that applies. */
export function rewriteSelect(stmt: SelectStmt, catalog: Catalog, isCte: (name: string) => boolean): SelectStmt {
  for (const r of rewriters) {
    const out = r(stmt, catalog, isCte);
    if (out) return out;
  }
  return stmt;
}

/** Adds a module (a second registration under a name replaces the first). */
export function registerVirtualTableModule(m: VirtualTableModule): void {
  modules.set(m.name.toLowerCase(), m);
}

/** CREATE VIRTUAL TABLE: SQLite's "no such module" for unknown modules. */
export async function createVirtualTable(env: ExecEnv, stmt: CreateVirtualTableStmt, sql: string): Promise<void> {
  const m = modules.get(stmt.module.toLowerCase());
  if (!m) throw new DoSQLError('SQL_ERROR', `sql: no such module: ${stmt.module}`, { details: { module: stmt.module } });
  await m.create(env, stmt, sql);
}

/** The virtual table called `name`, as a table-valued function, or undefined. */
export function resolveVirtualTable(name: string, catalog: Catalog): TableFunction | undefined {
  for (const m of modules.values()) {
    const f = m.resolve(name, catalog);
    if (f) return f;
  }
  return undefined;
}

/** DROP TABLE of a virtual table: true when a module dropped it. */
export async function dropVirtualTable(env: ExecEnv, name: string): Promise<boolean> {
  for (const m of modules.values()) if (m.drop && (await m.drop(env, name))) return true;
  return false;
}

/**
 * The command of `INSERT INTO t(t [, rowid, col...]) VALUES(command [, ...])` when t is a
 * virtual table of a module with commands (as SQLite's fts5 reads an insert into its hidden
 * column of the table's name), or undefined for any other INSERT. Values are literals or
 * bound parameters.
 */
export function virtualTableCommand(stmt: InsertStmt, catalog: Catalog): { run(env: ExecEnv): Promise<void> } | undefined {
  const name = stmt.table.name;
  const cols = stmt.columns;
  if (!cols?.length || cols[0]!.toLowerCase() !== name.toLowerCase()) return undefined;
  if (stmt.source.kind !== 'values' || stmt.source.rows.length !== 1 || stmt.source.rows[0]!.length !== cols.length) return undefined;
  if (!resolveVirtualTable(name, catalog)) return undefined;
  const exprs: readonly Expr[] = stmt.source.rows[0]!;
  if (exprs.some((e) => e.kind !== 'literal' && e.kind !== 'param')) return undefined;
  return {
    async run(env) {
      const args = new Map<string, SqlValue>();
      cols.forEach((c, i) => {
        const e = exprs[i]!;
        args.set(i === 0 ? name.toLowerCase() : c.toLowerCase(), e.kind === 'literal' ? e.value : e.kind === 'param' ? (env.params[e.index - 1] ?? null) : null);
      });
      for (const m of modules.values()) if (m.command && (await m.command(env, name, args))) return;
      throw new DoSQLError('SQL_ERROR', `sql: table ${name} accepts no commands`, { details: { table: name } });
    },
  };
}

/**
 * A plain INSERT into a virtual table whose index follows its content table by itself
 * (`INSERT INTO f(rowid, body) VALUES (new.id, new.body)` in SQLite's external-content sync
 * triggers, https://sqlite.org/fts5.html#external_content_tables): a statement that does
 * nothing, or undefined for any other INSERT.
 */
export function virtualTableFollowsContent(stmt: InsertStmt, catalog: Catalog): { readonly table: string } | undefined {
  if (catalog.findTable(stmt.table.name)) return undefined;
  for (const m of modules.values()) if (m.writesFollowContent?.(stmt.table.name, catalog)) return { table: stmt.table.name };
  return undefined;
}
