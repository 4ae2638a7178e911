// WHERE terms in the typed form the columnar paths test over column chunks
// (execution/columnar-filters.ts): comparisons of a column with a literal or a parameter,
// [NOT] BETWEEN, [NOT] IN lists, [NOT] LIKE / GLOB of a literal pattern on TEXT columns, and
// AND / OR of those. Only columns of BINARY collation, and literals of the column's class.
import { fitsAffinity, type ColumnarFilter } from '../execution/columnar-filters.js';
import type { TableSchema } from '../catalog/schema.js';
import type { Expr } from '../parser/ast.js';
import type { SqlValue } from '../types/value.js';

/** A table column as a typed test sees it: its name and the affinity its values compare with. */
export type ColumnOf = (e: Expr) => { name: string; affinity: string } | undefined;

/** Resolves column references of table `t` (named as itself or `alias`) with BINARY collation. */
export function columnResolver(t: TableSchema, alias: string | undefined): ColumnOf {
  const names = new Set([t.name.toLowerCase(), (alias ?? t.name).toLowerCase()]);
  return (e) => {
    if (e.kind !== 'column' || (e.table && !names.has(e.table.toLowerCase()))) return undefined;
    const c = t.columns.find((x) => x.name.toLowerCase() === e.column.toLowerCase());
    if (!c || c.collation !== 'BINARY') return undefined;
    return { name: c.name, affinity: t.columns.indexOf(c) === t.rowidAlias ? 'INTEGER' : c.affinity };
  };
}

type Operand = { value: SqlValue; param?: { index: number; affinity: string } };

/** A literal of the column's class, or a parameter checked against it at each execution. */
function operand(e: Expr, affinity: string): Operand | undefined {
  if (e.kind === 'literal') return fitsAffinity(affinity, e.value) ? { value: e.value } : undefined;
  if (e.kind === 'param') return { value: null, param: { index: e.index - 1, affinity } };
  return undefined;
}

const FLIP = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
type Op = keyof typeof FLIP;

/** `c` as a typed filter, or undefined when it has no typed form. */
export function toFilter(c: Expr, col: ColumnOf): ColumnarFilter | undefined {
  if (c.kind === 'binary' && (c.op === 'AND' || c.op === 'OR')) {
    const l = toFilter(c.left, col);
    const r = toFilter(c.right, col);
    if (!l || !r) return undefined;
    return c.op === 'AND' ? { every: [l, r] } : { any: [l, r] };
  }
  if (c.kind === 'between') {
    const k = col(c.operand);
    const lo = k && operand(c.low, k.affinity);
    const hi = k && operand(c.high, k.affinity);
    if (!k || !lo || !hi) return undefined;
    // NOT BETWEEN of non-NULL bounds: below or above them (NULL operand: neither).
    if (c.not) return { any: [{ column: k.name, op: '<', ...lo }, { column: k.name, op: '>', ...hi }] };
    return { every: [{ column: k.name, op: '>=', ...lo }, { column: k.name, op: '<=', ...hi }] };
  }
  if (c.kind === 'in') {
    const k = col(c.operand);
    if (!k || !c.list || c.list.length === 0) return undefined;
    const values = c.list.map((x) => operand(x, k.affinity));
    if (values.some((v) => !v)) return undefined;
    // Non-NULL values: IN is equal to one of them, NOT IN unequal to all.
    const leaves = (values as Operand[]).map((v) => ({ column: k.name, op: (c.not ? '!=' : '=') as Op, ...v }));
    return c.not ? { every: leaves } : { any: leaves };
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
  if (c.kind !== 'binary' || !(c.op in FLIP)) return undefined;
  const op = c.op as Op;
  const l = col(c.left);
  const r = col(c.right);
  const lv = l && operand(c.right, l.affinity);
  if (l && lv) return { column: l.name, op, ...lv };
  const rv = r && operand(c.left, r.affinity);
  if (r && rv) return { column: r.name, op: FLIP[op], ...rv };
  return undefined;
}
