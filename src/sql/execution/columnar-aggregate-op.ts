// The columnar path for simple analytics on a table that lives in the cold tier:
// `SELECT [g,] agg(...) FROM t [WHERE col op literal AND ...] [GROUP BY g]` over the table's
// columnar runs, when they alone hold the table (nothing newer in memtables or hot levels:
// `engine.cold.runs`). The cold tier hands over, per row group, the rows the read point sees
// and typed chunks of the columns asked for (src/cold/cold-scan.ts); this operator skips row
// groups by their statistics (counting whole groups a predicate fully covers without decoding
// them), and filters and aggregates typed arrays (columnar-kernels.ts). Anything else —
// pending writes, keys the typed visibility scan cannot compare, values of a type the typed
// path does not handle, columns added after a file was written — runs the same statement on
// the row path (`fallback`), and sums/averages follow SQLite's SumCtx exactly (see
// functions/aggregate.ts), so answers never depend on which path ran.
import type { ColdRuns } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import { accumulate, applyPredicate, compareGroups, judge, localGroups, type ColumnarPredicate, type Group } from './columnar-kernels.js';
import type { ExecEnv, Row } from './env.js';
import type { Operator } from './operators.js';
import { rowBytes } from './statement-guard.js';

export type { ColumnarPredicate } from './columnar-kernels.js';

/** A table's columnar runs, readable until `release()` (ExecEnv.cold). */
export type ColdSource = ColdRuns;

export type ColumnarAgg =
  | { readonly kind: 'group'; readonly index: number }
  | { readonly kind: 'count*' }
  | { readonly kind: 'count' | 'sum' | 'avg' | 'min' | 'max'; readonly column: string };

export interface ColumnarQuery {
  readonly table: string;
  readonly tableId: number;
  readonly catalogVersion: number;
  /** Parquet field id of each column the query names (stable column id + 1). */
  readonly fieldIds: ReadonlyMap<string, number>;
  readonly where: readonly ColumnarPredicate[];
  /** GROUP BY columns (up to four). */
  readonly groupBy?: readonly string[];
  /** Output columns in order. */
  readonly outputs: readonly ColumnarAgg[];
}


/** Statements answered from columnar runs so far (observability and tests). */
export const columnarStats = { runs: 0, fallbacks: 0, groupsSkipped: 0, groupsCounted: 0, groupsScanned: 0 };


export class ColumnarAggregateOp implements Operator {
  constructor(
    readonly q: ColumnarQuery,
    readonly fallback: Operator,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const src = env.txn.writes.size === 0 ? env.cold?.(this.q.tableId) : undefined;
    let rows: Row[] | undefined;
    // Bytes of groups charged while computing, released once the result rows exist.
    const held = { bytes: 0 };
    if (src) {
      try {
        rows = await this.compute(src, env.txn.readLsn, env, held);
      } finally {
        env.guard.release(held.bytes);
        src.release();
      }
    }
    if (rows) {
      columnarStats.runs++;
      yield rows;
      return;
    }
    columnarStats.fallbacks++;
    yield* this.fallback.run(env);
  }

