// The columnar path for simple analytics on a table that lives in the cold tier:
// `SELECT [g,] agg(...) FROM t [WHERE col op literal AND ...] [GROUP BY g]` over the table's
// columnar runs, merged on read with its hot delta. The cold tier hands over, per row group,
// the rows the read point sees (run rows whose key a hot version supersedes already cleared)
// and typed chunks of the columns asked for, plus the hot delta — the rows memtables, SSTables
// and branch layers give the read — placed among the run rows (src/cold/cold-scan.ts). This
// operator skips row groups by their statistics (counting whole groups a predicate fully
// covers without decoding them), decodes the delta as the row path does (columnar-delta.ts)
// and filters and aggregates both as typed arrays (columnar-kernels.ts), in key order where
// sums of doubles make the order matter. Anything else — pending writes of the transaction,
// keys the typed visibility scan cannot compare, values of a type the typed path does not
// handle, columns added after a file was written, a delta too big to hold — runs the same
// statement on the row path (`fallback`), and sums/averages follow SQLite's SumCtx exactly (see
// functions/aggregate.ts), so answers never depend on which path ran.
import type { ColdRuns, ColdScan, ColdTablePlan, ColumnChunk } from '../../cold/index.js';
import type { SqlValue } from '../types/value.js';
import type { Transaction } from '../txn/transaction.js';
import { deltaColumns, deltaMask } from './columnar-delta.js';
import { applyFilter, bindFilters, filterColumns, judgeFilter, type ColumnarFilter } from './columnar-filters.js';
import { accumulate, accumulateExcept, addDistinct, compareGroups, hasValues, localGroups, retract, retractable, type Group, type LocalGroups } from './columnar-kernels.js';
import type { ExecEnv, Row } from './env.js';
import type { Operator } from './operators.js';
import { rowBytes } from './statement-guard.js';
import type { TableReader } from './table-reader.js';

export type { ColumnarFilter, ColumnarMatch, ColumnarPredicate } from './columnar-filters.js';

/** A table's columnar runs, readable until `release()` (ExecEnv.cold). */
export type ColdSource = ColdRuns;

export type ColumnarAgg =
  | { readonly kind: 'group'; readonly index: number }
  | { readonly kind: 'count*' }
  | { readonly kind: 'count' | 'countDistinct' | 'sum' | 'avg' | 'min' | 'max'; readonly column: string };

export interface ColumnarQuery {
  readonly table: string;
  readonly tableId: number;
  readonly catalogVersion: number;
  /** Parquet field id of each column the query names (stable column id + 1). */
  readonly fieldIds: ReadonlyMap<string, number>;
  /** Position of each column in the rows `reader` decodes. */
  readonly positions: ReadonlyMap<string, number>;
  /** Decodes the hot delta's rows; its `view` is the FOR SYSTEM_TIME read view, if any. */
  readonly reader: TableReader;
  /** A sum or avg may add doubles: run rows and delta rows are then visited in key order. */
  readonly ordered: boolean;
  /** How the table's rows split into columns: lets a hot table's SSTables be read as columns (src/cold/hot-scan.ts). */
  readonly plan?: ColdTablePlan;
  /** WHERE, as a conjunction. */
  readonly where: readonly ColumnarFilter[];
  /** GROUP BY columns (up to four). */
  readonly groupBy?: readonly string[];
  /** Output columns in order. */
  readonly outputs: readonly ColumnarAgg[];
}

/**
 * Statements answered from columnar runs so far (observability and tests): `merged` of them
 * with a hot delta (rows from hot layers, or run rows they superseded), `deltaRows` rows in
 * those deltas.
 */
export const columnarStats = { runs: 0, fallbacks: 0, merged: 0, deltaRows: 0, groupsSkipped: 0, groupsCounted: 0, groupsScanned: 0 };

/** Most bytes of hot delta one statement gathers before taking the row path instead. */
const MAX_DELTA_BYTES = 64 * 1024 * 1024;

/** The delta ready for the kernels: its rows' mask, groups and aggregate arguments. */
interface DeltaState {
  readonly n: number;
  readonly group: Int32Array;
  readonly row: Int32Array;
  readonly mask: Uint8Array;
  readonly local: LocalGroups;
  readonly args: readonly (ColumnChunk | null)[];
  /** Next delta row to add. */
  next: number;
}

