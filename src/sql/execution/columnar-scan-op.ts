// The columnar path for a full scan of one table that has cold runs: the FROM + WHERE of
// `SELECT a, b FROM t WHERE c > ? ORDER BY ... LIMIT ...` (and of any single-table query whose
// access path is a scan) read from the runs column by column — only the columns the query
// uses, row groups skipped by their statistics, rows dropped by the typed WHERE filters
// (columnar-filters.ts) before any row is built — merged on read with the hot delta
// (src/cold/cold-scan.ts), the delta's rows decoded by the row path's reader, in key order.
// Every WHERE term is still evaluated on the rows built (the typed filters only drop rows
// early), so the rows equal the row path's, and operators above (projection, sort, limit,
// grouping) see no difference. Anything the typed path cannot read — pending writes, a column
// whose statistics do not promise typed values — runs the row path (`fallback`).
import { DoSQLError } from '../../errors.js';
import { chunkValue, type ColdColumnStats, type ColdDelta, type ColdRowGroup, type ColdRuns, type ColumnChunk } from '../../cold/index.js';
import { applyFilter, bindFilters, filterColumns, judgeFilter, type ColumnarFilter } from './columnar-filters.js';
import type { Compiled } from './compiled.js';
import { BATCH_ROWS, type ExecEnv, type Row } from './env.js';
import { filterRows } from './evaluate.js';
import type { Operator } from './operators.js';
import type { TableReader } from './table-reader.js';

export interface ColumnarScanQuery {
  readonly table: string;
  readonly tableId: number;
  /** The scan's reader: row layout (offset, width), the columns used, the FOR SYSTEM_TIME view. */
  readonly reader: TableReader;
  /** Parquet field id of each table column (stable id + 1), by position; then the key holding the rowid (rowid tables). */
  readonly fieldIds: readonly number[];
  /** WHERE terms with a typed form (a subset of `where`, parameters bound per execution), by column name. */
  readonly filters: readonly ColumnarFilter[];
  /** Position of each column a filter names. */
  readonly positions: ReadonlyMap<string, number>;
  /** Every WHERE term, evaluated on each row built. */
  readonly where: readonly Compiled[];
}

/** Scans answered from columnar runs (observability and tests). */
export const columnarScanStats = { runs: 0, fallbacks: 0, groupsSkipped: 0, rowsBuilt: 0 };

const SAFE = 2n ** 53n;

export class ColumnarScanOp implements Operator {
  constructor(
    readonly q: ColumnarScanQuery,
    readonly fallback: Operator,
  ) {}

  async *run(env: ExecEnv): AsyncGenerator<Row[]> {
    const q = this.q;
    const kv = q.reader.kv(env);
    let src = kv === env.txn && env.txn.writes.size > 0 ? undefined : env.cold?.(q.tableId);
    // Rows come out in key order here: sources that do not keep it (SSTable images) are not read.
    if (src && src.keyOrdered === false) {
      src.release();
      src = undefined;
    }
    if (!src) {
      columnarScanStats.fallbacks++;
      yield* this.fallback.run(env);
      return;
    }
    try {
      const rows = await this.open(src, env);
      if (!rows) {
        columnarScanStats.fallbacks++;
        yield* this.fallback.run(env);
        return;
      }
      columnarScanStats.runs++;
      yield* rows;
    } finally {
      src.release();
    }
  }

  /** The scan's batches, or undefined (before any row) when the typed path cannot read the runs. */
  private async open(src: ColdRuns, env: ExecEnv): Promise<AsyncGenerator<Row[]> | undefined> {
    const q = this.q;
    const r = q.reader;
    const kv = r.kv(env);
    // The positions the query reads (all when unknown), and the filters' columns.
    const used = [...Array(r.columnCount).keys()].filter((i) => !r.used || r.used.has(i));
    const filters = bindFilters(q.filters, env.params);
    if (!filters) return undefined;
    const filterCols = [...new Set(filters.flatMap((f) => filterColumns(f)))].map((c) => q.positions.get(c)!);
    // Each field once (a rowid alias and the rowid are one key column).
    const fields = [...new Set([...used, ...filterCols].map((p) => q.fieldIds[p]!))];
    const scan = await src.scan({ lsn: kv.readLsn, layers: kv.layers, columns: fields, maxDeltaBytes: 16 * 1024 * 1024 });
    if (!scan) return undefined;
    const at = new Map([...used, ...filterCols].map((p) => [p, fields.indexOf(q.fieldIds[p]!)]));
    const nameAt = (c: string): number => at.get(q.positions.get(c)!)!;
    const groups = scan.groups;
    // Every chunk must come typed: decided from the statistics before the first row is built.
    if (!groups.every((g) => g.stats.every((s) => typed(s, g.rowCount)))) return undefined;
    const filterIdx = filterCols.map((p) => at.get(p)!);
    const usedIdx = used.map((p) => at.get(p)!);
    return this.rows(env, groups, scan.delta, filters, nameAt, filterIdx, used, usedIdx);
  }

