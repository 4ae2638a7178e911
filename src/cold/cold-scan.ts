// The columnar read of a table's runs: the engine call behind the SQL layer's columnar path
// (docs/design/cold-tier.md, "Reading runs by column"). It yields, per row group, the footer
// statistics of the columns asked for (so the caller skips groups without reading them), the
// rows the read point sees (run-visibility.ts) and typed column chunks (column-cache.ts).
// Callers name columns by field id: they never open a Parquet file, see a system column or
// decode a key.
//
// Merge-on-read: when hot layers (memtables, SSTables, a branch's own keys) hold versions of
// the table, the scan also hands over the hot delta — the rows those layers give the read
// (hot-delta.ts) — with the position of each among the run rows, and `visibleRows()` clears
// the run rows whose key the delta holds (delta-placement.ts), as Paimon's and Hudi's
// merge-on-read readers drop base-file rows a newer log record replaces.
import type { ColumnChunk, ColumnChunkStats, ParquetColumnInfo } from '../columnar/index.js';
import type { ColdTablePlan } from './cold-codec.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { MAIN_BRANCH } from '../mvcc/internal-key.js';
import type { Layer } from '../mvcc/layers.js';
import type { ColumnCache } from './column-cache.js';
import { placeDelta, type PlacedFile, type Placement } from './delta-placement.js';
import { cacheDelta, cachedDelta, combinedMask, deltaKey, type FileMask, type PlacedDelta } from './delta-cache.js';
import { readHotDelta, type DeltaEntry, type HotSources } from './hot-delta.js';
import { FIELD_ID_SLOTS, runLayout } from './run-layout.js';
import { visibility } from './run-visibility.js';

/** What a columnar read of a table asks for. */
export interface ColdScanRequest {
  /**
   * Read point on the main branch: per key, the newest version with LSN <= lsn, unless it is
   * a tombstone. Ignored when `layers` is given.
   */
  readonly lsn: number;
  /**
   * The read's layers (mvcc/layers.ts): the reading branch at its read LSN, then its
   * ancestors at their base LSNs, ending with main. Default: main at `lsn`.
   */
  readonly layers?: readonly Layer[];
  /**
   * Field ids of the columns the caller may read, each once (for SQL tables the stable column
   * id + 1, ColdTablePlan.schema).
   */
  readonly columns: readonly number[];
  /**
   * Most bytes of hot-delta keys and values the scan gathers (about 64 bytes per entry on
   * top); past it the scan answers undefined and the caller reads rows. Default 64 MiB.
   */
  readonly maxDeltaBytes?: number;
  /**
   * How the table's row values split into columns (the codec's plan of the table): needed to
   * read a hot table's SSTables as columns (hot-scan.ts); a scan of SSTable images without it
   * answers undefined. Run scans ignore it.
   */
  readonly plan?: ColdTablePlan;
  /**
   * Called with a count of entries read while the scan builds SSTable images (hot-scan.ts):
   * the statement guard's tick, so a long build yields and stops at the statement's time
   * limit or interrupt (it throws; nothing partial is cached).
   */
  readonly tick?: (entries: number) => Promise<void> | undefined;
}

/** A column chunk's footer statistics; counts include rows the read point does not see. */
export type ColdColumnStats = Pick<ColumnChunkStats, 'nullCount' | 'min' | 'max'>;

/** One row group of a run file, in key order. */
export interface ColdRowGroup {
  readonly rowCount: number;
  /** Statistics of each requested column, in request order (min and max undefined when unknown). */
  readonly stats: readonly (ColdColumnStats | undefined)[];
  /**
   * The rows the read point sees, one byte per row (1 = visible), in a fresh array the caller
   * may change; null when every row of the group is visible (known without reading it). Rows
   * whose key the hot delta holds are not visible.
   */
  visibleRows(): Uint8Array | null;
  /**
   * The rows of the group (group-relative, ascending) the hot delta supersedes: `visibleRows()`
   * is `runRows()` less these. Empty without a delta.
   */
  superseded(): Int32Array;
  /** `visibleRows()` before the hot delta: the rows the runs alone would show the read point. */
  runRows(): Uint8Array | null;
  /**
   * Typed chunks of the requested columns at `which` (indexes into the request's columns),
   * decoded once and cached; null for a column whose values do not fit a typed chunk (mixed
   * classes, blobs, integers beyond ±2^53). Throws CORRUPTION for damaged bytes.
   */
  read(which: readonly number[]): Promise<(ColumnChunk | null)[]>;
}

/**
 * The rows the hot layers give the read (puts only: a hot tombstone just hides run rows), in
 * key order, each placed among the run rows.
 */
