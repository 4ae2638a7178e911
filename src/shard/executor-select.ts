// Running a SELECT the router analysed: pass-through to one shard, scatter-gather with a merge,
// or the general gather fallback (every referenced table's rows, filtered where safe, loaded
// into a scratch database where the statement runs).
import type { Expr, OrderingTerm, SelectStmt, TableRef, TemporalClause } from '../sql/parser/ast.js';
import type { SqlValue } from '../sql/types/value.js';
import { getCollation } from '../sql/types/compare.js';
import { compareValues } from '../sql/types/compare.js';
import { isAggregate } from '../sql/execution/value-ops.js';
import type { ShardConnection, ShardResult } from './connection.js';
import type { Analysis } from './router.js';
import { limitOf, shardsOfTable, targetsOf } from './router.js';
import { conjuncts, scanSelect } from './scan.js';
import { someExpr } from './expr-map.js';
import { PARTIAL_TABLE, splitAggregate } from './split-aggregate.js';
import { withScratch, type TableSchema } from './scratch.js';
import { printExpr, printSelect, printTemporal, quoteIdent, type PrintContext } from './sql-print.js';
import { tableSpec, type ShardId, type VSchema } from './vschema.js';
import type { LookupNeed } from './router.js';

/** What the SELECT paths need from the executor. */
export interface SelectContext {
  readonly vschema: VSchema;
  /** Runs `fn` on each shard (a read: a replica may serve it), at most maxParallelShards at once; errors name the shard. */
  readMany<T>(shards: readonly ShardId[], fn: (c: ShardConnection) => Promise<T>): Promise<T[]>;
  /** The table's declared columns (cached). */
  schema(table: string): Promise<TableSchema | undefined>;
  /** The shards the lookups allow (intersected), or undefined when they do not narrow. */
  lookupTargets(needs: readonly LookupNeed[]): Promise<ShardId[] | undefined>;
  /** Notes the kind of the query for the metrics. */
  note(kind: 'single' | 'scatter' | 'gather'): void;
}

export function printCtx(values: readonly SqlValue[], extra: Partial<PrintContext> = {}): PrintContext {
  return { param: (i) => values[i - 1] ?? null, params: [], ...extra };
}

/**
 * Runs an analysed SELECT. `sql` is the statement's text for a pass-through, with `values` by
 * slot; a statement with named parameters is printed instead (positional values cannot bind them).
 */
export async function runSelect(ctx: SelectContext, a: Extract<Analysis, { kind: 'one' | 'local' | 'gather' }>, values: readonly SqlValue[], text: string, stmt: SelectStmt, named: boolean): Promise<ShardResult> {
  let sql = text;
  let passParams = values;
  if (named) {
    const c = printCtx(values);
    sql = printSelect(stmt, c);
    passParams = c.params;
  }
  if (a.kind === 'one') {
    ctx.note('single');
    return (await ctx.readMany([a.shard], (c) => c.exec(sql, passParams)))[0]!;
  }
  if (a.kind === 'gather') return runGather(ctx, a.stmt, values);
  let targets = [...a.targets];
  if (a.lookups.length) {
    const allowed = await ctx.lookupTargets(a.lookups);
    if (allowed) {
      const set = new Set(allowed);
      targets = targets.filter((t) => set.has(t));
      if (targets.length === 0) targets = [a.targets[0]!];
    }
  }
  if (targets.length === 1) {
    ctx.note('single');
    return (await ctx.readMany(targets, (c) => c.exec(sql, passParams)))[0]!;
  }
  ctx.note('scatter');
  return runScatter(ctx, a.stmt, values, targets);
}

async function runScatter(ctx: SelectContext, s: SelectStmt, values: readonly SqlValue[], targets: readonly ShardId[]): Promise<ShardResult> {
  const core = s.body.kind === 'selectCore' ? s.body : undefined;
  const split = splitAggregate(s);
  if (split) {
    const c = printCtx(values);
    const shardSql = printSelect({ kind: 'select', body: split.shardCore }, c);
    const parts = await ctx.readMany(targets, (conn) => conn.exec(shardSql, c.params));
    return withScratch(async (scratch) => {
      await scratch.createTable(PARTIAL_TABLE, split.partialColumns);
      await scratch.load(PARTIAL_TABLE, split.partialColumns.length, parts.flatMap((p) => p.rows));
      const cc = printCtx(values);
      return scratch.run(printSelect(split.coordinator, cc), cc.params);
    });
  }
  const aggregating = core !== undefined && (core.distinct || (core.groupBy?.length ?? 0) > 0 || [...core.columns.flatMap((x) => (x.kind === 'expr' ? [x.expr] : [])), ...(core.having ? [core.having] : [])].some((e) => someExpr(e, (x) => x.kind === 'function' && x.over === undefined && isAggregate(x.name, x.args.length, x.star))));
  const lim = limitOf(s, values);
  if (aggregating || !core || !lim) return runGather(ctx, s, values);
  if (!s.orderBy?.length && lim.count === null && lim.offset === 0) {
    const c = printCtx(values);
    const shardSql = printSelect(s, c);
    const parts = await ctx.readMany(targets, (conn) => conn.exec(shardSql, c.params));
    return concat(parts);
  }
  return runSorted(ctx, s, core, values, targets, lim);
}

