// Decomposing an aggregate (or GROUP BY, or DISTINCT) query for scatter-gather, as Vitess'
// ordered/hash aggregation engines do: each shard computes partial aggregates per group, and
// the coordinator merges them:
//
//   count(x) -> count(x) per shard, sum of the counts       sum(x) -> sum per shard, sum of sums
//   total(x) -> total, total of totals                       min/max -> min/max of the minima/maxima
//   avg(x)   -> sum(x) and count(x) per shard, total(sums) / sum(counts)
//
// The coordinator runs the merge as SQL over the partial rows (table `_shard_rows` in a scratch
// database, executor-scratch.ts), so HAVING, ORDER BY, LIMIT/OFFSET and DISTINCT are applied
// after the merge by dosql itself. Not decomposable (the caller falls back to a gather):
// DISTINCT aggregates, other aggregates (group_concat, json_group_array, ...), aggregates with
// ORDER BY arguments, bare columns (a column neither grouped nor aggregated: SQLite takes it
// from an arbitrary row), `*` in the select list, GROUP BY terms naming an alias, subqueries in
// what the coordinator evaluates.
import type { ColumnExpr, Expr, FunctionExpr, OrderingTerm, ResultColumn, SelectCore, SelectStmt } from '../sql/parser/ast.js';
import { isAggregate } from '../sql/execution/value-ops.js';
import { resultName } from './sql-print.js';
import { astKey, CannotRewrite, mapExpr, someExpr } from './expr-map.js';

export const PARTIAL_TABLE = '_shard_rows';

/** The two halves of a decomposed query. */
export interface AggregateSplit {
  /** What each shard runs (same FROM and WHERE; partial aggregates per group). */
  readonly shardCore: SelectCore;
  /** Column names of the partial rows, in order. */
  readonly partialColumns: readonly string[];
  /** What the coordinator runs over `_shard_rows`. */
  readonly coordinator: SelectStmt;
}

const DECOMPOSABLE = new Set(['count', 'sum', 'total', 'min', 'max', 'avg']);


const col = (column: string): ColumnExpr => ({ kind: 'column', column });
const fn = (name: string, args: Expr[]): FunctionExpr => ({ kind: 'function', name, args, star: false, distinct: false });

function isAggCall(e: Expr): boolean {
  return e.kind === 'function' && e.over === undefined && isAggregate(e.name, e.args.length, e.star);
}

