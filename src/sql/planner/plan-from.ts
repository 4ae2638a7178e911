// FROM clause: registers sources in the scope and builds the join tree
// (lang_select.html §2-3). Access paths and join order are chosen in plan-join.ts.
import { DoSQLError } from '../../errors.js';
import type { TableSchema } from '../catalog/schema.js';
import type { ExecEnv, Row } from '../execution/env.js';
import { TableReader } from '../execution/table-reader.js';
import { columnDefaults } from '../rows/row-materializer.js';
import type { Expr, FromItem, SelectBody, SelectStmt, TableRef, TemporalClause } from '../parser/ast.js';
import { RecursiveCteOp } from '../execution/recursive-cte-op.js';
import { collect } from '../execution/collect.js';
import type { JoinLeaf } from '../execution/join-leaf.js';
import type { SubPlan } from '../execution/compiled.js';
import { LimitOp, type Operator } from '../execution/operators.js';
import { compileExpr } from './compile-expr.js';
import type { Affinity } from '../types/affinity.js';
import type { Collation } from '../types/compare.js';
import type { CteDef, PlannerContext, TemporalBinding } from './planner-context.js';
import { encodeTablePrefix, encodeUserKey } from '../../mvcc/internal-key.js';
import type { KeyValue } from '../../mvcc/key-codec.js';
import { historyScan } from '../../mvcc/layers.js';
import { formatTimestamp } from '../types/timestamp.js';
import type { Scope, ScopeSource, SourceColumn } from './scope.js';
import { isTableFunctionLeaf, tableFunctionSource } from './plan-table-function.js';
import { resolveVirtualTable } from './virtual-tables.js';
import type { TableFunction } from '../functions/table-functions.js';

/** Plans a SELECT into a SubPlan with output column names (set by plan-select.ts to break the import cycle). */
export type PlanSelectFn = (stmt: SelectStmt, scope: Scope, pc: PlannerContext) => SubPlan & { readonly columnNames: readonly string[] };

/** A FROM source: what the join operators read (JoinLeaf) plus its scope entry. */
export interface Leaf extends JoinLeaf {
  readonly src: ScopeSource;
  readonly temporal?: TemporalClause;
}

export type FromNode =
  | { readonly kind: 'leaf'; readonly leaf: Leaf }
  | {
      readonly kind: 'join';
      readonly joinType: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
      readonly left: FromNode;
      readonly right: FromNode;
      /** ON plus the equalities implied by USING / NATURAL. */
      readonly on: readonly Expr[];
    };

export interface FromPlan {
  readonly root: FromNode;
  readonly leaves: Leaf[];
}

/** Default values of columns, used for rows written before ADD COLUMN: constants only. */
function tableColumns(t: TableSchema): SourceColumn[] {
  const cols: SourceColumn[] = t.columns.map((c) => ({ name: c.name, affinity: c.affinity, collation: c.collation, hidden: false }));
  // A rowid reference is named after the INTEGER PRIMARY KEY, as SQLite names it.
  const alias = t.rowidAlias >= 0 ? t.columns[t.rowidAlias]?.name : undefined;
  if (!t.withoutRowid) cols.push({ name: 'rowid', affinity: 'INTEGER', collation: 'BINARY', hidden: true, ...(alias !== undefined ? { outputName: alias } : {}) });
  return cols;
}

export function buildFrom(item: FromItem, scope: Scope, pc: PlannerContext, planSelect: PlanSelectFn): FromPlan {
  const leaves: Leaf[] = [];
  const pending: { leaf: Leaf; width: number }[] = [];
  const root = build(item, scope, pc, planSelect, leaves, pending);
  return { root, leaves };
}