export class ColumnarAggregateOp implements Operator {
  constructor(
    readonly q: ColumnarQuery,
    readonly fallback: Operator,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const kv = this.q.reader.kv(env);
    // The transaction's own pending writes are not in any layer the cold tier reads.
    const pending = kv === env.txn && env.txn.writes.size > 0;
    const src = pending ? undefined : env.cold?.(this.q.tableId);
    let rows: Row[] | undefined;
    // Bytes of groups charged while computing, released once the result rows exist.
    const held = { bytes: 0 };
    if (src) {
      try {
        rows = await this.compute(src, kv, env, held);
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
  private async compute(src: ColdSource, kv: Transaction, env: ExecEnv, held: { bytes: number }): Promise<Row[] | undefined> {
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
    const where = bindFilters(q.where, env.params);
    if (!where) return undefined;
    const whereColumns = where.map((f) => filterColumns(f));
    for (const cols of whereColumns) for (const c of cols) need(c);
    for (const g of q.groupBy ?? []) need(g);
    for (const o of q.outputs) if (o.kind !== 'group' && o.kind !== 'count*') need(o.column);
    const guard = env.guard;
    const maxDeltaBytes = Math.max(0, Math.min(MAX_DELTA_BYTES, (guard.limits.maxMemoryBytes - guard.memoryUsed) / 2));
    // Sums of doubles follow key order, which SSTable images do not keep.
    if (q.ordered && src.keyOrdered === false) return undefined;
    const scan = await src.scan({ lsn: kv.readLsn, layers: kv.layers, columns, maxDeltaBytes, tick: (n) => guard.tick(n), ...(q.plan ? { plan: q.plan } : {}) });
    if (!scan) return undefined;
    const groups = new Map<string | number, Group>();
    const newGroup = (key: SqlValue[]): Group => {
      const bytes = rowBytes(key) + 64 + 64 * q.outputs.length;
      guard.charge(bytes, 'GROUP BY');
      held.bytes += bytes;
      return { key, n: 0, aggs: q.outputs.map(() => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) };
    };
    const single = (): LocalGroups => ({ ids: null, groups: [groups.get(0) ?? groups.set(0, newGroup([])).get(0)!] });
    // Per aggregated column: whether its values are integers (one class across run and delta rows).
    const numeric = new Map<number, boolean>();
    /** The aggregate arguments of one chunk set, or undefined when the typed path cannot sum them exactly. */
    const argsOf = (byName: ReadonlyMap<string, ColumnChunk>, n: number): (ColumnChunk | null)[] | undefined => {
      for (const o of q.outputs) {
        if (o.kind === 'group' || o.kind === 'count*') continue;
        const c = byName.get(o.column)!;
        if (o.kind !== 'count' && o.kind !== 'countDistinct' && c.kind !== 'num') return undefined;
        if (c.kind !== 'num' || !hasValues(c, n)) continue;
        // Out of key order, doubles may not be summed.
        if (!q.ordered && !c.int && (o.kind === 'sum' || o.kind === 'avg')) return undefined;
        const prev = numeric.get(fid(o.column));
        if (prev !== undefined && prev !== c.int) return undefined;
        numeric.set(fid(o.column), c.int);
      }
      return q.outputs.map((o) => (o.kind === 'group' || o.kind === 'count*' ? null : byName.get(o.column)!));
    };
    const distinct = q.outputs.flatMap((o, k) => (o.kind === 'countDistinct' ? [k] : []));
    const charge = (bytes: number): void => {
      guard.charge(bytes, 'count(DISTINCT)');
      held.bytes += bytes;
    };
    /** Adds rows [from, to) of a row group (or of the delta) that the mask keeps. */
    const add = (local: LocalGroups, n: number, mask: Uint8Array | null, args: readonly (ColumnChunk | null)[], from = 0, to = n): void => {
      accumulate(local, n, mask, distinct.length ? args.map((c, k) => (distinct.includes(k) ? null : c)) : args, from, to);
      for (const k of distinct) addDistinct(local, mask, args[k]!, k, from, to, charge);
    };
    const delta = this.deltaState(scan, where, kv, env, held, argsOf, groups, newGroup, single);
    if (delta === null) return undefined;
    /** Adds the delta rows placed before row `row` of row group `g` (and not yet added). */
    const deltaUpTo = (g: number, row: number): void => {
      if (!delta) return;
      let j = delta.next;
      while (j < delta.n && (delta.group[j]! < g || (delta.group[j] === g && delta.row[j]! <= row))) j++;
      add(delta.local, delta.n, delta.mask, delta.args, delta.next, j);
      delta.next = j;
    };
    const countOnly = !q.groupBy && q.outputs.every((o) => o.kind === 'count*');
    const kinds = q.outputs.map((o) => o.kind);
    for (let gi = 0; gi < scan.groups.length; gi++) {
      const rg = scan.groups[gi]!;
      if (q.ordered) deltaUpTo(gi, 0);
      const verdicts = where.map((f) => judgeFilter(f, (c) => rg.stats[at.get(c)!], rg.rowCount));
      if (verdicts.includes('none')) {
        columnarStats.groupsSkipped++;
        continue;
      }
      const all = verdicts.every((v) => v === 'all');
      // Rows the runs show the read point, and those the hot delta supersedes among them.
      const runRows = rg.runRows();
      const gone = rg.superseded();
      if (countOnly && all && runRows === null) {
        columnarStats.groupsCounted++;
        single().groups[0]!.n += rg.rowCount - gone.length;
        continue;
      }
      columnarStats.groupsScanned++;
      const t = guard.tick(rg.rowCount);
      if (t) await t;
      const want = [...new Set([...whereColumns.filter((_, i) => verdicts[i] !== 'all').flat(), ...(q.groupBy ?? []), ...q.outputs.flatMap((o) => (o.kind === 'group' || o.kind === 'count*' ? [] : [o.column]))])];
      const chunks = await rg.read(want.map((w) => at.get(w)!));
      if (chunks.some((c) => c === null)) return undefined;
      const byName = new Map(want.map((w, i) => [w, chunks[i]!]));
      if (all && runRows === null && gone.length > 0) {
        // A few superseded rows: aggregate the whole group and take them out, without a mask.
        const args = argsOf(byName, rg.rowCount);
        if (!args) return undefined;
        if (!q.groupBy) {
          if (accumulateExcept(single().groups[0]!, rg.rowCount, args, kinds, gone)) continue;
        } else if (retractable(args, kinds)) {
          const local = localGroups(q.groupBy.map((c) => byName.get(c)!), rg.rowCount, null, groups, newGroup);
          accumulate(local, rg.rowCount, null, args);
          retract(local, args, gone);
          continue;
        }
      }
      let mask = gone.length > 0 ? rg.visibleRows() : runRows;
      // null mask: every row of the group counts.
      for (let i = 0; i < where.length; i++) {
        if (verdicts[i] === 'all') continue;
        mask ??= new Uint8Array(rg.rowCount).fill(1);
        if (!applyFilter(mask, where[i]!, (c) => byName.get(c)!)) return undefined;
      }
      const args = argsOf(byName, rg.rowCount);
      if (!args) return undefined;
      const local = q.groupBy ? localGroups(q.groupBy.map((c) => byName.get(c)!), rg.rowCount, mask, groups, newGroup) : single();
      if (!q.ordered || !delta) {
        add(local, rg.rowCount, mask, args);
        continue;
      }
      // Run rows up to each delta row placed in this group, then that delta row.
      for (let from = 0; from < rg.rowCount; ) {
        deltaUpTo(gi, from);
        const j = delta.next;
        const to = j < delta.n && delta.group[j] === gi ? delta.row[j]! : rg.rowCount;
        add(local, rg.rowCount, mask, args, from, to);
        from = to;
      }
    }
    deltaUpTo(scan.groups.length, 0);
    return this.result(groups, numeric);
  }

  /**
   * The scan's hot delta ready for the kernels (its WHERE mask, groups and arguments); undefined
   * when it is empty, null when the typed path cannot take it (the row path answers).
   */
  private deltaState(
    scan: ColdScan,
    where: readonly ColumnarFilter[],
    kv: Transaction,
    env: ExecEnv,
    held: { bytes: number },
    argsOf: (byName: ReadonlyMap<string, ColumnChunk>, n: number) => (ColumnChunk | null)[] | undefined,
    groups: Map<string | number, Group>,
    newGroup: (key: SqlValue[]) => Group,
    single: () => LocalGroups,
  ): DeltaState | undefined | null {
    const q = this.q;
    const d = scan.delta;
    if (d.keys.length > 0 || d.hidden > 0) {
      columnarStats.merged++;
      columnarStats.deltaRows += d.keys.length;
    }
    if (d.keys.length === 0) return undefined;
    const names = [...new Set([...where.flatMap((f) => filterColumns(f)), ...(q.groupBy ?? []), ...q.outputs.flatMap((o) => (o.kind === 'group' || o.kind === 'count*' ? [] : [o.column]))])];
    const cols = deltaColumns(d, q.reader, kv.branch, q.positions, names);
    if (!cols) return null;
    env.guard.charge(cols.bytes, 'columnar scan (hot delta)');
    held.bytes += cols.bytes;
    const n = cols.n;
    // Shared with later queries over the same delta (columnar-delta.ts): read, never changed.
    const mask = deltaMask(cols, where);
    if (!mask) return null;
    const args = argsOf(cols.chunks, n);
    if (!args) return null;
    const local = q.groupBy ? localGroups(q.groupBy.map((c) => cols.chunks.get(c)!), n, mask, groups, newGroup) : single();
    return { n, group: d.group, row: d.row, mask, local, args, next: 0 };
  }

  /** The result rows of the accumulated groups, in SQLite's GROUP BY order; undefined when a sum left the exact range. */
  private result(groups: Map<string | number, Group>, numeric: ReadonlyMap<number, boolean>): Row[] | undefined {
    const q = this.q;
    if (!q.groupBy && groups.size === 0) groups.set(0, { key: [], n: 0, aggs: q.outputs.map(() => ({ n: 0, sum: 0, err: 0, big: false, min: Infinity, max: -Infinity })) });
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
        else if (o.kind === 'countDistinct') row.push(BigInt(a.distinct?.size ?? 0));
        else {
          const int = numeric.get(q.fieldIds.get(o.column)!) ?? true;
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
    out.push(`${'  '.repeat(depth)}COLUMNAR SCAN ${this.q.table} (cold tier runs merged with the hot delta)`);
    this.fallback.describe(out, depth + 1);
  }
}

function nanToNull(r: number): number | null {
  return r !== r ? null : r;
}