function concat(parts: readonly ShardResult[]): ShardResult {
  return { columns: parts[0]?.columns ?? [], rows: parts.flatMap((p) => p.rows), changes: 0 };
}

/** ORDER BY / LIMIT / OFFSET: each shard sorts and returns its first offset+limit rows; the coordinator merges them. */
async function runSorted(ctx: SelectContext, s: SelectStmt, core: Extract<SelectStmt['body'], { kind: 'selectCore' }>, values: readonly SqlValue[], targets: readonly ShardId[], lim: { count: number | null; offset: number }): Promise<ShardResult> {
  const aliases = new Map<string, number>();
  core.columns.forEach((c, i) => {
    if (c.kind === 'expr' && c.alias !== undefined) aliases.set(c.alias.toLowerCase(), i);
  });
  const hasStar = core.columns.some((c) => c.kind !== 'expr');
  const hidden: Expr[] = [];
  const keys: { ref: { visible: number } | { hidden: number }; term: OrderingTerm; collation?: string }[] = [];
  for (const o of s.orderBy ?? []) {
    let expr = o.expr;
    let collation = o.collation;
    if (expr.kind === 'collate') {
      collation ??= expr.collation;
      expr = expr.operand;
    }
    const base = { term: o, ...(collation !== undefined ? { collation } : {}) };
    if (expr.kind === 'literal' && typeof expr.value === 'bigint' && !hasStar) keys.push({ ...base, ref: { visible: Number(expr.value) - 1 } });
    else if (expr.kind === 'column' && expr.table === undefined && aliases.has(expr.column.toLowerCase()) && !hasStar) keys.push({ ...base, ref: { visible: aliases.get(expr.column.toLowerCase())! } });
    else if (expr.kind === 'literal' && typeof expr.value === 'bigint') return runGather(ctx, s, values);
    else {
      keys.push({ ...base, ref: { hidden: hidden.length } });
      hidden.push(expr);
    }
  }
  const pushed: SelectStmt = {
    kind: 'select',
    body: { ...core, columns: [...core.columns, ...hidden.map((e, i) => ({ kind: 'expr' as const, expr: e, alias: `__o${i}` }))] },
    ...(s.orderBy ? { orderBy: s.orderBy } : {}),
    ...(lim.count !== null ? { limit: { kind: 'literal', value: BigInt(lim.count + lim.offset) } } : {}),
  };
  const c = printCtx(values);
  const shardSql = printSelect(pushed, c);
  const parts = await ctx.readMany(targets, (conn) => conn.exec(shardSql, c.params));
  const width = (parts[0]?.columns.length ?? hidden.length) - hidden.length;
  const idx = keys.map((k) => ('visible' in k.ref ? k.ref.visible : width + k.ref.hidden));
  const colls = keys.map((k) => (k.collation !== undefined ? getCollation(k.collation) : undefined));
  const rows = parts.flatMap((p) => p.rows);
  rows.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const t = keys[i]!.term;
      const a = x[idx[i]!] ?? null;
      const b = y[idx[i]!] ?? null;
      const desc = t.direction === 'DESC';
      // NULLs sort first ascending and last descending unless NULLS FIRST/LAST says otherwise (SQLite).
      if (a === null || b === null) {
        if (a === b) continue;
        const nullsFirst = t.nulls ? t.nulls === 'FIRST' : !desc;
        return (a === null) === nullsFirst ? -1 : 1;
      }
      const r = compareValues(a, b, colls[i]);
      if (r !== 0) return desc ? -r : r;
    }
    return 0;
  });
  const end = lim.count === null ? rows.length : lim.offset + lim.count;
  const out = rows.slice(lim.offset, end).map((r) => r.slice(0, width));
  return { columns: (parts[0]?.columns ?? []).slice(0, width), rows: out, changes: 0 };
}

// ---------------------------------------------------------------- the general fallback

