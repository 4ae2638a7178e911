// Values that come from outside the expression: column references (this query's row or an
// enclosing query's, lang_expr.html "Column names") and bound parameters ("Parameters").
import { DoSQLError } from '../../errors.js';
import type { Compiled, SubqueryRef } from '../execution/compiled.js';
import type { ExecEnv, Row } from '../execution/env.js';
import type { ColumnExpr, ParamExpr } from '../parser/ast.js';
import { Subtyped } from '../types/subtype.js';
import { literal, NONE } from './compile-common.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { containsWindow } from './window-check.js';

/** `?`, `?NNN`, `:name`: the statement's bound value at the parameter's index (NULL when unbound). */
export function compileParam(e: ParamExpr): Compiled {
  const i = e.index - 1;
  return { ...literal(null), ev: (_r, env) => (i < env.params.length ? env.params[i]! : null), constant: false };
}

/**
 * A column of this query level (read from the row), of an enclosing level (read from
 * env.outer, and reported through cx.onOuterRef), a result-column alias, or, for an unknown
 * double-quoted name, the string itself (SQLite's fallback). Throws SQL_ERROR otherwise.
 */
export function compileColumn(e: ColumnExpr, cx: CompileContext): Compiled {
  const res = cx.scope.resolve(e.table, e.column);
  if (!res) {
    if (!e.table && cx.aliases) {
      const a = cx.aliases.get(e.column.toLowerCase());
      if (a) {
        if (!cx.windows && containsWindow(a)) throw new DoSQLError('SQL_ERROR', `sql: misuse of aliased window function ${e.column}`);
        return compileExpr(a, { ...cx, aliases: undefined });
      }
    }
    if (e.dquoted && !e.table) return literal(e.column);
    const name = e.table ? `${e.table}.${e.column}` : e.column;
    throw new DoSQLError('SQL_ERROR', `sql: no such column: ${name}`, { details: { column: name } });
  }
  const idx = res.index;
  const base = { affinity: res.affinity, collation: res.collation, explicitCollation: false, subqueries: [] as SubqueryRef[], constant: false };
  const sub = res.subtypeOf;
  // A table-valued function's column may carry a subtype per row (json_each's array values).
  const withSub = (read: (row: Row, env: ExecEnv) => Row): { evSubtype?: Compiled['evSubtype'] } =>
    sub
      ? {
          evSubtype: (row, env) => {
            const r = read(row, env);
            const v = r[idx]!;
            const st = typeof v === 'string' ? sub(r) : undefined;
            return st === undefined ? v : new Subtyped(v as string, st);
          },
        }
      : {};
  if (res.level === cx.scope.level) {
    return { ...base, ev: (row) => row[idx]!, sources: new Set([res.source]), minOuterLevel: Infinity, columnIndex: idx, ...withSub((row) => row) };
  }
  const lvl = res.level;
  cx.onOuterRef?.(lvl, res.source);
  return { ...base, ev: (_row, env) => env.outer[lvl]![idx]!, sources: NONE, minOuterLevel: lvl, ...withSub((_row, env) => env.outer[lvl]!) };
}