export interface ColdDelta {
  /** User keys, in the first layer's branch (decode the row key from them). */
  readonly keys: readonly Uint8Array[];
  /** Row values. */
  readonly values: readonly Uint8Array[];
  /**
   * Per row, the row group (index into `groups`; groups.length: after every group) and the
   * row in it before which the key sorts: visiting run rows and these in that order is
   * visiting the table in key order.
   */
  readonly group: Int32Array;
  readonly row: Int32Array;
  /** Run rows the delta's keys supersede (versions no longer visible: updated or deleted in the hot layers). */
  readonly hidden: number;
}

/** A table's rows at a read point: run row groups in key order, and the hot delta. */
export interface ColdScan {
  readonly groups: readonly ColdRowGroup[];
  readonly delta: ColdDelta;
}

/**
 * A table's runs, pinned with the hot sources of the same moment: files and memtables stay
 * readable until `release()` (idempotent). Obtained from the engine (`engine.cold.runs(table)`)
 * while the table has runs.
 */
export interface ColdRuns {
  /**
   * False when the row groups and the delta are not in key order (a hot table's SSTable
   * images, hot-scan.ts): callers whose answer depends on the order read rows instead.
   * Undefined or true: in key order.
   */
  readonly keyOrdered?: boolean;
  /**
   * The rows visible at the read point, run rows column by column plus the hot delta;
   * undefined when typed chunks cannot answer exactly and the caller must read rows instead:
   * a requested column is missing from a file (added later), kept in a shadow column
   * (off-type values), or absent from some rows (FIELD_ID_SLOTS below its field id),
   * visibility needs a key the typed scan cannot compare (run-visibility.ts, delta-placement.ts),
   * the layers do not end with main, or the delta passes `maxDeltaBytes`. Throws CORRUPTION
   * for a damaged file.
   */
  scan(request: ColdScanRequest): Promise<ColdScan | undefined>;
  release(): void;
}

/** ColdRuns over files of one version and the hot sources captured with it; `done` unpins them. */
export class PinnedRuns implements ColdRuns {
  private released = false;

  constructor(
    /** Key-space id of the table. */
    readonly table: number,
    /** The run files, in key order. */
    readonly files: readonly FileMeta[],
    readonly cache: ColumnCache,
    /** The memtables and the version the files belong to. */
    readonly hot: HotSources,
    private readonly done: () => void,
  ) {}

  scan(request: ColdScanRequest): Promise<ColdScan | undefined> {
    return scanRuns(this, request);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.done();
  }
}

const DEFAULT_MAX_DELTA_BYTES = 64 * 1024 * 1024;

async function scanRuns(runs: PinnedRuns, request: ColdScanRequest): Promise<ColdScan | undefined> {
  const { files, cache } = runs;
  const wanted = request.columns;
  const layers = request.layers ?? [{ branch: MAIN_BRANCH, lsn: request.lsn }];
  const main = layers[layers.length - 1]!;
  if (main.branch !== MAIN_BRANCH) return undefined;
  for (const f of files) {
    const c = f.cold;
    if (!c || c.shadowFieldIds.some((id) => wanted.includes(id))) return undefined;
  }
  // Rows written before an ADD COLUMN lack the column: they read as its default, not as stored.
  const maxSlot = Math.max(0, ...wanted.filter((id) => id < FIELD_ID_SLOTS));
  const opened: PlacedFile[] = [];
  for (const f of files) {
    const file = await cache.file(f);
    opened.push({ meta: f, file, keyColumns: runLayout(file).keyColumns });
  }
  const maxDeltaBytes = request.maxDeltaBytes ?? DEFAULT_MAX_DELTA_BYTES;
  const placed = await placedDelta(runs, opened, layers, maxDeltaBytes);
  if (!placed || placed.bytes > maxDeltaBytes) return undefined;
  const groups: ColdRowGroup[] = [];
  /** Index in `groups` of each file's first row group. */
  const base: number[] = [];
  for (let fi = 0; fi < opened.length; fi++) {
    const { meta: f, file } = opened[fi]!;
    base.push(groups.length);
    const cols = file.stats.columns;
    const names = columnNames(cols.map((c) => c.column));
    if (wanted.some((id) => !names.has(id))) return undefined;
    const slotsIdx = cols.findIndex((c) => c.column.fieldId === FIELD_ID_SLOTS);
    let mask = placed.masks.get(f.key);
    if (!mask) {
      const vis = await visibility(cache, f, file, main.lsn);
      if (vis === undefined) return undefined;
      placed.masks.set(f.key, (mask = { vis, excluded: placed.placement.excluded[fi]! }));
    }
    const colNames = wanted.map((id) => names.get(id)!);
    const colIdx = colNames.map((name) => cols.findIndex((c) => c.column.name === name));
    for (const rg of file.stats.rowGroups) {
      const slots = slotsIdx >= 0 ? rg.columns[slotsIdx]!.min : undefined;
      if (maxSlot > 0 && (typeof slots !== 'bigint' || Number(slots) < maxSlot)) return undefined;
      groups.push(new RunGroup(cache, f, rg.index, rg.firstRow, rg.rowCount, colIdx.map((i) => rg.columns[i]), colNames, mask, file.stats.recordCount));
    }
  }
  base.push(groups.length);
  placed.delta ??= deltaRows(placed.entries, placed.placement, opened, base);
  return { groups, delta: placed.delta };
}

