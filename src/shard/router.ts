// The query router (Vitess' planner, reduced): parses a statement with dosql's parser and
// decides where it runs and what the coordinator does with the answers.
//
//   SELECT whose sharded tables are all in the top-level FROM, co-located (same vindex,
//   joined by equality of their vindex columns) and not under a subquery: "local" — it runs
//   on each target shard as is. Targets: the shards the WHERE's point / IN / range
//   restrictions on a vindex column allow (lookup vindexes: after reading the lookup table),
//   else all. One target: pass-through. Several: scatter, then merge (concatenate; or
//   sort + LIMIT; or merge partial aggregates, split-aggregate.ts).
//   SELECT over reference tables only: any one shard. Unsharded tables of one shard (with
//   reference tables): that shard.
//   Anything else: "gather" — each referenced table's rows are read from its shards into a
//   scratch database on the coordinator, where the statement runs (executor-gather.ts).
//   INSERT: rows to the shards their vindex values hash to; UPDATE / DELETE: by the WHERE's
//   restrictions, else every shard; reference tables: every shard; DDL: every shard holding
//   the table.
import { DoSQLError } from '../errors.js';
import { bindParams } from '../sql/api/bind-params.js';
import type { BindParams } from '../sql/api/values.js';
import { parseOne } from '../sql/parser/index.js';
import type { Expr, OrderingTerm, ParsedStatement, SelectStmt, Statement } from '../sql/parser/ast.js';
import type { SqlValue } from '../sql/types/value.js';
import { conjuncts, joinConditions, scanExprs, scanSelect, type StatementScan } from './scan.js';
import { restrictionOf, vindexEquality, type Restriction, type ShardedUse } from './predicates.js';
import { resolverOf } from './vindex.js';
import { tableSpec, type LookupVindex, type ShardId, type TableSpec, type VSchema } from './vschema.js';
import { splitAggregate } from './split-aggregate.js';

/** How a statement is routed. */
export type QueryType = 'single' | 'scatter' | 'gather' | 'broadcast';

/** A step the coordinator applies to the shards' answers. */
export type PostProcessingStep =
  | { readonly type: 'merge' }
  | { readonly type: 'sort'; readonly columns: readonly { readonly column: string; readonly direction: 'ASC' | 'DESC' }[] }
  | { readonly type: 'limit'; readonly count: number | null; readonly offset: number }
  | { readonly type: 'aggregate' }
  | { readonly type: 'distinct' }
  | { readonly type: 'gather'; readonly tables: readonly string[] }
  | { readonly type: 'lookup'; readonly table: string; readonly shard: ShardId };

/** What `router.analyze()` returns (seed 000's ExecutionPlan). */
export interface ExecutionPlan {
  readonly sql: string;
  readonly statement: 'select' | 'insert' | 'update' | 'delete' | 'ddl' | 'other';
  readonly routing: {
    readonly queryType: QueryType;
    /** The shards the statement's parts run on (before a lookup vindex narrows them). */
    readonly targetShards: readonly ShardId[];
    readonly reason: string;
    /** A read: replicas may serve it under a read preference. */
    readonly canUseReplica: boolean;
    /** Shard calls the plan makes (a rough cost). */
    readonly costEstimate: number;
  };
  readonly postProcessing: readonly PostProcessingStep[];
}

export interface ShardRouter {
  readonly vschema: VSchema;
  /** The plan of one statement with its parameters (no I/O; a lookup vindex shows as a 'lookup' step). Throws SQL_SYNTAX, INVALID_ARGUMENT (a table not in the vschema). */
  analyze(sql: string, params?: BindParams): ExecutionPlan;
}

/** The router of `vschema`. */
export function createShardRouter(vschema: VSchema): ShardRouter {
  return {
    vschema,
    analyze: (sql, params) => describePlan(sql, analyzeSql(vschema, sql, params)),
  };
}

// ---------------------------------------------------------------- internal analysis

/** A lookup the executor must read before it knows the targets. */
export interface LookupNeed {
  readonly vindex: LookupVindex;
  readonly values: readonly SqlValue[];
  /** The primary vindex's resolver key (keyspace ids in the lookup map through it). */
  readonly table: string;
}