  private async *rows(
    env: ExecEnv,
    groups: readonly ColdRowGroup[],
    delta: ColdDelta,
    filters: readonly ColumnarFilter[],
    nameAt: (column: string) => number,
    filterIdx: readonly number[],
    used: readonly number[],
    usedIdx: readonly number[],
  ): AsyncGenerator<Row[]> {
    const q = this.q;
    const r = q.reader;
    const branch = r.kv(env).branch;
    const off = r.offset;
    let out: Row[] = [];
    let d = 0;
    const flush = async (): Promise<Row[]> => {
      const kept = q.where.length ? await filterRows(out, q.where, env) : out;
      out = [];
      return kept;
    };
    /** Decodes the delta rows placed before row `row` of group `g`. */
    const deltaUpTo = (g: number, row: number): void => {
      for (; d < delta.keys.length && (delta.group[d]! < g || (delta.group[d] === g && delta.row[d]! <= row)); d++) out.push(r.decode(delta.keys[d]!, delta.values[d]!, branch));
    };
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi]!;
      deltaUpTo(gi, 0);
      const verdicts = filters.map((f) => judgeFilter(f, (c) => g.stats[nameAt(c)], g.rowCount));
      if (verdicts.includes('none')) {
        columnarScanStats.groupsSkipped++;
        continue;
      }
      const t = env.guard.tick(g.rowCount);
      if (t) await t;
      let mask = g.visibleRows();
      if (filters.length && !verdicts.every((v) => v === 'all')) {
        const fchunks = await g.read(filterIdx);
        const byName = (c: string): ColumnChunk => typedChunk(fchunks[filterIdx.indexOf(nameAt(c))] ?? null, q.table, gi);
        mask ??= new Uint8Array(g.rowCount).fill(1);
        // A filter that cannot test a chunk leaves its rows to the WHERE check (what it cleared failed it).
        for (let i = 0; i < filters.length; i++) if (verdicts[i] !== 'all') applyFilter(mask, filters[i]!, byName);
      }
      const chunks = (await g.read(usedIdx)).map((c) => typedChunk(c, q.table, gi));
      for (let row = 0; row < g.rowCount; row++) {
        if (delta.group[d] === gi) deltaUpTo(gi, row);
        if (mask && !mask[row]) continue;
        const o: Row = new Array(r.width).fill(null);
        for (let k = 0; k < used.length; k++) o[off + used[k]!] = chunkValue(chunks[k]!, row);
        out.push(o);
        if (out.length >= BATCH_ROWS) {
          columnarScanStats.rowsBuilt += out.length;
          const kept = await flush();
          if (kept.length) yield kept;
        }
      }
    }
    deltaUpTo(groups.length, 0);
    columnarScanStats.rowsBuilt += out.length;
    const kept = await flush();
    if (kept.length) yield kept;
  }

  describe(out: string[], depth: number): void {
    out.push(`${'  '.repeat(depth)}COLUMNAR SCAN ${this.q.table} (cold tier runs merged with the hot delta; columns read: those used)`);
    this.fallback.describe(out, depth + 1);
  }
}

/** Whether a column chunk with statistics `s` decodes to a typed chunk: one class, integers within ±2^53, no blobs. */
function typed(s: ColdColumnStats | undefined, rows: number): boolean {
  if (!s) return false;
  if (s.min === undefined || s.max === undefined) return s.nullCount === rows;
  return [s.min, s.max].every((v) => typeof v === 'string' || typeof v === 'number' || (typeof v === 'bigint' && v <= SAFE && v >= -SAFE));
}

function typedChunk(c: ColumnChunk | null, table: string, group: number): ColumnChunk {
  if (!c) throw notTyped(table, group);
  return c;
}

function notTyped(table: string, group: number): DoSQLError {
  return new DoSQLError('CORRUPTION', `sql: columnar scan of ${table}: row group ${group} holds values its statistics do not describe`);
}
