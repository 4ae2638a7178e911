// The hot delta of a table whose rows are split between columnar runs and hot layers
// (merge-on-read, docs/design/cold-tier.md "Merge-on-read"): per key, the version a read sees
// in the layers above the runs — the memtables and every file that is not a columnar run
// (SSTables of the hot levels, and of the cold level beside the runs) — across the
// statement's branch layers. Only those sources are read: a key the hot layers never mention
// is decided by the runs alone, and the runs are not scanned row by row here.
//
// Why hot versions decide where they exist: the leveled-LSM invariant (read-path.ts) — every
// version of a key in a newer source has a higher LSN than every version in an older one, and
// the runs are the oldest source — so when the hot layers hold a version of a key at or below
// the read LSN, it is the one the read sees, and every run row of that key is superseded.
import type { Version } from '../manifest/version-set.js';
import type { Memtable } from '../memtable/memtable.js';
import { KIND_PUT, MAIN_BRANCH, TRAILER_SIZE, encodeTablePrefix, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { Layer } from '../mvcc/layers.js';
import { runIterator } from '../compaction/run-iterator.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import type { TableCache } from '../sstable/table-cache.js';
import { compareRange } from '../util/bytes.js';
import type { InternalIterator } from '../util/internal-iterator.js';

/** The hot sources of one consistent read: captured together, as ReadSources are (read-path.ts). */
export interface HotSources {
  /** Active memtable first, then frozen ones newest first. */
  readonly memtables: readonly Memtable[];
  /** Referenced by the holder while the sources are in use. */
  readonly version: Version;
  readonly tables: TableCache;
}

/** The winning version of one key across the layers. */
export interface DeltaEntry {
  /** The user key in the first layer's branch. */
  readonly uk: Uint8Array;
  /** The same key in the main branch (how the runs' file bounds compare it). */
  readonly mainKey: Uint8Array;
  /** Bytes of the key after its branch and table prefix (the encoded primary-key tuple). */
  readonly suffixStart: number;
  /** The row value, or null when the winning version is a tombstone. */
  readonly value: Uint8Array | null;
}

/** Every source but the columnar run files (with `memtablesOnly`, the memtables alone), newest first. */
function hotIterator(src: HotSources, memtablesOnly: boolean): InternalIterator {
  const children: InternalIterator[] = src.memtables.map((m) => m.iterator());
  if (memtablesOnly) return new MergingIterator(children);
  for (const level of src.version.state.levels) {
    for (const run of level) {
      const files = run.filter((f) => f.tier !== 'cold');
      if (files.length > 0) children.push(runIterator(src.tables, files));
    }
  }
  return new MergingIterator(children);
}

export interface LayerVersion {
  readonly uk: Uint8Array;
  readonly prefixLen: number;
  readonly value: Uint8Array | null;
}

/**
 * Per user key of [lower, upper), the newest hot version with LSN <= asOf (tombstones
 * included), in key order; from the memtables alone with `memtablesOnly` (hot-images.ts reads
 * the SSTables as columns). Undefined once the keys and values gathered pass `budget.bytes`.
 */
export async function newestHot(src: HotSources, lower: Uint8Array, upper: Uint8Array, asOf: number, prefixLen: number, budget: { bytes: number }, memtablesOnly = false): Promise<LayerVersion[] | undefined> {
  const out: LayerVersion[] = [];
  const it = hotIterator(src, memtablesOnly);
  try {
    let p = it.seek(lower);
    if (p) await p;
    let last: Uint8Array | null = null;
    while (it.valid()) {
      const k = it.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
      if (trailerLsn(k) <= asOf && (!last || compareRange(k, 0, ukLen, last, 0, last.length) !== 0)) {
        const uk = k.slice(0, ukLen);
        last = uk;
        const value = trailerKind(k) === KIND_PUT ? it.value().slice() : null;
        budget.bytes -= uk.length + (value?.length ?? 0) + 64;
        if (budget.bytes < 0) return undefined;
        out.push({ uk, prefixLen, value });
      }
      p = it.next();
      if (p) await p;
    }
  } finally {
    it.close();
  }
  return out;
}

/**
 * The hot delta of table `table` as read through `layers` (mvcc/layers.ts: the reading branch
 * at its read LSN, then its ancestors at their base LSNs, ending with main): per key suffix,
 * the newest version the first layer holding one gives it, tombstones included, in key order.
 * With the bytes of its keys and values (64 more per entry); undefined when those would pass
 * `maxBytes`.
 */
export async function readHotDelta(src: HotSources, table: number, layers: readonly Layer[], maxBytes: number): Promise<{ entries: DeltaEntry[]; bytes: number } | undefined> {
  const budget = { bytes: maxBytes };
  const perLayer: LayerVersion[][] = [];
  for (const l of layers) {
    const lower = encodeTablePrefix(l.branch, table);
    const upper = encodeTablePrefix(l.branch, table + 1);
    const got = await newestHot(src, lower, upper, l.lsn, lower.length, budget);
    if (!got) return undefined;
    perLayer.push(got);
  }
  const own = encodeTablePrefix(layers[0]!.branch, table);
  const main = encodeTablePrefix(MAIN_BRANCH, table);
  return { entries: mergeLayers(perLayer, own, main), bytes: maxBytes - budget.bytes };
}

/** Merges per-layer versions by key suffix; the first layer holding a suffix wins. */
function mergeLayers(perLayer: readonly LayerVersion[][], own: Uint8Array, main: Uint8Array): DeltaEntry[] {
  const at = perLayer.map(() => 0);
  const out: DeltaEntry[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < perLayer.length; i++) {
      const h = perLayer[i]![at[i]!];
      if (!h) continue;
      if (best < 0) {
        best = i;
        continue;
      }
      const b = perLayer[best]![at[best]!]!;
      if (compareRange(h.uk, h.prefixLen, h.uk.length, b.uk, b.prefixLen, b.uk.length) < 0) best = i;
    }
    if (best < 0) return out;
    const w = perLayer[best]![at[best]!]!;
    for (let i = 0; i < perLayer.length; i++) {
      const h = perLayer[i]![at[i]!];
      if (h && compareRange(h.uk, h.prefixLen, h.uk.length, w.uk, w.prefixLen, w.uk.length) === 0) at[i]!++;
    }
    out.push({ uk: withPrefix(w.uk, w.prefixLen, own), mainKey: withPrefix(w.uk, w.prefixLen, main), suffixStart: own.length, value: w.value });
  }
}

/** `uk` (whose table prefix is `prefixLen` bytes) under `prefix` instead; `uk` itself when that is its prefix. */
function withPrefix(uk: Uint8Array, prefixLen: number, prefix: Uint8Array): Uint8Array {
  if (prefixLen === prefix.length && compareRange(uk, 0, prefixLen, prefix, 0, prefix.length) === 0) return uk;
  const out = new Uint8Array(prefix.length + uk.length - prefixLen);
  out.set(prefix);
  out.set(uk.subarray(prefixLen), prefix.length);
  return out;
}
