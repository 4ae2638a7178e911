// Point reads of many user keys over one consistent set of sources (read-path.ts getVersion,
// once per key): the rows an index range names. The sources, the runs of the version and
// the reference on it are taken once for the whole batch instead of once per key, and each
// run keeps the block its last read landed in (SSTableReader.seekInGroupHinted): keys that
// follow each other in a block — rows inserted together, found together through an index —
// are probed in it without the filter check, index search or cache lookup again. Each key's
// answer is exactly getVersion's: the first source holding a version <= asOf holds the
// visible one.
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Memtable } from '../memtable/memtable.js';
import { hasUserKey, seekKey, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import type { GroupHint, SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableReader } from '../sstable/table-cache.js';
import { compareBytes, compareRange } from '../util/bytes.js';
import { fileFor, type FoundVersion, type GetCounters, type ReadContext, type ReadSources } from './read-path.js';

type Found = FoundVersion | null;

/** One batch's view of the sources: non-empty memtables, non-empty runs, a block hint per run. */
interface Batch {
  readonly src: ReadSources;
  readonly memtables: readonly Memtable[];
  /** Per memtable, its smallest and largest internal keys when known (Memtable.sortedBounds). */
  readonly bounds: readonly ({ lo: Uint8Array; hi: Uint8Array } | null)[];
  readonly runs: readonly (readonly FileMeta[])[];
  readonly hints: GroupHint[];
  readonly asOf: number;
  readonly counters: GetCounters;
}

/**
 * The visible version at `asOf` of each of `uks` (same order), as `getVisible` would answer
 * each; the version is referenced while files are read. May return synchronously.
 */
export function getVisibleMany(src: ReadSources, uks: readonly Uint8Array[], asOf: number, counters: GetCounters, ctx: Pick<ReadContext, 'blame'>): Found[] | Promise<Found[]> {
  const v = src.version;
  v.ref();
  const runs: (readonly FileMeta[])[] = [];
  for (const level of v.state.levels) for (const run of level) if (run.length > 0) runs.push(run);
  const memtables = src.memtables.filter((m) => m.count > 0);
  const b: Batch = {
    src,
    memtables,
    bounds: memtables.map((m) => m.sortedBounds()),
    runs,
    hints: runs.map(() => ({ file: -1, index: 0, offset: 0, block: null, entry: -1 })),
    asOf,
    counters,
  };
  const out: Found[] = new Array(uks.length);
  let res: Found[] | Promise<Found[]>;
  try {
    res = fill(b, uks, out, 0);
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

/** Answers keys from `k` on, synchronously while every block is cached; the rest after the first wait. */
function fill(b: Batch, uks: readonly Uint8Array[], out: Found[], k: number): Found[] | Promise<Found[]> {
  for (; k < uks.length; k++) {
    const r = one(b, uks[k]!);
    if (r instanceof Promise) {
      const at = k;
      return r.then((x) => {
        out[at] = x;
        return fill(b, uks, out, at + 1);
      });
    }
    out[k] = r;
  }
  return out;
}

function one(b: Batch, uk: Uint8Array): Found | Promise<Found> {
  b.counters.gets++;
  const target = seekKey(uk, b.asOf);
  for (let i = 0; i < b.memtables.length; i++) {
    const mt = b.memtables[i]!;
    const bd = b.bounds[i];
    // Every key of the memtable below the target, or above every key that starts with uk: none to find.
    if (bd && (compareBytes(bd.hi, target) < 0 || compareRange(bd.lo, 0, Math.min(bd.lo.length, uk.length), uk, 0, uk.length) > 0)) continue;
    const e = mt.findInGroup(uk, target);
    if (e >= 0) {
      const k = mt.keyAt(e);
      return { kind: trailerKind(k), value: mt.valueAt(e), lsn: trailerLsn(k) };
    }
  }
  return fromRuns(b, uk, target, 0);
}

/** Searches the runs from `r` on (newest first) for the first version of `uk` at or below the target's LSN. */
function fromRuns(b: Batch, uk: Uint8Array, target: Uint8Array, r: number): Found | Promise<Found> {
  for (; r < b.runs.length; r++) {
    const f = fileFor(b.runs[r]!, uk);
    if (!f) continue;
    const t = b.src.tables.get(f);
    const at = r;
    if (t instanceof Promise) {
      return t.then((reader) => {
        const e = search(b, reader, target, at);
        return e instanceof Promise ? e.then((x) => settle(b, uk, target, at, x)) : settle(b, uk, target, at, e);
      });
    }
    const e = search(b, t, target, r);
    if (e instanceof Promise) return e.then((x) => settle(b, uk, target, at, x));
    if (e && hasUserKey(e.key, uk)) return toFound(e);
  }
  return null;
}

function settle(b: Batch, uk: Uint8Array, target: Uint8Array, r: number, e: SSTableEntry | null | undefined): Found | Promise<Found> {
  return e && hasUserKey(e.key, uk) ? toFound(e) : fromRuns(b, uk, target, r + 1);
}

/** undefined: skipped by the bloom filter. */
function search(b: Batch, reader: TableReader, target: Uint8Array, r: number): SSTableEntry | null | undefined | Promise<SSTableEntry | null> {
  const c = b.counters;
  let res: SSTableEntry | null | undefined | Promise<SSTableEntry | null>;
  if (reader.seekInGroupHinted) res = reader.seekInGroupHinted(target, TRAILER_SIZE, b.hints[r]!);
  else if (reader.seekInGroup) res = reader.seekInGroup(target, TRAILER_SIZE);
  else {
    if (!reader.mayContain(target, 0, target.length - TRAILER_SIZE)) {
      c.bloomSkips++;
      return undefined;
    }
    c.filesSearched++;
    return reader.seekFirst(target);
  }
  if (res === undefined) c.bloomSkips++;
  else c.filesSearched++;
  return res;
}

function toFound(e: SSTableEntry): FoundVersion {
  return { kind: trailerKind(e.key), value: e.value, lsn: trailerLsn(e.key) };
}