function addLeaf(scope: Scope, leaves: Leaf[], make: (src: ScopeSource) => Leaf, name: string, columns: SourceColumn[], rowidColumn: number): FromNode {
  if (scope.sources.some((s) => s.name.toLowerCase() === name.toLowerCase())) {
    // SQLite allows duplicate names only when never referenced ambiguously; we follow it by
    // letting resolution report ambiguity, which needs distinct sources anyway.
  }
  const src = scope.addSource(name, columns, rowidColumn);
  const leaf = make(src);
  leaves.push(leaf);
  return { kind: 'leaf', leaf };
}

function build(item: FromItem, scope: Scope, pc: PlannerContext, planSelect: PlanSelectFn, leaves: Leaf[], pending: unknown[]): FromNode {
  switch (item.kind) {
    case 'table': {
      if (item.schema && item.schema.toLowerCase() !== 'main' && item.schema.toLowerCase() !== 'temp') {
        throw new DoSQLError('SQL_ERROR', `sql: unknown database ${item.schema}`);
      }
      if (item.schema && !item.temporal) pc.catalog.checkQualified(item.schema, item.name);
      if (item.temporal) return temporalLeaf(item, scope, pc, leaves);
      const cte = item.schema ? undefined : pc.findCte(item.name);
      if (cte && (!cte.inProgress || cte.working)) return cteLeaf(cte, item.alias ?? item.name, scope, pc, planSelect, leaves);
      // A virtual table (fts5) scans as a table-valued function, even where a table of its name holds its content.
      if (!item.schema && resolveVirtualTable(item.name, pc.catalog)) return tableFunction(item.name, undefined, item.alias, scope, pc, leaves);
      const t = pc.catalog.findTable(item.name);
      if (t) {
        const cols = tableColumns(t);
        const name = item.alias ?? t.name;
        return addLeaf(
          scope,
          leaves,
          (src) => ({
            src,
            table: t,
            reader: withUsed(new TableReader(t, 0, src.offset, columnDefaults(t)), src.used),
            label: item.alias ? `${t.name} AS ${item.alias}` : t.name,
            ...(item.temporal ? { temporal: item.temporal } : {}),
          }),
          name,
          cols,
          t.withoutRowid ? -1 : cols.length - 1,
        );
      }
      const v = pc.catalog.findView(item.name);
      if (v) {
        if (pc.viewStack.includes(v.name.toLowerCase())) throw new DoSQLError('SQL_ERROR', `sql: view ${v.name} is circularly defined`);
        pc.viewStack.push(v.name.toLowerCase());
        try {
          // A view is planned in a fresh scope: it cannot see the query's columns.
          const plan = pc.withCteDepth(0, () => planSelect(v.select, scope.child(), pc));
          const names = v.columns ?? plan.columnNames;
          return derivedLeaf(plan, names, item.alias ?? v.name, scope, leaves, `SCAN ${v.name}`);
        } finally {
          pc.viewStack.pop();
        }
      }
      // A bare table-valued function name: its arguments come from WHERE (`FROM json_each WHERE json = ?`).
      return tableFunction(item.name, undefined, item.alias, scope, pc, leaves);
    }
    case 'subquery': {
      const plan = planSelect(item.select, scope.child(), pc);
      return derivedLeaf(plan, plan.columnNames, item.alias ?? `(subquery-${leaves.length + 1})`, scope, leaves, 'SCAN (subquery)');
    }
    case 'tableFunction': {
      const resolved = pc.external?.get(item);
      if (item.external && !resolved) {
        throw new DoSQLError('NOT_SUPPORTED', `sql: external table '${item.name}' cannot be read here: external tables are read in SELECT, INSERT ... SELECT and UPDATE ... FROM, not in views or triggers (docs/external-tables.md)`);
      }
      return tableFunction(item.name, item.args, item.alias, scope, pc, leaves, resolved);
    }
    case 'join': {
      const left = build(item.left, scope, pc, planSelect, leaves, pending);
      const leftSources = scope.sources.slice();
      const right = build(item.right, scope, pc, planSelect, leaves, pending);
      const rightSources = scope.sources.slice(leftSources.length);
      const on: Expr[] = [];
      let using = item.using ? [...item.using] : undefined;
      if (item.natural) {
        using = [];
        for (const rs of rightSources) {
          for (const c of rs.columns) {
            if (c.hidden) continue;
            if (leftSources.some((ls) => ls.columns.some((lc) => !lc.hidden && lc.name.toLowerCase() === c.name.toLowerCase()))) using.push(c.name);
          }
        }
      }
      if (using) {
        for (const name of using) {
          const n = name.toLowerCase();
          const ls = leftSources.find((s) => !s.mergedNames.has(n) && s.columns.some((c) => !c.hidden && c.name.toLowerCase() === n));
          const rs = rightSources.find((s) => s.columns.some((c) => !c.hidden && c.name.toLowerCase() === n));
          if (!ls || !rs) throw new DoSQLError('SQL_ERROR', `sql: cannot join using column ${name} - column not present in both tables`);
          on.push({ kind: 'binary', op: '=', left: { kind: 'column', table: ls.name, column: name }, right: { kind: 'column', table: rs.name, column: name } });
          rs.mergedNames.add(n);
        }
      }
      if (item.on) on.push(item.on);
      return { kind: 'join', joinType: item.joinType, left, right, on };
    }
  }
}