export type Analysis =
  | { readonly kind: 'one'; readonly shard: ShardId; readonly reason: string; readonly read: boolean }
  | { readonly kind: 'local'; readonly stmt: SelectStmt; readonly targets: readonly ShardId[]; readonly lookups: readonly LookupNeed[]; readonly reason: string }
  | { readonly kind: 'gather'; readonly stmt: SelectStmt; readonly reason: string; readonly tables: readonly string[] }
  | { readonly kind: 'insert'; readonly table: string; readonly spec: TableSpec }
  | { readonly kind: 'update' | 'delete'; readonly table: string; readonly spec: TableSpec; readonly targets: readonly ShardId[]; readonly lookups: readonly LookupNeed[]; readonly reason: string }
  | { readonly kind: 'broadcast'; readonly shards: readonly ShardId[]; readonly reason: string };

export interface AnalyzedStatement {
  readonly parsed: ParsedStatement;
  /** Parameter values by slot (slot i at index i - 1). */
  readonly values: readonly SqlValue[];
  readonly analysis: Analysis;
}

export function analyzeSql(vschema: VSchema, sql: string, params: BindParams | undefined): AnalyzedStatement {
  const parsed = parseOne(sql);
  const values = bindParams(parsed, params);
  return { parsed, values, analysis: analyzeStatement(vschema, parsed.statement, values) };
}

function unknownTable(name: string): DoSQLError {
  return new DoSQLError('INVALID_ARGUMENT', `shard: table ${name} is not in the vschema (add it as a sharded, reference or unsharded table)`, { details: { table: name } });
}

function specOf(vschema: VSchema, name: string): TableSpec {
  const s = tableSpec(vschema, name);
  if (!s) throw unknownTable(name);
  return s;
}

export function allShards(vschema: VSchema): ShardId[] {
  return vschema.shards.map((s) => s.id);
}

/** The shards holding a table. */
export function shardsOfTable(vschema: VSchema, spec: TableSpec): readonly ShardId[] {
  if (spec.type === 'unsharded') return [spec.shard];
  if (spec.type === 'reference') return allShards(vschema);
  return resolverOf(vschema, spec.vindex).shards;
}

export function analyzeStatement(vschema: VSchema, st: Statement, values: readonly SqlValue[]): Analysis {
  const param = (i: number): SqlValue => values[i - 1] ?? null;
  switch (st.kind) {
    case 'select':
      return analyzeSelect(vschema, st, param);
    case 'insert': {
      const spec = specOf(vschema, st.table.name);
      return { kind: 'insert', table: st.table.name, spec };
    }
    case 'update':
    case 'delete': {
      const spec = specOf(vschema, st.table.name);
      const scan = scanExprs([st.where, ...(st.kind === 'update' ? st.sets.map((s) => s.value) : [])], st.kind === 'update' ? st.from : undefined);
      for (const t of scan.tables) {
        const s = tableSpec(vschema, t.ref.name);
        if (!s) throw unknownTable(t.ref.name);
        if (s.type !== 'reference') throw new DoSQLError('NOT_SUPPORTED', `shard: ${st.kind.toUpperCase()} of ${st.table.name} reads table ${t.ref.name} in a subquery or FROM; only reference tables can be read there`, { details: { table: st.table.name } });
      }
      if (spec.type !== 'sharded') return { kind: st.kind, table: st.table.name, spec, targets: shardsOfTable(vschema, spec), lookups: [], reason: spec.type === 'reference' ? 'reference table: every shard' : `unsharded table in ${spec.shard}` };
      const use: ShardedUse = { ref: { kind: 'table', name: st.table.name, ...(st.alias !== undefined ? { alias: st.alias } : {}) }, spec, slot: 0 };
      const { targets, lookups, reason } = targetsOf(vschema, [use], conjuncts(st.where), param);
      return { kind: st.kind, table: st.table.name, spec, targets, lookups, reason };
    }
    case 'createTable':
    case 'createIndex':
    case 'drop':
    case 'alterTable':
    case 'createView':
    case 'createTrigger': {
      const name = st.kind === 'createTable' ? st.name : st.kind === 'createIndex' ? st.table : st.kind === 'alterTable' ? st.table : st.kind === 'drop' && st.objectType === 'TABLE' ? st.name : undefined;
      const spec = name !== undefined ? tableSpec(vschema, name) : undefined;
      if (name !== undefined && spec) return { kind: 'broadcast', shards: shardsOfTable(vschema, spec), reason: `DDL on ${name}: every shard holding it` };
      return { kind: 'broadcast', shards: allShards(vschema), reason: 'DDL: every shard' };
    }
    default:
      return { kind: 'one', shard: vschema.defaultShard, reason: `${st.kind} statement: the default shard`, read: false };
  }
}

