// Which SELECTs the columnar paths run — aggregates (execution/columnar-aggregate-op.ts) and
// full scans of one table (execution/columnar-scan-op.ts) — and what they need to run them: the
// table's Parquet field ids, the predicates and aggregates in typed form, and a reader that
// decodes the hot delta's rows (merge-on-read) exactly as the row path does.
import type { ColumnarAgg, ColumnarFilter, ColumnarQuery } from '../execution/columnar-aggregate-op.js';
import { filterColumns } from '../execution/columnar-filters.js';
import type { ExecEnv } from '../execution/env.js';
import { TableReader } from '../execution/table-reader.js';
import { FIELD_ID_ROWID } from '../../cold/index.js';
import type { ColumnarScanQuery } from '../execution/columnar-scan-op.js';
import type { Expr, SelectCore } from '../parser/ast.js';
import { compileExpr, type CompileContext } from './compile-expr.js';
import type { FromPlan } from './plan-from.js';
import type { Transaction } from '../txn/transaction.js';
import { bindingOf } from './plan-from.js';
import { columnDefaults } from '../rows/row-materializer.js';
import { columnarEligible, tablePlan } from '../rows/cold-layout.js';
import { columnResolver, toFilter } from './plan-columnar-filter.js';
import { singleTableAccess, splitAnd } from './plan-join.js';
import type { OutCol } from './plan-select.js';
import type { PlannerContext, TemporalBinding } from './planner-context.js';

/**
 * The shape the columnar path runs: one table (now, or `FOR SYSTEM_TIME AS OF` a point), WHERE
 * terms with a typed form (plan-columnar-filter.ts), up to four GROUP BY columns, and
 * result columns that are those columns or count / count(DISTINCT) / sum / avg / min / max of a column.
 * Undefined otherwise.
 */
export function columnarQuery(core: SelectCore, outCols: readonly OutCol[], pc: PlannerContext): ColumnarQuery | undefined {
  const f = core.from;
  if (!f || f.kind !== 'table' || f.indexedBy !== undefined || f.schema || pc.findCte(f.name)) return undefined;
  if (core.distinct || core.having || core.windows?.length) return undefined;
  let binding: TemporalBinding | undefined;
  if (f.temporal) {
    binding = pc.temporal?.get(f);
    if (!binding || binding.kind !== 'asOf') return undefined;
  }
  const t = (binding?.catalog ?? pc.catalog).findTable(f.name);
  if (!t) return undefined;
  const col = columnResolver(t, f.alias);
  const where: ColumnarFilter[] = [];
  for (const c of splitAnd(core.where)) {
    const w = toFilter(c, col);
    if (!w) return undefined;
    where.push(w);
  }
  if ((core.groupBy?.length ?? 0) > 4) return undefined;
  const groups = (core.groupBy ?? []).map(col);
  // Group keys come back as stored in the cold file: only columns whose values keep their type there.
  if (groups.some((g) => !g || !['INTEGER', 'REAL', 'TEXT'].includes(g.affinity))) return undefined;
  const groupNames = groups.map((g) => g!.name);
  const outputs: ColumnarAgg[] = [];
  // Sums of doubles depend on the order rows are added in (SQLite's SumCtx).
  let ordered = false;
  for (const o of outCols) {
    const e = o.expr;
    const k = col(e);
    if (k) {
      const index = groupNames.indexOf(k.name);
      if (index < 0) return undefined;
      outputs.push({ kind: 'group', index });
      continue;
    }
    if (e.kind !== 'function' || e.filter || e.over !== undefined || e.orderBy?.length) return undefined;
    if (e.distinct) {
      const a = e.name === 'count' && e.args.length === 1 ? col(e.args[0]!) : undefined;
      if (!a) return undefined;
      outputs.push({ kind: 'countDistinct', column: a.name });
      continue;
    }
    if (e.name === 'count' && e.star) {
      outputs.push({ kind: 'count*' });
      continue;
    }
    if (!['count', 'sum', 'avg', 'min', 'max'].includes(e.name) || e.args.length !== 1) return undefined;
    const a = col(e.args[0]!);
    if (!a || (e.name !== 'count' && a.affinity !== 'INTEGER' && a.affinity !== 'REAL')) return undefined;
    if ((e.name === 'sum' || e.name === 'avg') && a.affinity !== 'INTEGER') ordered = true;
    outputs.push({ kind: e.name as 'count' | 'sum' | 'avg' | 'min' | 'max', column: a.name });
  }
  if (!outputs.some((o) => o.kind !== 'group')) return undefined;
  const fieldIds = new Map(t.columns.map((c) => [c.name, c.id + 1]));
  const positions = new Map(t.columns.map((c, i) => [c.name, i]));
  // The hot delta's rows, decoded as the row path decodes them (ADD COLUMN defaults included).
  const reader = new TableReader(t, t.columns.length + (t.withoutRowid ? 0 : 1), 0, columnDefaults(t));
  const named = new Set([...where.flatMap((f) => filterColumns(f)), ...groupNames, ...outputs.flatMap((o) => ('column' in o ? [o.column] : []))]);
  reader.used = new Set([...named].map((n) => positions.get(n)!));
  if (binding) {
    const ref = f;
    reader.view = (env: ExecEnv): Transaction => bindingOf(env, ref, 'asOf').view;
  }
  return {
    table: t.name,
    tableId: t.id,
    catalogVersion: pc.catalog.version,
    fieldIds,
    positions,
    reader,
    ordered,
    ...(columnarEligible(t) ? { plan: tablePlan(t) } : {}),
    where,
    ...(groupNames.length ? { groupBy: groupNames } : {}),
    outputs,
  };
}

/**
 * The columnar scan of a single-table FROM whose access path is a full scan
 * (execution/columnar-scan-op.ts): the table's field ids, the WHERE terms with a typed form
 * (to drop rows early) and every WHERE term compiled (checked on the rows built). Undefined for
 * joins, derived tables, views, history references and keyed or indexed access.
 */
export function columnarScanQuery(from: FromPlan, where: readonly Expr[], cx: CompileContext): ColumnarScanQuery | undefined {
  if (from.root.kind !== 'leaf') return undefined;
  const leaf = from.root.leaf;
  const r = leaf.reader;
  const t = leaf.table;
  if (!r || !t || (leaf.temporal && !r.view)) return undefined;
  if (singleTableAccess(leaf, where, cx) !== 'scan') return undefined;
  const col = columnResolver(t, leaf.src.name);
  const filters = where.map((w) => toFilter(w, col)).filter((f): f is ColumnarFilter => f !== undefined);
  const fieldIds = t.columns.map((c) => c.id + 1);
  if (!t.withoutRowid) fieldIds.push(t.rowidAlias >= 0 ? t.columns[t.rowidAlias]!.id + 1 : FIELD_ID_ROWID);
  return {
    table: t.name,
    tableId: t.id,
    reader: r,
    fieldIds,
    filters,
    positions: new Map(t.columns.map((c, i) => [c.name, i])),
    where: where.map((w) => compileExpr(w, cx)),
  };
}
