// Which rows of a columnar run file a read at LSN n sees: for each key, the newest version
// with LSN <= n, unless that version is a tombstone (the MVCC rule of docs/compaction.md,
// applied to a file sorted by key ascending, LSN descending). A key's versions never span two
// files of a run but may span row groups, so the scan carries its state across groups. Keys
// of any typed class and any number of columns are compared: numbers by value, text by its
// dictionary code within a group (one code per distinct string), across groups by value.
import { chunkValue, compareValues, type ColumnChunk, type ColumnValue, type OpenedParquet } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import type { ColumnCache } from './column-cache.js';
import { COLUMN_KIND, COLUMN_LSN, runLayout } from './run-layout.js';

/** Visibility for a whole file, one byte per row (1 = visible); null when all rows are visible. */
export type Visibility = Uint8Array | null;

const current = new WeakMap<FileMeta, Uint8Array | null>();

/**
 * The rows of `f` visible at `readLsn`, or undefined when this cannot be decided from typed
 * columns (a key column with blobs, integers beyond ±2^53 or mixed classes, in a file with
 * several versions per key).
 */
export async function visibility(cache: ColumnCache, f: FileMeta, file: OpenedParquet, readLsn: number): Promise<Visibility | undefined> {
  const single = f.cold !== undefined && f.cold.newestRows === f.entries;
  if (single && f.tombstones === 0 && f.maxLsn <= readLsn) return null;
  const reusable = readLsn >= f.maxLsn;
  if (reusable && current.has(f)) return current.get(f)!;
  const keyColumns = runLayout(file).keyColumns;
  const vis = new Uint8Array(file.stats.recordCount);
  /** The key of the previous row (the last one of the previous group at r = 0). */
  let prev: ColumnValue[] | null = null;
  let found = false;
  for (const rg of file.stats.rowGroups) {
    const cols = single ? [COLUMN_LSN, COLUMN_KIND] : [COLUMN_LSN, COLUMN_KIND, ...keyColumns];
    const chunks = await cache.chunks(f, rg.index, cols);
    const [lsn, kind] = chunks;
    if (!lsn || !kind || lsn.kind !== 'num' || kind.kind !== 'num') return undefined;
    const keys = chunks.slice(2);
    if (keys.some((c) => c === null)) return undefined;
    const l = lsn.values;
    const k = kind.values;
    const n = rg.rowCount;
    if (single) {
      for (let r = 0; r < n; r++) if (l[r]! <= readLsn && k[r] === 1) vis[rg.firstRow + r] = 1;
      continue;
    }
    const same = sameKeyAsPrevious(keys as ColumnChunk[], n, prev);
    for (let r = 0; r < n; r++) {
      if (!same[r]) found = false;
      if (found || l[r]! > readLsn) continue;
      found = true;
      if (k[r] === 1) vis[rg.firstRow + r] = 1;
    }
    if (n > 0) prev = (keys as ColumnChunk[]).map((c) => chunkValue(c, n - 1));
  }
  if (reusable) current.set(f, vis);
  return vis;
}

/** Per row, 1 when its key equals the previous row's (`prev`: the key before row 0, if any). */
function sameKeyAsPrevious(keys: readonly ColumnChunk[], n: number, prev: readonly ColumnValue[] | null): Uint8Array {
  const same = new Uint8Array(n).fill(1);
  if (n === 0) return same;
  if (!prev || keys.some((c, j) => compareValues(chunkValue(c, 0), prev[j]!) !== 0)) same[0] = 0;
  for (const c of keys) {
    const nulls = c.nulls;
    if (c.kind === 'num') {
      const v = c.values;
      for (let r = 1; r < n; r++) if (v[r] !== v[r - 1] || (nulls !== null && nulls[r] !== nulls[r - 1])) same[r] = 0;
    } else {
      const v = c.codes;
      for (let r = 1; r < n; r++) if (v[r] !== v[r - 1] || (nulls !== null && nulls[r] !== nulls[r - 1])) same[r] = 0;
    }
  }
  return same;
}
