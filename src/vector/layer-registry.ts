// The per-layer vector indexes of one engine: at most one LayerIndex per (layer file, branch
// key space, VECTOR index, table shape), built when the layer is written — after each flush
// and compaction (cold ones included) the engine reports, for every index searched since
// the engine opened — or on first use, and kept while the layer is in the current manifest
// version. Where a graph codec is installed (Node) the writer also stores each index as an
// object beside its layer (layer-file.ts, docs/format/vector-index.md) and later opens load it
// instead of rebuilding; a missing, corrupt or mismatched object is rebuilt and rewritten. A
// layer that compaction removed drops its index and its object. Indexes are derived data:
// losing one only costs a rebuild from its layer.
import type { LsmEngine } from '../lsm/engine.js';
import type { LayerSnapshot } from '../lsm/layer-scan.js';
import { fileOverlaps } from '../lsm/layer-scan.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { LayerIndex, VectorColumn, readLayerVectors, tableBounds, type IndexTarget } from './layer-index.js';
import { graphCodecInstalled } from './hnsw-backend.js';
import { VIX_PREFIX, decodeVix, encodeVix, vixFileNumber, vixKey, type VixIdentity } from './layer-file.js';

/** A built layer index, as `layerIndexes()` lists them (tests, diagnostics). */
export interface LayerIndexInfo {
  /** The layer: its file number and object key. */
  readonly file: number;
  readonly fileKey: string;
  readonly tier: 'hot' | 'cold';
  readonly branch: number;
  readonly index: string;
  /** Vectors (row versions) in the index. */
  readonly entries: number;
}

/** Counters since the engine opened. */
export interface LayerIndexStats {
  /** Layer indexes built from their layer's rows. */
  built: number;
  /** Layer indexes read from their stored objects (layer-file.ts) instead of built. */
  loaded: number;
  /** Stored index objects written. */
  saved: number;
  /** Layer indexes dropped because their layer left the manifest. */
  dropped: number;
  /** Stored index objects found corrupt or not matching their layer (then rebuilt), by key. */
  corrupt: string[];
}

interface Entry {
  readonly key: string;
  readonly file: FileMeta;
  readonly target: IndexTarget;
  readonly index: Promise<LayerIndex | undefined>;
  done?: LayerIndex;
}

export class LayerRegistry {
  private readonly entries = new Map<string, Entry>();
  /** What was searched: indexes built for new layers as they are written. */
  private readonly watched = new Map<string, IndexTarget>();
  private chain: Promise<void> = Promise.resolve();
  readonly stats: LayerIndexStats = { built: 0, loaded: 0, saved: 0, dropped: 0, corrupt: [] };
  /** Index objects are written and deleted by the writer only, and only with a graph codec. */
  private readonly persist: boolean;

  constructor(private readonly engine: LsmEngine) {
    this.persist = !engine.readOnly && graphCodecInstalled();
    engine.onEngineEvent((e) => {
      if (e.type === 'flush-end' || e.type === 'compaction-end') this.refresh();
    });
    if (this.persist) this.chain = this.collectOrphans();
  }

  /** Deletes stored index objects whose layer is gone (a crash between compaction and their deletion). */
  private async collectOrphans(): Promise<void> {
    try {
      const store = this.engine.stores.hot;
      const keys = (await store.list(VIX_PREFIX)).map((o) => o.key);
      const live = new Set([...this.engine.currentVersion.files()].map((f) => f.number));
      for (const k of keys) if (!live.has(vixFileNumber(k))) await store.delete(k).catch(() => undefined);
    } catch {
      // derived data: the next open retries
    }
  }

  private static identity(file: FileMeta, t: IndexTarget, col: VectorColumn): VixIdentity {
    const o = col.opts;
    return { file: file.number, fileKey: file.key, branch: t.branch, index: t.ix.id, table: t.table.id, columns: t.table.nextColumnId, dimensions: o.dimensions, metric: o.metric, m: o.m, efConstruction: o.efConstruction };
  }

  /** The stored index of the layer, or undefined (none, no codec, or corrupt: noted in stats). */
  private async load(key: string, id: VixIdentity, col: VectorColumn): Promise<LayerIndex | undefined> {
    if (!graphCodecInstalled()) return undefined;
    const got = await this.engine.stores.hot.get(key).catch(() => null);
    if (!got) return undefined;
    try {
      const { data, graph } = decodeVix(got.data, key, id);
      const li = await LayerIndex.create(id.file, id.branch, col.opts, data, graph);
      if (li) this.stats.loaded++;
      return li;
    } catch {
      this.stats.corrupt.push(key);
      return undefined;
    }
  }

