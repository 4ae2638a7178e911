// Routing predicates: which top-level conjuncts pin a sharded table's vindex column to values
// (point, IN list, range), and which equalities join two tables' vindex columns (co-location).
// Only conjuncts that must hold for every result row are used: the AND-terms of WHERE, and of
// the ON of the join they appear in (scan.ts).
import type { ColumnExpr, Expr, TableRef } from '../sql/parser/ast.js';
import type { SqlValue } from '../sql/types/value.js';
import type { ShardedTableSpec } from './vschema.js';

/** A sharded table of the top-level FROM, with the names the query knows it by. */
export interface ShardedUse {
  readonly ref: TableRef;
  readonly spec: ShardedTableSpec;
  /** Index of the occurrence (union-find slot). */
  readonly slot: number;
}

/** The constant value of `e` when it is a literal or a parameter (optionally negated), else undefined. */
export function constantOf(e: Expr, param: (i: number) => SqlValue): { value: SqlValue } | undefined {
  if (e.kind === 'literal') return { value: e.value };
  if (e.kind === 'param') return { value: param(e.index) };
  if (e.kind === 'unary' && (e.op === '-' || e.op === '+')) {
    const inner = constantOf(e.operand, param);
    if (!inner) return undefined;
    if (e.op === '+') return inner;
    const v = inner.value;
    if (typeof v === 'bigint') return v === -9223372036854775808n ? { value: 9223372036854775808 } : { value: -v };
    if (typeof v === 'number') return { value: -v };
    return undefined;
  }
  return undefined;
}

/** Which sharded use `col` names: qualified by alias/name, or unqualified and the vindex/lookup column of exactly one use. */
export function useOfColumn(col: ColumnExpr, uses: readonly ShardedUse[], column: (u: ShardedUse) => string | readonly string[]): ShardedUse | undefined {
  const name = col.column.toLowerCase();
  const has = (u: ShardedUse): boolean => {
    const c = column(u);
    return typeof c === 'string' ? c.toLowerCase() === name : c.some((x) => x.toLowerCase() === name);
  };
  if (col.table !== undefined) {
    const t = col.table.toLowerCase();
    const u = uses.find((x) => (x.ref.alias ?? x.ref.name).toLowerCase() === t);
    return u && has(u) ? u : undefined;
  }
  const matches = uses.filter(has);
  return matches.length === 1 ? matches[0] : undefined;
}

function unwrapColumn(e: Expr): ColumnExpr | undefined {
  return e.kind === 'column' ? e : undefined;
}

/** A restriction of one use's column to values. */
export type Restriction =
  | { readonly kind: 'values'; readonly use: ShardedUse; readonly column: string; readonly values: SqlValue[] }
  | { readonly kind: 'range'; readonly use: ShardedUse; readonly column: string; readonly lo?: SqlValue; readonly hi?: SqlValue };

/** The restriction a conjunct places on a vindex or lookup column, if any. */
export function restrictionOf(e: Expr, uses: readonly ShardedUse[], param: (i: number) => SqlValue): Restriction | undefined {
  const colsOf = (u: ShardedUse): string[] => [u.spec.column, ...Object.keys(u.spec.lookups)];
  const pick = (c: Expr): { use: ShardedUse; column: string } | undefined => {
    const col = unwrapColumn(c);
    if (!col) return undefined;
    const use = useOfColumn(col, uses, colsOf);
    if (!use) return undefined;
    const column = colsOf(use).find((x) => x.toLowerCase() === col.column.toLowerCase())!;
    return { use, column };
  };
  if (e.kind === 'binary' && (e.op === '=' || e.op === 'IS' || e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=')) {
    for (const [c, k, flipped] of [[e.left, e.right, false], [e.right, e.left, true]] as const) {
      const p = pick(c);
      const v = p && constantOf(k, param);
      if (!p || !v) continue;
      if (e.op === '=' || e.op === 'IS') return { kind: 'values', ...p, values: [v.value] };
      // Ranges prune only range vindexes; NULL bounds match nothing, left to the shards.
      if (v.value === null) return undefined;
      const lower = (e.op === '>' || e.op === '>=') !== flipped;
      return lower ? { kind: 'range', ...p, lo: v.value } : { kind: 'range', ...p, hi: v.value };
    }
    return undefined;
  }
  if (e.kind === 'in' && !e.not && e.list) {
    const p = pick(e.operand);
    if (!p) return undefined;
    const values: SqlValue[] = [];
    for (const x of e.list) {
      const v = constantOf(x, param);
      if (!v) return undefined;
      values.push(v.value);
    }
    return { kind: 'values', ...p, values };
  }
  if (e.kind === 'between' && !e.not) {
    const p = pick(e.operand);
    const lo = p && constantOf(e.low, param);
    const hi = p && constantOf(e.high, param);
    if (!p || !lo || !hi || lo.value === null || hi.value === null) return undefined;
    return { kind: 'range', ...p, lo: lo.value, hi: hi.value };
  }
  return undefined;
}

/** The two uses an equality conjunct joins on their vindex columns, if it is one. */
export function vindexEquality(e: Expr, uses: readonly ShardedUse[]): [ShardedUse, ShardedUse] | undefined {
  if (e.kind !== 'binary' || (e.op !== '=' && e.op !== 'IS')) return undefined;
  const l = unwrapColumn(e.left);
  const r = unwrapColumn(e.right);
  if (!l || !r) return undefined;
  const a = useOfColumn(l, uses, (u) => u.spec.column);
  const b = useOfColumn(r, uses, (u) => u.spec.column);
  // Unqualified names are ambiguous between two uses of the same table: require qualification then.
  if (!a || !b || a === b) return undefined;
  return [a, b];
}