function temporalKey(t: TemporalClause | undefined, values: readonly SqlValue[]): string {
  if (!t) return '';
  const c = printCtx(values);
  const text = printTemporal(t, c);
  return `${text}|${JSON.stringify(c.params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v))}`;
}

/**
 * Gathers every table the statement reads into a scratch database and runs it there. A table
 * read once, in the top-level FROM and not NULL-extended, is read with the WHERE conjuncts that
 * name only its columns (and on the shards they allow); other tables are read whole.
 */
export async function runGather(ctx: SelectContext, s: SelectStmt, values: readonly SqlValue[]): Promise<ShardResult> {
  ctx.note('gather');
  const scan = scanSelect(s);
  const param = (i: number): SqlValue => values[i - 1] ?? null;
  const core = s.body.kind === 'selectCore' && !s.with ? s.body : undefined;
  const topTables = scan.tables.filter((t) => t.topLevel);
  const counts = new Map<string, number>();
  for (const t of scan.tables) counts.set(t.ref.name.toLowerCase(), (counts.get(t.ref.name.toLowerCase()) ?? 0) + 1);
  // One scratch table per (table, FOR SYSTEM_TIME clause).
  const variants = new Map<string, { ref: TableRef; scratchName: string; filter?: Expr[] }>();
  const nameCount = new Map<string, number>();
  for (const t of scan.tables) {
    const key = `${t.ref.name.toLowerCase()}\u0000${temporalKey(t.ref.temporal, values)}`;
    if (variants.has(key)) continue;
    const n = nameCount.get(t.ref.name.toLowerCase()) ?? 0;
    nameCount.set(t.ref.name.toLowerCase(), n + 1);
    let filter: Expr[] | undefined;
    if (core && t.topLevel && !t.nullSupplying && counts.get(t.ref.name.toLowerCase()) === 1) {
      const own = (t.ref.alias ?? t.ref.name).toLowerCase();
      const single = topTables.length === 1;
      filter = conjuncts(core.where).filter((e) => pushable(e, own, single));
    }
    variants.set(key, { ref: t.ref, scratchName: n === 0 ? t.ref.name : `${t.ref.name}__v${n}`, ...(filter?.length ? { filter } : {}) });
  }
  const gathered = await Promise.all(
    [...variants.values()].map(async (v) => {
      const spec = tableSpec(ctx.vschema, v.ref.name)!;
      let shards = [...shardsOfTable(ctx.vschema, spec)];
      if (spec.type === 'reference') shards = [shards.includes(ctx.vschema.defaultShard) ? ctx.vschema.defaultShard : shards[0]!];
      if (spec.type === 'sharded' && v.filter) shards = targetsOf(ctx.vschema, [{ ref: v.ref, spec, slot: 0 }], v.filter, param).targets;
      const c = printCtx(values);
      const alias = v.ref.alias ?? v.ref.name;
      let sql = `SELECT * FROM ${quoteIdent(v.ref.name)}${v.ref.temporal ? ` ${printTemporal(v.ref.temporal, c)}` : ''} AS ${quoteIdent(alias)}`;
      if (v.filter) sql += ` WHERE ${v.filter.map((e) => printExpr(e, c)).join(' AND ')}`;
      const parts = await ctx.readMany(shards, (conn) => conn.exec(sql, c.params));
      return { v, result: concat(parts), schema: await ctx.schema(v.ref.name) };
    }),
  );
  return withScratch(async (scratch) => {
    for (const g of gathered) {
      await scratch.createTable(g.v.scratchName, g.result.columns, g.schema?.columns);
      await scratch.load(g.v.scratchName, g.result.columns.length, g.result.rows);
    }
    const c = printCtx(values, {
      dropTemporal: true,
      renameTable: (ref) => [...variants.entries()].find(([k]) => k === `${ref.name.toLowerCase()}\u0000${temporalKey(ref.temporal, values)}`)?.[1].scratchName,
    });
    return scratch.run(printSelect(s, c), c.params);
  });
}

/** A conjunct that names only columns of table `own` (qualified by it, or unqualified when it is the only table), with no subquery or aggregate. */
function pushable(e: Expr, own: string, single: boolean): boolean {
  let ok = true;
  someExpr(e, (x) => {
    if (x.kind === 'subquery' || x.kind === 'exists' || (x.kind === 'in' && (x.select || x.table)) || x.kind === 'raise') ok = false;
    else if (x.kind === 'function' && (x.over !== undefined || isAggregate(x.name, x.args.length, x.star))) ok = false;
    else if (x.kind === 'column' && !(x.table !== undefined ? x.table.toLowerCase() === own : single)) ok = false;
    return !ok;
  });
  return ok;
}
