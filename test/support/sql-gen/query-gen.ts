// Random SELECT statements with a deterministic answer in SQLite (lang_select.html): joins
// (INNER, LEFT, CROSS, comma; ON and USING), derived tables, json_each / json_tree in FROM, WHERE with subqueries, GROUP BY
// with HAVING, aggregates without GROUP BY, window functions over rows or groups
// (window-gen.ts), DISTINCT, compound selects, ORDER BY and LIMIT.
//
// Determinism rules (the reasons are in model.ts):
// - grouped queries output only group keys, aggregates and expressions over them;
// - DISTINCT, GROUP BY keys and compound columns are set-safe;
// - LIMIT / OFFSET only under an ORDER BY of every output column, all set-safe, which is
//   then a total order; `ordered` tells the comparator that row order is part of the answer.
import { genBool, genSafeValue, genValue } from './expr-gen.js';
import { AliasCounter, column, tableScope, type ExprEnv, type GenExpr, type ScopeColumn } from './scope.js';
import { INT, setSafe, type SchemaModel } from './model.js';
import { genWindowValue } from './window-gen.js';
import { jsonTableItem } from './json-expr-gen.js';
import type { Rng } from './random.js';

export interface GeneratedQuery {
  readonly sql: string;
  /** True when the statement's ORDER BY is total: rows must come back in this order. */
  readonly ordered: boolean;
}

interface QueryCtx {
  readonly rng: Rng;
  readonly schema: SchemaModel;
  readonly aliases: AliasCounter;
  /** Nesting: 0 for the statement, 1 inside a derived table. */
  readonly depth: number;
}

interface SelectShape {
  readonly sql: string;
  readonly outputs: readonly GenExpr[];
  readonly ordered: boolean;
}

interface CoreOptions {
  /** Exact number of output columns (compound arms). */
  readonly width?: number;
  /** Every output column must be set-safe. */
  readonly safe?: boolean;
  /** Name outputs c0, c1, ... (derived tables). */
  readonly alias?: boolean;
}

export function generateQuery(rng: Rng, schema: SchemaModel): GeneratedQuery {
  const s = genSelect({ rng, schema, aliases: new AliasCounter(), depth: 0 }, {});
  return { sql: s.sql, ordered: s.ordered };
}

function genSelect(ctx: QueryCtx, opts: CoreOptions): SelectShape {
  const body = ctx.depth === 0 && ctx.rng.chance(0.14) ? genCompound(ctx, opts) : genCore(ctx, opts);
  return withOrderBy(ctx, body.sql, body.outputs);
}

/** ORDER BY (total, with LIMIT/OFFSET, or partial without) or nothing. */
function withOrderBy(ctx: QueryCtx, sql: string, outputs: readonly GenExpr[]): SelectShape {
  const { rng } = ctx;
  const positions = outputs.map((_, i) => i + 1);
  const term = (p: number): string => `${p}${rng.chance(0.4) ? ' DESC' : ''}${rng.chance(0.1) ? rng.pick([' NULLS FIRST', ' NULLS LAST']) : ''}`;
  if (outputs.every((o) => setSafe(o.classes)) && rng.chance(0.3)) {
    let s = `${sql} ORDER BY ${rng.sample(positions, positions.length).map(term).join(', ')}`;
    if (rng.chance(0.7)) s += ` LIMIT ${rng.int(rng.chance(0.1) ? 0 : 1, 6)}${rng.chance(0.4) ? ` OFFSET ${rng.int(0, 4)}` : ''}`;
    return { sql: s, outputs, ordered: true };
  }
  if (rng.chance(0.2)) return { sql: `${sql} ORDER BY ${rng.sample(positions, rng.int(1, positions.length)).map(term).join(', ')}`, outputs, ordered: false };
  return { sql, outputs, ordered: false };
}

function genCompound(ctx: QueryCtx, opts: CoreOptions): { sql: string; outputs: GenExpr[] } {
  const { rng } = ctx;
  const width = opts.width ?? rng.int(1, 3);
  const first = genCore(ctx, { ...opts, width, safe: true });
  let sql = first.sql;
  let outputs = [...first.outputs];
  const arms = rng.int(1, 2);
  for (let a = 0; a < arms; a++) {
    let op = rng.weighted([
      [3, 'UNION'],
      [3, 'UNION ALL'],
      [1.5, 'INTERSECT'],
      [1.5, 'EXCEPT'],
    ]);
    let arm = genCore(ctx, { width, safe: true });
    for (let tries = 0; tries < 4 && !unionSafe(outputs, arm.outputs); tries++) arm = genCore(ctx, { width, safe: true });
    // Deduplicating operators need the merged columns set-safe; UNION ALL keeps every row.
    if (!unionSafe(outputs, arm.outputs)) op = 'UNION ALL';
    sql += ` ${op} ${arm.sql}`;
    outputs = outputs.map((o, i) => merge(o, arm.outputs[i]!));
  }
  return { sql, outputs };
}

