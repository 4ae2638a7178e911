// Chooses the next compaction from the level scores (LevelDB's VersionSet::PickCompaction):
//   L0 score = max(L0 runs / l0CompactionTrigger, bytes(L0) / levelBaseBytes) (RocksDB's level0
//   score: a few large runs, as big memtables flush them, count as much as many small ones);
//   Ln score = bytes(Ln) / maxBytesForLevel(n).
// The highest score >= 1 wins. L0 compacts all its runs with the overlapping part of L1, or
// moves them into L1 unchanged when no two of its files nor any L1 file overlap;
// Ln compacts one file (round-robin by key) with the overlapping files of Ln+1, or moves it
// down unchanged when nothing overlaps (a trivial move).
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { MAIN_BRANCH, TRAILER_SIZE } from '../mvcc/internal-key.js';
import { compareRange } from '../util/bytes.js';
import { maxBytesForLevel, type ResolvedCompactionOptions } from './options.js';

export interface Compaction {
  kind: 'l0' | 'level' | 'move' | 'full';
  /** Source level (0 for L0; the first level for a full compaction). */
  level: number;
  outputLevel: number;
  /** Input runs, newest first (the merge order). */
  runs: FileMeta[][];
  /** Numbers of every input file (they leave the version when the output is installed). */
  inputFiles: Set<number>;
  score: number;
  /** Files of a full compaction that move to the output level unchanged (in `inputFiles`, not in `runs`; full-compaction.ts). */
  moves?: FileMeta[];
  /**
   * User keys, ascending, where files left unchanged in the output level lie: no output file
   * may span one (output files are cut there), so the level stays one run of disjoint files.
   */
  cuts?: Uint8Array[];
}

/** User-key bounds of a file (its smallest and largest internal keys minus trailers). */
function ukCmp(a: Uint8Array, b: Uint8Array): number {
  return compareRange(a, 0, a.length - TRAILER_SIZE, b, 0, b.length - TRAILER_SIZE);
}

/** Files of a run whose user-key range intersects [lo, hi] (internal keys; trailers ignored). */
export function overlapping(run: readonly FileMeta[], lo: Uint8Array, hi: Uint8Array): FileMeta[] {
  return run.filter((f) => ukCmp(f.largest, lo) >= 0 && ukCmp(f.smallest, hi) <= 0);
}

function rangeOf(files: readonly FileMeta[]): { lo: Uint8Array; hi: Uint8Array } {
  let lo = files[0]!.smallest;
  let hi = files[0]!.largest;
  for (const f of files) {
    if (ukCmp(f.smallest, lo) < 0) lo = f.smallest;
    if (ukCmp(f.largest, hi) > 0) hi = f.largest;
  }
  return { lo, hi };
}

function levelBytes(state: ManifestState, level: number): number {
  let n = 0;
  for (const run of state.levels[level] ?? []) for (const f of run) n += f.size;
  return n;
}

/** Score per level (index 0 = L0); the last level never compacts further. */
export function levelScores(state: ManifestState, o: ResolvedCompactionOptions): number[] {
  const l0Runs = state.levels[0]?.length ?? 0;
  // An L0 of one run has nothing to merge with inside L0; its bytes alone do not call for work.
  const l0Bytes = l0Runs > 1 ? levelBytes(state, 0) / o.levelBaseBytes : 0;
  const scores: number[] = [Math.max(l0Runs / o.l0CompactionTrigger, l0Bytes)];
  // Normal compactions never write into the cold level (only a cold compaction does).
  const last = state.coldLevel > 0 ? Math.min(o.maxLevels - 1, state.coldLevel - 1) : o.maxLevels - 1;
  for (let level = 1; level < last; level++) scores.push(levelBytes(state, level) / maxBytesForLevel(o, level));
  return scores;
}

/**
 * The next compaction, or null when every score is below 1.
 * `pointers[level]` is the largest key of the last file compacted at that level (round-robin).
 */
