// Per-layer reads for derived indexes kept beside each immutable layer (src/vector: one HNSW
// per SSTable / columnar run). A layer snapshot is one consistent set of sources — the
// memtables and the files of one manifest version, referenced until `release()` — whose
// sources are read one at a time, unmerged, every stored version (tombstones included):
// what a per-layer index holds is exactly what its file holds.
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_PUT, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { StoredVersion } from '../mvcc/version-store.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import { compareRange } from '../util/bytes.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import type { ReadContext } from './read-path.js';

/** The immutable files and memtables a read sees, one consistent snapshot. */
export interface LayerSnapshot {
  /** Every file of the manifest version (SSTables and columnar runs), newest level first. */
  readonly files: readonly FileMeta[];
  /**
   * Every stored version in `file` of the user keys in [lower, upper), in internal-key order
   * (key ascending, then LSN descending), in arrays of up to `batch`. Value null: a tombstone.
   */
  fileVersions(file: FileMeta, lower: Uint8Array, upper: Uint8Array, batch?: number): AsyncGenerator<StoredVersion[]>;
  /** The same over the memtables (active and immutable) merged. */
  memtableVersions(lower: Uint8Array, upper: Uint8Array, batch?: number): AsyncGenerator<StoredVersion[]>;
  /**
   * The memtables one by one, active first: `id` is the same object for a memtable's whole life
   * and `size` (entries ever added) changes whenever it does, so a reader may cache what it
   * derived from one while both are unchanged.
   */
  readonly memtables: readonly MemtableLayer[];
  /** Stops referencing the manifest version. Idempotent. */
  release(): void;
}

export interface MemtableLayer {
  readonly id: object;
  readonly size: number;
  versions(lower: Uint8Array, upper: Uint8Array, batch?: number): AsyncGenerator<StoredVersion[]>;
}

/** True when `file` may hold a user key in [lower, upper) (by its smallest and largest keys). */
export function fileOverlaps(file: FileMeta, lower: Uint8Array, upper: Uint8Array): boolean {
  const s = file.smallest;
  const l = file.largest;
  return compareRange(s, 0, s.length - TRAILER_SIZE, upper, 0, upper.length) < 0 && compareRange(l, 0, l.length - TRAILER_SIZE, lower, 0, lower.length) >= 0;
}

async function* versionsOf(ctx: ReadContext, it: InternalIterator, lower: Uint8Array, upper: Uint8Array, batch: number): AsyncGenerator<StoredVersion[]> {
  try {
    let p = it.seek(lower);
    if (p) await p;
    let out: StoredVersion[] = [];
    while (it.valid()) {
      const k = it.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
      out.push({ userKey: k.slice(0, ukLen), value: trailerKind(k) === KIND_PUT ? it.value().slice() : null, lsn: trailerLsn(k) });
      if (out.length >= batch) {
        if (ctx.budget.spend(out.length)) await ctx.budget.yieldNow();
        yield out;
        out = [];
      }
      p = it.next();
      if (p) await p;
    }
    if (out.length) yield out;
  } catch (e) {
    throw await ctx.blame(e);
  } finally {
    it.close();
  }
}

/** A snapshot of `ctx`'s current sources (the caller checked the engine is readable). */
export function layerSnapshot(ctx: ReadContext): LayerSnapshot {
  const src = ctx.sources();
  const v = src.version;
  v.ref();
  let released = false;
  return {
    files: [...v.files()],
    fileVersions(file, lower, upper, batch = 256) {
      const open = async function* (): AsyncGenerator<StoredVersion[]> {
        const r = src.tables.get(file);
        const reader = r instanceof Promise ? await r.catch(async (e: unknown) => Promise.reject(await ctx.blame(e))) : r;
        yield* versionsOf(ctx, reader.iterator({ readaheadBytes: 256 * 1024 }), lower, upper, batch);
      };
      return open();
    },
    memtables: src.memtables.map((m) => ({ id: m, size: m.size, versions: (lower: Uint8Array, upper: Uint8Array, batch = 256) => versionsOf(ctx, m.iterator(), lower, upper, batch) })),
    memtableVersions(lower, upper, batch = 256) {
      return versionsOf(ctx, new MergingIterator(src.memtables.map((m) => m.iterator())), lower, upper, batch);
    },
    release() {
      if (released) return;
      released = true;
      v.unref();
    },
  };
}
