// One HNSW graph (usearch) over the vectors one immutable layer holds — one SSTable or
// columnar run — for one (branch key space, VECTOR index): every stored version of the
// table's rows in that file whose column holds a usable vector, labelled by its ordinal in the
// layer. Superseded, deleted and not-yet-visible versions stay in it (a file is immutable);
// the search (layered-search.ts) keeps a candidate only if it is the version of its rowid the
// statement sees, as segment-based engines (Milvus, LanceDB) filter segment results by
// visibility. The layer's vectors are kept beside the graph for the exact re-rank.
import type { LayerSnapshot } from '../lsm/layer-scan.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { decodeUserKey, encodeTablePrefix } from '../mvcc/internal-key.js';
import type { StoredVersion } from '../mvcc/version-store.js';
import type { IndexSchema, TableSchema } from '../sql/catalog/schema.js';
import { TableReader } from '../sql/execution/table-reader.js';
import { columnDefaults } from '../sql/rows/row-materializer.js';
import { createAnn, type Ann } from './hnsw-backend.js';
import { vectorIndexOptions, type VectorIndexOptions } from './index-options.js';
import { toVector } from './vector-blob.js';
import { yieldToEventLoop } from '../util/async.js';

/** The vectors of one layer: entry i is (rowids[i], lsns[i], newer[i], vectors[i·d .. (i+1)·d)). */
export interface LayerVectors {
  readonly rowids: BigInt64Array;
  readonly lsns: Float64Array;
  /**
   * The LSN of the next newer version (put or tombstone, with or without a vector) of entry
   * i's row in the same layer, or +Infinity when the layer holds none: a read at LSN r sees
   * entry i only if lsns[i] <= r < newer[i] (and no newer layer holds a version <= r).
   */
  readonly newer: Float64Array;
  /** count × dimensions float32, entry after entry. */
  readonly vectors: Float32Array;
}

/** Where an index's rows live: the table's key space on one branch. */
export interface IndexTarget {
  readonly branch: number;
  readonly table: TableSchema;
  readonly ix: IndexSchema;
}

/** Reads a row's indexed column as a vector of the index's dimensions, or null (not indexed). */
export class VectorColumn {
  readonly opts: VectorIndexOptions;
  readonly column: number;
  private readonly reader: TableReader;

  constructor(readonly table: TableSchema, readonly ix: IndexSchema) {
    this.opts = vectorIndexOptions(ix);
    this.column = table.columns.findIndex((c) => c.id === ix.columns[0]!.columnId);
    this.reader = new TableReader(table, table.columns.length + 1, 0, columnDefaults(table));
  }

  /** The vector of a stored row value (key `uk` of `branch`), or null. */
  fromStored(uk: Uint8Array, value: Uint8Array, branch: number): Float32Array | null {
    return this.fromRow(this.reader.decode(uk, value, branch));
  }

  /** The stored row's values in table column order, then the rowid. */
  decode(uk: Uint8Array, value: Uint8Array, branch: number): unknown[] {
    return this.reader.decode(uk, value, branch);
  }

  fromRow(row: readonly unknown[]): Float32Array | null {
    const v = row[this.column];
    if (v === null || v === undefined) return null;
    try {
      const f = toVector(v, `column ${this.table.columns[this.column]!.name}`);
      return f.length === this.opts.dimensions ? f : null;
    } catch {
      return null; // not a vector: not indexed (vector_distance reports it when computed)
    }
  }
}

/** The key bounds of `t`'s rows on `branch`. */
export function tableBounds(branch: number, table: number): { lower: Uint8Array; upper: Uint8Array } {
  return { lower: encodeTablePrefix(branch, table), upper: encodeTablePrefix(branch, table + 1) };
}

/**
 * Collects the usable vectors of a stream of stored versions of one table's rows in
 * internal-key order (rowid ascending, then LSN descending — a layer's order), noting for each
 * the LSN of the version just before it in the stream when that is of the same row.
 */
export async function collectVectors(col: VectorColumn, branch: number, batches: AsyncIterable<StoredVersion[]>): Promise<LayerVectors> {
  const d = col.opts.dimensions;
  const rowids: bigint[] = [];
  const lsns: number[] = [];
  const newer: number[] = [];
  let flat = new Float32Array(d * 64);
  let prevRowid: bigint | undefined;
  let prevLsn = Infinity;
  for await (const batch of batches) {
    for (const v of batch) {
      const rowid = BigInt(decodeUserKey(v.userKey).key[0] as bigint | number);
      const next = rowid === prevRowid ? prevLsn : Infinity;
      prevRowid = rowid;
      prevLsn = v.lsn;
      if (!v.value) continue;
      const f = col.fromStored(v.userKey, v.value, branch);
      if (!f) continue;
      if ((rowids.length + 1) * d > flat.length) {
        const g = new Float32Array(flat.length * 2);
        g.set(flat);
        flat = g;
      }
      flat.set(f, rowids.length * d);
      rowids.push(rowid);
      lsns.push(v.lsn);
      newer.push(next);
    }
  }
  return { rowids: BigInt64Array.from(rowids), lsns: Float64Array.from(lsns), newer: Float64Array.from(newer), vectors: flat.slice(0, rowids.length * d) };
}

/** Vectors added to a graph between yields to the event loop. */
const BUILD_SLICE = 256;

/** The HNSW of one layer for one (branch, index). */
export class LayerIndex {
  private constructor(
    readonly file: number,
    readonly branch: number,
    readonly data: LayerVectors,
    readonly ann: Ann,
    readonly dimensions: number,
  ) {}

  get size(): number {
    return this.data.rowids.length;
  }

  vector(i: number): Float32Array {
    return this.data.vectors.subarray(i * this.dimensions, (i + 1) * this.dimensions);
  }

  /** Up to `want` entry ordinals nearest to q (approximate), nearest first. */
  search(q: Float32Array, want: number): number[] {
    return this.ann.search(q, want).map(Number);
  }

  /**
   * Builds the graph over `data`, or loads `saved` (a graph `Ann.save()` returned for the same
   * data); undefined where usearch cannot load. Throws when `saved` does not load or does not
   * hold one entry per vector.
   */
  static async create(file: number, branch: number, opts: VectorIndexOptions, data: LayerVectors, saved?: Uint8Array): Promise<LayerIndex | undefined> {
    const ann = await createAnn(opts.dimensions, opts.metric, opts.m, opts.efConstruction, opts.efSearch, saved);
    if (!ann) return undefined;
    if (saved) {
      if (ann.size !== data.rowids.length) throw new Error(`graph holds ${ann.size} entries, the layer ${data.rowids.length}`);
    } else {
      // In slices, yielding between them: one native call over a large layer would hold the
      // event loop (and every other statement) for the whole build.
      const n = data.rowids.length;
      const d = opts.dimensions;
      for (let at = 0; at < n; at += BUILD_SLICE) {
        const end = Math.min(n, at + BUILD_SLICE);
        const labels = new BigUint64Array(end - at);
        for (let i = at; i < end; i++) labels[i - at] = BigInt(i);
        ann.addMany(labels, data.vectors.subarray(at * d, end * d));
        if (end < n) await yieldToEventLoop();
      }
    }
    return new LayerIndex(file, branch, data, ann, opts.dimensions);
  }
}

/** Reads `file`'s vectors for `target` from the snapshot. */
export function readLayerVectors(snap: LayerSnapshot, file: FileMeta, target: IndexTarget, col: VectorColumn): Promise<LayerVectors> {
  const { lower, upper } = tableBounds(target.branch, target.table.id);
  return collectVectors(col, target.branch, snap.fileVersions(file, lower, upper));
}
