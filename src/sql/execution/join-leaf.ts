// One source of a join as execution sees it: a base table read through its TableReader, the
// rows of a planned derived table / view / CTE, a table-valued function's, or a recursive
// CTE's working table. The
// planner builds them (planner/plan-from.ts `Leaf` adds what only planning needs).
import type { TableSchema } from '../catalog/schema.js';
import type { SubPlan } from './compiled.js';
import type { ExecEnv, Row } from './env.js';
import type { TableFunctionScan } from './table-function-scan.js';
import type { TableReader } from './table-reader.js';

export interface JoinLeaf {
  /** Where the source's columns sit in the joined row: from `offset`, `columns.length` of them. */
  readonly src: { readonly offset: number; readonly columns: readonly unknown[] };
  /** Base table rows. */
  readonly reader?: TableReader;
  readonly table?: TableSchema;
  /** Derived table, view or CTE: rows of this plan, placed at src.offset. */
  readonly plan?: SubPlan;
  /** Table-valued function call (its rows depend on the joined row when its arguments read other sources). */
  readonly tvf?: TableFunctionScan;
  /** Recursive CTE working table. */
  readonly working?: { rows: Row[] };
  /** The source as EXPLAIN QUERY PLAN and memory-budget errors name it. */
  readonly label: string;
}

/** Every row of a leaf, `width` wide with the leaf's values at its offset. */
export async function leafRows(leaf: JoinLeaf, env: ExecEnv, width: number): Promise<Row[]> {
  const rows: Row[] = [];
  if (leaf.reader) {
    for await (const b of leaf.reader.scan(env)) for (const r of b) rows.push(r);
    return rows;
  }
  if (leaf.tvf) return leaf.tvf.rows(new Array(width).fill(null), env);
  const narrow = leaf.plan ? await leaf.plan.run(env) : leaf.working!.rows;
  return widen(narrow, leaf.src.offset, width);
}

/** Rows of one source placed at `off` inside rows `width` wide. */
export function widen(narrow: readonly Row[], off: number, width: number): Row[] {
  const rows: Row[] = new Array(narrow.length);
  for (let k = 0; k < narrow.length; k++) {
    const r = narrow[k]!;
    const w: Row = new Array(width).fill(null);
    for (let i = 0; i < r.length; i++) w[off + i] = r[i]!;
    rows[k] = w;
  }
  return rows;
}
