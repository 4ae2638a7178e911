// Per-layer reads for derived indexes kept beside each immutable layer (src/vector: one HNSW
// per SSTable / columnar run). A layer snapshot is one consistent set of sources — the
// memtables and the files of one manifest version, referenced until `release()` — whose
// sources are read one at a time, unmerged, every stored version (tombstones included):
// what a per-layer index holds is exactly what its file holds.
import { DoSQLError } from '../errors.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_PUT, TRAILER_SIZE, hasUserKey, seekKey, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { StoredVersion } from '../mvcc/version-store.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import { compareRange } from '../util/bytes.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import type { TableCache } from '../sstable/table-cache.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Version } from '../manifest/version-set.js';
import { fileFor, type ReadContext } from './read-path.js';

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
  /**
   * Whether a source read before `above` holds a version (put or tombstone) of the user key
   * `uk` with an LSN in (after, asOf]: the memtables before it when `above` is one of
   * `memtables`; every memtable and the files of every run read before its run when it is a
   * file of `files`; every source when undefined. By the leveled invariant (read-path.ts)
   * those are the sources whose versions of `uk` are all newer than `above`'s, so a version
   * found in `above` is the one a read at `asOf` sees iff this is false and `above` holds no
   * newer version <= asOf itself. Each file answers by its bloom filter first (most keys are
   * in no newer file), then one seek. Synchronous unless a file must be opened or a block
   * read.
   */
  versionAbove(uk: Uint8Array, after: number, asOf: number, above?: FileMeta | MemtableLayer): boolean | Promise<boolean>;
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

/** Runs of `version` in read order (newest first), and each file's run ordinal. */
function runOrder(version: Version): { runs: (readonly FileMeta[])[]; ordinal: Map<number, number> } {
  const runs: (readonly FileMeta[])[] = [];
  const ordinal = new Map<number, number>();
  for (const level of version.state.levels) {
    for (const run of level) {
      for (const f of run) ordinal.set(f.number, runs.length);
      runs.push(run);
    }
  }
  return { runs, ordinal };
}

/** `versionAbove` over files: whether runs[from..to) hold a version of uk in (after, asOf]. */
function filesHold(tables: TableCache, runs: (readonly FileMeta[])[], from: number, to: number, uk: Uint8Array, target: Uint8Array, after: number): boolean | Promise<boolean> {
  for (let i = from; i < to; i++) {
    const f = fileFor(runs[i]!, uk);
    if (!f) continue;
    const r = tables.get(f);
    const at = i;
    const check = (reader: Awaited<typeof r>): boolean | Promise<boolean> | null => {
      if (!reader.mayContain(uk)) return null;
      const e = reader.seekFirst(target);
      const held = (x: { key: Uint8Array } | null): boolean => x !== null && hasUserKey(x.key, uk) && trailerLsn(x.key) > after;
      return e instanceof Promise ? e.then(held) : held(e);
    };
    const rest = (held: boolean | null): boolean | Promise<boolean> => (held ? true : filesHold(tables, runs, at + 1, to, uk, target, after));
    if (r instanceof Promise) {
      return r.then((reader) => {
        const h = check(reader);
        return h instanceof Promise ? h.then(rest) : rest(h);
      });
    }
    const h = check(r);
    if (h instanceof Promise) return h.then(rest);
    if (h) return true;
  }
  return false;
}

/** A snapshot of `ctx`'s current sources (the caller checked the engine is readable). */
export function layerSnapshot(ctx: ReadContext): LayerSnapshot {
  const src = ctx.sources();
  const v = src.version;
  v.ref();
  let released = false;
  let order: ReturnType<typeof runOrder> | undefined;
  const memtableHolds = (m: Memtable, uk: Uint8Array, target: Uint8Array, after: number): boolean => {
    const e = m.findInGroup(uk, target);
    return e >= 0 && trailerLsn(m.keyAt(e)) > after;
  };
  return {
    files: [...v.files()],
    versionAbove(uk, after, asOf, above) {
      const target = seekKey(uk, asOf);
      const stop = above && 'id' in above ? above.id : undefined;
      for (const m of src.memtables) {
        if (m === stop) return false;
        if (memtableHolds(m, uk, target, after)) return true;
      }
      if (stop) throw new DoSQLError('INVALID_ARGUMENT', 'layer snapshot: versionAbove() was given a memtable not of this snapshot');
      order ??= runOrder(v);
      let to = order.runs.length;
      if (above && 'number' in above) {
        const n = order.ordinal.get(above.number);
        if (n === undefined) throw new DoSQLError('INVALID_ARGUMENT', `layer snapshot: versionAbove() was given ${above.key}, not a file of this snapshot`);
        to = n;
      }
      const blamed = async (e: unknown): Promise<never> => Promise.reject(await ctx.blame(e));
      let held: boolean | Promise<boolean>;
      try {
        held = filesHold(src.tables, order.runs, 0, to, uk, target, after);
      } catch (e) {
        return blamed(e);
      }
      return held instanceof Promise ? held.catch(blamed) : held;
    },
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
