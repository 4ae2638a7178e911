// Stored procedures in SQL (docs/procedures.md): CREATE PROCEDURE ... AS MODULE writes a
// catalog row (so a procedure time-travels and branches with the schema), DROP PROCEDURE
// deletes it, and CALL evaluates its arguments here and hands them to the session's
// procedure runner (env.procedures, api/procedures.ts), which runs the code.
import { DoSQLError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ProcedureSchema } from '../catalog/schema.js';
import { collectResult } from '../execution/collect.js';
import type { ExecEnv } from '../execution/env.js';
import type { Limits } from '../execution/limits.js';
import type { CallStmt, CreateProcedureStmt, DropStmt, SelectStmt } from '../parser/ast.js';
import { planSelect } from './plan-select.js';
import { PlannerContext } from './planner-context.js';
import type { Executable } from './plan-statement.js';
import { Scope } from './scope.js';

/** CREATE [OR REPLACE] PROCEDURE name AS MODULE source. */
export async function createProcedure(env: ExecEnv, stmt: CreateProcedureStmt, sql: string): Promise<void> {
  const txn = env.txn;
  const existing = txn.catalog.findProcedure(stmt.name);
  if (existing && !stmt.orReplace) {
    if (stmt.ifNotExists) return;
    throw new DoSQLError('SQL_ERROR', `sql: procedure ${stmt.name} already exists`, { details: { name: stmt.name } });
  }
  const params = moduleParams(stmt.name, stmt.source);
  const p: ProcedureSchema = { type: 'procedure', name: stmt.name, language: 'module', source: stmt.source, params, sql };
  txn.catalog = txn.catalog.with(txn, p, existing);
}

/** DROP PROCEDURE [IF EXISTS] name. */
export function dropProcedure(env: ExecEnv, stmt: DropStmt): void {
  const txn = env.txn;
  const p = txn.catalog.findProcedure(stmt.name);
  if (!p) {
    if (stmt.ifExists) return;
    throw new DoSQLError('SQL_ERROR', `sql: no such procedure: ${stmt.name}`, { details: { name: stmt.name } });
  }
  txn.catalog = txn.catalog.without(txn, p);
}

/** CALL name(args): the arguments are evaluated as a one-row SELECT, then the session runs the procedure. */
export function planCall(stmt: CallStmt, catalog: Catalog, limits: Readonly<Limits>): Executable {
  const seen = new Set<string>();
  for (const a of stmt.args) {
    if (a.name === undefined) {
      if (seen.size) throw new DoSQLError('SQL_ERROR', `sql: CALL ${stmt.name}: a positional argument cannot follow a named one`);
      continue;
    }
    const k = a.name.toLowerCase();
    if (seen.has(k)) throw new DoSQLError('SQL_ERROR', `sql: CALL ${stmt.name}: argument ${a.name} given twice`, { details: { argument: a.name } });
    seen.add(k);
  }
  const select: SelectStmt = { kind: 'select', body: { kind: 'selectCore', distinct: false, columns: stmt.args.map((a) => ({ kind: 'expr' as const, expr: a.expr })) } };
  const plan = stmt.args.length ? planSelect(select, new Scope(undefined, 0), new PlannerContext(catalog, undefined, limits)) : undefined;
  return {
    catalogVersion: catalog.version,
    columns: [],
    returnsRows: true,
    writes: true,
    execute: async (env) => {
      const call = env.procedures;
      if (!call) throw new DoSQLError('NOT_SUPPORTED', `proc: CALL ${stmt.name}: procedures cannot run here (no procedure runner in this statement's context)`);
      const values = plan ? (await collectResult(plan.op, env))[0]! : [];
      const r = await call(
        stmt.name,
        stmt.args.map((a, i) => (a.name !== undefined ? { name: a.name, value: values[i]! } : { value: values[i]! })),
      );
      return { rows: r.rows, changes: 0, columns: r.columns };
    },
  };
}

/**
 * The parameter names of a module's default export after the context (`export default async
 * ({ db }, customerId) => ...` gives ['customerId']). Only a default export and no imports:
 * the module runs alone in a sandbox (SQL_ERROR naming the procedure otherwise). A parameter
 * that is a pattern gets the name '' (it can be passed positionally only).
 */
export function moduleParams(name: string, source: string): string[] {
  if (/(^|[\n;])\s*import[\s{*'"]/.test(source)) throw new DoSQLError('SQL_ERROR', `sql: procedure ${name}: a module procedure cannot import other modules`, { details: { name } });
  const m = /\bexport\s+default\s+/.exec(source);
  if (!m) throw new DoSQLError('SQL_ERROR', `sql: procedure ${name}: the module has no default export (export default async (ctx, ...args) => ...)`, { details: { name } });
  let i = m.index + m[0].length;
  const word = (w: string): boolean => {
    const r = new RegExp(`^${w}\\b\\s*`).exec(source.slice(i));
    if (r) i += r[0].length;
    return r !== null;
  };
  word('async');
  if (word('function')) {
    const id = /^\*?\s*[A-Za-z_$][\w$]*\s*/.exec(source.slice(i));
    if (id) i += id[0].length;
  }
  if (source[i] !== '(') return []; // `async ctx => ...` or a value: no parameters after the context
  const parts = splitTopLevel(source, i + 1);
  return parts.slice(1).map((p) => {
    const id = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(p.trim());
    return id ? id[1]! : '';
  });
}

/** The comma-separated items of a parenthesised list starting after `(` at `start`. */
function splitTopLevel(s: string, start: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = start;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const close = s.indexOf(c, i + 1);
      i = close < 0 ? s.length : close;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        if (s.slice(cur, i).trim() !== '') out.push(s.slice(cur, i));
        return out;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      out.push(s.slice(cur, i));
      cur = i + 1;
    }
  }
  return out;
}