function analyzeSelect(vschema: VSchema, s: SelectStmt, param: (i: number) => SqlValue): Analysis {
  const scan = scanSelect(s);
  const specs = scan.tables.map((t) => ({ t, spec: specOf(vschema, t.ref.name) }));
  const tableNames = [...new Set(scan.tables.map((t) => t.ref.name))];
  if (specs.length === 0) return { kind: 'one', shard: vschema.defaultShard, reason: 'no vschema table: the default shard', read: true };
  const sharded = specs.filter((x) => x.spec.type === 'sharded');
  const unsharded = new Set(specs.flatMap((x) => (x.spec.type === 'unsharded' ? [x.spec.shard] : [])));
  if (sharded.length === 0) {
    if (unsharded.size === 0) return { kind: 'one', shard: vschema.defaultShard, reason: 'reference tables only: any shard', read: true };
    if (unsharded.size === 1) return { kind: 'one', shard: [...unsharded][0]!, reason: 'unsharded tables of one shard (with reference tables)', read: true };
    return { kind: 'gather', stmt: s, tables: tableNames, reason: 'unsharded tables of several shards' };
  }
  const notLocal = localBlocker(scan, specs, unsharded.size);
  if (notLocal) return { kind: 'gather', stmt: s, tables: tableNames, reason: notLocal };
  const core = s.body as Extract<SelectStmt['body'], { kind: 'selectCore' }>;
  const uses: ShardedUse[] = sharded.map((x, slot) => ({ ref: x.t.ref, spec: x.spec as Extract<TableSpec, { type: 'sharded' }>, slot }));
  // Co-location: every sharded table joined to the others by equality of vindex columns, with one placement.
  if (uses.length > 1) {
    const key0 = resolverOf(vschema, uses[0]!.spec.vindex).key;
    if (uses.some((u) => resolverOf(vschema, u.spec.vindex).key !== key0)) return { kind: 'gather', stmt: s, tables: tableNames, reason: 'sharded tables with different vindexes' };
    const parent = uses.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const eqs = [...conjuncts(core.where), ...joinConditions(core.from, true).flatMap((j) => conjuncts(j.on))];
    for (const e of eqs) {
      const pair = vindexEquality(e, uses);
      if (pair) parent[find(pair[0].slot)] = find(pair[1].slot);
    }
    const root = find(0);
    if (uses.some((u) => find(u.slot) !== root)) return { kind: 'gather', stmt: s, tables: tableNames, reason: 'sharded tables not joined on their vindex columns' };
  }
  const where = [...conjuncts(core.where), ...joinConditions(core.from, false).flatMap((j) => conjuncts(j.on))];
  const { targets, lookups, reason } = targetsOf(vschema, uses, where, param);
  return { kind: 'local', stmt: s, targets, lookups, reason };
}

/** Why a SELECT with sharded tables cannot run shard by shard, or undefined when it can. */
function localBlocker(scan: StatementScan, specs: { t: StatementScan['tables'][number]; spec: TableSpec }[], unshardedShards: number): string | undefined {
  if (unshardedShards > 0) return 'sharded and unsharded tables together';
  const sharded = specs.filter((x) => x.spec.type === 'sharded');
  if (scan.complexBody) return 'WITH, compound SELECT or VALUES over sharded tables';
  if (sharded.some((x) => !x.t.topLevel)) return 'a sharded table in a subquery or derived table';
  if (scan.windows) return 'window functions over sharded tables';
  if (specs.some((x) => x.spec.type === 'reference' && x.t.preserved) && sharded.some((x) => x.t.nullSupplying)) return 'an outer join keeps unmatched reference-table rows against a sharded table';
  return undefined;
}

/** The shards the conjuncts allow for co-located `uses`, and the lookups that may narrow them. */
export function targetsOf(vschema: VSchema, uses: readonly ShardedUse[], where: readonly Expr[], param: (i: number) => SqlValue): { targets: ShardId[]; lookups: LookupNeed[]; reason: string } {
  const resolver = resolverOf(vschema, uses[0]!.spec.vindex);
  let targets: ShardId[] = [...resolver.shards];
  const lookups: LookupNeed[] = [];
  const reasons: string[] = [];
  for (const e of where) {
    const r: Restriction | undefined = restrictionOf(e, uses, param);
    if (!r) continue;
    const isVindex = r.column.toLowerCase() === r.use.spec.column.toLowerCase();
    const name = `${r.use.ref.alias ?? r.use.ref.name}.${r.column}`;
    if (!isVindex) {
      if (r.kind === 'values') {
        const l = Object.entries(r.use.spec.lookups).find(([c]) => c.toLowerCase() === r.column.toLowerCase())![1];
        lookups.push({ vindex: l, values: r.values, table: r.use.ref.name });
        reasons.push(`lookup vindex on ${name}`);
      }
      continue;
    }
    let allowed: readonly ShardId[];
    if (r.kind === 'values') {
      allowed = r.values.map((v) => resolver.shardOf(v));
      reasons.push(r.values.length === 1 ? `point query on vindex column ${name}` : `IN list on vindex column ${name}`);
    } else {
      if (uses[0]!.spec.vindex.kind !== 'range') continue;
      allowed = resolver.shardsInRange(r.lo, r.hi);
      reasons.push(`range on range vindex column ${name}`);
    }
    const set = new Set(allowed);
    targets = targets.filter((t) => set.has(t));
  }
  // No shard can hold a row (e.g. IN ()): one shard still answers, with no rows or an aggregate over none.
  if (targets.length === 0) targets = [resolver.shards[0]!];
  const reason = reasons.length ? reasons.join('; ') : 'no restriction on the vindex column: every shard';
  return { targets, lookups, reason };
}