export function pickCompaction(state: ManifestState, o: ResolvedCompactionOptions, pointers: Map<number, Uint8Array>, canMove: (from: number, to: number) => boolean = () => true): Compaction | null {
  const scores = levelScores(state, o);
  let best = -1;
  for (let l = 0; l < scores.length; l++) if (scores[l]! >= 1 && (best < 0 || scores[l]! > scores[best]!)) best = l;
  if (best < 0) return null;
  const score = scores[best]!;
  if (best === 0) {
    const l0 = state.levels[0]!.filter((r) => r.length > 0).map((r) => [...r]);
    const moved = canMove(0, 1) ? movableL0(l0, state.levels[1]?.[0] ?? []) : null;
    if (moved) return { kind: 'move', level: 0, outputLevel: 1, runs: [moved], inputFiles: numbers([moved]), score };
    const { lo, hi } = rangeOf(l0.flat());
    const l1 = overlapping(state.levels[1]?.[0] ?? [], lo, hi);
    const runs = l1.length > 0 ? [...l0, l1] : l0;
    return { kind: 'l0', level: 0, outputLevel: 1, runs, inputFiles: numbers(runs), score };
  }
  const run = state.levels[best]![0]!;
  const ptr = pointers.get(best);
  const pick = run.find((f) => ptr === undefined || ukCmp(f.smallest, ptr) > 0) ?? run[0]!;
  const next = state.levels[best + 1]?.[0] ?? [];
  const below = overlapping(next, pick.smallest, pick.largest);
  if (below.length === 0 && canMove(best, best + 1)) return { kind: 'move', level: best, outputLevel: best + 1, runs: [[pick]], inputFiles: new Set([pick.number]), score };
  // Don't strand a file: include neighbours in this level that overlap the widened range.
  const { lo, hi } = rangeOf([pick, ...below]);
  const same = overlapping(run, lo, hi);
  const widened = rangeOf(same);
  const runs = [same, overlapping(next, widened.lo, widened.hi)].filter((r) => r.length > 0);
  return { kind: 'level', level: best, outputLevel: best + 1, runs, inputFiles: numbers(runs), score };
}

/**
 * The L0 files in key order when they can all move into L1 unchanged (a trivial move, as
 * LevelDB makes of a lone L0 file): no two of them share a user key and none overlaps an L1
 * file, as the runs of sequential inserts. Merging them would only rewrite the same entries:
 * a user key lives in one file of the result either way, and L0 is newer than everything below.
 * Null when some overlap.
 */
function movableL0(l0: readonly FileMeta[][], l1: readonly FileMeta[]): FileMeta[] | null {
  const files = l0.flat().sort((a, b) => ukCmp(a.smallest, b.smallest));
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (i > 0 && ukCmp(files[i - 1]!.largest, f.smallest) >= 0) return null;
    if (overlapping(l1, f.smallest, f.largest).length > 0) return null;
  }
  return files;
}

/**
 * Every file of every level, cold level included, merged into the cold level (`coldLevel`
 * when one exists, else `firstColdLevel`): the cold compaction (src/cold/cold-compaction-job.ts).
 */
export function coldCompaction(state: ManifestState, firstColdLevel: number): Compaction | null {
  const runs: FileMeta[][] = [];
  for (const level of state.levels) for (const run of level) if (run.length > 0) runs.push([...run]);
  if (runs.length === 0) return null;
  const outputLevel = state.coldLevel > 0 ? state.coldLevel : firstColdLevel;
  return { kind: 'full', level: 0, outputLevel, runs, inputFiles: numbers(runs), score: 0 };
}

function numbers(runs: FileMeta[][]): Set<number> {
  const s = new Set<number>();
  for (const r of runs) for (const f of r) s.add(f.number);
  return s;
}

/**
 * True when some level deeper than `level` may hold a version of user key `uk`
 * (LevelDB's IsBaseLevelForKey, negated): then a tombstone must stay to hide it. Always true
 * for a key of a branch other than main (its first byte, the branch varint, is not 0): such a
 * tombstone hides the parent's row of the same key (mvcc/layers.ts), which lives under
 * another key, in any level.
 */
export function deeperDataMayExist(state: ManifestState, level: number, uk: Uint8Array): boolean {
  if (uk[0] !== MAIN_BRANCH) return true;
  for (let l = level + 1; l < state.levels.length; l++) {
    for (const run of state.levels[l]!) {
      let lo = 0;
      let hi = run.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const f = run[mid]!;
        if (compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, uk, 0, uk.length) < 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo < run.length) {
        const s = run[lo]!.smallest;
        if (compareRange(s, 0, s.length - TRAILER_SIZE, uk, 0, uk.length) <= 0) return true;
      }
    }
  }
  return false;
}
