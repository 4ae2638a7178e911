// A short range read without the merged scan's machinery (read-path.ts scanEntryBatches: a
// merging iterator over every source, an MVCC iterator above it, an async generator around
// both). When exactly one source holds keys in the range — the common case of a range read
// of data written together, e.g. an index built or filled after the table was flushed — the
// visible entries are that source's entries, and visibility is resolved inline while its
// sorted order is walked: per user key, the first version with LSN <= asOf (versions are in
// LSN-descending order within a key), skipped when it is a tombstone. Only a memtable is read
// this way (synchronously); a range that reaches any file or two memtables is left to the
// merged scan. By the leveled invariant (read-path.ts), a source that holds no key of the
// range cannot change what the range shows, so ignoring those sources is exact.
import type { FileMeta } from '../manifest/manifest-format.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Pos } from '../memtable/sorted-index.js';
import { KIND_PUT, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { ReadSources } from './read-path.js';

/** Visible entries of a range, in key order, as parallel arrays. */
export interface DirectRange {
  /** User keys: views of the memtable's arena (immutable bytes), to copy if kept long. */
  readonly uks: Uint8Array[];
  /** Values: views of immutable bytes. */
  readonly values: Uint8Array[];
  /** Where to continue when `max` entries were returned and the range may hold more; else null. */
  readonly resume: Uint8Array | null;
}

/** True when some file of `run` (sorted, disjoint) may hold a user key in [lower, upper). */
function runOverlaps(run: readonly FileMeta[], lower: Uint8Array, upper: Uint8Array): boolean {
  // First file whose largest user key is >= lower; it overlaps iff its smallest is < upper.
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const l = run[mid]!.largest;
    if (compareRange(l, 0, l.length - TRAILER_SIZE, lower, 0, lower.length) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= run.length) return false;
  const s = run[lo]!.smallest;
  return compareRange(s, 0, s.length - TRAILER_SIZE, upper, 0, upper.length) < 0;
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
  for (const level of src.version.state.levels) for (const run of level) if (run.length > 0 && runOverlaps(run, lower, upper)) return null;
  let m: Memtable | null = null;
  let start: Pos | null = null;
  for (const mt of src.memtables) {
    const p = firstIn(mt, lower, upper);
    if (!p) continue;
    if (m) return null;
    m = mt;
    start = p;
  }
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
    if (uks.length === max) {
      const last = uks[max - 1]!;
      const resume = new Uint8Array(last.length + 1);
      resume.set(last);
      return { uks, values, resume };
    }
    uks.push(uk);
    values.push(m.valueAt(e));
  }
  return { uks, values, resume: null };
}