function tableFunction(name: string, args: readonly Expr[] | undefined, alias: string | undefined, scope: Scope, pc: PlannerContext, leaves: Leaf[], resolved?: TableFunction): FromNode {
  let node: FromNode | undefined;
  tableFunctionSource(
    name,
    args,
    alias,
    pc.catalog,
    (make, n, cols, rowid) => {
      node = addLeaf(scope, leaves, make, n, cols, rowid);
    },
    resolved,
  );
  return node!;
}

function cteLeaf(cte: CteDef, alias: string, scope: Scope, pc: PlannerContext, planSelect: PlanSelectFn, leaves: Leaf[]): FromNode {
  if (cte.working) {
    const w = cte.working;
    const cols: SourceColumn[] = w.columns.map((name) => ({ name, affinity: 'BLOB' as Affinity, collation: 'BINARY' as Collation, hidden: false }));
    return addLeaf(scope, leaves, (src) => ({ src, working: w, label: `SCAN ${cte.name}` }), alias, cols, -1);
  }
  cte.inProgress = true;
  let plan: SubPlan & { readonly columnNames: readonly string[] };
  try {
    plan = recursiveParts(cte) ? planRecursive(cte, scope, pc, planSelect) : planSelect(cte.select, scope.child(), pc);
  } finally {
    cte.inProgress = false;
  }
  const names = cte.columns ?? plan.columnNames;
  if (cte.columns && cte.columns.length !== plan.columnCount) {
    throw new DoSQLError('SQL_ERROR', `sql: table ${cte.name} has ${plan.columnCount} values for ${cte.columns.length} columns`);
  }
  return derivedLeaf(plan, names, alias, scope, leaves, `SCAN ${cte.name}`);
}

function derivedLeaf(plan: SubPlan, names: readonly string[], alias: string, scope: Scope, leaves: Leaf[], label: string): FromNode {
  const cols: SourceColumn[] = names.map((name, i) => ({
    name,
    affinity: plan.affinities[i] ?? null,
    collation: plan.collations[i] ?? 'BINARY',
    hidden: false,
  }));
  return addLeaf(scope, leaves, (src) => ({ src, plan, label }), alias, cols, -1);
}

function refersTo(item: FromItem | undefined, name: string): boolean {
  if (!item) return false;
  switch (item.kind) {
    case 'table':
      return !item.schema && item.name.toLowerCase() === name;
    case 'join':
      return refersTo(item.left, name) || refersTo(item.right, name);
    case 'subquery':
      return bodyRefersTo(item.select.body, name);
    default:
      return false;
  }
}

function bodyRefersTo(b: SelectBody, name: string): boolean {
  if (b.kind === 'selectCore') return refersTo(b.from, name);
  if (b.kind === 'compound') return bodyRefersTo(b.left, name) || bodyRefersTo(b.right, name);
  return false;
}