/** The hot delta of the read placed among the runs' rows: cached while the hot sources stay as they are (delta-cache.ts). */
async function placedDelta(runs: PinnedRuns, opened: readonly PlacedFile[], layers: readonly Layer[], maxBytes: number): Promise<PlacedDelta | undefined> {
  const key = deltaKey(runs.hot, runs.table, layers);
  const hit = cachedDelta(runs.hot.version, key);
  if (hit) return hit;
  const read = await readHotDelta(runs.hot, runs.table, layers, maxBytes);
  if (!read) return undefined;
  const placement = await placeDelta(runs.cache, opened, read.entries);
  if (!placement) return undefined;
  const placed: PlacedDelta = { entries: read.entries, placement, bytes: read.bytes, masks: new Map() };
  cacheDelta(runs.hot.version, key, placed);
  return placed;
}

/** The delta's puts with their places as (row group, row) pairs. */
function deltaRows(all: readonly DeltaEntry[], placed: Placement, files: readonly PlacedFile[], base: readonly number[]): ColdDelta {
  const { file: fileOf, row: rowOf, excluded } = placed;
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  const group: number[] = [];
  const row: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const d = all[i]!;
    if (!d.value) continue;
    keys.push(d.uk);
    values.push(d.value);
    const fi = fileOf[i]!;
    const r = rowOf[i]!;
    if (fi >= files.length) {
      group.push(base[fi]!);
      row.push(0);
      continue;
    }
    const rgs = files[fi]!.file.stats.rowGroups;
    let g = 0;
    while (g < rgs.length && rgs[g]!.firstRow + rgs[g]!.rowCount <= r) g++;
    group.push(base[fi]! + g);
    row.push(g < rgs.length ? r - rgs[g]!.firstRow : 0);
  }
  const hidden = excluded.reduce((n, e) => n + e.length, 0);
  return { keys, values, group: Int32Array.from(group), row: Int32Array.from(row), hidden };
}

class RunGroup implements ColdRowGroup {
  constructor(
    private readonly cache: ColumnCache,
    private readonly file: FileMeta,
    private readonly index: number,
    private readonly firstRow: number,
    readonly rowCount: number,
    readonly stats: readonly (ColdColumnStats | undefined)[],
    /** File column name of each requested column. */
    private readonly names: readonly string[],
    /** The file's visible rows and the rows the hot delta supersedes. */
    private readonly mask: FileMask,
    private readonly fileRows: number,
  ) {}

  visibleRows(): Uint8Array | null {
    const from = this.firstRow;
    const to = from + this.rowCount;
    const ex = this.mask.excluded;
    const i = lowerBound(ex, from);
    if (i < ex.length && ex[i]! < to) return combinedMask(this.mask, this.fileRows).slice(from, to);
    return this.runRows();
  }

  superseded(): Int32Array {
    const ex = this.mask.excluded;
    const from = this.firstRow;
    const i = lowerBound(ex, from);
    const j = lowerBound(ex, from + this.rowCount);
    return ex.subarray(i, j).map((r) => r - from);
  }

  runRows(): Uint8Array | null {
    return this.mask.vis ? this.mask.vis.slice(this.firstRow, this.firstRow + this.rowCount) : null;
  }

  read(which: readonly number[]): Promise<(ColumnChunk | null)[]> {
    return this.cache.chunks(this.file, this.index, which.map((i) => this.names[i]!));
  }
}

/** The first index of sorted `a` holding a value >= x. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** File column name by field id (shadow columns excluded). */
function columnNames(cols: readonly ParquetColumnInfo[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of cols) if (c.fieldId !== null && c.shadowOf === undefined) m.set(c.fieldId, c.name);
  return m;
}
