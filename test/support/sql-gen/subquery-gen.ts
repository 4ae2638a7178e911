// Subqueries inside expressions: scalar (always an aggregate, so exactly one row), IN and
// EXISTS, each over one table and often correlated with an enclosing column
// (lang_expr.html#subq, lang_expr.html#in_op, lang_expr.html#exists_op).
import { genAggregate, genBool, genValue } from './expr-gen.js';
import { INT } from './model.js';
import { tableScope, type ExprEnv, type GenExpr, type ScopeColumn } from './scope.js';

/** One table under a fresh alias, as a subquery's FROM, and its columns. */
function subqueryTable(env: ExprEnv): { from: string; scope: ScopeColumn[] } {
  const t = env.rng.pick(env.schema.tables);
  const alias = env.aliases.next();
  return { from: `${t.name} AS ${alias}`, scope: tableScope(t, alias) };
}

/** WHERE of a subquery: often correlated with an equality to an enclosing column. */
function subqueryWhere(env: ExprEnv, inner: ExprEnv): string {
  const { rng } = env;
  const enclosing = [...env.scope, ...env.outer];
  const parts: string[] = [];
  if (enclosing.length > 0 && rng.chance(0.6)) parts.push(`${rng.pick(inner.scope).sql} ${rng.pick(['=', '<', '>=', 'IS'])} ${rng.pick(enclosing).sql}`);
  if (parts.length === 0 || rng.chance(0.4)) parts.push(genBool(inner, 1).sql);
  return parts.join(' AND ');
}

function innerEnv(env: ExprEnv, scope: readonly ScopeColumn[]): ExprEnv {
  return { ...env, scope, outer: [...env.scope, ...env.outer], aggScope: undefined, subqueryDepth: env.subqueryDepth - 1 };
}

export function scalarSubquery(env: ExprEnv): GenExpr {
  const t = subqueryTable(env);
  const inner = innerEnv(env, t.scope);
  const agg = genAggregate({ ...inner, scope: [], aggScope: t.scope });
  return { sql: `(SELECT ${agg.sql} FROM ${t.from} WHERE ${subqueryWhere(env, inner)})`, classes: agg.classes, wide: agg.wide, inexact: agg.inexact };
}

export function inSubquery(env: ExprEnv, a: GenExpr): GenExpr {
  const t = subqueryTable(env);
  const inner = innerEnv(env, t.scope);
  const col = genValue(inner, env.rng.int(0, 1));
  const not = env.rng.chance(0.3) ? 'NOT ' : '';
  return { sql: `${a.sql} ${not}IN (SELECT ${col.sql} FROM ${t.from} WHERE ${subqueryWhere(env, inner)})`, classes: INT, wide: false, inexact: false };
}

export function existsSubquery(env: ExprEnv): GenExpr {
  const t = subqueryTable(env);
  const inner = innerEnv(env, t.scope);
  const not = env.rng.chance(0.3) ? 'NOT ' : '';
  return { sql: `${not}EXISTS (SELECT 1 FROM ${t.from} WHERE ${subqueryWhere(env, inner)})`, classes: INT, wide: false, inexact: false };
}