/** The initial and recursive arms when `cte` is recursive (lang_with.html §3). */
function recursiveParts(cte: CteDef): { initial: SelectBody; step: SelectBody; distinct: boolean } | undefined {
  const b = cte.select.body;
  if (!cte.recursive || b.kind !== 'compound' || (b.op !== 'UNION' && b.op !== 'UNION ALL')) return undefined;
  if (!bodyRefersTo(b.right, cte.name.toLowerCase())) return undefined;
  return { initial: b.left, step: b.right, distinct: b.op === 'UNION' };
}

function planRecursive(cte: CteDef, scope: Scope, pc: PlannerContext, planSelect: PlanSelectFn): SubPlan & { readonly columnNames: readonly string[] } {
  const parts = recursiveParts(cte)!;
  const initial = planSelect({ kind: 'select', body: parts.initial }, scope.child(), pc) as unknown as SubPlan & { readonly columnNames: readonly string[]; readonly op: Operator };
  const columns = cte.columns ?? initial.columnNames;
  const working = { rows: [] as Row[], columns };
  cte.working = working;
  let step: SubPlan & { readonly op: Operator };
  try {
    step = planSelect({ kind: 'select', body: parts.step }, scope.child(), pc) as unknown as SubPlan & { readonly op: Operator };
  } finally {
    cte.working = undefined;
  }
  let op: Operator = new RecursiveCteOp(initial.op, step.op, working, parts.distinct, columns.length);
  const lim = cte.select.limit;
  const off = cte.select.offset;
  if (lim || off) {
    const cx = { scope, planSubquery: () => { throw new DoSQLError('NOT_SUPPORTED', 'sql: subquery in a recursive CTE LIMIT'); }, nextSlot: () => pc.nextSlot() };
    op = new LimitOp(op, lim && compileExpr(lim, cx), off && compileExpr(off, cx));
  }
  const finalOp = op;
  return {
    columnNames: columns,
    columnCount: columns.length,
    affinities: initial.affinities,
    collations: initial.collations,
    minOuterLevel: Math.min(initial.minOuterLevel, step.minOuterLevel),
    outerRefs: [...initial.outerRefs, ...step.outerRefs],
    run: (env, limit) => collect(finalOp, env, limit),
    stream: (env) => finalOp.run(env),
  };
}

/** A FOR SYSTEM_TIME reference: the table as of a point, or its versions (history). */
function temporalLeaf(item: TableRef, scope: Scope, pc: PlannerContext, leaves: Leaf[]): FromNode {
  const b = pc.temporal?.get(item);
  if (!b) throw new DoSQLError('NOT_SUPPORTED', `sql: FOR SYSTEM_TIME is supported in queries (SELECT), not here`);
  // A virtual table (fts5) as of a point: its scan, planned on that point's schema, reading that point's view.
  const vt = item.schema ? undefined : resolveVirtualTable(item.name, b.catalog);
  if (vt) {
    if (b.kind !== 'asOf') throw new DoSQLError('NOT_SUPPORTED', `sql: FOR SYSTEM_TIME ${item.temporal!.kind === 'all' ? 'ALL' : item.temporal!.kind === 'between' ? 'BETWEEN' : 'FROM ... TO'} on virtual table ${item.name} is not supported; use AS OF`, { details: { table: item.name } });
    const node = tableFunction(item.name, undefined, item.alias, scope, pc, leaves, vt);
    if (node.kind === 'leaf' && isTableFunctionLeaf(node.leaf)) node.leaf.tvf.view = (env) => bindingOf(env, item, 'asOf').view;
    return node;
  }
  const t = b.catalog.findTable(item.name);
  if (!t) {
    if (b.catalog.findView(item.name)) throw new DoSQLError('NOT_SUPPORTED', `sql: FOR SYSTEM_TIME on a view (${item.name}) is not supported yet; use it on tables`);
    throw new DoSQLError('SQL_ERROR', `sql: no such table: ${item.name} (${b.label})`, { details: { table: item.name } });
  }
  const name = item.alias ?? t.name;
  if (b.kind === 'asOf') {
    const cols = tableColumns(t);
    return addLeaf(
      scope,
      leaves,
      (src) => {
        const reader = withUsed(new TableReader(t, 0, src.offset, columnDefaults(t)), src.used);
        // The read view is resolved per execution, so the plan can be cached and reused.
        reader.view = (env) => bindingOf(env, item, 'asOf').view;
        return { src, table: t, reader, label: `${item.alias ? `${t.name} AS ${item.alias}` : t.name} (${b.label})` };
      },
      name,
      cols,
      t.withoutRowid ? -1 : cols.length - 1,
    );
  }
  const cols = tableColumns(t);
  const base = cols.length;
  cols.push(
    { name: '_dosql_version', affinity: 'INTEGER', collation: 'BINARY', hidden: false },
    { name: '_dosql_valid_from', affinity: 'TEXT', collation: 'BINARY', hidden: false },
    { name: '_dosql_valid_to', affinity: 'TEXT', collation: 'BINARY', hidden: false },
  );
  const plan = historyPlan(t, item, base, cols.length);
  return addLeaf(scope, leaves, (src) => ({ src, plan, table: t, ...(item.temporal ? { temporal: item.temporal } : {}), label: `${t.name} (${b.label})` }), name, cols, t.withoutRowid ? -1 : base - 1);
}

