// Applies a finished compaction (or a trivial move) to a manifest draft, and checks the
// structural invariants every manifest must satisfy before it is written.
import type { FileMeta, ManifestState } from '../manifest/manifest-format.js';
import { TRAILER_SIZE } from '../mvcc/internal-key.js';
import { compareRange, compareBytes } from '../util/bytes.js';
import type { Compaction } from './compaction-picker.js';

/** Removes the compaction's input files and adds `outputs` to its output level. */
export function applyCompaction(draft: ManifestState, c: Compaction, outputs: readonly FileMeta[]): void {
  for (let l = 0; l < draft.levels.length; l++) {
    draft.levels[l] = draft.levels[l]!.map((run) => run.filter((f) => !c.inputFiles.has(f.number)));
    if (l === 0) draft.levels[0] = draft.levels[0]!.filter((run) => run.length > 0);
  }
  while (draft.levels.length <= c.outputLevel) draft.levels.push([]);
  const level = draft.levels[c.outputLevel]!;
  const existing = level.flat();
  const merged = [...existing, ...outputs].sort((a, b) => compareBytes(a.smallest, b.smallest));
  draft.levels[c.outputLevel] = merged.length > 0 ? [merged] : [];
  for (let l = 1; l < draft.levels.length; l++) if (draft.levels[l]!.length > 0 && draft.levels[l]![0]!.length === 0) draft.levels[l] = [];
}

/**
 * Structural invariants of a version (SlateDB's manifest invariants): within each run,
 * files ordered with disjoint user-key ranges; levels >= 1 hold at most one run; file numbers
 * unique and below nextFileNumber; LSN bookkeeping ordered. Returns the violations.
 */
export function checkInvariants(s: ManifestState): string[] {
  const bad: string[] = [];
  const seen = new Set<number>();
  s.levels.forEach((runs, l) => {
    if (l > 0 && runs.length > 1) bad.push(`L${l} has ${runs.length} runs`);
    runs.forEach((run, r) => {
      run.forEach((f, i) => {
        if (seen.has(f.number)) bad.push(`file ${f.number} appears twice`);
        seen.add(f.number);
        if (f.number >= s.nextFileNumber) bad.push(`file ${f.number} >= nextFileNumber ${s.nextFileNumber}`);
        if (compareBytes(f.smallest, f.largest) > 0) bad.push(`file ${f.number}: smallest > largest`);
        const next = run[i + 1];
        if (next && compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, next.smallest, 0, next.smallest.length - TRAILER_SIZE) >= 0) {
          bad.push(`L${l} run ${r}: files ${f.number} and ${next.number} overlap or are out of order`);
        }
      });
    });
  });
  if (s.flushedLsn > s.lastLsn) bad.push(`flushedLsn ${s.flushedLsn} > lastLsn ${s.lastLsn}`);
  return bad;
}
