// The approximate nearest-neighbour backend: usearch's HNSW (a native module) where it loads,
// none where it cannot (workerd: native modules do not load there), in which case vector
// indexes answer by exact search over their in-memory vectors. Loaded on first use with an
// import whose specifier bundlers leave alone, so the Worker bundle never contains it.
import type { Metric } from './distance.js';

export interface Ann {
  add(label: bigint, v: Float32Array): void;
  /** Adds `labels.length` vectors stored back to back in `flat` (labels.length × dimensions). */
  addMany(labels: BigUint64Array, flat: Float32Array): void;
  /** Up to k labels nearest to q (approximate), nearest first. */
  search(q: Float32Array, k: number): bigint[];
  readonly size: number;
  /** The graph in usearch's own file format, or undefined where no graph codec is installed. */
  save(): Uint8Array | undefined;
}

/**
 * How a usearch graph becomes bytes and back. usearch's Node binding saves to and loads from
 * file paths only, so the Node entry (src/node/usearch-graph-codec.ts) installs a codec going
 * through a temporary file; without one, per-layer indexes are not persisted (rebuilt instead).
 */
export interface GraphCodec {
  save(index: UsearchIndex): Uint8Array;
  /** Loads `bytes` into `index` (created with the same configuration); throws on bad bytes. */
  load(index: UsearchIndex, bytes: Uint8Array): void;
}

let codec: GraphCodec | undefined;

/** True when graphs can be saved (per-layer indexes are then persisted). */
export function graphCodecInstalled(): boolean {
  return codec !== undefined;
}

/** Installs the graph codec (the Node entry does). */
export function setGraphCodec(c: GraphCodec | undefined): void {
  codec = c;
}

export interface UsearchIndex {
  add(keys: bigint | BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array };
  size(): number;
  save(path: string): void;
  load(path: string): void;
}
interface UsearchModule {
  Index: new (config: { dimensions: number; metric: string; connectivity: number; expansion_add: number; expansion_search: number; quantization?: string }) => UsearchIndex;
}

let loaded: Promise<UsearchModule | null> | undefined;

/** usearch, or null where it cannot load. */
export function loadUsearch(): Promise<UsearchModule | null> {
  const name = 'usearch';
  loaded ??= import(/* @vite-ignore */ name).then(
    (m: { default?: UsearchModule } & UsearchModule) => (m.Index ? m : (m.default ?? null)),
    () => null,
  );
  return loaded;
}

const METRIC: Record<Metric, string> = { cosine: 'cos', euclidean: 'l2sq', dot_product: 'ip' };

/**
 * An HNSW graph with usearch, or undefined when usearch is unavailable. `saved`: a graph
 * `save()` returned, loaded instead of starting empty (throws when it does not load).
 */
export async function createAnn(dimensions: number, metric: Metric, m: number, efConstruction: number, efSearch: number, saved?: Uint8Array): Promise<Ann | undefined> {
  const us = await loadUsearch();
  if (!us) return undefined;
  const index = new us.Index({ dimensions, metric: METRIC[metric], connectivity: m, expansion_add: efConstruction, expansion_search: efSearch, quantization: 'f32' });
  if (saved) {
    if (!codec) throw new Error('no graph codec installed');
    codec.load(index, saved);
  }
  return {
    save: () => codec?.save(index),
    add: (label, v) => index.add(label, v),
    // One thread: the machine's cores belong to the whole process (and to other databases).
    addMany: (labels, flat) => {
      if (labels.length > 0) index.add(labels, flat, 1);
    },
    search: (q, k) => {
      if (k <= 0 || index.size() === 0) return [];
      return Array.from(index.search(q, Math.min(k, index.size()), 1).keys);
    },
    get size() {
      return index.size();
    },
  };
}