  /** Result rows, or undefined when the runs are not a case this path answers exactly. */
  private async compute(src: ColdSource, readLsn: number, env: ExecEnv, held: { bytes: number }): Promise<Row[] | undefined> {
    const q = this.q;
    const fid = (name: string): number => q.fieldIds.get(name)!;
    // Each column the query names, by its index in the scan request (field ids, once each).
    const columns: number[] = [];
    const at = new Map<string, number>();
    const need = (name: string): void => {
      if (at.has(name)) return;
      const id = fid(name);
      let i = columns.indexOf(id);
      if (i < 0) i = columns.push(id) - 1;
      at.set(name, i);
    };
    for (const p of q.where) need(p.column);
    for (const g of q.groupBy ?? []) need(g);
    for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') need(o.column);
    const scan = await src.scan({ lsn: readLsn, columns });
    if (!scan) return undefined;
    const groups = new Map<string | number, Group>();
    const newGroup = (key: SqlValue[]): Group => {
      const bytes = rowBytes(key) + 64 + 64 * q.outputs.length;
      env.guard.charge(bytes, 'GROUP BY');
      held.bytes += bytes;
      return { key, n: 0, aggs: q.outputs.map(() => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) };
    };
    const numeric = new Map<number, boolean>();
    const countOnly = !q.groupBy && q.outputs.every((o) => o.kind === 'count*');
    for (const rg of scan.groups) {
      const verdicts = q.where.map((p) => judge(rg.stats[at.get(p.column)!], rg.rowCount, p));
      if (verdicts.includes('none')) {
        columnarStats.groupsSkipped++;
        continue;
      }
      let mask = rg.visibleRows();
      if (countOnly && mask === null && verdicts.every((v) => v === 'all')) {
        columnarStats.groupsCounted++;
        const g = groups.get(0) ?? newGroup([]);
        groups.set(0, g);
        g.n += rg.rowCount;
        continue;
      }
      columnarStats.groupsScanned++;
      const t = env.guard.tick(rg.rowCount);
      if (t) await t;
      const want = [...new Set([...q.where.filter((_, i) => verdicts[i] !== 'all').map((p) => p.column), ...(q.groupBy ?? []), ...q.outputs.flatMap((o) => (o.kind === 'group' || o.kind === 'count*' ? [] : [o.column]))])];
      const chunks = await rg.read(want.map((w) => at.get(w)!));
      if (chunks.some((c) => c === null)) return undefined;
      const byName = new Map(want.map((w, i) => [w, chunks[i]!]));
      // null mask: every row of the group counts.
      q.where.forEach((p, i) => {
        if (verdicts[i] === 'all') return;
        mask ??= new Uint8Array(rg.rowCount).fill(1);
        applyPredicate(mask, byName.get(p.column)!, p);
      });
      for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') {
        const c = byName.get(o.column)!;
        if (o.kind !== 'count' && c.kind !== 'num') return undefined;
        if (c.kind === 'num') {
          const prev = numeric.get(fid(o.column));
          if (prev !== undefined && prev !== c.int) return undefined;
          numeric.set(fid(o.column), c.int);
        }
      }
      const local = q.groupBy ? localGroups(q.groupBy.map((c) => byName.get(c)!), rg.rowCount, mask, groups, newGroup) : { ids: null, groups: [groups.get(0) ?? groups.set(0, newGroup([])).get(0)!] };
      accumulate(local, rg.rowCount, mask, q.outputs.map((o) => (o.kind === 'group' || o.kind === 'count*' ? null : byName.get(o.column)!)));
    }
    if (!q.groupBy && groups.size === 0) groups.set(0, newGroup([]));
    const out: Row[] = [];
    // Groups met only in rows the mask dropped have no rows: SQL shows no such group.
    const sorted = [...groups.values()].filter((g) => !q.groupBy || g.n > 0).sort(compareGroups);
    for (const g of sorted) {
      const row: SqlValue[] = [];
      for (let k = 0; k < q.outputs.length; k++) {
        const o = q.outputs[k]!;
        const a = g.aggs[k]!;
        if (o.kind === 'group') row.push(g.key[o.index]!);
        else if (o.kind === 'count*') row.push(BigInt(g.n));
        else if (o.kind === 'count') row.push(BigInt(a.n));
        else {
          const int = numeric.get(fid(o.column)) ?? true;
          if (a.big) return undefined;
          const total = int ? a.sum : Number.isFinite(a.err) ? a.sum + a.err : a.sum;
          if (a.n === 0) row.push(null);
          else if (o.kind === 'sum') row.push(int ? BigInt(a.sum) : nanToNull(total));
          else if (o.kind === 'avg') row.push(nanToNull(total / a.n));
          else {
            const v = o.kind === 'min' ? a.min : a.max;
            row.push(int ? BigInt(v) : v);
          }
        }
      }
      out.push(row);
    }
    return out;
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}COLUMNAR SCAN ${this.q.table} (cold tier runs, when they hold the table)`);
    this.fallback.describe(out, depth + 1);
  }
}

function nanToNull(r: number): number | null {
  return r !== r ? null : r;
}
