// The columnar read of a table's runs: the engine call behind the SQL layer's columnar path
// (docs/design/cold-tier.md, "Reading runs by column"). It yields, per row group, the footer
// statistics of the columns asked for (so the caller skips groups without reading them), the
// rows the read point sees (run-visibility.ts) and typed column chunks (column-cache.ts).
// Callers name columns by field id: they never open a Parquet file, see a system column or
// decode a key.
//
// Merge-on-read over a hot delta extends this call, not its callers: `runs()` then hands out
// runs while hot versions of the table exist, and `visibleRows()` also clears the rows whose
// key a newer hot version supersedes.
import type { ColumnChunk, ColumnChunkStats, ParquetColumnInfo } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import type { ColumnCache } from './column-cache.js';
import { FIELD_ID_SLOTS } from './run-layout.js';
import { visibility, type Visibility } from './run-visibility.js';

/** What a columnar read of a table asks for. */
export interface ColdScanRequest {
  /** Read point: per key, the newest version with LSN <= lsn, unless it is a tombstone. */
  readonly lsn: number;
  /**
   * Field ids of the columns the caller may read, each once (for SQL tables the stable column
   * id + 1, ColdTablePlan.schema).
   */
  readonly columns: readonly number[];
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
   * may change; null when every row of the group is visible (known without reading it).
   */
  visibleRows(): Uint8Array | null;
  /**
   * Typed chunks of the requested columns at `which` (indexes into the request's columns),
   * decoded once and cached; null for a column whose values do not fit a typed chunk (mixed
   * classes, blobs, integers beyond ±2^53). Throws CORRUPTION for damaged bytes.
   */
  read(which: readonly number[]): Promise<(ColumnChunk | null)[]>;
}

/** A table's rows at a read point, as row groups in key order. */
export interface ColdScan {
  readonly groups: readonly ColdRowGroup[];
}

/**
 * A table's runs, pinned: files stay readable until `release()` (idempotent). Obtained from
 * the engine (`engine.cold.runs(table)`) while the runs alone hold the table.
 */
export interface ColdRuns {
  /**
   * The rows visible at `request.lsn`, column by column; undefined when typed chunks cannot
   * answer exactly and the caller must read rows instead: a requested column is missing from
   * a file (added later), kept in a shadow column (off-type values), or absent from some rows
   * (FIELD_ID_SLOTS below its field id), or visibility needs a key the typed scan cannot
   * compare (run-visibility.ts). Throws CORRUPTION for a damaged file.
   */
  scan(request: ColdScanRequest): Promise<ColdScan | undefined>;
  release(): void;
}

/** ColdRuns over files of the current version; `done` unpins them. */
export class PinnedRuns implements ColdRuns {
  private released = false;

  constructor(
    /** The run files, in key order. */
    readonly files: readonly FileMeta[],
    readonly cache: ColumnCache,
    private readonly done: () => void,
  ) {}

  scan(request: ColdScanRequest): Promise<ColdScan | undefined> {
    return scanRuns(this.files, this.cache, request);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.done();
  }
}

async function scanRuns(files: readonly FileMeta[], cache: ColumnCache, request: ColdScanRequest): Promise<ColdScan | undefined> {
  const wanted = request.columns;
  for (const f of files) {
    const c = f.cold;
    if (!c || c.shadowFieldIds.some((id) => wanted.includes(id))) return undefined;
  }
  // Rows written before an ADD COLUMN lack the column: they read as its default, not as stored.
  const maxSlot = Math.max(0, ...wanted.filter((id) => id < FIELD_ID_SLOTS));
  const groups: ColdRowGroup[] = [];
  for (const f of files) {
    const file = await cache.file(f);
    const cols = file.stats.columns;
    const names = columnNames(cols.map((c) => c.column));
    if (wanted.some((id) => !names.has(id))) return undefined;
    const slotsIdx = cols.findIndex((c) => c.column.fieldId === FIELD_ID_SLOTS);
    const vis = await visibility(cache, f, file, request.lsn);
    if (vis === undefined) return undefined;
    const colNames = wanted.map((id) => names.get(id)!);
    const colIdx = colNames.map((name) => cols.findIndex((c) => c.column.name === name));
    for (const rg of file.stats.rowGroups) {
      const slots = slotsIdx >= 0 ? rg.columns[slotsIdx]!.min : undefined;
      if (maxSlot > 0 && (typeof slots !== 'bigint' || Number(slots) < maxSlot)) return undefined;
      groups.push(new RunGroup(cache, f, rg.index, rg.firstRow, rg.rowCount, colIdx.map((i) => rg.columns[i]), colNames, vis));
    }
  }
  return { groups };
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
    private readonly vis: Visibility,
  ) {}

  visibleRows(): Uint8Array | null {
    return this.vis ? this.vis.slice(this.firstRow, this.firstRow + this.rowCount) : null;
  }

  read(which: readonly number[]): Promise<(ColumnChunk | null)[]> {
    return this.cache.chunks(this.file, this.index, which.map((i) => this.names[i]!));
  }
}

/** File column name by field id (shadow columns excluded). */
function columnNames(cols: readonly ParquetColumnInfo[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of cols) if (c.fieldId !== null && c.shadowOf === undefined) m.set(c.fieldId, c.name);
  return m;
}
