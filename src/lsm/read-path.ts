// Point reads and merged iterators over one consistent set of sources: the memtables
// (newest first) and the files of one manifest version. Leveled-LSM invariant used here:
// for any user key, every version in a newer source has a higher LSN than every version in
// an older source (memtable > immutable memtables > L0 runs newest first > L1 > L2 ...),
// so the first source holding a version <= asOf holds the visible one.
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Version } from '../manifest/version-set.js';
import type { Memtable } from '../memtable/memtable.js';
import { KIND_PUT, TRAILER_SIZE, hasUserKey, seekKey, trailerKind, trailerLsn, writeTrailer } from '../mvcc/internal-key.js';
import { MvccIterator } from '../mvcc/mvcc-iterator.js';
import type { YieldBudget } from '../util/async.js';
import { compareRange } from '../util/bytes.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import { runIterator } from '../compaction/run-iterator.js';
import { POINT_FILTERED, POINT_HIT, POINT_NONE, POINT_UNGROUPED, type PointHit } from '../sstable/point-hit.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableCache, TableReader } from '../sstable/table-cache.js';
import { KvEntry } from '../mvcc/kv-types.js';
import type { FoundVersion, StoredVersion } from '../mvcc/version-store.js';

export type { FoundVersion, StoredVersion } from '../mvcc/version-store.js';

export interface ReadSources {
  /** Active memtable first, then immutable memtables newest first. */
  memtables: readonly Memtable[];
  version: Version;
  tables: TableCache;
}


export interface GetCounters {
  gets: number;
  /** Files whose blocks a get had to search (after range and bloom checks). */
  filesSearched: number;
  bloomSkips: number;
}

/** The newest version of `uk` with LSN <= asOf across the sources, or null (no version). */
export function getVersion(src: ReadSources, uk: Uint8Array, asOf: number, counters: GetCounters, columns?: Uint8Array): FoundVersion | null | Promise<FoundVersion | null> {
  counters.gets++;
  // The memtables are probed synchronously with the seek key in a reused buffer: a key new to
  // the memtables and beyond every file (an insert's uniqueness probe) allocates no key.
  const tl = uk.length + TRAILER_SIZE;
  if (seekScratch.length < tl) seekScratch = new Uint8Array(2 * tl);
  const scratch = seekScratch;
  scratch.set(uk, 0);
  writeTrailer(scratch, uk.length, asOf, 0);
  for (const mt of src.memtables) {
    // An empty memtable's hash table can be large (sized for the entries expected): a probe
    // of it is a cache miss per read for nothing (right after a flush).
    if (mt.count === 0) continue;
    const e = mt.findInGroup(uk, scratch, tl);
    if (e >= 0) {
      const k = mt.keyAt(e);
      return { kind: trailerKind(k), value: mt.valueAt(e), lsn: trailerLsn(k) };
    }
  }
  // Newest run first, each run's one file whose range holds uk, answered synchronously while
  // blocks are cached (no candidate array, entry object or key view per read); the first file
  // that must wait for I/O hands the rest to searchFiles.
  const levels = src.version.state.levels;
  const hit = pointHit;
  // The seek key of its own, made at the first file found (file reads may wait).
  let target: Uint8Array | undefined;
  for (let l = 0; l < levels.length; l++) {
    const level = levels[l]!;
    for (let r = 0; r < level.length; r++) {
      const f = fileFor(level[r]!, uk);
      if (f === null) continue;
      const t = (target ??= seekKey(uk, asOf));
      const reader = src.tables.get(f);
      if (reader instanceof Promise || !reader.pointRead) return searchFiles(src.tables, candidateFiles(src.version, uk, f), 0, uk, t, counters, columns);
      const c = reader.pointRead(t, TRAILER_SIZE, hit);
      if (c === POINT_HIT) {
        counters.filesSearched++;
        const k = hit.keys;
        const end = hit.keyEnd;
        return { kind: trailerKind(k, end), value: hit.value, lsn: trailerLsn(k, end) };
      }
      if (c === POINT_FILTERED) {
        counters.bloomSkips++;
        continue;
      }
      if (c === POINT_NONE) {
        counters.filesSearched++;
        continue;
      }
      // This file without a group index (its own search) or waiting for a block: the general path from here.
      const rest = candidateFiles(src.version, uk, f);
      if (c === POINT_UNGROUPED) return searchFiles(src.tables, rest, 0, uk, t, counters, columns);
      counters.filesSearched++;
      return c.then((e) => (e && hasUserKey(e.key, uk) ? toFound(e) : searchFiles(src.tables, rest, 1, uk, t, counters, columns)));
    }
  }
  return null;
}