function unionSafe(a: readonly GenExpr[], b: readonly GenExpr[]): boolean {
  return a.every((o, i) => setSafe(o.classes | b[i]!.classes));
}

function merge(a: GenExpr, b: GenExpr): GenExpr {
  return { sql: a.sql, classes: a.classes | b.classes, wide: a.wide || b.wide, inexact: a.inexact || b.inexact };
}

/** A call of one of the aggregates expr-gen.ts writes. */
const AGGREGATE_CALL = /\b(?:count|sum|total|avg|min|max|group_concat)\(/;

function genCore(ctx: QueryCtx, opts: CoreOptions): { sql: string; outputs: GenExpr[] } {
  const { rng } = ctx;
  const fromless = rng.chance(0.04);
  const from = fromless ? { sql: '', scope: [] as ScopeColumn[], single: false } : genFrom(ctx);
  const env: ExprEnv = { rng, schema: ctx.schema, scope: from.scope, outer: [], subqueryDepth: ctx.depth === 0 ? 2 : 1, aliases: ctx.aliases };
  const whereDepth = rng.weighted([
    [5, 0],
    [3, 1],
    [1, 2],
  ]);
  const where = !fromless && rng.chance(0.6) ? ` WHERE ${genBool(env, whereDepth).sql}` : '';
  const mode = fromless ? 'plain' : rng.weighted<'plain' | 'grouped' | 'aggregate'>([
    [6, 'plain'],
    [2.5, 'grouped'],
    [1, 'aggregate'],
  ]);
  const width = opts.width ?? rng.int(1, 4);
  const distinct = mode !== 'aggregate' && rng.chance(0.15);
  const safe = opts.safe === true || distinct;
  // Some SELECTs compute window functions (window-gen.ts) over their rows or groups.
  const windowed = rng.chance(0.14);
  const defs: string[] = [];
  const make = (e: ExprEnv, tieBreak: readonly GenExpr[] = []): GenExpr => {
    if (windowed && rng.chance(0.45)) return genWindowValue({ env: e, tieBreak, defs, validArgs: ctx.depth > 0 }, safe);
    return safe ? genSafeValue(e, rng.int(0, 2)) : genValue(e, rng.int(0, 2));
  };
  // Without GROUP BY, SQLite (3.53) takes a SELECT whose only aggregates sit inside window
  // calls for a non-aggregate one when it pushes an outer WHERE or ON term into it, and fails
  // with "HAVING clause on a non-aggregate query": such a SELECT gets a plain aggregate too.
  const aggregateOutputs = (e: ExprEnv): GenExpr[] => {
    const outputs = Array.from({ length: width }, () => make(e));
    if (outputs.some((o) => / OVER /.test(o.sql)) && !outputs.some((o) => !/ OVER |SELECT /.test(o.sql) && AGGREGATE_CALL.test(o.sql))) {
      outputs[outputs.findIndex((o) => / OVER /.test(o.sql))] = { sql: 'count(*)', classes: INT, wide: false, inexact: false };
    }
    return outputs;
  };
  const fromSql = fromless ? '' : ` FROM ${from.sql}`;
  const select = (outputs: GenExpr[], rest: string): { sql: string; outputs: GenExpr[] } => {
    const list = outputs.map((o, i) => (opts.alias === true ? `${o.sql} AS c${i}` : o.sql)).join(', ');
    return { sql: `SELECT ${distinct ? 'DISTINCT ' : ''}${list}${fromSql}${where}${rest}${defs.length ? ` WINDOW ${defs.join(', ')}` : ''}`, outputs };
  };

  if (mode === 'plain') {
    if (from.single && opts.width === undefined && opts.alias !== true && rng.chance(0.1)) {
      return { sql: `SELECT ${distinct ? 'DISTINCT ' : ''}*${fromSql}${where}`, outputs: from.scope.map(column) };
    }
    return select(Array.from({ length: width }, () => make(env, from.scope.map(column))), '');
  }
  if (mode === 'aggregate') {
    return select(aggregateOutputs({ ...env, scope: [], aggScope: from.scope }), '');
  }
  // GROUP BY: keys are set-safe columns (or expressions); outputs see only the keys, plus aggregates.
  // A constant key would be read as an output column number (or group nothing): keys mention a column.
  const keys: GenExpr[] = [];
  const safeCols = from.scope.filter((c) => setSafe(c.classes));
  for (let i = rng.int(1, 2); i > 0 && safeCols.length > 0; i--) {
    const e = rng.chance(0.2) ? genSafeValue({ ...env, subqueryDepth: 0 }, 1) : undefined;
    keys.push(e !== undefined && /\bq\d+\./.test(e.sql) ? e : column(rng.pick(safeCols)));
  }
  if (keys.length === 0) return select(aggregateOutputs({ ...env, scope: [], aggScope: from.scope }), '');
  const keyScope: ScopeColumn[] = keys.map((k) => ({ ...k, name: 'k' }));
  const genv: ExprEnv = { ...env, scope: keyScope, aggScope: from.scope };
  const having = rng.chance(0.4) ? ` HAVING ${genBool(genv, 1).sql}` : '';
  return select(
    Array.from({ length: width }, () => make(genv, keys)),
    ` GROUP BY ${keys.map((k) => k.sql).join(', ')}${having}`,
  );
}

interface FromClause {
  readonly sql: string;
  readonly scope: ScopeColumn[];
  /** One base table: SELECT * lists exactly its columns. */
  readonly single: boolean;
}

interface FromItem {
  readonly sql: string;
  readonly scope: ScopeColumn[];
  readonly derived: boolean;
}

function genFrom(ctx: QueryCtx): FromClause {
  const { rng } = ctx;
  const count = rng.weighted([
    [4.5, 1],
    [4, 2],
    [1.5, 3],
  ]);
  const items: FromItem[] = [fromItem(ctx, [])];
  let sql = items[0]!.sql;
  const scope = [...items[0]!.scope];
  for (let k = 1; k < count; k++) {
    const item = fromItem(ctx, scope);
    const join = rng.weighted([
      [3, 'JOIN'],
      [1, 'INNER JOIN'],
      [2.5, 'LEFT JOIN'],
      [1, 'CROSS JOIN'],
      [1.5, ','],
    ]);
    if (join === ',') sql += `, ${item.sql}`;
    else if (join === 'CROSS JOIN') sql += ` CROSS JOIN ${item.sql}`;
    else {
      const on = joinConstraint(ctx, items, scope, item);
      sql += ` ${join} ${item.sql} ${join === 'LEFT JOIN' ? unoptimisableLike(on) : on}`;
    }
    items.push(item);
    scope.push(...item.scope);
  }
  return { sql, scope, single: count === 1 && !items[0]!.derived };
}

/**
 * `+col LIKE` for `col LIKE` in a LEFT JOIN's ON: SQLite (3.40 to at least 3.53) loses the
 * null-extended row when its LIKE optimisation turns `r.id LIKE 'h%'` into a range on the rowid
 * (or a NOCASE index) that no row falls in. The unary plus gives the same value (LIKE applies no
 * affinity or collation) but blocks the optimisation; test/sql-left-join-on.test.ts covers the
 * bare column in dosql.
 */
function unoptimisableLike(on: string): string {
  return on.replace(/(^|[\s(])(q\d+\.\w+) ((?:NOT )?LIKE )/g, '$1+$2 $3');
}

/** USING over names found in exactly one earlier item (else ambiguous), or ON. */
function joinConstraint(ctx: QueryCtx, before: readonly FromItem[], scope: readonly ScopeColumn[], item: FromItem): string {
  const { rng } = ctx;
  const shared = item.scope
    .map((c) => c.name)
    .filter((n) => before.filter((b) => b.scope.some((c) => c.name === n)).length === 1);
  if (shared.length > 0 && rng.chance(0.25)) return `USING (${rng.sample(shared, rng.int(1, Math.min(2, shared.length))).join(', ')})`;
  const env: ExprEnv = { rng, schema: ctx.schema, scope: [...scope, ...item.scope], outer: [], subqueryDepth: 0, aliases: ctx.aliases };
  if (rng.chance(0.75)) {
    // Mostly between columns that can hold equal values, so that joins find matches.
    const right = rng.pick(item.scope);
    const alike = scope.filter((c) => (c.classes & right.classes) !== 0);
    const eq = `${right.sql} = ${rng.pick(alike.length > 0 && rng.chance(0.8) ? alike : scope).sql}`;
    return rng.chance(0.3) ? `ON ${eq} AND ${genBool(env, 0).sql}` : `ON ${eq}`;
  }
  return `ON ${genBool(env, 1).sql}`;
}

function fromItem(ctx: QueryCtx, before: readonly ScopeColumn[]): FromItem {
  const { rng } = ctx;
  const alias = ctx.aliases.next();
  // A table-valued function: json_each / json_tree over a document or an earlier item's column.
  if (rng.chance(0.07)) return { ...jsonTableItem(rng, alias, before), derived: true };
  if (ctx.depth === 0 && rng.chance(0.15)) {
    const inner = genSelect({ ...ctx, depth: ctx.depth + 1 }, { alias: true });
    const scope = inner.outputs.map((o, i) => ({ sql: `${alias}.c${i}`, name: `c${i}`, classes: o.classes, wide: o.wide, inexact: o.inexact }));
    return { sql: `(${inner.sql}) AS ${alias}`, scope, derived: true };
  }
  const t = rng.pick(ctx.schema.tables);
  return { sql: `${t.name}${rng.chance(0.8) ? ' AS' : ''} ${alias}`, scope: tableScope(t, alias), derived: false };
}
