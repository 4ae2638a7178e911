// Which rows of a columnar run file a read at LSN n sees: for each key, the newest version
// with LSN <= n, unless that version is a tombstone (the MVCC rule of docs/compaction.md,
// applied to a file sorted by key ascending, LSN descending). A key's versions never span two
// files of a run but may span row groups, so the scan carries its state across groups.
import type { OpenedParquet } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import type { ColumnCache } from './column-cache.js';
import { COLUMN_KIND, COLUMN_LSN, runLayout } from './run-layout.js';

/** Visibility for a whole file, one byte per row (1 = visible); null when all rows are visible. */
export type Visibility = Uint8Array | null;

const current = new WeakMap<FileMeta, Uint8Array | null>();

/**
 * The rows of `f` visible at `readLsn`, or undefined when this cannot be decided from typed
 * columns (a multi-column or non-numeric key with several versions per key).
 */
export async function visibility(cache: ColumnCache, f: FileMeta, file: OpenedParquet, readLsn: number): Promise<Visibility | undefined> {
  const single = f.cold !== undefined && f.cold.newestRows === f.entries;
  if (single && f.tombstones === 0 && f.maxLsn <= readLsn) return null;
  const reusable = readLsn >= f.maxLsn;
  if (reusable && current.has(f)) return current.get(f)!;
  const keyColumns = runLayout(file).keyColumns;
  if (!single && keyColumns.length !== 1) return undefined;
  const vis = new Uint8Array(file.stats.recordCount);
  let prevKey = NaN;
  let found = false;
  for (const rg of file.stats.rowGroups) {
    const cols = single ? [COLUMN_LSN, COLUMN_KIND] : [COLUMN_LSN, COLUMN_KIND, keyColumns[0]!];
    const chunks = await cache.chunks(f, rg.index, cols);
    const [lsn, kind, key] = chunks;
    if (!lsn || !kind || lsn.kind !== 'num' || kind.kind !== 'num') return undefined;
    if (!single && (!key || key.kind !== 'num' || key.nulls)) return undefined;
    const l = lsn.values;
    const k = kind.values;
    const keys = key?.kind === 'num' ? key.values : null;
    for (let r = 0; r < rg.rowCount; r++) {
      if (keys) {
        const kv = keys[r]!;
        if (kv !== prevKey) {
          prevKey = kv;
          found = false;
        }
        if (found || l[r]! > readLsn) continue;
        found = true;
      } else if (l[r]! > readLsn) continue;
      if (k[r] === 1) vis[rg.firstRow + r] = 1;
    }
  }
  if (reusable) current.set(f, vis);
  return vis;
}