  private async build(snap: LayerSnapshot, file: FileMeta, target: IndexTarget, col: VectorColumn): Promise<LayerIndex | undefined> {
    const id = LayerRegistry.identity(file, target, col);
    const key = vixKey(id);
    const stored = await this.load(key, id, col);
    if (stored) return stored;
    const data = await readLayerVectors(snap, file, target, col);
    const li = await LayerIndex.create(file.number, target.branch, col.opts, data);
    if (!li) return undefined;
    this.stats.built++;
    const graph = this.persist ? li.ann.save() : undefined;
    if (graph) {
      await this.engine.stores.hot.put(key, encodeVix(id, data, graph)).then(
        () => void this.stats.saved++,
        () => undefined, // derived data: rebuilt next time
      );
    }
    return li;
  }

  private static key(file: FileMeta, t: IndexTarget): string {
    return vixKey({ file: file.number, branch: t.branch, index: t.ix.id, table: t.table.id, columns: t.table.nextColumnId });
  }

  /** Notes that `target` is searched: later layers get its index when they are written. */
  watch(target: IndexTarget): void {
    this.watched.set(`${target.branch}/${target.ix.id}`, target);
  }

  /** The files of `snap` that may hold rows of `target`'s table on its branch. */
  static layersOf(snap: LayerSnapshot, target: IndexTarget, maxLsn = Infinity): FileMeta[] {
    const { lower, upper } = tableBounds(target.branch, target.table.id);
    return snap.files.filter((f) => f.minLsn <= maxLsn && fileOverlaps(f, lower, upper));
  }

  /** The index of `file` for `target`, built from the layer unless cached. */
  get(snap: LayerSnapshot, file: FileMeta, target: IndexTarget): Promise<LayerIndex | undefined> {
    const key = LayerRegistry.key(file, target);
    const hit = this.entries.get(key);
    if (hit) return hit.index;
    const col = new VectorColumn(target.table, target.ix);
    const index = this.build(snap, file, target, col);
    const entry: Entry = { key, file, target, index };
    this.entries.set(key, entry);
    index.then(
      (ix) => {
        entry.done = ix;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return index;
  }

  /** Drops the indexes of layers not in `files` (compacted away). */
  sync(files: readonly FileMeta[]): void {
    const live = new Set(files.map((f) => f.number));
    for (const [key, e] of this.entries) {
      if (live.has(e.file.number)) continue;
      this.entries.delete(key);
      this.stats.dropped++;
      if (this.persist) void this.engine.stores.hot.delete(e.key).catch(() => undefined);
    }
  }

  /** After a flush or compaction: drop removed layers' indexes, build the new layers'. */
  refresh(): void {
    this.chain = this.chain.then(async () => {
      let snap: LayerSnapshot;
      try {
        snap = this.engine.layerSnapshot();
      } catch {
        return; // closed or fenced: nothing to build for
      }
      try {
        this.sync(snap.files);
        for (const t of this.watched.values()) for (const f of LayerRegistry.layersOf(snap, t)) await this.get(snap, f, t).catch(() => undefined);
      } finally {
        snap.release();
      }
    });
  }

  /** Resolves once the builds started by flushes and compactions so far are done. */
  idle(): Promise<void> {
    return this.chain;
  }

  list(): LayerIndexInfo[] {
    const out: LayerIndexInfo[] = [];
    for (const e of this.entries.values()) {
      if (e.done) out.push({ file: e.file.number, fileKey: e.file.key, tier: e.file.tier, branch: e.target.branch, index: e.target.ix.name, entries: e.done.size });
    }
    return out.sort((a, b) => a.file - b.file || a.branch - b.branch);
  }
}

const registries = new WeakMap<LsmEngine, LayerRegistry>();

/** The engine's registry (created on first use). */
export function registryOf(engine: LsmEngine): LayerRegistry {
  let r = registries.get(engine);
  if (!r) registries.set(engine, (r = new LayerRegistry(engine)));
  return r;
}

/** The registry of `engine` if any vector index was searched on it. */
export function existingRegistry(engine: LsmEngine): LayerRegistry | undefined {
  return registries.get(engine);
}
