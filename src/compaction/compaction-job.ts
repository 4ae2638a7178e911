// Runs one compaction: merges the input runs, drops versions no retained read point can
// see (and tombstones with nothing older left to hide), and writes the survivors as a new
// run of SSTables. The rule and its proof: docs/compaction.md.
import type { ObjectStore } from '../storage/object-store.js';
import type { FileMeta } from '../manifest/manifest-format.js';
import { KIND_DELETE, TRAILER_SIZE, trailerKind, trailerLsn } from '../mvcc/internal-key.js';
import { MergingIterator } from '../sstable/merging-iterator.js';
import { writerOptionsForLevel, type LeveledWriterOptions } from '../sstable/level-compression.js';
import type { TableCache } from '../sstable/table-cache.js';
import { compareRange } from '../util/bytes.js';
import { yieldToEventLoop } from '../util/async.js';
import type { Compaction } from './compaction-picker.js';
import type { RetainedPoints } from './retention.js';
import { RunBuilder } from './run-builder.js';
import { runIterator } from './run-iterator.js';

export interface CompactionJobOptions {
  store: ObjectStore;
  tables: TableCache;
  targetFileBytes: number;
  /** Resolved for the compaction's output level. */
  sstable: LeveledWriterOptions;
  /** Writer epoch, part of every output file name. */
  epoch: number;
  newFileNumber: () => number;
  retained: RetainedPoints;
  /** True when a level below the output level may hold versions of `uk`. */
  deeperDataMayExist: (uk: Uint8Array) => boolean;
  /** Entries between yields to the event loop. Default 4096. */
  yieldEvery?: number;
  /** Checked between slices; when true the job stops and throws `aborted`. */
  aborted?: () => boolean;
  /** Only the user keys in this range (a subcompaction, src/compaction/subcompaction.ts); all when absent. */
  range?: KeyRange;
}

/**
 * A range of user keys: those > `after` (when set) and <= `upTo` (when set). Bounds are user
 * keys without trailers, compared bytewise; every version of a user key falls in one range.
 */
export interface KeyRange {
  after?: Uint8Array;
  upTo?: Uint8Array;
}

export interface CompactionResult {
  outputs: FileMeta[];
  bytesRead: number;
  bytesWritten: number;
  entriesIn: number;
  entriesOut: number;
  /** Versions dropped because no retained read point sees them. */
  droppedVersions: number;
  /** Tombstones dropped at the bottom (nothing older left to hide). */
  droppedTombstones: number;
  ms: number;
}

/** A kept tombstone not written yet: dropped if nothing older follows and nothing deeper can hold the key. */
interface HeldTombstone {
  key: Uint8Array;
  value: Uint8Array;
}

/** Where the surviving versions go, in internal-key order. */
export interface VersionSink {
  add(ikey: Uint8Array, value: Uint8Array): void | Promise<void>;
}

/** Counters of one merge. */
export interface MergeCounters {
  bytesRead: number;
  entriesIn: number;
  droppedVersions: number;
  droppedTombstones: number;
}

export interface MergeOptions {
  tables: TableCache;
  retained: RetainedPoints;
  deeperDataMayExist: (uk: Uint8Array) => boolean;
  yieldEvery?: number;
  aborted?: () => boolean;
  range?: KeyRange;
}

/** Seek target before every version of every user key > `uk`: `uk` then eight 0xff bytes (past its oldest version's trailer, whose kind byte is at most 1). */
function seekPast(uk: Uint8Array): Uint8Array {
  const t = new Uint8Array(uk.length + TRAILER_SIZE);
  t.set(uk);
  t.fill(0xff, uk.length);
  return t;
}

/**
 * Merges the compaction's input runs and hands every version some retained read point can
 * see to `sink`, in internal-key order (the GC rule of docs/compaction.md). Shared by the
 * SSTable compaction below and the cold compaction (src/cold/cold-compaction-job.ts).
 */