/** Splits `s` (a SELECT core with optional ORDER BY / LIMIT / OFFSET), or undefined when it cannot be decomposed. */
export function splitAggregate(s: SelectStmt): AggregateSplit | undefined {
  if (s.body.kind !== 'selectCore' || s.with) return undefined;
  const core = s.body;
  if (core.windows?.length) return undefined;
  const cols: Extract<ResultColumn, { kind: 'expr' }>[] = [];
  for (const c of core.columns) {
    if (c.kind !== 'expr') return undefined;
    cols.push(c);
  }
  const aliases = new Set(cols.filter((c) => c.alias !== undefined).map((c) => c.alias!.toLowerCase()));
  const names = cols.map(resultName);
  const nameSet = new Set(names.map((n) => n.toLowerCase()));
  const exprs = [...cols.map((c) => c.expr), ...(core.having ? [core.having] : []), ...(s.orderBy ?? []).map((o) => o.expr)];
  const hasAgg = exprs.some((e) => someExpr(e, isAggCall));
  if (!hasAgg && !core.groupBy?.length && !core.distinct) return undefined;

  // GROUP BY terms: positions resolve to result expressions; a term naming an alias is left to the gather.
  let groupBy: Expr[] = [];
  for (const g of core.groupBy ?? []) {
    if (g.kind === 'literal' && typeof g.value === 'bigint') {
      const c = cols[Number(g.value) - 1];
      if (!c) return undefined;
      groupBy.push(c.expr);
    } else if (g.kind === 'column' && g.table === undefined && aliases.has(g.column.toLowerCase())) return undefined;
    else groupBy.push(g);
  }
  if (!hasAgg && !groupBy.length) groupBy = cols.map((c) => c.expr);
  if (groupBy.some((g) => someExpr(g, isAggCall))) return undefined;

  const groupKeys = new Map<string, number>();
  const shardColumns: ResultColumn[] = [];
  const partialColumns: string[] = [];
  for (const g of groupBy) {
    const k = astKey(g);
    if (groupKeys.has(k)) continue;
    const name = `_g${groupKeys.size}`;
    groupKeys.set(k, groupKeys.size);
    shardColumns.push({ kind: 'expr', expr: g, alias: name });
    partialColumns.push(name);
  }

  const aggs = new Map<string, Expr>();
  let next = 0;
  const partial = (expr: Expr): string => {
    const name = `_a${next++}`;
    shardColumns.push({ kind: 'expr', expr, alias: name });
    partialColumns.push(name);
    return name;
  };
  const mergeOf = (f: FunctionExpr): Expr => {
    const k = astKey(f);
    const known = aggs.get(k);
    if (known) return known;
    if (!DECOMPOSABLE.has(f.name) || f.distinct || f.orderBy?.length || f.args.some((a) => someExpr(a, isAggCall))) throw new CannotRewrite();
    let merged: Expr;
    if (f.name === 'avg') {
      const sum = partial({ ...f, name: 'sum' });
      const count = partial({ ...f, name: 'count' });
      merged = { kind: 'binary', op: '/', left: fn('total', [col(sum)]), right: fn('sum', [col(count)]) };
    } else {
      const p = partial(f);
      merged = fn(f.name === 'count' ? 'sum' : f.name, [col(p)]);
    }
    aggs.set(k, merged);
    return merged;
  };
  const rewrite = (e: Expr, keepAliases: boolean): Expr =>
    mapExpr(e, (x) => {
      const g = groupKeys.get(astKey(x));
      if (g !== undefined) return col(`_g${g}`);
      if (isAggCall(x)) return mergeOf(x as FunctionExpr);
      if (x.kind === 'column') {
        // HAVING and ORDER BY may name a result column; the coordinator's select list has the same names.
        if (keepAliases && x.table === undefined && nameSet.has(x.column.toLowerCase())) return x;
        throw new CannotRewrite();
      }
      if (x.kind === 'subquery' || x.kind === 'exists' || (x.kind === 'in' && (x.select || x.table)) || x.kind === 'raise') throw new CannotRewrite();
      if (x.kind === 'function' && x.over !== undefined) throw new CannotRewrite();
      return undefined;
    });

  try {
    const outCols: ResultColumn[] = cols.map((c, i) => ({ kind: 'expr', expr: rewrite(c.expr, false), alias: names[i]! }));
    const having = core.having ? rewrite(core.having, true) : undefined;
    const orderBy: OrderingTerm[] | undefined = s.orderBy?.map((o) => ({ ...o, expr: o.expr.kind === 'literal' && typeof o.expr.value === 'bigint' ? o.expr : rewrite(o.expr, true) }));
    const shardCore: SelectCore = {
      kind: 'selectCore',
      distinct: false,
      columns: shardColumns.length ? shardColumns : [{ kind: 'expr', expr: { kind: 'literal', value: 1n }, alias: '_none' }],
      ...(core.from ? { from: core.from } : {}),
      ...(core.where ? { where: core.where } : {}),
      ...(groupBy.length ? { groupBy } : {}),
    };
    const coordinator: SelectStmt = {
      kind: 'select',
      body: {
        kind: 'selectCore',
        distinct: core.distinct,
        columns: outCols,
        from: { kind: 'table', name: PARTIAL_TABLE },
        ...(groupKeys.size ? { groupBy: [...groupKeys.values()].map((i) => col(`_g${i}`)) } : {}),
        ...(having ? { having } : {}),
      },
      ...(orderBy ? { orderBy } : {}),
      ...(s.limit ? { limit: s.limit } : {}),
      ...(s.offset ? { offset: s.offset } : {}),
    };
    return { shardCore, partialColumns: shardColumns.length ? partialColumns : ['_none'], coordinator };
  } catch (e) {
    if (e instanceof CannotRewrite) return undefined;
    throw e;
  }
}
