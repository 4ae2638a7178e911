// Picks a full compaction (LsmEngine.compact({ full: true })): every hot file merged into one
// sorted run at the deepest hot level, dropping every version no retained read point sees.
//
// Files that such a merge would copy unchanged are left out of it, as LevelDB's CompactRange
// leaves bottom-level files nothing above overlaps and RocksDB's trivial moves and
// bottommost_level_compaction=kIfHaveCompactionFilter do. A file cannot change when
// - no other hot file holds a key in its user-key range (the merge would see its entries
//   alone, in their order), and
// - nothing in it is droppable under `retained` (docs/compaction.md's rule): every superseded
//   version's successor is above the horizon (FileMeta.supersededFrom > horizon) or the read
//   point that held it when the file was written is still retained (FileMeta.heldBy), and no
//   tombstone of main is the oldest version of its key (FileMeta.trailingTombstones: those are
//   dropped at the bottom; a branch's tombstones never are, they hide the parent's rows).
// Files without the statistics (written before they were recorded) are always merged.
// Such a file of the deepest level stays where it is; one of a higher level moves down
// unchanged (kept in the compaction's `moves`). The merged output is cut so that no output
// file spans one of them: the level stays one run of disjoint files.
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import type { Compaction } from './compaction-picker.js';
import type { RetainedPoints } from './retention.js';

function ukCmp(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length - TRAILER_SIZE, b, 0, b.length - TRAILER_SIZE);
}

/** True when a merge at the bottom under `retained` would write `f`'s entries back unchanged (given nothing overlaps it). */
export function unchangedAtBottom(f: FileMeta, retained: RetainedPoints): boolean {
  if (f.tier !== 'hot' || f.superseded === undefined || f.trailingTombstones === undefined) return false;
  // With every version kept, the tombstones a merge drops are the trailing ones of main.
  if (f.trailingTombstones > 0) return false;
  if (f.superseded === 0) return true;
  if (f.supersededFrom !== undefined && f.supersededFrom <= retained.horizon) return false;
  // A version a point p held has lsn <= p < its successor: still kept while p is retained or p >= the horizon.
  for (const p of f.heldBy ?? []) if (p < retained.horizon && !retained.points.includes(p)) return false;
  return true;
}

/**
 * The full compaction of `state` under `retained`, or null when there is nothing to do
 * (no hot file, or every hot file already sits unchanged in one run at the deepest level).
 * A compaction that only moves files is of kind 'move'.
 */
export function fullCompaction(state: ManifestState, retained?: RetainedPoints, canMove: (from: number, to: number) => boolean = () => true): Compaction | null {
  const files: { f: FileMeta; level: number }[] = [];
  let deepest = 1;
  state.levels.forEach((level, i) => {
    if (state.coldLevel > 0 && i >= state.coldLevel) return;
    for (const run of level) {
      if (run.length === 0) continue;
      for (const f of run) files.push({ f, level: i });
      if (i > deepest) deepest = i;
    }
  });
  if (files.length === 0) return null;
  // A file overlaps another iff an earlier one (by smallest key) reaches its smallest key, or
  // the next one starts at or before its largest key.
  const order = files.map((_, i) => i).sort((a, b) => ukCmp(files[a]!.f.smallest, files[b]!.f.smallest));
  const overlaps = new Uint8Array(files.length);
  let reach: Uint8Array | null = null;
  for (let n = 0; n < order.length; n++) {
    const f = files[order[n]!]!.f;
    const next = order[n + 1] === undefined ? null : files[order[n + 1]!]!.f;
    if ((reach && ukCmp(reach, f.smallest) >= 0) || (next && ukCmp(next.smallest, f.largest) <= 0)) overlaps[order[n]!] = 1;
    if (!reach || ukCmp(f.largest, reach) > 0) reach = f.largest;
  }
  const runs: FileMeta[][] = [];
  const moves: FileMeta[] = [];
  const inPlace: FileMeta[] = [];
  files.forEach(({ f, level }, i) => {
    if (retained && overlaps[i] === 0 && unchangedAtBottom(f, retained)) {
      if (level === deepest) inPlace.push(f);
      else if (canMove(level, deepest)) moves.push(f);
    }
  });
  const left = new Set([...inPlace, ...moves].map((f) => f.number));
  // Merge inputs as runs: L0 runs newest first (each its own run), then each deeper level's files as one run.
  state.levels.forEach((level, i) => {
    if (state.coldLevel > 0 && i >= state.coldLevel) return;
    for (const run of level) {
      const kept = run.filter((f) => !left.has(f.number));
      if (kept.length > 0) runs.push(kept);
    }
  });
  const inputFiles = new Set<number>();
  for (const r of runs) for (const f of r) inputFiles.add(f.number);
  for (const f of moves) inputFiles.add(f.number);
  if (runs.length === 0) {
    if (moves.length === 0) return null;
    moves.sort((a, b) => ukCmp(a.smallest, b.smallest));
    return { kind: 'move', level: 0, outputLevel: deepest, runs: [moves], inputFiles, score: 0 };
  }
  const stay = [...inPlace, ...moves].sort((a, b) => ukCmp(a.smallest, b.smallest));
  const c: Compaction = { kind: 'full', level: 0, outputLevel: deepest, runs, inputFiles, score: 0 };
  if (moves.length > 0) c.moves = moves;
  if (stay.length > 0) c.cuts = stay.map((f) => f.smallest.slice(0, f.smallest.length - TRAILER_SIZE));
  return c;
}