/** The FOR SYSTEM_TIME binding of `item` for this execution. Throws INVALID_ARGUMENT when it was not resolved. */
export function bindingOf<K extends TemporalBinding['kind']>(env: ExecEnv, item: TableRef, kind: K): Extract<TemporalBinding, { kind: K }> {
  const b = env.temporal?.get(item) as TemporalBinding | undefined;
  if (!b || b.kind !== kind) throw new DoSQLError('INVALID_ARGUMENT', 'sql: internal: FOR SYSTEM_TIME reference not resolved for this execution');
  return b as Extract<TemporalBinding, { kind: K }>;
}

function historyPlan(t: TableSchema, item: TableRef, base: number, width: number): SubPlan {
  const gather = async (env: ExecEnv, key?: readonly KeyValue[]): Promise<Row[]> => {
    const b = bindingOf(env, item, 'history');
    const view = b.view;
    const reader = new TableReader(t, base, 0, columnDefaults(t));
    let lower = encodeTablePrefix(view.branch, t.id);
    let upper = encodeTablePrefix(view.branch, t.id + 1);
    if (key) {
      // Exactly one user key: [uk, uk 0x00) holds nothing else.
      lower = encodeUserKey(view.branch, t.id, key);
      upper = new Uint8Array(lower.length + 1);
      upper.set(lower);
    }
    const rows: Row[] = [];
    const fmt = (lsn: number): string | null => {
      const ms = b.timeOf(lsn);
      return ms === undefined ? null : formatTimestamp(ms);
    };
    for await (const { uk, versions } of historyScan(view.engine, view.layers, lower, upper)) {
      const t = env.guard.tick(versions.length);
      if (t) await t;
      let next = Infinity;
      for (const v of versions) {
        if (v.value && b.keep(v.lsn, next)) {
          const r = reader.decode(uk, v.value, view.branch);
          r.length = width;
          r[base] = BigInt(v.lsn);
          r[base + 1] = fmt(v.lsn);
          r[base + 2] = next === Infinity ? null : fmt(next);
          rows.push(r);
        }
        next = v.lsn;
      }
    }
    return rows;
  };
  return {
    columnCount: width,
    affinities: [],
    collations: [],
    minOuterLevel: Infinity,
    outerRefs: [],
    run: (env) => gather(env),
    runKey: (env, key) => gather(env, key),
  };
}

function withUsed(r: TableReader, used: ReadonlySet<number>): TableReader {
  r.used = used;
  return r;
}
