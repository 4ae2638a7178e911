// A short range read without the merged scan's machinery (read-path.ts scanEntryBatches: a
// merging iterator over every source, an MVCC iterator above it, an async generator around
// both). When exactly one source holds keys in the range — the common case of a range read
// of data written together, e.g. an index built or filled after the table was flushed — the
// visible entries are that source's entries, and visibility is resolved inline while its
// sorted order is walked: per user key, the first version with LSN <= asOf (versions are in
// LSN-descending order within a key), skipped when it is a tombstone. The one source is a
// memtable, or a file whose blocks are cached (read synchronously either way); a range that
// reaches two sources, or a file block not in the cache, is left to the merged scan. By the leveled invariant (read-path.ts), a source that holds no key of the
// range cannot change what the range shows, so ignoring those sources is exact.
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Pos } from '../memtable/sorted-index.js';
import { KIND_PUT, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import { firstFileFrom, type ReadSources } from './read-path.js';

/** Visible entries of a range, in key order, as parallel arrays. */
export interface DirectRange {
  /** User keys: views of the memtable's arena (immutable bytes), to copy if kept long. */
  readonly uks: Uint8Array[];
  /** Values: views of immutable bytes. */
  readonly values: Uint8Array[];
  /** Where to continue when `max` entries were returned and the range may hold more; else null. */
  readonly resume: Uint8Array | null;
}

/** The file of `run` (sorted, disjoint) that may hold a user key in [lower, upper); null when none, 'many' when several may. */
function overlapping(run: readonly FileMeta[], lower: Uint8Array, upper: Uint8Array): FileMeta | null | 'many' {
  // The first file reaching lower overlaps iff its smallest is < upper.
  const lo = firstFileFrom(run, lower);
  if (lo >= run.length) return null;
  const s = run[lo]!.smallest;
  if (compareRange(s, 0, s.length - TRAILER_SIZE, upper, 0, upper.length) >= 0) return null;
  // The next file overlaps too when it starts below upper: then two files hold the range.
  const n = run[lo + 1];
  if (n && compareRange(n.smallest, 0, n.smallest.length - TRAILER_SIZE, upper, 0, upper.length) < 0) return 'many';
  return run[lo]!;
}

type Leaf = NonNullable<Pos['leaf']>;

/** Position of memtable `m`'s first entry (any version) whose user key is in [lower, upper), or null. */
function firstIn(m: Memtable, lower: Uint8Array, upper: Uint8Array): Pos | null {
  if (m.count === 0) return null;
  const pos = m.index.seekPos(lower);
  let leaf: Leaf | null = pos.leaf;
  let i = pos.i;
  while (leaf) {
    if (i >= leaf.refs.length) {
      leaf = leaf.next;
      i = 0;
      continue;
    }
    const k = m.keyAt(leaf.refs[i]!);
    const ukLen = k.length - TRAILER_SIZE;
    if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) return null;
    // seekPos(lower) may land on versions of a user key below lower that extends it.
    if (compareRange(k, 0, ukLen, lower, 0, lower.length) >= 0) return { leaf, i };
    i++;
  }
  return null;
}

/**
 * The visible entries of the user keys in [lower, upper) at `asOf`, up to `max`, when the
 * range's only source is one memtable (or no source holds it: empty); null when another
 * source may hold a key of the range (the caller takes the merged scan). Synchronous: the
 * sources are read in one step, so no flush or compaction can intervene.
 */
export function scanDirect(src: ReadSources, lower: Uint8Array, upper: Uint8Array, asOf: number, max: number): DirectRange | null {
  let file: FileMeta | null = null;
  for (const level of src.version.state.levels) {
    for (const run of level) {
      const f = run.length > 0 ? overlapping(run, lower, upper) : null;
      if (!f) continue;
      if (file || f === 'many') return null;
      file = f;
    }
  }
  let m: Memtable | null = null;
  let start: Pos | null = null;
  for (const mt of src.memtables) {
    const p = firstIn(mt, lower, upper);
    if (!p) continue;
    if (m || file) return null;
    m = mt;
    start = p;
  }
  if (file) return fromFile(src, file, lower, upper, asOf, max);
  const uks: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  if (!m || !start) return { uks, values, resume: null };
  let leaf: Leaf | null = start.leaf;
  let i = start.i;
  // The user key whose visible version was decided (emitted, or hidden by a tombstone).
  let decided: Uint8Array | null = null;
  while (leaf) {
    const refs = leaf.refs;
    if (i >= refs.length) {
      leaf = leaf.next;
      i = 0;
      continue;
    }
    const e = refs[i++]!;
    const k = m.keyAt(e);
    const ukLen = k.length - TRAILER_SIZE;
    if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
    if (trailerLsn(k) > asOf) continue;
    if (decided !== null && compareRange(k, 0, ukLen, decided, 0, decided.length) === 0) continue;
    const uk = k.subarray(0, ukLen);
    decided = uk;
    if (trailerKind(k) !== KIND_PUT) continue;
    if (uks.length === max) return { uks, values, resume: after(uks[max - 1]!) };
    uks.push(uk);
    values.push(m.valueAt(e));
  }
  return { uks, values, resume: null };
}

/** The smallest key above `uk` (uk + 0x00): where a range continues after it. */
function after(uk: Uint8Array): Uint8Array {
  const r = new Uint8Array(uk.length + 1);
  r.set(uk);
  return r;
}

/**
 * The range read from the one file that holds it, while its reader is open and every block
 * it needs is cached (synchronously); null otherwise (the merged scan reads the blocks).
 * The file iterator's key is a reused buffer: the user keys kept are copies.
 */
function fromFile(src: ReadSources, f: FileMeta, lower: Uint8Array, upper: Uint8Array, asOf: number, max: number): DirectRange | null {
  const reader = src.tables.get(f);
  if (reader instanceof Promise) {
    reader.catch(() => undefined);
    return null;
  }
  const it = reader.iterator();
  try {
    let p = it.seek(lower);
    if (p) {
      p.catch(() => undefined);
      return null;
    }
    const uks: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    let decided: Uint8Array | null = null;
    while (it.valid()) {
      const k = it.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (compareRange(k, 0, ukLen, upper, 0, upper.length) >= 0) break;
      if (
        trailerLsn(k) <= asOf &&
        compareRange(k, 0, ukLen, lower, 0, lower.length) >= 0 &&
        (decided === null || compareRange(k, 0, ukLen, decided, 0, decided.length) !== 0)
      ) {
        const uk = k.slice(0, ukLen);
        decided = uk;
        if (trailerKind(k) === KIND_PUT) {
          if (uks.length === max) return { uks, values, resume: after(uks[max - 1]!) };
          uks.push(uk);
          values.push(it.value());
        }
      }
      p = it.next();
      if (p) {
        p.catch(() => undefined);
        return null;
      }
    }
    return { uks, values, resume: null };
  } finally {
    it.close();
  }
}
