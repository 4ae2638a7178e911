// Placed hot deltas kept between scans (merge-on-read, cold-scan.ts). Reading the hot layers,
// placing the delta among the run rows and clearing the rows it supersedes are the same work
// for every query of one read point while nothing is written: the result depends only on the
// manifest version (the files), the memtables' contents (each only grows: its byte count is
// its state), the table and the read layers. So it is kept per version (dropped with it),
// under that key — the cached counterpart of Paimon's deletion vectors, built on read instead
// of on write.
import type { Version } from '../manifest/version-set.js';
import type { Layer } from '../mvcc/layers.js';
import type { ColdDelta } from './cold-scan.js';
import type { Placement } from './delta-placement.js';
import type { DeltaEntry, HotSources } from './hot-delta.js';

/** One file's visible rows at the read point with the rows the delta supersedes cleared. */
export interface FileMask {
  /** Rows the read point sees (run-visibility.ts); null: all. */
  readonly vis: Uint8Array | null;
  /** Rows the delta supersedes, ascending. */
  readonly excluded: Int32Array;
  /** `vis` with `excluded` cleared, built on first use. */
  combined?: Uint8Array;
}

/** A table's hot delta placed among its runs, for one state of the hot sources and one read. */
export interface PlacedDelta {
  readonly entries: readonly DeltaEntry[];
  readonly placement: Placement;
  /** Bytes of the delta's keys and values (with per-entry overhead). */
  readonly bytes: number;
  /** The puts with their places, built on first use. */
  delta?: ColdDelta;
  /** Per run file key. */
  readonly masks: Map<string, FileMask>;
}

/** Cached deltas per version; the most recently used last. */
const byVersion = new WeakMap<Version, Map<string, PlacedDelta>>();
/** Deltas kept per version, and the largest kept. */
const MAX_ENTRIES = 4;
const MAX_CACHED_BYTES = 16 * 1024 * 1024;

/** The cache key of a delta: the table, the read layers and the memtables' states. */
export function deltaKey(src: HotSources, table: number, layers: readonly Layer[]): string {
  return `${table}|${layers.map((l) => `${l.branch}@${l.lsn}`).join(',')}|${src.memtables.map((m) => `${m.id}:${m.approximateBytes}`).join(',')}`;
}

export function cachedDelta(version: Version, key: string): PlacedDelta | undefined {
  const m = byVersion.get(version);
  const d = m?.get(key);
  if (m && d) {
    m.delete(key);
    m.set(key, d);
  }
  return d;
}

export function cacheDelta(version: Version, key: string, d: PlacedDelta): void {
  if (d.bytes > MAX_CACHED_BYTES) return;
  let m = byVersion.get(version);
  if (!m) byVersion.set(version, (m = new Map()));
  m.set(key, d);
  for (const old of m.keys()) {
    if (m.size <= MAX_ENTRIES) break;
    m.delete(old);
  }
}

/** `m.combined`: its file's visible rows less the superseded ones (`rows` in the file). */
export function combinedMask(m: FileMask, rows: number): Uint8Array {
  if (m.combined) return m.combined;
  const out = m.vis ? m.vis.slice() : new Uint8Array(rows).fill(1);
  for (const r of m.excluded) out[r] = 0;
  return (m.combined = out);
}
