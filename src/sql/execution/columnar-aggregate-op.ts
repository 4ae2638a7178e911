// The columnar path for simple analytics on a table whose current state is published in the
// cold tier and unchanged since: `SELECT [g,] agg(...) ... FROM t [WHERE col op literal AND ...]
// [GROUP BY g]` reads only the needed columns of the Parquet file, skips row groups by their
// statistics, and filters and aggregates column arrays without building rows. When the table
// changed after the publish (or the query reads an older snapshot, or has its own pending
// writes), the same statement runs on the row path (`fallback`), so answers never depend on
// which path ran.
import { objectStoreSource, openParquet, readRowGroups, type ColumnValue, type OpenedParquet, type StatsPredicate } from '../../columnar/index.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { SqlValue } from '../types/value.js';
import type { ExecEnv, Row } from './env.js';
import * as ops from './ops.js';
import type { Operator } from './operators.js';

/** A published current-state file of a table, valid for reads at `lsn` or later until the table changes. */
export interface ColdFile {
  readonly store: ObjectStore;
  readonly key: string;
  readonly lsn: number;
  readonly catalogVersion: number;
}

export interface ColumnarPredicate {
  readonly column: string;
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly value: SqlValue;
}

export type ColumnarAgg =
  | { readonly kind: 'group' }
  | { readonly kind: 'count*' }
  | { readonly kind: 'count' | 'sum' | 'avg' | 'min' | 'max'; readonly column: string };

export interface ColumnarQuery {
  readonly table: string;
  readonly catalogVersion: number;
  readonly where: readonly ColumnarPredicate[];
  readonly groupBy?: string;
  /** Output columns in order. */
  readonly outputs: readonly ColumnarAgg[];
}

const TEST: Record<ColumnarPredicate['op'], (c: number) => boolean> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/** Footers of cold files, read once per file (a cold file never changes while it is current). */
const footers = new WeakMap<ColdFile, Promise<OpenedParquet>>();

function opened(f: ColdFile): Promise<OpenedParquet> {
  let p = footers.get(f);
  if (!p) {
    p = objectStoreSource(f.store, f.key).then(openParquet);
    p.catch(() => footers.delete(f));
    footers.set(f, p);
  }
  return p;
}

/** Statements answered from cold files so far (observability and tests). */
export const columnarStats = { runs: 0, fallbacks: 0 };

export class ColumnarAggregateOp implements Operator {
  constructor(
    readonly q: ColumnarQuery,
    readonly fallback: Operator,
  ) {}

  private usable(env: ExecEnv): ColdFile | undefined {
    const f = env.cold?.(this.q.table);
    if (!f || f.catalogVersion !== this.q.catalogVersion || f.lsn > env.txn.readLsn || env.txn.writes.size > 0) return undefined;
    return f;
  }

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const f = this.usable(env);
    if (!f) {
      columnarStats.fallbacks++;
      yield* this.fallback.run(env);
      return;
    }
    const rows = await this.compute(f);
    if (rows) {
      columnarStats.runs++;
      yield rows;
    } else {
      columnarStats.fallbacks++;
      yield* this.fallback.run(env);
    }
  }

  /** Result rows, or undefined when the file holds values this path does not handle (shadow columns). */
  private async compute(f: ColdFile): Promise<Row[] | undefined> {
    const q = this.q;
    const file = await opened(f);
    if (file.stats.columns.some((c) => c.column.shadowOf !== undefined)) return undefined;
    const needed = new Set<string>();
    for (const p of q.where) needed.add(p.column);
    if (q.groupBy) needed.add(q.groupBy);
    for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') needed.add(o.column);
    if (needed.size === 0) {
      const anyColumn = file.stats.columns[0]?.column.name;
      if (anyColumn) needed.add(anyColumn);
    }
    const columns = [...needed];
    const idx = new Map(columns.map((c, i) => [c, i]));
    const where: StatsPredicate[] = q.where.filter((p) => p.op !== '!=' && p.value !== null).map((p) => ({ column: p.column, op: p.op as StatsPredicate['op'], value: p.value as ColumnValue }));
    // The row path's accumulators, so sums (SQLite's compensated summation), integer overflow
    // and NULL rules are exactly the same on both paths.
    const groups = new Map<unknown, { key: SqlValue; n: number; accs: (ops.Accumulator | undefined)[] }>();
    const newAccs = (): (ops.Accumulator | undefined)[] => q.outputs.map((o) => (o.kind === 'group' || o.kind === 'count*' ? undefined : ops.aggregateFunction(o.kind)!.create('BINARY')));
    const gi = q.groupBy ? idx.get(q.groupBy)! : -1;
    const preds = q.where.map((p) => ({ i: idx.get(p.column)!, test: TEST[p.op], value: p.value }));
    const argCols = q.outputs.map((o) => (o.kind === 'group' || o.kind === 'count*' ? -1 : idx.get(o.column)!));
    const arg: SqlValue[] = [null];
    for await (const g of readRowGroups(file, { columns, where })) {
      const cols = g.columns as SqlValue[][];
      const n = cols[0]?.length ?? 0;
      for (let r = 0; r < n; r++) {
        let ok = true;
        for (let k = 0; k < preds.length; k++) {
          const p = preds[k]!;
          const v = cols[p.i]![r]!;
          if (v === null || p.value === null || !p.test(ops.compare(v, p.value, 'BINARY'))) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const key = gi >= 0 ? cols[gi]![r]! : null;
        const hk = gi >= 0 ? ops.hashKey(key, 'BINARY') : 0;
        let grp = groups.get(hk);
        if (!grp) groups.set(hk, (grp = { key, n: 0, accs: newAccs() }));
        grp.n++;
        for (let o = 0; o < argCols.length; o++) {
          const ci = argCols[o]!;
          if (ci < 0) continue;
          arg[0] = cols[ci]![r]!;
          grp.accs[o]!.step(arg);
        }
      }
    }
    if (!q.groupBy && groups.size === 0) groups.set(0, { key: null, n: 0, accs: newAccs() });
    const rows: Row[] = [];
    for (const grp of groups.values()) {
      rows.push(q.outputs.map((out, o) => (out.kind === 'group' ? grp.key : out.kind === 'count*' ? BigInt(grp.n) : grp.accs[o]!.result())));
    }
    return rows;
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}COLUMNAR SCAN ${this.q.table} (cold tier, when current)`);
    this.fallback.describe(out, depth + 1);
  }
}