// ---------------------------------------------------------------- the public plan

function describePlan(sql: string, a: AnalyzedStatement): ExecutionPlan {
  const an = a.analysis;
  const st = a.parsed.statement;
  const statement = st.kind === 'select' ? 'select' : st.kind === 'insert' || st.kind === 'update' || st.kind === 'delete' ? st.kind : an.kind === 'broadcast' ? 'ddl' : 'other';
  const lookupSteps = (ls: readonly LookupNeed[]): PostProcessingStep[] => ls.map((l) => ({ type: 'lookup', table: l.vindex.table, shard: l.vindex.shard }));
  const plan = (queryType: QueryType, targetShards: readonly ShardId[], reason: string, post: PostProcessingStep[], read: boolean): ExecutionPlan => ({
    sql,
    statement,
    routing: { queryType, targetShards, reason, canUseReplica: read, costEstimate: targetShards.length },
    postProcessing: post,
  });
  switch (an.kind) {
    case 'one':
      return plan('single', [an.shard], an.reason, [], an.read);
    case 'local': {
      if (an.targets.length === 1) return plan('single', an.targets, an.reason, lookupSteps(an.lookups), true);
      return plan('scatter', an.targets, an.reason, [...lookupSteps(an.lookups), ...mergeSteps(an.stmt, a.values)], true);
    }
    case 'gather':
      return plan('gather', [], an.reason, [{ type: 'gather', tables: an.tables }], true);
    case 'insert':
      return plan(an.spec.type === 'reference' ? 'broadcast' : 'single', [], an.spec.type === 'reference' ? 'reference table: every shard' : 'rows go to the shards their vindex values map to', [], false);
    case 'update':
    case 'delete':
      return plan(an.spec.type === 'reference' ? 'broadcast' : an.targets.length === 1 ? 'single' : 'scatter', an.targets, an.reason, lookupSteps(an.lookups), false);
    case 'broadcast':
      return plan('broadcast', an.shards, an.reason, [], false);
  }
}

function mergeSteps(s: SelectStmt, values: readonly SqlValue[]): PostProcessingStep[] {
  const steps: PostProcessingStep[] = [{ type: 'merge' }];
  const split = splitAggregate(s);
  const core = s.body.kind === 'selectCore' ? s.body : undefined;
  if (split) steps.push(core?.distinct && !core.groupBy?.length && !split.partialColumns.some((c) => c.startsWith('_a')) ? { type: 'distinct' } : { type: 'aggregate' });
  if (s.orderBy?.length) steps.push({ type: 'sort', columns: s.orderBy.map((o: OrderingTerm) => ({ column: o.expr.kind === 'column' ? o.expr.column : JSON.stringify(o.expr.kind), direction: o.direction ?? 'ASC' })) });
  const lim = limitOf(s, values);
  if (lim && (lim.count !== null || lim.offset > 0)) steps.push({ type: 'limit', ...lim });
  return steps;
}

/** LIMIT and OFFSET as numbers when they are constants (negative LIMIT: none, as SQLite), undefined otherwise. */
export function limitOf(s: SelectStmt, values: readonly SqlValue[]): { count: number | null; offset: number } | undefined {
  const num = (e: Expr | undefined): number | null | undefined => {
    if (!e) return null;
    const v = e.kind === 'literal' ? e.value : e.kind === 'param' ? (values[e.index - 1] ?? null) : undefined;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return undefined;
  };
  const count = num(s.limit);
  const offset = num(s.offset);
  if (count === undefined || offset === undefined) return undefined;
  return { count: count === null || count < 0 ? null : count, offset: offset === null || offset < 0 ? 0 : offset };
}
