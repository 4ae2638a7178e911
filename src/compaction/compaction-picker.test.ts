// The picker's level scores: L0 by run count and by bytes (RocksDB's level0 score).
import { describe, expect, it } from 'vitest';
import { emptyManifest, type FileMeta, type ManifestState } from '../manifest/manifest-format.js';
import { encodeUserKey, KIND_PUT, makeInternalKey } from '../mvcc/internal-key.js';
import { levelScores, pickCompaction } from './compaction-picker.js';
import { resolveCompactionOptions } from './options.js';

const MiB = 1024 * 1024;
let nextNumber = 1;

/** One SSTable of `size` bytes over user keys [lo, hi] of table 1. */
function file(lo: number, hi: number, size: number): FileMeta {
  const number = nextNumber++;
  return {
    number,
    key: `sst/${number}.sst`,
    tier: 'hot',
    size,
    smallest: makeInternalKey(encodeUserKey(0, 1, [lo]), 2, KIND_PUT),
    largest: makeInternalKey(encodeUserKey(0, 1, [hi]), 1, KIND_PUT),
    minLsn: 1,
    maxLsn: 2,
    entries: 10,
    tombstones: 0,
  };
}

function state(l0: FileMeta[][], l1: FileMeta[] = []): ManifestState {
  return { ...emptyManifest(), levels: [l0, l1.length > 0 ? [l1] : []] };
}

describe('compaction picker scores', () => {
  const o = resolveCompactionOptions({ l0CompactionTrigger: 4, levelBaseBytes: 64 * MiB });

  it('scores L0 by run count: 2 small runs of 4 score 0.5 and nothing is picked', () => {
    const s = state([[file(0, 100, MiB)], [file(0, 100, MiB)]]);
    expect(levelScores(s, o)[0]).toBe(0.5);
    expect(pickCompaction(s, o, new Map())).toBeNull();
  });

  it('scores L0 by bytes too: 3 runs of 26 MiB (78 MiB >= levelBaseBytes) are compacted into L1 before a fourth run', () => {
    const l1 = [file(0, 50, 30 * MiB), file(51, 100, 30 * MiB)];
    const s = state([[file(0, 100, 26 * MiB)], [file(0, 100, 26 * MiB)], [file(0, 100, 26 * MiB)]], l1);
    expect(levelScores(s, o)[0]).toBeCloseTo(78 / 64, 9);
    const c = pickCompaction(s, o, new Map());
    expect(c?.kind).toBe('l0');
    expect(c?.outputLevel).toBe(1);
    // Every L0 run, then the overlapping L1 files.
    expect(c?.runs.length).toBe(4);
    expect(c?.inputFiles.size).toBe(5);
  });

  it('one L0 run, however large, is not compacted for its bytes alone (nothing to merge it with inside L0)', () => {
    const s = state([[file(0, 100, 200 * MiB)]]);
    expect(levelScores(s, o)[0]).toBe(0.25);
    expect(pickCompaction(s, o, new Map())).toBeNull();
  });
});

describe('L0 trivial move', () => {
  const o = resolveCompactionOptions({ l0CompactionTrigger: 4, levelBaseBytes: 64 * MiB });

  it('moves disjoint L0 runs that overlap no L1 file into L1 unchanged, in key order', () => {
    const l1 = [file(0, 99, MiB)];
    const runs = [[file(400, 499, MiB)], [file(300, 399, MiB)], [file(200, 249, MiB), file(250, 299, MiB)], [file(100, 199, MiB)]];
    const c = pickCompaction(state(runs, l1), o, new Map());
    expect(c?.kind).toBe('move');
    expect(c?.level).toBe(0);
    expect(c?.outputLevel).toBe(1);
    const moved = c!.runs.flat();
    expect(moved.map((f) => f.number)).toEqual([runs[3]![0]!, runs[2]![0]!, runs[2]![1]!, runs[1]![0]!, runs[0]![0]!].map((f) => f.number));
    expect([...c!.inputFiles].sort()).toEqual(moved.map((f) => f.number).sort());
  });

  it('merges instead when two L0 runs share a key, or one overlaps L1', () => {
    const sharing = [[file(0, 100, MiB)], [file(100, 200, MiB)], [file(300, 400, MiB)], [file(500, 600, MiB)]];
    expect(pickCompaction(state(sharing), o, new Map())?.kind).toBe('l0');
    const intoL1 = [[file(0, 99, MiB)], [file(100, 199, MiB)], [file(200, 299, MiB)], [file(300, 399, MiB)]];
    const c = pickCompaction(state(intoL1, [file(150, 160, MiB)]), o, new Map());
    expect(c?.kind).toBe('l0');
    expect(c?.inputFiles.size).toBe(5);
  });
});