export async function mergeVersions(c: Compaction, o: MergeOptions, sink: VersionSink): Promise<MergeCounters> {
  const after = o.range?.after;
  const upTo = o.range?.upTo;
  // Runs restricted to the files that may hold a key of the range (a subcompaction reads only its share).
  const runs = o.range ? c.runs.map((run) => filesInRange(run, after, upTo)).filter((r) => r.length > 0) : c.runs;
  const merged = new MergingIterator(runs.map((run) => runIterator(o.tables, run)));
  let bytesRead = 0;
  for (const run of runs) for (const f of run) bytesRead += f.size;
  let entriesIn = 0;
  let droppedVersions = 0;
  let droppedTombstones = 0;
  const yieldEvery = o.yieldEvery ?? 4096;

  // Versions stream out as they are decided; only kept tombstones are held back, because
  // trailing ones (the oldest surviving versions of a key) may be dropped at the bottom.
  let lastUk = new Uint8Array(256);
  let lastUkLen = -1;
  let nextLsn = Infinity; // LSN of the next newer version of the current user key in the input
  let held: HeldTombstone[] = [];
  let keepAll = false; // the current key's table keeps its full history (RetainedPoints.keepsAll)

  const add = async (k: Uint8Array, v: Uint8Array): Promise<void> => {
    const p = sink.add(k, v);
    if (p) await p;
  };
  const endGroup = async (): Promise<void> => {
    if (held.length === 0) return;
    // A tombstone that is the oldest surviving version hides nothing if no deeper level can
    // hold the key: reads at any point see "absent" with or without it.
    if (!o.deeperDataMayExist(lastUk.subarray(0, lastUkLen))) droppedTombstones += held.length;
    else for (const h of held) await add(h.key, h.value);
    held = [];
  };

  try {
    let p = after ? merged.seek(seekPast(after)) : merged.seekToFirst();
    if (p) await p;
    while (merged.valid()) {
      const k = merged.key();
      const ukLen = k.length - TRAILER_SIZE;
      if (ukLen !== lastUkLen || compareRange(k, 0, ukLen, lastUk, 0, ukLen) !== 0) {
        if (upTo && compareRange(k, 0, ukLen, upTo, 0, upTo.length) > 0) break;
        if (held.length > 0) await endGroup(); // an async call per user key would cost a promise and a microtask each
        if (ukLen > lastUk.length) lastUk = new Uint8Array(ukLen * 2);
        for (let i = 0; i < ukLen; i++) lastUk[i] = k[i]!;
        lastUkLen = ukLen;
        nextLsn = Infinity;
        keepAll = o.retained.keepsAll(k);
      }
      const lsn = trailerLsn(k);
      if (keepAll || o.retained.keep(lsn, nextLsn)) {
        if (trailerKind(k) === KIND_DELETE) {
          held.push({ key: k.slice(), value: merged.value() });
        } else {
          if (held.length > 0) {
            for (const h of held) await add(h.key, h.value);
            held = [];
          }
          const q = sink.add(k, merged.value());
          if (q) await q;
        }
      } else {
        droppedVersions++;
      }
      nextLsn = lsn;
      entriesIn++;
      p = merged.next();
      if (p) await p;
      if (entriesIn % yieldEvery === 0) {
        await yieldToEventLoop();
        if (o.aborted?.()) throw new Error('compaction aborted');
      }
    }
    await endGroup();
    return { bytesRead, entriesIn, droppedVersions, droppedTombstones };
  } finally {
    merged.close();
  }
}

/** Files of a run that may hold a user key in (after, upTo]. */
function filesInRange(run: readonly FileMeta[], after: Uint8Array | undefined, upTo: Uint8Array | undefined): FileMeta[] {
  return run.filter(
    (f) =>
      (!after || compareRange(f.largest, 0, f.largest.length - TRAILER_SIZE, after, 0, after.length) > 0) &&
      (!upTo || compareRange(f.smallest, 0, f.smallest.length - TRAILER_SIZE, upTo, 0, upTo.length) <= 0),
  );
}

/**
 * A sink that ends the open output file before the first key past each of `cuts` (ascending
 * user keys, none of which the merge emits: files left unchanged lie there), so that no output
 * file spans a file that stays in the output level (Compaction.cuts).
 */
function cutAt(cuts: readonly Uint8Array[], builder: RunBuilder): VersionSink {
  let next = 0;
  return {
    add(ikey: Uint8Array, value: Uint8Array): void {
      const ukLen = ikey.length - TRAILER_SIZE;
      if (next < cuts.length && compareRange(ikey, 0, ukLen, cuts[next]!, 0, cuts[next]!.length) > 0) {
        builder.cutFile();
        next++;
        while (next < cuts.length && compareRange(ikey, 0, ukLen, cuts[next]!, 0, cuts[next]!.length) > 0) next++;
      }
      builder.add(ikey, value);
    },
  };
}

export async function runCompaction(c: Compaction, o: CompactionJobOptions): Promise<CompactionResult> {
  const t0 = Date.now();
  const builder = new RunBuilder({ store: o.store, epoch: o.epoch, targetFileBytes: o.targetFileBytes, sstable: writerOptionsForLevel(o.sstable, c.outputLevel), newFileNumber: o.newFileNumber, retained: o.retained });
  const m = await mergeVersions(c, o, c.cuts && c.cuts.length > 0 ? cutAt(c.cuts, builder) : builder);
  const outputs = await builder.finish();
  return {
    outputs,
    bytesRead: m.bytesRead,
    bytesWritten: builder.bytesWritten,
    entriesIn: m.entriesIn,
    entriesOut: builder.entries,
    droppedVersions: m.droppedVersions,
    droppedTombstones: m.droppedTombstones,
    ms: Date.now() - t0,
  };
}
