// Function calls (lang_corefunc.html, lang_datefunc.html): aggregate calls read their
// result from the post-aggregation row; the few functions that short-circuit or read the
// session (coalesce, ifnull, iif, changes, ...) are compiled here; the rest call the
// function registry (src/sql/functions) with the arguments evaluated.
import { DoSQLError } from '../../errors.js';
import type { Compiled, Ev } from '../execution/compiled.js';
import * as ops from '../execution/value-ops.js';
import type { FunctionExpr } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';
import { literal, merge } from './compile-common.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import { isWindowOnlyName, misusedWindow } from './window-check.js';
import { coalesceSubtyped, iifSubtyped, passArgumentSubtype, restoreSubtype, subtypedCall } from './compile-subtype.js';

/** Functions that return one of their arguments unchanged, passing its subtype on. */
const RETURNS_ARGUMENT: ReadonlySet<string> = new Set(['likely', 'unlikely', 'likelihood', 'nullif', 'min', 'max']);

/**
 * min(x) / max(x) return the chosen argument value itself, subtype included (minmaxStep keeps
 * a copy of the Mem): when x is a call of a function whose every result carries a subtype
 * (json(), json_object(), ...), so does the aggregate's. Other arguments give a plain value.
 */
function minMaxSubtype(e: FunctionExpr): number | undefined {
  if ((e.name !== 'min' && e.name !== 'max') || e.args.length !== 1) return undefined;
  let a = e.args[0]!;
  while (a.kind === 'collate') a = a.operand;
  if (a.kind !== 'function' || a.over !== undefined) return undefined;
  return ops.scalarFunction(a.name)?.resultSubtype;
}

export function compileFunction(e: FunctionExpr, cx: CompileContext): Compiled {
  if (e.over !== undefined) {
    // Window calls are computed by the window operator (plan-window.ts); anywhere else they are misused.
    const w = cx.windows?.get(e);
    if (w === undefined) throw misusedWindow(e);
    return { ...literal(null), ev: (row) => row[w]!, constant: false, sources: new Set([-1]) };
  }
  const slot = cx.aggregates?.get(e);
  if (slot !== undefined) {
    const ev = (row: SqlValue[]): SqlValue => row[slot]!;
    const st = ops.aggregateFunction(e.name)?.resultSubtype ?? minMaxSubtype(e);
    const sub = st === undefined ? {} : { resultSubtype: st, evSubtype: restoreSubtype(ev, st) };
    return { ...literal(null), ev, constant: false, sources: new Set([-1]), ...sub };
  }
  if (ops.isAggregate(e.name, e.args.length, e.star)) {
    throw new DoSQLError('SQL_ERROR', `sql: misuse of aggregate function ${e.name}()`);
  }
  if (isWindowOnlyName(e.name)) throw misusedWindow(e);
  if (e.distinct || e.filter || e.star) throw new DoSQLError('SQL_ERROR', `sql: ${e.name}() is not an aggregate function`);
  const args = e.args.map((a) => compileExpr(a, cx));
  const fs = args.map((a) => a.ev);
  switch (e.name) {
    case 'changes':
      return merge(args, (_r, env) => BigInt(env.session.changes), { constant: false });
    case 'total_changes':
      return merge(args, (_r, env) => BigInt(env.session.totalChanges), { constant: false });
    case 'last_insert_rowid':
      return merge(args, (_r, env) => env.session.lastInsertRowId, { constant: false });
    case 'coalesce':
    case 'ifnull': {
      if (e.name === 'ifnull' ? fs.length !== 2 : fs.length < 2) throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
      const evSubtype = coalesceSubtyped(args);
      return merge(
        args,
        (r, env) => {
          for (let i = 0; i < fs.length; i++) {
            const v = fs[i]!(r, env);
            if (v !== null) return v;
          }
          return null;
        },
        evSubtype ? { evSubtype } : {},
      );
    }
    case 'iif':
    case 'if': {
      if (fs.length !== 3) throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
      const [c, a, b] = fs as [Ev, Ev, Ev];
      const evSubtype = iifSubtyped(c, args[1]!, args[2]!);
      return merge(args, (r, env) => (ops.toBool(c(r, env)) === true ? a(r, env) : b(r, env)), evSubtype ? { evSubtype } : {});
    }
  }
  const fn = ops.scalarFunction(e.name);
  if (!fn) throw new DoSQLError('SQL_ERROR', `sql: no such function: ${e.name}`);
  if (fs.length < fn.minArgs || (fn.maxArgs >= 0 && fs.length > fn.maxArgs)) {
    throw new DoSQLError('SQL_ERROR', `sql: wrong number of arguments to function ${e.name}()`);
  }
  const n = fs.length;
  // Functions that compare (min, max, nullif) use the first explicit, else column, collation.
  const explicit = args.find((a) => a.explicitCollation)?.collation;
  const callColl = explicit ?? args.find((a) => a.collation)?.collation ?? 'BINARY';
  // The result carries only an explicit COLLATE of an argument, not a column's collation
  // (sqlite3ExprCollSeq follows EP_Collate into a function's arguments only): with c NOCASE,
  // lower(c) = 'ABC' compares BINARY.
  const facts = { constant: fn.deterministic && args.every((a) => a.constant), collation: explicit, explicitCollation: explicit !== undefined };
  if (fn.callSubtyped) return subtypedCall(fn, args, facts);
  const ev: Ev = (r, env) => {
    const vals: SqlValue[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = fs[i]!(r, env);
    return fn.call(vals, env, callColl);
  };
  const c = merge(args, ev, facts);
  return RETURNS_ARGUMENT.has(fn.name) ? passArgumentSubtype(c, args, (vals, env) => fn.call(vals, env, callColl)) : c;
}
