// Edits of a manifest draft, and the invariants every manifest must satisfy before it is
// written (SlateDB's manifest/invariants.rs): `VersionSet.update` checks them on every edit —
// flushes, compactions, branches, snapshots, pins — in tests and in production.
import type { FileMeta, ManifestState } from './manifest-format.js';
import { compareBytes, compareRange } from '../util/bytes.js';

/**
 * Internal keys end in an 8-byte trailer (src/mvcc/internal-key.ts `TRAILER_SIZE`; the manifest
 * ranks below mvcc, a test keeps the two equal): runs compare user keys.
 */
export const TRAILER_SIZE = 8;

/** What applying a compaction needs to know of it (src/compaction/compaction-picker.ts, `Compaction`). */
export interface CompactionEdit {
  /** File numbers the compaction read: removed from every level. */
  readonly inputFiles: ReadonlySet<number>;
  readonly outputLevel: number;
}

/** Removes the compaction's input files and adds `outputs` to its output level. */
export function applyCompaction(draft: ManifestState, c: CompactionEdit, outputs: readonly FileMeta[]): void {
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
 * Invariants of a version, returned as the list of violations (empty: valid):
 * - files: within each run ordered with disjoint user-key ranges; levels >= 1 hold at most one
 *   run; file numbers unique and below `nextFileNumber`; smallest <= largest;
 * - LSNs: `flushedLsn <= lastLsn`;
 * - branches: ids unique, >= 1 and below `nextBranchId` (ids are never reused); names unique,
 *   non-empty and not `main`; a parent is main (0), absent (null) or another listed branch;
 * - named snapshots: names unique and non-empty; each on main or a listed branch;
 * - pins and references: LSNs are non-negative integers;
 * - retained WAL segments (walHistory): LSN ranges ascending without overlap, each with a copy;
 *   replication slots: names unique, LSN <= lastLsn, on main or a listed branch.
 * Cost: one pass over the files, branches, snapshots and pins — the same order as encoding
 * the manifest, which every edit does anyway.
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
  checkRefs(s, bad);
  return bad;
}

function checkRefs(s: ManifestState, bad: string[]): void {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const b of s.branches) {
    if (!Number.isInteger(b.id) || b.id < 1) bad.push(`branch ${b.name}: bad id ${b.id}`);
    else if (b.id >= s.nextBranchId) bad.push(`branch ${b.name}: id ${b.id} >= nextBranchId ${s.nextBranchId}`);
    if (ids.has(b.id)) bad.push(`branch id ${b.id} appears twice`);
    ids.add(b.id);
    if (typeof b.name !== 'string' || b.name === '' || b.name === 'main') bad.push(`branch ${b.id}: bad name ${JSON.stringify(b.name)}`);
    if (names.has(b.name)) bad.push(`branch name ${b.name} appears twice`);
    names.add(b.name);
    if (!isLsn(b.baseLsn)) bad.push(`branch ${b.name}: bad base LSN ${b.baseLsn}`);
  }
  for (const b of s.branches) {
    if (b.parent !== null && b.parent !== 0 && (!ids.has(b.parent) || b.parent === b.id)) bad.push(`branch ${b.name}: parent ${b.parent} is not a branch`);
  }
  const snaps = new Set<string>();
  for (const x of s.snapshots) {
    if (typeof x.name !== 'string' || x.name === '') bad.push(`snapshot with bad name ${JSON.stringify(x.name)}`);
    if (snaps.has(x.name)) bad.push(`snapshot name ${x.name} appears twice`);
    snaps.add(x.name);
    if (x.branch !== 0 && !ids.has(x.branch)) bad.push(`snapshot ${x.name}: branch ${x.branch} does not exist`);
    if (!isLsn(x.lsn)) bad.push(`snapshot ${x.name}: bad LSN ${x.lsn}`);
  }
  for (const p of s.pins) if (!isLsn(p.lsn)) bad.push(`pin ${JSON.stringify(p.reason)}: bad LSN ${p.lsn}`);
  checkLog(s, ids, bad);
}

/** Retained WAL segments in LSN order without overlap; slots unique, at or below lastLsn, on a listed branch. */
function checkLog(s: ManifestState, branchIds: ReadonlySet<number>, bad: string[]): void {
  let prev = 0;
  const keys = new Set<string>();
  for (const h of s.walHistory) {
    if (!isLsn(h.firstLsn) || !isLsn(h.lastLsn) || h.firstLsn < 1 || h.lastLsn < h.firstLsn) bad.push(`walHistory ${h.key}: bad LSN range ${h.firstLsn}..${h.lastLsn}`);
    else if (h.firstLsn <= prev) bad.push(`walHistory ${h.key}: LSN ${h.firstLsn} does not follow ${prev}`);
    prev = Math.max(prev, h.lastLsn);
    if (keys.has(h.key)) bad.push(`walHistory ${h.key} appears twice`);
    keys.add(h.key);
    if (!h.hot && !h.archived) bad.push(`walHistory ${h.key}: neither a hot copy nor an archive`);
  }
  const names = new Set<string>();
  for (const x of s.slots) {
    if (names.has(x.name)) bad.push(`slot name ${x.name} appears twice`);
    names.add(x.name);
    if (!isLsn(x.lsn) || x.lsn > s.lastLsn) bad.push(`slot ${x.name}: bad LSN ${x.lsn} (lastLsn ${s.lastLsn})`);
    if (x.seq !== null && !isLsn(x.seq)) bad.push(`slot ${x.name}: bad seq ${x.seq}`);
    if (x.branch !== 0 && !branchIds.has(x.branch)) bad.push(`slot ${x.name}: branch ${x.branch} does not exist`);
  }
}

function isLsn(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}