/** getVersion's seek key for the memtable probes (synchronous: one buffer serves every read). */
let seekScratch = new Uint8Array(64);

/** `pointRead`'s hit, read at once by getVersion (synchronous: one read at a time uses it). */
const pointHit: PointHit = { keys: new Uint8Array(0), keyStart: 0, keyEnd: 0, value: new Uint8Array(0) };

/** Per run, the one file whose user-key range contains `uk`, newest run first; from file `from` on when given. */
function candidateFiles(version: Version, uk: Uint8Array, from?: FileMeta): FileMeta[] {
  const out: FileMeta[] = [];
  let on = from === undefined;
  for (const level of version.state.levels) {
    for (const run of level) {
      const f = fileFor(run, uk);
      if (f === from) on = true;
      if (f && on) out.push(f);
    }
  }
  return out;
}

/** Index of the first file of a run (sorted, disjoint key ranges) whose largest user key is >= `uk`; run.length when none. */
export function firstFileFrom(run: readonly FileMeta[], uk: Uint8Array): number {
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const l = run[mid]!.largest;
    if (compareRange(l, 0, l.length - TRAILER_SIZE, uk, 0, uk.length) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The one file of a run (sorted, disjoint key ranges) whose user-key range holds `uk`, or null. */
export function fileFor(run: readonly FileMeta[], uk: Uint8Array): FileMeta | null {
  const lo = firstFileFrom(run, uk);
  if (lo >= run.length) return null;
  const f = run[lo]!;
  const s = f.smallest;
  return compareRange(s, 0, s.length - TRAILER_SIZE, uk, 0, uk.length) <= 0 ? f : null;
}

function searchFiles(
  tables: TableCache,
  files: FileMeta[],
  from: number,
  uk: Uint8Array,
  target: Uint8Array,
  counters: GetCounters,
  columns: Uint8Array | undefined,
): FoundVersion | null | Promise<FoundVersion | null> {
  for (let i = from; i < files.length; i++) {
    const r = tables.get(files[i]!);
    if (r instanceof Promise) {
      const at = i;
      return r.then((reader) => {
        const res = searchOne(reader, uk, target, counters, columns);
        const cont = (e: SSTableEntry | null | undefined): FoundVersion | null | Promise<FoundVersion | null> =>
          e && hasUserKey(e.key, uk) ? toFound(e) : searchFiles(tables, files, at + 1, uk, target, counters, columns);
        return res instanceof Promise ? res.then(cont) : cont(res);
      });
    }
    const res = searchOne(r, uk, target, counters, columns);
    if (res instanceof Promise) {
      const at = i;
      return res.then((e) => (e && hasUserKey(e.key, uk) ? toFound(e) : searchFiles(tables, files, at + 1, uk, target, counters, columns)));
    }
    if (res && hasUserKey(res.key, uk)) return toFound(res);
  }
  return null;
}

/** undefined: skipped by the bloom filter. */
function searchOne(reader: TableReader, uk: Uint8Array, target: Uint8Array, counters: GetCounters, columns: Uint8Array | undefined): SSTableEntry | null | undefined | Promise<SSTableEntry | null> {
  if (reader.seekInGroup) {
    const r = reader.seekInGroup(target, TRAILER_SIZE);
    if (r === undefined) counters.bloomSkips++;
    else counters.filesSearched++;
    return r;
  }
  if (!reader.mayContain(uk)) {
    counters.bloomSkips++;
    return undefined;
  }
  counters.filesSearched++;
  return reader.seekFirst(target, columns);
}

function toFound(e: SSTableEntry): FoundVersion {
  return { kind: trailerKind(e.key), value: e.value, lsn: trailerLsn(e.key) };
}

/** Every source merged into one internal-key-ordered iterator (newest source first on ties). */
export function mergedIterator(src: ReadSources): MergingIterator {
  const children: InternalIterator[] = src.memtables.map((m) => m.iterator());
  for (const level of src.version.state.levels) {
    for (const run of level) {
      if (run.length === 0) continue;
      children.push(runIterator(src.tables, run));
    }
  }
  return new MergingIterator(children);
}

/** How a scan reaches the engine: its sources, yields to the event loop, the right error. */
export interface ReadContext {
  /**
   * Checks the engine is readable and returns its current sources. Scans call it when they
   * start (their first `next()`), as the engine's own generators did.
   */
  sources(): ReadSources;
  readonly budget: YieldBudget;
  /** A failure to report as `FENCED` if a newer writer caused it (writer-fence.ts, `blame`). */
  blame(e: unknown): Promise<unknown>;
}

/** `getVersion` with the version referenced while files are read. May return synchronously. */
export function getVisible(
  src: ReadSources,
  uk: Uint8Array,
  asOf: number,
  counters: GetCounters,
  ctx: Pick<ReadContext, 'blame'>,
  columns?: Uint8Array,
): FoundVersion | null | Promise<FoundVersion | null> {
  const v = src.version;
  v.ref();
  let res: FoundVersion | null | Promise<FoundVersion | null>;
  try {
    res = getVersion(src, uk, asOf, counters, columns);
  } catch (e) {
    v.unref();
    return ctx.blame(e).then((err) => Promise.reject(err));
  }
  if (res instanceof Promise) {
    return res.then(
      (r) => (v.unref(), r),
      (e: unknown) => (v.unref(), ctx.blame(e).then((err) => Promise.reject(err))),
    );
  }
  v.unref();
  return res;
}

/** Visible entries of the user keys in [lower, upper) at `asOf`, in key order (or reverse), up to `limit`. */
export async function* scanEntries(ctx: ReadContext, lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, limit: number): AsyncGenerator<KvEntry> {
  const src = ctx.sources();
  src.version.ref();
  const it = new MvccIterator(mergedIterator(src), asOf, { lower, upper }, reverse);
  try {
    let n = 0;
    while (n < limit) {
      const p = it.next();
      if (p) await p;
      const e = it.kvEntry();
      if (!e) break;
      n++;
      if (ctx.budget.spend()) await ctx.budget.yieldNow();
      yield e;
    }
  } catch (e) {
    throw await ctx.blame(e);
  } finally {
    it.close();
    src.version.unref();
  }
}

/** `scanEntries` in arrays of up to `batch` entries: one async step per batch. */
export async function* scanEntryBatches(ctx: ReadContext, lower: Uint8Array, upper: Uint8Array, asOf: number, reverse: boolean, batch: number): AsyncGenerator<KvEntry[]> {
  const src = ctx.sources();
  src.version.ref();
  const it = new MvccIterator(mergedIterator(src), asOf, { lower, upper }, reverse);
  try {
    let out: KvEntry[] = [];
    for (;;) {
      const p = it.next();
      if (p) await p;
      const e = it.kvEntry();
      if (!e) break;
      out.push(e);
      if (out.length >= batch) {
        if (ctx.budget.spend(out.length)) await ctx.budget.yieldNow();
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  } catch (e) {
    throw await ctx.blame(e);
  } finally {
    it.close();
    src.version.unref();
  }
}

/**
 * Versions of the user keys in [lower, upper) with LSN <= `asOf`, in key order and, per key,
 * newest first, in arrays of up to `batch`. `all` false: only the newest version per key,
 * tombstones included; `all` true: every version still stored.
 */
export async function* scanVersionBatches(ctx: ReadContext, lower: Uint8Array, upper: Uint8Array, asOf: number, all: boolean, batch: number): AsyncGenerator<StoredVersion[]> {
  const src = ctx.sources();
  src.version.ref();
  const it = mergedIterator(src);
  try {
    let p = it.seek(lower);
    if (p) await p;
    let last: Uint8Array | null = null;
    let out: StoredVersion[] = [];
    while (it.valid()) {
      const k = it.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
      const lsn = trailerLsn(k);
      if (lsn <= asOf && (all || !last || compareRange(k, 0, ukLen, last, 0, last.length) !== 0)) {
        const uk = k.slice(0, ukLen);
        last = uk;
        out.push({ userKey: uk, value: trailerKind(k) === KIND_PUT ? it.value() : null, lsn });
        if (out.length >= batch) {
          if (ctx.budget.spend(out.length)) await ctx.budget.yieldNow();
          // The receiver owns the keys it was given (it may rewrite them): keep our own copy.
          last = uk.slice();
          yield out;
          out = [];
        }
      }
      p = it.next();
      if (p) await p;
    }
    if (out.length) yield out;
  } catch (e) {
    throw await ctx.blame(e);
  } finally {
    it.close();
    src.version.unref();
  }
}
