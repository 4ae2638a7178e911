// The per-layer vector indexes of one engine: at most one LayerIndex per (layer file, branch
// key space, VECTOR index, table shape), built when the layer is written — after each flush
// and compaction (cold ones included) the engine reports, for every index searched since
// the engine opened — or on first use, and kept while the layer is in the current manifest
// version. A layer that compaction removed drops its index. Indexes are derived data: losing
// one only costs a rebuild from its layer.
import type { LsmEngine } from '../lsm/engine.js';
import type { LayerSnapshot } from '../lsm/layer-scan.js';
import { fileOverlaps } from '../lsm/layer-scan.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { LayerIndex, VectorColumn, readLayerVectors, tableBounds, type IndexTarget } from './layer-index.js';

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
  /** Layer indexes dropped because their layer left the manifest. */
  dropped: number;
}

interface Entry {
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
  readonly stats: LayerIndexStats = { built: 0, dropped: 0 };

  constructor(private readonly engine: LsmEngine) {
    engine.onEngineEvent((e) => {
      if (e.type === 'flush-end' || e.type === 'compaction-end') this.refresh();
    });
  }

  private static key(file: FileMeta, t: IndexTarget): string {
    return `${file.number}/${t.branch}/${t.ix.id}/${t.table.id}/${t.table.nextColumnId}`;
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
    const index = readLayerVectors(snap, file, target, col).then((data) => LayerIndex.create(file.number, target.branch, col.opts, data));
    const entry: Entry = { file, target, index };
    this.entries.set(key, entry);
    index.then(
      (ix) => {
        entry.done = ix;
        if (ix) this.stats.built++;
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
