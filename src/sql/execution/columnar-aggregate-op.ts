// The columnar path for simple analytics on a table that lives in the cold tier:
// `SELECT [g,] agg(...) FROM t [WHERE col op literal AND ...] [GROUP BY g]` over the table's
// columnar run files, when those files alone hold the table (nothing newer in memtables or hot
// levels: LsmEngine.coldRunsCovering). The rows a read point sees are picked from the files'
// LSN, kind and key columns (run-visibility.ts; all rows when the files hold one version per
// key, none newer), then the query reads only the needed columns, skips row groups by their
// statistics (counting whole groups a predicate fully covers without decoding them), and
// filters and aggregates typed arrays (column-cache.ts). Anything else — pending writes, keys
// the typed visibility scan cannot compare, values of a type the typed path does not handle,
// columns added after a file was written — runs the same statement on the row path (`fallback`),
// and sums/averages follow SQLite's SumCtx exactly (see functions/aggregate.ts), so answers
// never depend on which path ran.
import type { ParquetColumnInfo } from '../../columnar/index.js';
import type { FileMeta } from '../../manifest/manifest-format.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { FIELD_ID_SLOTS } from '../rows/cold-layout.js';
import type { SqlValue } from '../types/value.js';
import { ColumnCache } from '../../cold/column-cache.js';
import { accumulate, applyPredicate, compareGroups, judge, localGroups, type ColumnarPredicate, type Group } from './columnar-kernels.js';
import type { ExecEnv, Row } from './env.js';
import type { Operator } from './operators.js';
import { visibility } from '../../cold/run-visibility.js';
import { rowBytes } from './statement-guard.js';

export type { ColumnarPredicate } from './columnar-kernels.js';

/** A table's columnar runs, readable while `release` has not been called. */
export interface ColdSource {
  readonly files: readonly FileMeta[];
  readonly store: ObjectStore;
  release(): void;
}


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

const caches = new WeakMap<ObjectStore, ColumnCache>();
/** The decoded-column cache of a cold store. */
export function columnCache(store: ObjectStore): ColumnCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new ColumnCache(store)));
  return c;
}


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

  /** Result rows, or undefined when the files are not a case this path answers exactly. */
  private async compute(src: ColdSource, readLsn: number, env: ExecEnv, held: { bytes: number }): Promise<Row[] | undefined> {
    const q = this.q;
    const fid = (name: string): number => q.fieldIds.get(name)!;
    const needed = new Set<number>();
    for (const p of q.where) needed.add(fid(p.column));
    for (const g of q.groupBy ?? []) needed.add(fid(g));
    for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') needed.add(fid(o.column));
    for (const f of src.files) {
      const c = f.cold;
      if (!c) return undefined;
      if (c.shadowFieldIds.some((id) => needed.has(id))) return undefined;
    }
    const cache = columnCache(src.store);
    const groups = new Map<string | number, Group>();
    const newGroup = (key: SqlValue[]): Group => {
      const bytes = rowBytes(key) + 64 + 64 * q.outputs.length;
      env.guard.charge(bytes, 'GROUP BY');
      held.bytes += bytes;
      return { key, n: 0, aggs: q.outputs.map(() => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) };
    };
    const numeric = new Map<number, boolean>();
    for (const f of src.files) {
      const file = await cache.file(f);
      const names = columnNames(file.stats.columns.map((c) => c.column));
      if ([...needed].some((id) => !names.has(id))) return undefined; // a column added after the file was written
      const slotsIdx = file.stats.columns.findIndex((c) => c.column.fieldId === FIELD_ID_SLOTS);
      const maxSlot = Math.max(0, ...[...needed].filter((id) => id < FIELD_ID_SLOTS));
      const vis = await visibility(cache, f, file, readLsn);
      if (vis === undefined) return undefined;
      const col = (name: string): string => names.get(fid(name))!;
      const colIdx = (name: string): number => file.stats.columns.findIndex((c) => c.column.name === col(name));
      for (const rg of file.stats.rowGroups) {
        // Rows written before an ADD COLUMN lack the slot: they read as the default, not as stored.
        const slots = slotsIdx >= 0 ? rg.columns[slotsIdx]!.min : undefined;
        if (maxSlot > 0 && (typeof slots !== 'bigint' || Number(slots) < maxSlot)) return undefined;
        const verdicts = q.where.map((p) => judge(rg, colIdx(p.column), p));
        if (verdicts.includes('none')) {
          columnarStats.groupsSkipped++;
          continue;
        }
        const countOnly = !q.groupBy && q.outputs.every((o) => o.kind === 'count*');
        if (countOnly && vis === null && verdicts.every((v) => v === 'all')) {
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
        const chunks = await cache.chunks(f, rg.index, want.map(col));
        if (chunks.some((c) => c === null)) return undefined;
        const byName = new Map(want.map((w, i) => [w, chunks[i]!]));
        // null mask: every row of the group counts.
        let mask: Uint8Array | null = vis ? vis.slice(rg.firstRow, rg.firstRow + rg.rowCount) : null;
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

/** File column name by field id (shadow columns excluded). */
function columnNames(cols: readonly ParquetColumnInfo[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of cols) if (c.fieldId !== null && c.shadowOf === undefined) m.set(c.fieldId, c.name);
  return m;
}
