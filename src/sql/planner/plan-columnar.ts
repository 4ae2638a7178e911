// Which SELECTs the columnar path runs (execution/columnar-aggregate-op.ts), and what it needs
// to run them: the table's Parquet field ids, the predicates and aggregates in typed form, and
// a reader that decodes the hot delta's rows (merge-on-read) exactly as the row path does.
import type { ColumnarAgg, ColumnarFilter, ColumnarQuery } from '../execution/columnar-aggregate-op.js';
import { filterColumns } from '../execution/columnar-filters.js';
import type { ExecEnv } from '../execution/env.js';
import { TableReader } from '../execution/table-reader.js';
import type { Expr, SelectCore } from '../parser/ast.js';
import type { Transaction } from '../txn/transaction.js';
import type { SqlValue } from '../types/value.js';
import { bindingOf, columnDefaults } from './plan-from.js';
import { splitAnd } from './plan-join.js';
import type { OutCol } from './plan-select.js';
import type { PlannerContext, TemporalBinding } from './planner-context.js';

/**
 * The shape the columnar path runs: one table (now, or `FOR SYSTEM_TIME AS OF` a point), WHERE
 * AND / OR of `column op literal`, [NOT] BETWEEN and [NOT] IN lists of literals of the column's
 * type, and [NOT] LIKE / GLOB of a literal pattern on TEXT columns, up to four GROUP BY columns, and
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
  const names = new Set([t.name.toLowerCase(), (f.alias ?? t.name).toLowerCase()]);
  const col = (e: Expr): { name: string; affinity: string } | undefined => {
    if (e.kind !== 'column' || (e.table && !names.has(e.table.toLowerCase()))) return undefined;
    const c = t.columns.find((x) => x.name.toLowerCase() === e.column.toLowerCase());
    if (!c || c.collation !== 'BINARY') return undefined;
    return { name: c.name, affinity: t.columns.indexOf(c) === t.rowidAlias ? 'INTEGER' : c.affinity };
  };
  const fits = (affinity: string, v: unknown): boolean =>
    affinity === 'TEXT' ? typeof v === 'string' : affinity === 'INTEGER' || affinity === 'REAL' || affinity === 'NUMERIC' ? typeof v === 'bigint' || typeof v === 'number' : false;
  const flip = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
  /** A WHERE term as a typed filter: comparisons, BETWEEN, IN lists, LIKE / GLOB, AND, OR. */
  const toFilter = (c: Expr): ColumnarFilter | undefined => {
    if (c.kind === 'binary' && (c.op === 'AND' || c.op === 'OR')) {
      const l = toFilter(c.left);
      const r = toFilter(c.right);
      if (!l || !r) return undefined;
      return c.op === 'AND' ? { every: [l, r] } : { any: [l, r] };
    }
    if (c.kind === 'between') {
      const k = col(c.operand);
      if (!k || c.low.kind !== 'literal' || c.high.kind !== 'literal' || !fits(k.affinity, c.low.value) || !fits(k.affinity, c.high.value)) return undefined;
      // NOT BETWEEN of non-NULL bounds: below or above them (NULL operand: neither).
      if (c.not) return { any: [{ column: k.name, op: '<', value: c.low.value }, { column: k.name, op: '>', value: c.high.value }] };
      return { every: [{ column: k.name, op: '>=', value: c.low.value }, { column: k.name, op: '<=', value: c.high.value }] };
    }
    if (c.kind === 'in') {
      const k = col(c.operand);
      const list = c.list;
      if (!k || !list || list.length === 0 || !list.every((x) => x.kind === 'literal' && fits(k.affinity, x.value))) return undefined;
      const values = list.map((x) => (x as { value: SqlValue }).value);
      // Non-NULL literals: IN is equal to one of them, NOT IN unequal to all.
      if (c.not) return { every: values.map((value) => ({ column: k.name, op: '!=' as const, value })) };
      return { any: values.map((value) => ({ column: k.name, op: '=' as const, value })) };
    }
    if (c.kind === 'like') {
      const k = col(c.operand);
      if (!k || k.affinity !== 'TEXT' || (c.op !== 'LIKE' && c.op !== 'GLOB') || c.pattern.kind !== 'literal' || typeof c.pattern.value !== 'string') return undefined;
      let escape: string | undefined;
      if (c.escape) {
        if (c.escape.kind !== 'literal' || typeof c.escape.value !== 'string') return undefined;
        escape = c.escape.value;
      }
      return { column: k.name, match: c.op, pattern: c.pattern.value, ...(escape !== undefined ? { escape } : {}), not: c.not };
    }
    if (c.kind !== 'binary' || !(c.op in flip)) return undefined;
    const op = c.op as keyof typeof flip;
    const l = col(c.left);
    const r = col(c.right);
    if (l && c.right.kind === 'literal' && fits(l.affinity, c.right.value)) return { column: l.name, op, value: c.right.value };
    if (r && c.left.kind === 'literal' && fits(r.affinity, c.left.value)) return { column: r.name, op: flip[op], value: c.left.value };
    return undefined;
  };
  const where: ColumnarFilter[] = [];
  for (const c of splitAnd(core.where)) {
    const f = toFilter(c);
    if (!f) return undefined;
    where.push(f);
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
    where,
    ...(groupNames.length ? { groupBy: groupNames } : {}),
    outputs,
  };
}
