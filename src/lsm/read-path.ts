// Point reads and merged iterators over one consistent set of sources: the memtables
// (newest first) and the files of one manifest version. Leveled-LSM invariant used here:
// for any user key, every version in a newer source has a higher LSN than every version in
// an older source (memtable > immutable memtables > L0 runs newest first > L1 > L2 ...),
// so the first source holding a version <= asOf holds the visible one.
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Version } from '../manifest/version-set.js';
import type { Memtable } from '../memtable/memtable.js';
import { TRAILER_SIZE, hasUserKey, seekKey, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { InternalIterator } from '../util/internal-iterator.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import { runIterator } from '../compaction/run-iterator.js';
import type { SSTableEntry } from '../sstable/sstable-reader.js';
import type { TableCache, TableReader } from '../sstable/table-cache.js';

export interface ReadSources {
  /** Active memtable first, then immutable memtables newest first. */
  memtables: readonly Memtable[];
  version: Version;
  tables: TableCache;
}

/** The visible version found by a point read. */
export interface FoundVersion {
  kind: number;
  value: Uint8Array;
  lsn: number;
}

export interface GetCounters {
  gets: number;
  /** Files whose blocks a get had to search (after range and bloom checks). */
  filesSearched: number;
  bloomSkips: number;
}

/** The newest version of `uk` with LSN <= asOf across the sources, or null (no version). */
export function getVersion(src: ReadSources, uk: Uint8Array, asOf: number, counters: GetCounters): FoundVersion | null | Promise<FoundVersion | null> {
  counters.gets++;
  const target = seekKey(uk, asOf);
  for (const mt of src.memtables) {
    const e = mt.findInGroup(uk, target);
    if (e >= 0) {
      const k = mt.keyAt(e);
      return { kind: trailerKind(k), value: mt.valueAt(e), lsn: trailerLsn(k) };
    }
  }
  const candidates = candidateFiles(src.version, uk);
  return searchFiles(src.tables, candidates, 0, uk, target, counters);
}

/** Per run, the one file whose user-key range contains `uk`, newest run first. */
function candidateFiles(version: Version, uk: Uint8Array): FileMeta[] {
  const out: FileMeta[] = [];
  for (const level of version.state.levels) {
    for (const run of level) {
      const f = fileFor(run, uk);
      if (f) out.push(f);
    }
  }
  return out;
}

function fileFor(run: readonly FileMeta[], uk: Uint8Array): FileMeta | null {
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const l = run[mid]!.largest;
    if (compareRange(l, 0, l.length - TRAILER_SIZE, uk, 0, uk.length) < 0) lo = mid + 1;
    else hi = mid;
  }
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
): FoundVersion | null | Promise<FoundVersion | null> {
  for (let i = from; i < files.length; i++) {
    const r = tables.get(files[i]!);
    if (r instanceof Promise) {
      const at = i;
      return r.then((reader) => {
        const res = searchOne(reader, uk, target, counters);
        const cont = (e: SSTableEntry | null | undefined): FoundVersion | null | Promise<FoundVersion | null> =>
          e && hasUserKey(e.key, uk) ? toFound(e) : searchFiles(tables, files, at + 1, uk, target, counters);
        return res instanceof Promise ? res.then(cont) : cont(res);
      });
    }
    const res = searchOne(r, uk, target, counters);
    if (res instanceof Promise) {
      const at = i;
      return res.then((e) => (e && hasUserKey(e.key, uk) ? toFound(e) : searchFiles(tables, files, at + 1, uk, target, counters)));
    }
    if (res && hasUserKey(res.key, uk)) return toFound(res);
  }
  return null;
}

/** undefined: skipped by the bloom filter. */
function searchOne(reader: TableReader, uk: Uint8Array, target: Uint8Array, counters: GetCounters): SSTableEntry | null | undefined | Promise<SSTableEntry | null> {
  if (!reader.mayContain(uk)) {
    counters.bloomSkips++;
    return undefined;
  }
  counters.filesSearched++;
  return reader.seekFirst(target);
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
