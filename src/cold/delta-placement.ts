// Where a hot delta (hot-delta.ts) meets a table's columnar runs: per delta key, the run rows
// it supersedes (every version of that key: the hot version is newer, read-path.ts's leveled
// invariant) and the position among the run rows where the key falls, so a caller can visit
// run rows and delta rows in one key order (SQLite's sums of doubles depend on it).
//
// Run files are in key order and a key's versions never span two files; within a file rows
// are sorted by key, so a delta (sorted too) is placed by one forward walk per file: row
// groups whose statistics end below the key are passed without reading, and in a row group
// that may hold it, the key columns (typed chunks, cached) are binary searched. Only row
// groups near a delta key are read, and only their key columns.
import { chunkValue, compareValues, type ColumnChunk, type ColumnValue, type OpenedParquet } from '../columnar/index.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { TRAILER_SIZE, decodeUserKey } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { ColumnCache } from './column-cache.js';
import type { DeltaEntry } from './hot-delta.js';

/** A run file as placement reads it. */
export interface PlacedFile {
  readonly meta: FileMeta;
  readonly file: OpenedParquet;
  /** File column names of the key columns, in key order (run-layout.ts `runLayout`). */
  readonly keyColumns: readonly string[];
}

/** Where the delta falls in the runs. */
export interface Placement {
  /** Per file, the rows (file row numbers, ascending) whose key a delta entry holds. */
  readonly excluded: readonly Int32Array[];
  /**
   * Per delta entry, the run file and the row in it before which its key sorts (`row` may be
   * the file's row count: after its last row); file = files.length: after every run row.
   */
  readonly file: Int32Array;
  readonly row: Int32Array;
}

/**
 * Places `delta` (sorted by key) among the rows of `files` (one run, in key order). Undefined
 * when a key column of a row group the walk must read does not fit a typed chunk (blobs,
 * integers beyond ±2^53, mixed classes). Throws CORRUPTION for a damaged file.
 */
export async function placeDelta(cache: ColumnCache, files: readonly PlacedFile[], delta: readonly DeltaEntry[]): Promise<Placement | undefined> {
  const excluded: number[][] = files.map(() => []);
  const fileOf = new Int32Array(delta.length);
  const rowOf = new Int32Array(delta.length);
  let fi = 0;
  let walk: FileWalk | undefined;
  for (let i = 0; i < delta.length; i++) {
    const d = delta[i]!;
    const k = d.mainKey;
    while (fi < files.length && compareUk(files[fi]!.meta.largest, k) < 0) {
      fi++;
      walk = undefined;
    }
    fileOf[i] = fi;
    if (fi === files.length || compareUk(files[fi]!.meta.smallest, k) > 0) continue;
    walk ??= new FileWalk(cache, files[fi]!);
    const key = decodeUserKey(k).key as ColumnValue[];
    const at = await walk.place(key, excluded[fi]!);
    if (at === undefined) return undefined;
    rowOf[i] = at;
  }
  return { excluded: excluded.map((e) => Int32Array.from(e)), file: fileOf, row: rowOf };
}

/** The user-key part of internal key `ik` against user key `uk`. */
function compareUk(ik: Uint8Array, uk: Uint8Array): number {
  return compareRange(ik, 0, ik.length - TRAILER_SIZE, uk, 0, uk.length);
}

/** A forward cursor over one file's rows, for keys given in ascending order. */
class FileWalk {
  private g = 0;
  private r = 0;
  private chunksOf = -1;
  private chunks: ColumnChunk[] = [];
  /** Index of the first key column in the file's columns (its statistics bound a group's keys). */
  private readonly firstKey: number;

  constructor(
    private readonly cache: ColumnCache,
    private readonly f: PlacedFile,
  ) {
    this.firstKey = f.file.stats.columns.findIndex((c) => c.column.name === f.keyColumns[0]);
  }

  /**
   * Records in `excluded` the rows holding `key` and returns the file row before which `key`
   * sorts; undefined when a key chunk is not typed.
   */
  async place(key: readonly ColumnValue[], excluded: number[]): Promise<number | undefined> {
    const groups = this.f.file.stats.rowGroups;
    // First row with a key >= `key`.
    for (;;) {
      if (this.g >= groups.length) return this.f.file.stats.recordCount;
      const rg = groups[this.g]!;
      if (this.r === 0 && this.firstKey >= 0) {
        const max = rg.columns[this.firstKey]?.max;
        if (max !== undefined && compareValues(max, key[0]!) < 0) {
          this.g++;
          continue;
        }
      }
      if (!(await this.load())) return undefined;
      this.r = lowerBound(this.chunks, this.r, rg.rowCount, key);
      if (this.r < rg.rowCount) break;
      this.g++;
      this.r = 0;
    }
    const at = groups[this.g]!.firstRow + this.r;
    // Every version of `key` (they may continue into the next row groups).
    while (this.g < groups.length) {
      const rg = groups[this.g]!;
      if (!(await this.load())) return undefined;
      while (this.r < rg.rowCount && compareRow(this.chunks, this.r, key) === 0) excluded.push(rg.firstRow + this.r++);
      if (this.r < rg.rowCount) break;
      this.g++;
      this.r = 0;
    }
    return at;
  }

  /** The key chunks of the current group; false when one is not typed. */
  private async load(): Promise<boolean> {
    if (this.chunksOf === this.g) return true;
    const rg = this.f.file.stats.rowGroups[this.g]!;
    const got = await this.cache.chunks(this.f.meta, rg.index, this.f.keyColumns);
    if (got.some((c) => c === null)) return false;
    this.chunks = got as ColumnChunk[];
    this.chunksOf = this.g;
    return true;
  }
}

/** The first row in [from, to) whose key is >= `key` (rows sorted by key), or `to`. */
function lowerBound(chunks: readonly ColumnChunk[], from: number, to: number, key: readonly ColumnValue[]): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRow(chunks, mid, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Row `r`'s key against `key`, in SQLite order (the order of the run and of the key codec). */
function compareRow(chunks: readonly ColumnChunk[], r: number, key: readonly ColumnValue[]): number {
  for (let j = 0; j < chunks.length; j++) {
    const c = chunks[j]!;
    const k = key[j]!;
    let d: number;
    if (c.kind === 'num' && typeof k === 'number' && !(c.nulls && c.nulls[r])) {
      const v = c.values[r]!;
      d = v < k ? -1 : v > k ? 1 : 0;
    } else d = compareValues(chunkValue(c, r), k);
    if (d !== 0) return d;
  }
  return 0;
}
